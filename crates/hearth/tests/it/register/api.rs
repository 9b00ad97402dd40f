//! The JSON API through real HTTP on 127.0.0.1:0, on both backends: tokens,
//! versions and If-Match, JSON errors naming the field, idempotent creates
//! with client ids, the scope probe (another village's records are 404 on
//! every route and absent from every list), role refusals, audited views
//! and reveals, and the OpenAPI document covering every route.

use crate::kit::api::{Answer, Api};
use crate::kit::http::{PASSWORD, add_user};
use crate::kit::server::spawn_app;
use crate::*;
use hearth_core::scope::Scope;
use hearth_core::user::Role;
use hearth_store::audit::{self, AuditFilter};
use reqwest::Method;
use serde_json::{Value, json};

fn auditor_scope() -> Scope {
    Scope::for_user("a", "auditor", Role::Auditor, "370404", false, "x")
}

fn ids(a: &Answer) -> Vec<String> {
    a.body["items"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(|i| i["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn villages(a: &Answer) -> Vec<String> {
    a.body["items"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(|i| i["village_code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

both!(tokens_issue_revoke_and_refuse, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let anon = Api::new(&base);
        // A good token.
        let a = anon
            .post(
                "/api/v1/auth/token",
                json!({"username": "v01", "password": PASSWORD}),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        let token = a.body["token"].as_str().unwrap_or("").to_string();
        assert!(token.len() > 32);
        assert!(
            a.body["expires_at"]
                .as_str()
                .is_some_and(|s| s.ends_with('Z'))
        );

        // Wrong password: 401, one message for every kind of failure.
        let a = anon
            .send(
                Method::POST,
                "/api/v1/auth/token",
                Some(json!({"username": "v01", "password": "nope"})),
                None,
                None,
                &[("accept-language", "en-US,en;q=0.9")],
            )
            .await;
        assert_eq!(a.status, 401);
        assert_eq!(a.error(), "invalid_credentials");
        assert_eq!(a.body["message"], "Wrong user name or password");
        let a = anon
            .post(
                "/api/v1/auth/token",
                json!({"username": "nobody", "password": "nope"}),
            )
            .await;
        assert_eq!((a.status, a.error()), (401, "invalid_credentials"));
        assert_eq!(a.body["message"], "用户名或密码错误");
        // Missing fields are named.
        let a = anon.post("/api/v1/auth/token", json!({})).await;
        assert_eq!(a.status, 422);
        assert_eq!(a.fields(), vec!["password", "username"]);

        // No bearer, a bad bearer: 401 JSON with a challenge.
        let a = anon.get("/api/v1/persons").await;
        assert_eq!((a.status, a.error()), (401, "unauthorized"));
        assert!(a.header("www-authenticate").starts_with("Bearer"));
        let forged = Api {
            token: Some("hearth_forged".into()),
            ..anon.clone()
        };
        let a = forged.get("/api/v1/persons").await;
        assert_eq!((a.status, a.error()), (401, "invalid_token"));

        // The token works until revoked.
        let me = Api {
            token: Some(token),
            ..anon.clone()
        };
        assert_eq!(me.get("/api/v1/persons").await.status, 200);
        assert_eq!(me.delete("/api/v1/auth/token", None).await.status, 204);
        let a = me.get("/api/v1/persons").await;
        assert_eq!((a.status, a.error()), (401, "invalid_token"));

        // Enough failures lock the account and address: 429.
        let mut last = 0;
        for _ in 0..6 {
            last = anon
                .post(
                    "/api/v1/auth/token",
                    json!({"username": "v01", "password": "wrong"}),
                )
                .await
                .status;
        }
        assert_eq!(last, 429);
        let a = anon
            .post(
                "/api/v1/auth/token",
                json!({"username": "v01", "password": PASSWORD}),
            )
            .await;
        assert_eq!((a.status, a.error()), (429, "locked"));
        assert!(a.header("retry-after").parse::<i64>().is_ok_and(|s| s > 0));
    });
});

both!(person_versions_and_if_match, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let api = Api::new(&base).signed_in("v01").await;
        let rid1 = rid(1991, 8);
        let a = api
            .post(
                "/api/v1/persons",
                json!({"name": "张晓梅", "resident_id": rid1, "village_code": V1,
                       "phone": "13812345678", "marital_status": "初婚"}),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        assert_eq!(a.header("etag"), "\"1\"");
        let id = a.body["id"].as_str().unwrap_or("").to_string();
        assert_eq!(a.header("location"), format!("/api/v1/persons/{id}"));
        // Masked, even right after the create.
        assert!(a.body.get("resident_id").is_none());
        assert_ne!(a.body["masked_resident_id"], rid1.as_str());
        assert_eq!(a.body["masked_phone"], "138****5678");
        assert_eq!(a.body["sex"], "female");
        assert_eq!(a.body["marital_status"], "first_marriage");

        let path = format!("/api/v1/persons/{id}");
        let a = api.get(&path).await;
        assert_eq!(a.status, 200);
        assert_eq!(a.header("etag"), "\"1\"");
        assert_eq!(a.body["version"], 1);

        // Without If-Match: 428.
        let change = json!({"name": "张晓玫", "village_code": V1, "marital_status": "初婚"});
        let a = api.put(&path, change.clone(), None).await;
        assert_eq!((a.status, a.error()), (428, "precondition_required"));
        // A garbled If-Match: 400 naming the header.
        let a = api.put(&path, change.clone(), Some("abc")).await;
        assert_eq!((a.status, a.error()), (400, "bad_if_match"));
        assert_eq!(a.fields(), vec!["If-Match"]);
        // With it: 200, a new version; the ID number and phone are kept.
        let a = api.put(&path, change.clone(), Some("\"1\"")).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.header("etag"), "\"2\"");
        assert_eq!(a.body["name"], "张晓玫");
        assert_eq!(a.body["masked_phone"], "138****5678");
        // Stale: 409 with the record as it is now.
        let a = api
            .put(
                &path,
                json!({"name": "张三", "village_code": V1}),
                Some("1"),
            )
            .await;
        assert_eq!((a.status, a.error()), (409, "conflict"));
        assert_eq!(a.body["current"]["version"], 2);
        assert_eq!(a.body["current"]["name"], "张晓玫");
        assert!(a.body["current"].get("resident_id").is_none());
        assert_eq!(a.header("etag"), "\"2\"");
        // An empty phone removes it.
        let a = api
            .put(
                &path,
                json!({"name": "张晓玫", "village_code": V1, "phone": "", "resident_id": rid1}),
                Some("W/\"2\""),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body["masked_phone"], Value::Null);

        // Persons are never deleted.
        let a = api.delete(&path, Some("3")).await;
        assert_eq!((a.status, a.error()), (405, "method_not_allowed"));
        assert!(a.header("allow").contains("GET"));
        // An unknown API route is JSON too.
        let a = api.get("/api/v1/nothing-here").await;
        assert_eq!((a.status, a.error()), (404, "not_found"));
    });
});

both!(bad_input_names_the_field, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    let f = family(&t.db, V1, 10, "0001");
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let api = Api::new(&base).signed_in("v01").await;
        let mut bad_id = rid(1990, 20);
        bad_id.pop();
        bad_id.push(if bad_id.ends_with('1') { '2' } else { '1' });
        // Every refused field at once, in the caller's language.
        let a = api
            .send(
                Method::POST,
                "/api/v1/persons",
                Some(
                    json!({"name": "", "resident_id": bad_id, "village_code": "370404",
                            "phone": "123", "id": "not-a-uuid"}),
                ),
                None,
                None,
                &[("accept-language", "en")],
            )
            .await;
        assert_eq!((a.status, a.error()), (422, "invalid"));
        for f in ["id", "name", "resident_id", "phone", "village_code"] {
            assert!(a.fields().contains(&f.to_string()), "{f}: {}", a.body);
        }
        assert_eq!(a.body["message"], "Some fields need correcting");
        // Wrong JSON types name their field, nested ones by path.
        let a = api.post("/api/v1/persons", json!({"name": 12})).await;
        assert_eq!((a.status, a.fields()), (422, vec!["name".to_string()]));
        let a = api
            .post(
                "/api/v1/households",
                json!({"village_code": V1, "number": "9", "flags": {"only_child": "yes"}}),
            )
            .await;
        assert_eq!(
            (a.status, a.fields()),
            (422, vec!["flags.only_child".to_string()])
        );
        let a = api
            .post(
                "/api/v1/birth-registrations",
                json!({"couple_id": f.couple, "child_order": "two", "number": "R-9",
                       "issued_on": "2024-01-01"}),
            )
            .await;
        assert_eq!(
            (a.status, a.fields()),
            (422, vec!["child_order".to_string()])
        );
        // Malformed JSON, a bare array, the wrong content type.
        for (ct, text, status, code) in [
            ("application/json", "{\"name\": ", 400, "malformed_json"),
            ("application/json", "", 400, "malformed_json"),
            ("application/json", "[1, 2]", 422, "invalid"),
            ("text/plain", "{}", 415, "unsupported_media_type"),
        ] {
            let a = api
                .send(
                    Method::POST,
                    "/api/v1/persons",
                    None,
                    None,
                    Some((ct, text)),
                    &[],
                )
                .await;
            assert_eq!((a.status, a.error()), (status, code), "{text}: {}", a.body);
        }
        // Bad query parameters.
        let a = api.get("/api/v1/persons?limit=abc&offset=-1").await;
        assert_eq!(
            (a.status, a.fields()),
            (422, vec!["limit".into(), "offset".into()])
        );
        let a = api.get("/api/v1/birth-registrations?status=gone").await;
        assert_eq!((a.status, a.fields()), (422, vec!["status".to_string()]));
        let a = api.get("/api/v1/persons?q=%3C%3E").await;
        assert_eq!((a.status, a.fields()), (422, vec!["q".to_string()]));
        let a = api
            .get(&format!("/api/v1/persons/{}?reveal=name", f.wife))
            .await;
        assert_eq!((a.status, a.fields()), (422, vec!["reveal".to_string()]));
        // Status changes check their body; a cancellation needs a reason.
        let path = format!("/api/v1/birth-registrations/{}/status", f.registration);
        let a = api
            .post_if(&path, json!({"status": "cancelled"}), "1")
            .await;
        assert_eq!((a.status, a.fields()), (422, vec!["reason".to_string()]));
        let a = api.post_if(&path, json!({"status": "current"}), "1").await;
        assert_eq!((a.status, a.fields()), (422, vec!["status".to_string()]));
        let review = format!("/api/v1/birth-registrations/{}/review", f.registration);
        let a = api.post_if(&review, json!({"on": "2024-13-01"}), "1").await;
        assert_eq!((a.status, a.fields()), (422, vec!["on".to_string()]));
        // A couple must be a woman of the area and a man.
        let a = api
            .post(
                "/api/v1/couples",
                json!({"wife_id": f.husband, "husband_id": f.wife}),
            )
            .await;
        assert_eq!((a.status, a.fields()), (422, vec!["wife_id".to_string()]));
    });
});

