//! One end-to-end test in a real browser (headless Chromium driven through
//! chromedriver's W3C WebDriver API): a village specialist signs in,
//! searches a woman by pinyin initials, edits her phone, sees the change;
//! then the auditor sees the change on the audit trail. Chromium and
//! chromedriver come from Debian (`cargo xtask test` installs them); the test fails,
//! never skips, when they are missing.

use super::*;
use hearth_core::scope::Scope;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    child: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    profile: std::path::PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"))
}

impl Driver {
    async fn start() -> Driver {
        let port = free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("chromedriver is required (apt-get install chromium chromium-driver): {e}")
            });
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile =
            std::env::temp_dir().join(format!("hearth-chromium-{}", uuid::Uuid::now_v7().simple()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--window-size=390,844",
                         format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let mut d = Driver {
            child,
            base,
            session: String::new(),
            http,
            profile,
        };
        let v = d.call("POST", "/session", caps).await;
        d.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        d
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body),
        };
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("webdriver: {e}"));
        let v: Value = res
            .json()
            .await
            .unwrap_or_else(|e| panic!("webdriver json: {e}"));
        if v["value"]["error"].is_string() {
            panic!("webdriver {method} {path}: {}", v["value"]);
        }
        v.get("value").cloned().unwrap_or(v)
    }

    async fn go(&self, url: &str) {
        self.call("POST", "/url", json!({"url": url})).await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                "POST",
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.call("POST", &format!("/element/{e}/clear"), json!({}))
            .await;
        self.call(
            "POST",
            &format!("/element/{e}/value"),
            json!({"text": text}),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.call("POST", &format!("/element/{e}/click"), json!({}))
            .await;
    }

    async fn source(&self) -> String {
        self.call("GET", "/source", Value::Null)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// Waits (up to 10 s) until the page contains `text`, as a person
    /// waits for the next page after a click; returns the page.
    async fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let html = self.source().await;
            if html.contains(text) || Instant::now() > deadline {
                return html;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn url(&self) -> String {
        self.call("GET", "/url", Value::Null)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    async fn sign_in(&self, base: &str, user: &str, pw: &str) {
        self.go(&format!("{base}/sign-in")).await;
        self.type_into("#username", user).await;
        self.type_into("#password", pw).await;
        self.click("form[action='/sign-in'] button[type=submit]")
            .await;
    }
}

#[test]
fn village_specialist_edits_a_phone_and_the_auditor_sees_it() {
    let t = TestDb::new(Kind::Sqlite);
    seed_orgs(&t.db);
    let sys = Scope::system("test");
    let hash = hearth_core::user::hash_password("browser-pass-1").unwrap_or_default();
    for (u, role, org) in [
        ("v01", hearth_core::user::Role::VillageSpecialist, V1),
        ("auditor", hearth_core::user::Role::Auditor, "370404"),
    ] {
        hearth_store::users::create(
            &t.db,
            &sys,
            &hearth_store::users::NewUser {
                username: u,
                display_name: u,
                role,
                org_code: org,
                password_hash: &hash,
                named_access: false,
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }
    let mut input = hearth_core::person::PersonInput {
        name: "张晓梅".into(),
        resident_id: rid(1990, 2),
        phone: "13812345678".into(),
        village_code: V1.into(),
        ..Default::default()
    };
    let p = input.validate(today()).unwrap_or_else(|e| panic!("{e:?}"));
    let woman = hearth_store::register::create_person(&t.db, &sys, None, &p, None)
        .unwrap_or_else(|e| panic!("{e}"));
    input.name = "李秀梅".into();
    input.resident_id = rid(1991, 4);
    let other = input.validate(today()).unwrap_or_else(|e| panic!("{e:?}"));
    hearth_store::register::create_person(&t.db, &sys, None, &other, None)
        .unwrap_or_else(|e| panic!("{e}"));

    let (base, rt) = crate::kit::server::spawn_app(t.db.clone());
    rt.block_on(async {
        let d = Driver::start().await;
        d.sign_in(&base, "v01", "browser-pass-1").await;
        assert!(
            d.wait_for("万年闸村").await.contains("万年闸村"),
            "not signed in: {}",
            d.url().await
        );

        // Search by pinyin initials; only 张晓梅 matches "zxm", masked.
        d.go(&format!("{base}/search")).await;
        d.type_into("input[name=q]", "zxm").await;
        d.click("form[action='/search'] button[type=submit]").await;
        let html = d.wait_for("138****5678").await;
        assert!(
            html.contains("张晓梅") && !html.contains("李秀梅"),
            "{html}"
        );
        assert!(
            html.contains("138****5678") && !html.contains("13812345678"),
            "{html}"
        );

        // Open her record and edit the phone.
        d.click(&format!("a[href='/persons/{}']", woman.id)).await;
        assert!(d.wait_for("张晓梅").await.contains("张晓梅"));
        d.go(&format!("{base}/persons/{}/edit", woman.id)).await;
        d.type_into("input[name=phone]", "13900001111").await;
        d.click("form[action$='/edit'] button[type=submit]").await;
        let html = d.wait_for("139****1111").await;
        assert!(
            html.contains("139****1111"),
            "the change is not shown: {html}"
        );

        // The auditor sees the update on the trail.
        d.go(&format!("{base}/")).await;
        d.click("form[action='/sign-out'] button[type=submit]")
            .await;
        d.wait_for("id=\"username\"").await;
        d.sign_in(&base, "auditor", "browser-pass-1").await;
        d.wait_for("action=\"/sign-out\"").await;
        d.go(&format!("{base}/audit?entity_id={}", woman.id)).await;
        let html = d.wait_for(&woman.id).await;
        assert!(html.contains("v01") && html.contains(&woman.id), "{html}");
        assert!(html.contains("update") || html.contains("修改"), "{html}");
        let _ = d.call("DELETE", "", Value::Null).await;
    });
    let after = hearth_store::register::get_person(&t.db, &sys, &woman.id)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(after.phone.as_deref(), Some("13900001111"));
}
