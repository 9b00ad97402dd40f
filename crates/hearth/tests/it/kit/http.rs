//! Shared helpers for tests that talk HTTP to the server: accounts, a
//! client that does not follow redirects, cookies, and signing in through
//! the real sign-in form.

use hearth_core::scope::Scope;
use hearth_core::user::Role;
use hearth_store::users;

/// The password of every account these helpers create.
pub const PASSWORD: &str = "village-pass-1";

/// Creates an account with [`PASSWORD`]; returns its id.
pub fn add_user(db: &hearth_store::Db, username: &str, role: Role, org: &str) -> String {
    let hash = hearth_core::user::hash_password(PASSWORD).unwrap_or_default();
    users::create(
        db,
        &Scope::system("test"),
        &users::NewUser {
            username,
            display_name: "测试用户",
            role,
            org_code: org,
            password_hash: &hash,
            named_access: false,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .id
}

/// A client that shows redirects instead of following them.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The whole Set-Cookie header for `name`.
pub fn set_cookie_header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

/// The `name=value` part of the Set-Cookie header for `name`.
pub fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    set_cookie_header(res, name).map(|v| v.split(';').next().unwrap_or("").to_string())
}

/// The value of the first input named `name` in a page.
pub fn field_value(html: &str, name: &str) -> String {
    html.split(&format!("name=\"{name}\""))
        .nth(1)
        .and_then(|s| s.split('>').next())
        .and_then(|tag| tag.split("value=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .to_string()
}

/// The first `csrf` hidden field of a page.
pub fn csrf_of(html: &str) -> String {
    field_value(html, "csrf")
}

/// Signs in through the real form (its pre-sign-in CSRF cookie and token);
/// returns the server's answer.
pub async fn sign_in(c: &reqwest::Client, base: &str, user: &str, pw: &str) -> reqwest::Response {
    let res = c
        .get(format!("{base}/sign-in"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let cookie = set_cookie(&res, "hearth_pre_csrf").unwrap_or_else(|| panic!("no csrf cookie"));
    let token = csrf_of(&res.text().await.unwrap_or_default());
    c.post(format!("{base}/sign-in"))
        .header("cookie", cookie)
        .form(&[("username", user), ("password", pw), ("csrf", &token)])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Signs in and returns the session cookie (`hearth_session=…`).
pub async fn session(c: &reqwest::Client, base: &str, user: &str, pw: &str) -> String {
    let res = sign_in(c, base, user, pw).await;
    assert_eq!(res.status(), 303, "sign-in of {user}");
    set_cookie(&res, "hearth_session").unwrap_or_else(|| panic!("no session"))
}

/// Signs in through the real form as `user` with [`PASSWORD`]; returns the
/// session cookie and the session's CSRF token (read from the home page).
pub async fn page_session(c: &reqwest::Client, base: &str, user: &str) -> (String, String) {
    let session = session(c, base, user, PASSWORD).await;
    let (_, home) = get(c, base, &session, "/").await;
    let csrf = field_value(&home, "csrf");
    assert!(!csrf.is_empty());
    (session, csrf)
}

/// Gets a page with the session cookie; returns the status and the body.
pub async fn get(c: &reqwest::Client, base: &str, session: &str, path: &str) -> (u16, String) {
    let res = c
        .get(format!("{base}{path}"))
        .header("cookie", session)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

/// Posts a form with the session cookie; returns the status, the Location header and the body.
pub async fn post(
    c: &reqwest::Client,
    base: &str,
    session: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let res = c
        .post(format!("{base}{path}"))
        .header("cookie", session)
        .form(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, location, res.text().await.unwrap_or_default())
}

/// The part of a page from the element with `id` to the end of its first
/// enclosing `</div>`: a field with its label, input and error.
pub fn field_block<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[start..];
    let end = rest.find("</div>").unwrap_or(rest.len());
    &rest[..end]
}

/// The part of a page from the element with `id` to the next `</section>`.
pub fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[start..];
    let end = rest.find("</section>").unwrap_or(rest.len());
    &rest[..end]
}

/// A download: status, content type, content disposition and the bytes.
pub async fn download(
    c: &reqwest::Client,
    base: &str,
    session: &str,
    path: &str,
) -> (u16, String, String, Vec<u8>) {
    let res = c
        .get(format!("{base}{path}"))
        .header("cookie", session)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let header = |n: &str| {
        res.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (ct, cd) = (header("content-type"), header("content-disposition"));
    let bytes = res.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
    (status, ct, cd, bytes)
}

/// The first sheet of a workbook: its name and its rows as text cells
/// (numbers as `2`, `0.5`…).
pub fn read_xlsx_named(bytes: Vec<u8>) -> (String, Vec<Vec<String>>) {
    use calamine::{Data, Reader};
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let name = wb.sheet_names().first().cloned().unwrap_or_default();
    let range = wb.worksheet_range(&name).unwrap();
    let rows = range
        .rows()
        .map(|r| {
            r.iter()
                .map(|d| match d {
                    Data::Float(f) => format!("{f}"),
                    Data::Int(i) => i.to_string(),
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => format!("{other:?}"),
                })
                .collect()
        })
        .collect();
    (name, rows)
}

/// The first sheet of a workbook as text cells.
pub fn read_xlsx(bytes: Vec<u8>) -> Vec<Vec<String>> {
    read_xlsx_named(bytes).1
}

/// The audit entries with `action` (and `entity` or `username` when
/// given), read on a blocking thread: the PostgreSQL client must not run
/// on a test's async thread.
pub async fn audited(
    db: &hearth_store::Db,
    action: &str,
    entity: Option<&str>,
    username: Option<&str>,
) -> usize {
    let db = db.clone();
    let f = hearth_store::audit::AuditFilter {
        action: Some(action.into()),
        entity: entity.map(str::to_string),
        username: username.map(str::to_string),
        limit: 100,
        ..hearth_store::audit::AuditFilter::default()
    };
    tokio::task::spawn_blocking(move || {
        hearth_store::audit::list(&db, &Scope::system("test"), &f)
            .unwrap()
            .len()
    })
    .await
    .unwrap()
}

/// The table row (`<tr …>` to `</tr>`) holding the element with `id`.
pub fn row<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let start = html[..start].rfind("<tr").unwrap_or(start);
    let rest = &html[start..];
    &rest[..rest.find("</tr>").unwrap_or(rest.len())]
}

/// The text of the element with `id` (up to the next `<`).
pub fn text_of<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[start..];
    let rest = &rest[rest.find('>').map_or(0, |i| i + 1)..];
    &rest[..rest.find('<').unwrap_or(rest.len())]
}

/// The cells of a table row, tags stripped and trimmed.
pub fn cells(row_html: &str) -> Vec<String> {
    row_html
        .split("<td")
        .skip(1)
        .map(|c| {
            let c = &c[c.find('>').map_or(0, |i| i + 1)..];
            let c = &c[..c.find("</td>").unwrap_or(c.len())];
            let mut out = String::new();
            let mut in_tag = false;
            for ch in c.chars() {
                match ch {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    _ if !in_tag => out.push(ch),
                    _ => {}
                }
            }
            out.trim().to_string()
        })
        .collect()
}