both!(households_couples_and_registrations, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let api = Api::new(&base).signed_in("v01").await;
        // A household, retried by an offline client with its own id.
        let hid = uuid::Uuid::now_v7().to_string();
        let body = json!({"id": hid, "village_code": V1, "number": "0101", "address": "三组",
                          "flags": {"family_planning": true}});
        let a = api.post("/api/v1/households", body.clone()).await;
        assert_eq!(a.status, 201, "{}", a.body);
        assert_eq!(a.body["id"], hid.as_str());
        assert_eq!(a.body["flags"]["family_planning"], true);
        let again = api.post("/api/v1/households", body).await;
        assert_eq!(again.status, 200);
        assert_eq!(again.body, a.body);
        let list = api.get(&format!("/api/v1/households?village={V1}")).await;
        assert_eq!(ids(&list), vec![hid.clone()]);
        // The same id for another household is refused.
        let a = api
            .post(
                "/api/v1/households",
                json!({"id": hid, "village_code": V1, "number": "0102"}),
            )
            .await;
        assert_eq!((a.status, a.fields()), (422, vec!["id".to_string()]));

        // A person retried with the same id is one person.
        let pid = uuid::Uuid::now_v7().to_string();
        let wife = json!({"id": pid, "name": "孙丽", "resident_id": rid(1995, 40),
                          "village_code": V1, "household_id": hid, "relation": "户主"});
        assert_eq!(api.post("/api/v1/persons", wife.clone()).await.status, 201);
        let a = api.post("/api/v1/persons", wife).await;
        assert_eq!((a.status, a.body["id"].as_str()), (200, Some(pid.as_str())));
        let persons = api.get("/api/v1/persons").await;
        assert_eq!(ids(&persons), vec![pid.clone()]);
        let husband = api
            .post(
                "/api/v1/persons",
                json!({"name": "周强", "resident_id": rid(1993, 41), "village_code": V1}),
            )
            .await;
        let husband_id = husband.body["id"].as_str().unwrap_or("").to_string();

        // The household shows its members, masked; a household with
        // members is not deleted.
        let hpath = format!("/api/v1/households/{hid}");
        let a = api.get(&hpath).await;
        assert_eq!(a.status, 200);
        assert_eq!(a.body["head_person_id"], pid.as_str());
        assert_eq!(a.body["members"][0]["id"], pid.as_str());
        assert!(a.body["members"][0].get("resident_id").is_none());
        let version = a.header("etag");
        let a = api.delete(&hpath, Some(&version)).await;
        assert_eq!((a.status, a.error()), (409, "has_members"));
        let a = api.delete(&hpath, None).await;
        assert_eq!(a.status, 428);
        // Change it, then a stale change gets the current one back.
        let a = api
            .put(
                &hpath,
                json!({"address": "四组", "flags": {"only_child": true}}),
                Some(&version),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.header("etag"), "\"2\"");
        let a = api
            .put(&hpath, json!({"address": "五组"}), Some(&version))
            .await;
        assert_eq!(a.status, 409);
        assert_eq!(a.body["current"]["address"], "四组");
        assert_eq!(a.body["current"]["version"], 2);
        // An empty household can go.
        let empty = api
            .post(
                "/api/v1/households",
                json!({"village_code": V1, "number": "0199"}),
            )
            .await;
        let epath = format!(
            "/api/v1/households/{}",
            empty.body["id"].as_str().unwrap_or("")
        );
        assert_eq!(api.delete(&epath, Some("2")).await.status, 409);
        assert_eq!(api.delete(&epath, Some("1")).await.status, 204);
        assert_eq!(api.get(&epath).await.status, 404);

        // A couple, a registration, its review and its cancellation.
        let a = api
            .post(
                "/api/v1/couples",
                json!({"wife_id": pid, "husband_id": husband_id, "marriage_date": "2020-05-01"}),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        let couple = a.body["id"].as_str().unwrap_or("").to_string();
        let a = api.get(&format!("/api/v1/couples/{couple}")).await;
        assert_eq!((a.status, a.header("etag")), (200, "\"1\"".to_string()));
        assert_eq!(ids(&api.get("/api/v1/couples").await), vec![couple.clone()]);
        let a = api
            .post(
                "/api/v1/birth-registrations",
                json!({"couple_id": couple, "child_order": 1, "number": "SY-2024-1",
                       "issued_on": "2024-03-01"}),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        assert_eq!(a.body["review_due"], "2025-03-01");
        let reg = a.body["id"].as_str().unwrap_or("").to_string();
        let a = api
            .post(
                "/api/v1/birth-registrations",
                json!({"couple_id": "nope", "child_order": 1, "number": "SY-2024-2",
                       "issued_on": "2024-03-01"}),
            )
            .await;
        assert_eq!((a.status, a.fields()), (422, vec!["couple_id".to_string()]));
        let review = format!("/api/v1/birth-registrations/{reg}/review");
        let a = api
            .send(
                Method::POST,
                &review,
                Some(json!({"on": "2025-02-20"})),
                None,
                None,
                &[],
            )
            .await;
        assert_eq!(a.status, 428);
        let a = api
            .post_if(&review, json!({"on": "2025-02-20"}), "\"1\"")
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body["review_due"], "2026-02-20");
        assert_eq!(a.header("etag"), "\"2\"");
        let status = format!("/api/v1/birth-registrations/{reg}/status");
        let a = api
            .post_if(
                &status,
                json!({"status": "cancelled", "reason": "迁出"}),
                "1",
            )
            .await;
        assert_eq!(a.status, 409);
        assert_eq!(a.body["current"]["version"], 2);
        let a = api
            .post_if(
                &status,
                json!({"status": "cancelled", "reason": "迁出"}),
                "2",
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body["status"], "cancelled");
        let a = api
            .get("/api/v1/birth-registrations?status=cancelled")
            .await;
        assert_eq!(ids(&a), vec![reg.clone()]);
        let a = api.get("/api/v1/birth-registrations?status=current").await;
        assert!(ids(&a).is_empty());

        // Org units with counts for the village.
        let a = api.get("/api/v1/org-units").await;
        assert_eq!(a.status, 200);
        let units = a.body["items"].as_array().cloned().unwrap_or_default();
        let v1 = units
            .iter()
            .find(|u| u["code"] == V1)
            .cloned()
            .unwrap_or_default();
        assert_eq!(v1["in_scope"], true);
        assert_eq!(v1["counts"]["residents"], 2);
        assert_eq!(v1["counts"]["households"], 1);
        assert!(units.iter().all(|u| u["code"] != V2));
        assert!(
            units
                .iter()
                .any(|u| u["code"] == TOWN && u["in_scope"] == false)
        );
    });
});

both!(scope_probe_and_roles, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    add_user(&t.db, "aud", Role::Auditor, "370404");
    let mine = family(&t.db, V1, 10, "0001");
    let theirs = family(&t.db, V2, 20, "0002");
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let api = Api::new(&base).signed_in("v01").await;
        let h = format!("/api/v1/households/{}", theirs.household);
        let p = format!("/api/v1/persons/{}", theirs.wife);
        let c = format!("/api/v1/couples/{}", theirs.couple);
        let r = format!("/api/v1/birth-registrations/{}", theirs.registration);
        let person_body = json!({"name": "王秀兰", "resident_id": rid(1992, 40),
                                 "village_code": V1});
        let probes = [
            api.get(&h).await,
            api.put(&h, json!({"address": "x"}), Some("1")).await,
            api.delete(&h, Some("1")).await,
            api.get(&p).await,
            api.get(&format!("{p}?reveal=resident_id")).await,
            api.get(&format!("{p}?reveal=phone")).await,
            api.put(&p, person_body.clone(), Some("1")).await,
            api.put(&p, json!({"name": "王秀兰", "village_code": V1}), Some("1"))
                .await,
            api.get(&c).await,
            api.get(&r).await,
            api.post_if(&format!("{r}/review"), json!({"on": "2025-01-01"}), "1")
                .await,
            api.post_if(
                &format!("{r}/status"),
                json!({"status": "cancelled", "reason": "迁出"}),
                "1",
            )
            .await,
        ];
        for (i, a) in probes.iter().enumerate() {
            assert_eq!(
                (a.status, a.error()),
                (404, "not_found"),
                "probe {i}: {}",
                a.body
            );
        }
        // The same routes work on the caller's own village.
        assert_eq!(
            api.get(&format!("/api/v1/households/{}", mine.household))
                .await
                .status,
            200
        );
        assert_eq!(
            api.get(&format!("/api/v1/couples/{}", mine.couple))
                .await
                .status,
            200
        );

        // Lists never hold village 2, even when asked for it.
        for list in [
            "/api/v1/households",
            "/api/v1/persons",
            "/api/v1/couples",
            "/api/v1/birth-registrations",
        ] {
            let a = api.get(list).await;
            assert_eq!(a.status, 200, "{list}");
            let vs = villages(&a);
            assert!(
                !vs.is_empty() && vs.iter().all(|v| v == V1),
                "{list}: {vs:?}"
            );
            let a = api.get(&format!("{list}?village={V2}")).await;
            assert_eq!(a.status, 200);
            assert!(ids(&a).is_empty(), "{list}?village={V2}: {}", a.body);
        }
        let a = api.get("/api/v1/persons?q=王秀兰").await;
        assert_eq!(ids(&a), vec![mine.wife.clone()]);
        assert_eq!(a.body["kind"], "name");
        let a = api
            .get(&format!("/api/v1/persons?q={}", rid(1992, 40)))
            .await;
        assert!(ids(&a).is_empty());
        // Lists never show a full ID number or phone.
        let a = api.get("/api/v1/persons").await;
        assert!(a.body["items"][0].get("resident_id").is_none());
        assert!(!a.body.to_string().contains(&rid(1992, 20)));

        // An auditor has no register: 403 on every register route.
        let aud = Api::new(&base).signed_in("aud").await;
        let own_h = format!("/api/v1/households/{}", mine.household);
        let answers = [
            aud.get("/api/v1/households").await,
            aud.get("/api/v1/persons").await,
            aud.get("/api/v1/persons?q=wxl").await,
            aud.get("/api/v1/couples").await,
            aud.get("/api/v1/birth-registrations").await,
            aud.get(&own_h).await,
            aud.get(&format!("/api/v1/persons/{}", mine.wife)).await,
            aud.get(&format!("/api/v1/couples/{}", mine.couple)).await,
            aud.get(&format!(
                "/api/v1/birth-registrations/{}",
                mine.registration
            ))
            .await,
            aud.put(&own_h, json!({"address": "x"}), Some("1")).await,
            aud.delete(&own_h, Some("1")).await,
            aud.post(
                "/api/v1/households",
                json!({"village_code": V1, "number": "0777"}),
            )
            .await,
            aud.post("/api/v1/persons", person_body).await,
        ];
        for (i, a) in answers.iter().enumerate() {
            assert_eq!(
                (a.status, a.error()),
                (403, "forbidden"),
                "auditor {i}: {}",
                a.body
            );
        }
        // The org tree is no personal data; the auditor gets no counts.
        let a = aud.get("/api/v1/org-units").await;
        assert_eq!(a.status, 200);
        let units = a.body["items"].as_array().cloned().unwrap_or_default();
        assert!(!units.is_empty() && units.iter().all(|u| u.get("counts").is_none()));
    });
});

both!(views_and_reveals_are_audited, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    let mine = family(&t.db, V1, 10, "0001");
    let full_rid = rid(1992, 20);
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let api = Api::new(&base).signed_in("v01").await;
        let p = format!("/api/v1/persons/{}", mine.wife);
        let a = api.get(&p).await;
        assert_eq!(a.status, 200);
        assert!(a.body.get("resident_id").is_none());
        let a = api.get(&format!("{p}?reveal=resident_id")).await;
        assert_eq!(a.status, 200);
        assert_eq!(a.body["resident_id"], full_rid.as_str());
        // No phone on record: nothing to reveal, still 200.
        let a = api.get(&format!("{p}?reveal=phone")).await;
        assert_eq!(a.status, 200);
        assert!(a.body.get("phone").is_none());
        assert_eq!(
            api.get(&format!("/api/v1/households/{}", mine.household))
                .await
                .status,
            200
        );
        assert_eq!(
            api.get(&format!("/api/v1/couples/{}", mine.couple))
                .await
                .status,
            200
        );
        assert_eq!(
            api.get(&format!(
                "/api/v1/birth-registrations/{}",
                mine.registration
            ))
            .await
            .status,
            200
        );
        assert_eq!(api.get("/api/v1/persons?q=wxl").await.status, 200);
    });
    let trail = |action: &str, entity: &str, id: Option<&str>| {
        audit::list(
            &t.db,
            &auditor_scope(),
            &AuditFilter {
                username: Some("v01".into()),
                action: Some(action.into()),
                entity: Some(entity.into()),
                entity_id: id.map(str::to_string),
                limit: 100,
                ..AuditFilter::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"))
    };
    let views = trail("view", "person", Some(&mine.wife));
    assert_eq!(views.len(), 3);
    assert!(views.iter().all(|e| e.origin == "127.0.0.1"));
    let reveals = trail("reveal", "person", Some(&mine.wife));
    assert_eq!(reveals.len(), 1);
    assert_eq!(reveals[0].detail.as_deref(), Some("resident_id"));
    assert_eq!(trail("view", "household", Some(&mine.household)).len(), 1);
    assert_eq!(trail("view", "couple", Some(&mine.couple)).len(), 1);
    assert_eq!(
        trail("view", "birth_registration", Some(&mine.registration)).len(),
        1
    );
    let searches = trail("view", "person_search", None);
    assert_eq!(searches.len(), 1);
    assert_eq!(searches[0].detail.as_deref(), Some("initials"));
    // Nothing in the trail holds the full ID number.
    let all = audit::list(&t.db, &auditor_scope(), &AuditFilter::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(all.iter().all(|e| !format!("{e:?}").contains(&full_rid)));
});

both!(openapi_document_lists_every_route, |kind| {
    let t = TestDb::new(kind);
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let a = Api::new(&base).get("/api/openapi.json").await;
        assert_eq!(a.status, 200);
        assert!(
            a.body["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3."))
        );
        let paths = a.body["paths"].as_object().cloned().unwrap_or_default();
        assert!(!hearth_web::api::API_ROUTES.is_empty());
        for (method, path) in hearth_web::api::API_ROUTES {
            assert!(
                paths.get(*path).is_some_and(|p| p[*method].is_object()),
                "{method} {path} missing from the document"
            );
        }
        assert_eq!(
            a.body["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        assert!(a.body["components"]["schemas"]["ErrorBody"].is_object());
        assert!(a.body["components"]["schemas"]["PersonDto"].is_object());
    });
});
