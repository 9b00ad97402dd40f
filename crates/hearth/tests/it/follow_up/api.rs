//! The follow-up API through real HTTP on both backends: a specialist's
//! zones and assignments, the unassigned list, a worker's work list and
//! visits (idempotent retries, the contacts a visit covers, a phone call
//! that does not cover a postpartum home visit), procedures, needs, rules,
//! scope and roles (403, 404), stale If-Match (409 with the zone), coverage
//! figures counted by hand, bad parameters named, and the OpenAPI document.

use crate::kit::api::{Answer, Api};
use crate::kit::http::add_user;
use crate::kit::server::spawn_app;
use crate::*;
use chrono::{Duration, NaiveDate};
use hearth_core::dates::fmt_date;
use hearth_core::follow_up::{VisitInput, YearMonth};
use hearth_core::user::Role;
use hearth_store::follow_up;
use serde_json::{Value, json};

fn this_month() -> String {
    YearMonth::of(today()).to_string()
}

/// The server and the ids of its users: specialists of V1 and V2, two
/// follow-up workers of V1, a town staff member and an administrator.
/// Fields drop in order: the server's runtime before the database, so
/// that the last handle of a PostgreSQL pool is not dropped inside it.
struct Setup {
    rt: tokio::runtime::Runtime,
    t: TestDb,
    base: String,
    v01: String,
    worker: String,
    worker2: String,
}

fn setup(kind: Kind) -> Setup {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let v01 = add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    add_user(&t.db, "v02", Role::VillageSpecialist, V2);
    let worker = add_user(&t.db, "worker", Role::FollowUpWorker, V1);
    let worker2 = add_user(&t.db, "worker2", Role::FollowUpWorker, V1);
    add_user(&t.db, "town1", Role::TownStaff, TOWN);
    add_user(&t.db, "boss", Role::Admin, "370404");
    let (base, rt) = spawn_app(t.db.clone());
    Setup {
        rt,
        t,
        base,
        v01,
        worker,
        worker2,
    }
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

/// The items of a JSON array at `v`.
fn items(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

/// Creates a zone of `village` for `worker`; returns its id.
async fn zone(api: &Api, village: &str, name: &str, worker: &str) -> String {
    let a = api
        .post(
            "/api/v1/zones",
            json!({"village": village, "name": name, "worker_id": worker}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    s(&a.body["id"])
}

async fn assign(api: &Api, person: &str, zone: &str) -> Answer {
    api.put(
        &format!("/api/v1/persons/{person}/assignment"),
        json!({"zone_id": zone}),
        None,
    )
    .await
}

/// The status of the contact `key` on a woman's schedule.
async fn status_of(api: &Api, person: &str, key: &str) -> String {
    let a = api.get(&format!("/api/v1/persons/{person}/schedule")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    items(&a.body["contacts"])
        .iter()
        .find(|c| c["key"] == key)
        .map(|c| s(&c["status"]))
        .unwrap_or_else(|| panic!("{key} is not on the schedule: {}", a.body))
}

fn covered_keys(visit: &Value) -> Vec<String> {
    items(&visit["covered"])
        .iter()
        .map(|c| s(&c["key"]))
        .collect()
}

both!(
    a_worker_lists_visits_and_covers_her_assigned_woman,
    |kind| {
        let su = setup(kind);
        let woman = add_woman(&su.t.db, V1, "李秀梅", 1);
        su.rt.block_on(async {
            let v01 = Api::new(&su.base).signed_in("v01").await;
            // A new woman is unassigned until the specialist assigns her.
            let un = v01
                .get(&format!("/api/v1/assignments/unassigned?village={V1}"))
                .await;
            assert_eq!(un.status, 200, "{}", un.body);
            let listed = |a: &Answer| {
                items(&a.body["items"])
                    .iter()
                    .any(|i| i["person_id"] == woman.id.as_str())
            };
            assert!(listed(&un), "{}", un.body);
            let none = v01
                .get(&format!("/api/v1/persons/{}/assignment", woman.id))
                .await;
            assert_eq!((none.status, none.body["assignment"].clone()), (200, Value::Null));

            let zid = hearth_store::new_id();
            let body = json!({"id": zid, "village": V1, "name": "一组片区", "worker_id": su.worker});
            let z = v01.post("/api/v1/zones", body.clone()).await;
            assert_eq!(z.status, 201, "{}", z.body);
            assert_eq!(z.header("location"), format!("/api/v1/zones/{zid}"));
            assert_eq!(z.header("etag"), "\"1\"");
            assert_eq!(z.body["worker_id"], su.worker.as_str());
            let again = v01.post("/api/v1/zones", body).await;
            assert_eq!((again.status, s(&again.body["id"])), (200, zid.clone()));
            let zones = v01.get(&format!("/api/v1/zones?village={V1}")).await;
            assert_eq!(items(&zones.body["items"]).len(), 1, "{}", zones.body);
            assert!(
                items(&zones.body["workers"])
                    .iter()
                    .any(|w| w["id"] == su.worker.as_str()),
                "{}",
                zones.body
            );

            let a = assign(&v01, &woman.id, &zid).await;
            assert_eq!(a.status, 200, "{}", a.body);
            assert_eq!(a.body["worker_id"], su.worker.as_str());
            let un = v01
                .get(&format!("/api/v1/assignments/unassigned?village={V1}"))
                .await;
            assert!(!listed(&un), "{}", un.body);
            let z = v01.get(&format!("/api/v1/zones/{zid}")).await;
            assert_eq!(z.body["women"], 1, "{}", z.body);

            // Her monthly contact is on the worker's list today.
            let w = Api::new(&su.base).signed_in("worker").await;
            let monthly = format!("monthly:{}", this_month());
            let list = w.get("/api/v1/work-list").await;
            assert_eq!(list.status, 200, "{}", list.body);
            let on_list = |a: &Answer| {
                items(&a.body["due_today"]["items"])
                    .iter()
                    .any(|i| i["person_id"] == woman.id.as_str() && i["contact_key"] == monthly.as_str())
            };
            assert!(on_list(&list), "{}", list.body);
            assert_eq!(list.body["women"], 1);
            assert_eq!(status_of(&w, &woman.id, &monthly).await, "due");

            // A visit (201, Location); the retry answers 200 with the same visit.
            let vid = hearth_store::new_id();
            let body = json!({"id": vid, "person_id": woman.id, "visited_on": fmt_date(today()),
                              "mode": "phone", "topics": ["policy_law"], "findings": "身体健康",
                              "needs": [{"category": "benefit", "text": "咨询独生子女奖励", "for_window": false}]});
            let v = w.post("/api/v1/visits", body.clone()).await;
            assert_eq!(v.status, 201, "{}", v.body);
            assert_eq!(v.header("location"), format!("/api/v1/visits/{vid}"));
            assert_eq!(v.body["worker_id"], su.worker.as_str());
            assert!(covered_keys(&v.body).contains(&monthly), "{}", v.body);
            let again = w.post("/api/v1/visits", body).await;
            assert_eq!(again.status, 200, "{}", again.body);
            assert_eq!(s(&again.body["id"]), vid);
            let visits = w
                .get(&format!("/api/v1/visits?person={}", woman.id))
                .await;
            assert_eq!(items(&visits.body["items"]).len(), 1, "{}", visits.body);
            let got = w.get(&format!("/api/v1/visits/{vid}")).await;
            assert_eq!((got.status, got.header("etag")), (200, "\"1\"".to_string()));
            assert_eq!(covered_keys(&got.body), covered_keys(&v.body));

            // The schedule shows the contact done; it leaves today's list.
            assert_eq!(status_of(&w, &woman.id, &monthly).await, "done");
            let list = w.get("/api/v1/work-list").await;
            assert!(!on_list(&list), "{}", list.body);

            // The need raised is open on her list until closed (If-Match).
            let needs = items(&list.body["open_needs"]);
            assert_eq!(needs.len(), 1, "{}", list.body);
            let nid = s(&needs[0]["id"]);
            let open = v01.get("/api/v1/needs?status=open").await;
            assert_eq!(items(&open.body["items"]).len(), 1, "{}", open.body);
            let path = format!("/api/v1/needs/{nid}/status");
            assert_eq!(
                w.post(&path, json!({"status": "closed"})).await.status,
                428
            );
            let bad = w.post_if(&path, json!({"status": "gone"}), "\"1\"").await;
            assert_eq!(bad.fields(), vec!["status"], "{}", bad.body);
            let closed = w.post_if(&path, json!({"status": "closed"}), "\"1\"").await;
            assert_eq!((closed.status, s(&closed.body["status"])), (200, "closed".into()), "{}", closed.body);
            let stale = w.post_if(&path, json!({"status": "open"}), "\"1\"").await;
            assert_eq!((stale.status, stale.header("etag")), (409, "\"2\"".to_string()));
            let open = v01.get("/api/v1/needs?status=open").await;
            assert_eq!(items(&open.body["items"]).len(), 0, "{}", open.body);
            assert_eq!(v01.get("/api/v1/needs?status=soon").await.fields(), vec!["status"]);

            // A procedure starts its own schedule (client id: a retry is 200).
            let pid = hearth_store::new_id();
            let body = json!({"id": pid, "person_id": woman.id, "kind": "iud_insertion",
                              "done_on": days_ago(2), "place": "古邵镇卫生院"});
            let p = w.post("/api/v1/procedures", body.clone()).await;
            assert_eq!(p.status, 201, "{}", p.body);
            assert_eq!(w.post("/api/v1/procedures", body).await.status, 200);
            let procs = w.get(&format!("/api/v1/persons/{}/procedures", woman.id)).await;
            assert_eq!(items(&procs.body).len(), 1, "{}", procs.body);
            assert_eq!(
                status_of(&w, &woman.id, &format!("procedure_d7:{pid}")).await,
                "due"
            );
        });
    }
);

both!(
    a_phone_call_does_not_cover_a_postpartum_home_visit,
    |kind| {
        let su = setup(kind);
        let woman = add_woman(&su.t.db, V1, "王春梅", 2);
        su.rt.block_on(async {
            let v01 = Api::new(&su.base).signed_in("v01").await;
            let zid = zone(&v01, V1, "二组片区", &su.worker).await;
            assert_eq!(assign(&v01, &woman.id, &zid).await.status, 200);
            // She gave birth four days ago: the day 3–7 home visit is due today.
            let p = v01
                .post(
                    "/api/v1/pregnancies",
                    json!({"woman_id": woman.id, "lmp": days_ago(275), "reported_on": days_ago(220), "source": "clinic"}),
                )
                .await;
            assert_eq!(p.status, 201, "{}", p.body);
            let preg = s(&p.body["id"]);
            let born = today() - Duration::days(4);
            let b = v01
                .post_if(
                    &format!("/api/v1/pregnancies/{preg}/births"),
                    json!({"children": [{"sex": "2", "born_on": fmt_date(born), "born_time": "08:15",
                                         "weight_g": "3100", "place": "township_hospital",
                                         "certificate_no": "R370400011"}]}),
                    "\"1\"",
                )
                .await;
            assert_eq!(b.status, 201, "{}", b.body);
            let bid = s(&b.body[0]["id"]);
            let d3 = format!("postpartum_d3:{bid}");
            let w = Api::new(&su.base).signed_in("worker").await;
            assert_eq!(status_of(&w, &woman.id, &d3).await, "due");
            let list = w.get("/api/v1/work-list").await;
            assert!(
                items(&list.body["due_today"]["items"])
                    .iter()
                    .any(|i| i["contact_key"] == d3.as_str()),
                "{}",
                list.body
            );

            // A phone call covers the monthly contact, not the home visit.
            let v = w
                .post(
                    "/api/v1/visits",
                    json!({"person_id": woman.id, "mode": "phone", "topics": ["child_rearing"]}),
                )
                .await;
            assert_eq!(v.status, 201, "{}", v.body);
            let keys = covered_keys(&v.body);
            assert!(keys.contains(&format!("monthly:{}", this_month())), "{keys:?}");
            assert!(!keys.contains(&d3), "{keys:?}");
            assert_eq!(status_of(&w, &woman.id, &d3).await, "due");

            // A home visit the same day covers it (and nothing twice).
            let v = w
                .post(
                    "/api/v1/visits",
                    json!({"person_id": woman.id, "visited_on": fmt_date(today()), "mode": "home"}),
                )
                .await;
            assert_eq!(v.status, 201, "{}", v.body);
            assert_eq!(covered_keys(&v.body), vec![d3.clone()], "{}", v.body);
            assert_eq!(status_of(&w, &woman.id, &d3).await, "done");

            // Postpartum completion of the month the window ends in.
            let month = YearMonth::of(born + Duration::days(7)).to_string();
            let pp = v01
                .get(&format!("/api/v1/coverage/postpartum?org={V1}&month={month}"))
                .await;
            assert_eq!(pp.status, 200, "{}", pp.body);
            let row = items(&pp.body["rules"])
                .into_iter()
                .find(|r| r["key"] == "postpartum_d3")
                .unwrap_or_else(|| panic!("{}", pp.body));
            assert_eq!((row["due"].clone(), row["on_time"].clone()), (json!(1), json!(1)), "{}", pp.body);
        });
    }
);

both!(scope_roles_and_stale_zone_changes, |kind| {
    let su = setup(kind);
    let mine = add_woman(&su.t.db, V1, "李秀梅", 1);
    let theirs = add_woman(&su.t.db, V1, "赵小红", 2);
    su.rt.block_on(async {
            let v01 = Api::new(&su.base).signed_in("v01").await;
            let z1 = zone(&v01, V1, "一组片区", &su.worker).await;
            let z2 = zone(&v01, V1, "二组片区", &su.worker2).await;
            assert_eq!(assign(&v01, &mine.id, &z1).await.status, 200);
            assert_eq!(assign(&v01, &theirs.id, &z2).await.status, 200);

            // A visit for another worker's woman is refused.
            let w = Api::new(&su.base).signed_in("worker").await;
            let a = w
                .post("/api/v1/visits", json!({"person_id": theirs.id, "mode": "home"}))
                .await;
            assert_eq!((a.status, a.error()), (403, "forbidden"), "{}", a.body);
            let a = w
                .post(
                    "/api/v1/procedures",
                    json!({"person_id": theirs.id, "kind": "implant", "done_on": days_ago(1), "place": "卫生院"}),
                )
                .await;
            assert_eq!(a.status, 403, "{}", a.body);
            // Nor may a worker read another worker's list, or change zones.
            let a = w.get(&format!("/api/v1/work-list?worker={}", su.worker2)).await;
            assert_eq!(a.status, 403, "{}", a.body);
            assert_eq!(assign(&w, &mine.id, &z2).await.status, 403);
            // Bad visit fields are named, in English when asked.
            let a = w
                .send(
                    reqwest::Method::POST,
                    "/api/v1/visits",
                    Some(json!({"person_id": mine.id, "visited_on": days_ago(-1), "mode": "fax"})),
                    None,
                    None,
                    &[("accept-language", "en")],
                )
                .await;
            assert_eq!(a.status, 422, "{}", a.body);
            assert_eq!(a.fields(), vec!["mode", "visited_on"]);
            assert_eq!(a.body["fields"]["visited_on"], "cannot be in the future");

            // Another village's zone is 404 on every route.
            let v02 = Api::new(&su.base).signed_in("v02").await;
            let z3 = zone(&v02, V2, "三组片区", "").await;
            assert_eq!(v01.get(&format!("/api/v1/zones/{z3}")).await.status, 404);
            let a = v01
                .put(&format!("/api/v1/zones/{z3}"), json!({"name": "改名"}), Some("\"1\""))
                .await;
            assert_eq!(a.status, 404);
            assert_eq!(v02.get(&format!("/api/v1/zones/{z1}")).await.status, 404);
            let a = v01.get(&format!("/api/v1/zones?village={V2}")).await;
            assert_eq!(a.fields(), vec!["village"], "{}", a.body);
            assert_eq!(a.body["fields"]["village"], "不在您的管辖范围内");
            let a = assign(&v01, &mine.id, &z3).await;
            assert_eq!(a.fields(), vec!["zone_id"], "{}", a.body);
            assert_eq!(
                v02.get(&format!("/api/v1/persons/{}/schedule", mine.id)).await.status,
                404
            );

            // Changing a zone needs If-Match; a stale one is 409 with the zone now.
            let path = format!("/api/v1/zones/{z1}");
            let a = v01
                .put(&path, json!({"name": "一组", "worker_id": su.worker}), None)
                .await;
            assert_eq!(a.status, 428, "{}", a.body);
            let a = v01
                .put(&path, json!({"name": "一组", "worker_id": su.worker}), Some("\"1\""))
                .await;
            assert_eq!((a.status, a.header("etag")), (200, "\"2\"".to_string()), "{}", a.body);
            let stale = v01
                .put(&path, json!({"name": "一组新名", "worker_id": su.worker}), Some("\"1\""))
                .await;
            assert_eq!((stale.status, stale.error()), (409, "conflict"), "{}", stale.body);
            assert_eq!(stale.body["current"]["name"], "一组");
            assert_eq!(stale.body["current"]["version"], 2);
            // A new worker takes the zone's women with it, in one action.
            let a = v01
                .put(&path, json!({"name": "一组", "worker_id": su.worker2}), Some("\"2\""))
                .await;
            assert_eq!(a.status, 200, "{}", a.body);
            let got = v01
                .get(&format!("/api/v1/persons/{}/assignment", mine.id))
                .await;
            assert_eq!(got.body["assignment"]["worker_id"], su.worker2.as_str(), "{}", got.body);
            let a = w
                .post("/api/v1/visits", json!({"person_id": mine.id, "mode": "home"}))
                .await;
            assert_eq!(a.status, 403, "{}", a.body);
            let list = w.get("/api/v1/work-list").await;
            assert_eq!(list.body["women"], 0, "{}", list.body);
            // A zone holding women cannot lose its worker.
            let a = v01
                .put(&path, json!({"name": "一组", "worker_id": null}), Some("\"3\""))
                .await;
            assert_eq!(a.fields(), vec!["worker_id"], "{}", a.body);
            let a = v01
                .send(
                    reqwest::Method::POST,
                    "/api/v1/zones",
                    Some(json!({"village": V1, "name": ""})),
                    None,
                    None,
                    &[("accept-language", "en")],
                )
                .await;
            assert_eq!(a.body["fields"]["name"], "is required", "{}", a.body);

            // Rules: everyone reads them; only an administrator changes them.
            let rules = v01.get("/api/v1/schedule-rules").await;
            assert_eq!(items(&rules.body["rules"]).len(), 9, "{}", rules.body);
            assert_eq!(items(&rules.body["topics"]).len(), 4, "{}", rules.body);
            let body = json!({"from_day": 3, "to_day": 8, "modes": ["home"]});
            let a = v01
                .put("/api/v1/schedule-rules/postpartum_d3", body.clone(), Some("\"1\""))
                .await;
            assert_eq!(a.status, 403, "{}", a.body);
            let boss = Api::new(&su.base).signed_in("boss").await;
            let a = boss
                .put("/api/v1/schedule-rules/postpartum_d3", body.clone(), Some("\"1\""))
                .await;
            assert_eq!((a.status, a.body["to_day"].clone()), (200, json!(8)), "{}", a.body);
            let stale = boss
                .put("/api/v1/schedule-rules/postpartum_d3", body, Some("\"1\""))
                .await;
            assert_eq!((stale.status, stale.body["current"]["to_day"].clone()), (409, json!(8)));
            let bad = boss
                .put(
                    "/api/v1/schedule-rules/postpartum_d3",
                    json!({"from_day": 9, "to_day": 8, "modes": []}),
                    Some("\"2\""),
                )
                .await;
            assert_eq!(bad.fields(), vec!["modes", "to_day"], "{}", bad.body);
            assert_eq!(
                boss.put("/api/v1/schedule-rules/nope", json!({"modes": ["home"]}), Some("\"1\""))
                    .await
                    .status,
                404
            );
        });
});

/// Records a visit through the store as if on `on` (the API takes visits at
/// most 90 days back).
fn visit_on(db: &hearth_store::Db, scope: &Scope, person: &str, on: NaiveDate, mode: &str) {
    let input = VisitInput {
        person_id: person.to_string(),
        visited_on: fmt_date(on),
        mode: mode.to_string(),
        ..VisitInput::default()
    };
    follow_up::record_visit(db, scope, None, &input, on).unwrap();
}

both!(coverage_counts_on_time_late_and_missed, |kind| {
    let su = setup(kind);
    let db = &su.t.db;
    // Four months ago: every late window has closed.
    let mut m = YearMonth::of(today());
    for _ in 0..4 {
        m = m.prev();
    }
    let on = |month: YearMonth, day: u32| {
        NaiveDate::from_ymd_opt(month.year, month.month, day).unwrap_or_else(|| panic!("{month}"))
    };
    let a = add_woman(db, V1, "甲", 1);
    let b = add_woman(db, V1, "乙", 2);
    let c = add_woman(db, V1, "丙", 3);
    let d = add_woman(db, V1, "丁", 4);
    // Not due: a woman of 56, a man, and a woman of the other village.
    add_resident(db, V1, "戊", 1970, 5, "2");
    add_resident(db, V1, "己", 1990, 6, "1");
    add_woman(db, V2, "庚", 7);
    let scope = Scope::for_user(
        &su.v01,
        "v01",
        Role::VillageSpecialist,
        V1,
        false,
        "127.0.0.1",
    );
    visit_on(db, &scope, &a.id, on(m, 15), "home"); // on time
    visit_on(db, &scope, &b.id, on(m.next(), 3), "phone"); // late
    // c: never visited — missed.
    visit_on(db, &scope, &d.id, on(m.next().next(), 10), "home"); // past the late window: missed
    su.rt.block_on(async {
        let v01 = Api::new(&su.base).signed_in("v01").await;
        let zid = zone(&v01, V1, "一组片区", &su.worker).await;
        for p in [&a, &b, &c, &d] {
            assert_eq!(assign(&v01, &p.id, &zid).await.status, 200);
        }
        let counts = |r: &Value| {
            ["due", "on_time", "late", "missed", "pending"].map(|k| r[k].as_i64().unwrap_or(-1))
        };
        let r = v01
            .get(&format!("/api/v1/coverage?org={V1}&month={m}&by=village"))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(counts(&r.body["total"]), [4, 1, 1, 2, 0], "{}", r.body);
        assert_eq!(r.body["total"]["coverage"], json!(0.25));
        let rows = items(&r.body["rows"]);
        assert_eq!(rows.len(), 1, "{}", r.body);
        assert_eq!(
            (s(&rows[0]["key"]), counts(&rows[0])),
            (V1.to_string(), [4, 1, 1, 2, 0])
        );
        let r = v01
            .get(&format!("/api/v1/coverage?org={V1}&month={m}&by=worker"))
            .await;
        let row = items(&r.body["rows"])
            .into_iter()
            .find(|r| r["key"] == su.worker.as_str())
            .unwrap_or_else(|| panic!("{}", r.body));
        assert_eq!(counts(&row), [4, 1, 1, 2, 0], "{}", r.body);
        // The town's figure is the village's (the other village has one
        // woman, never visited).
        let town1 = Api::new(&su.base).signed_in("town1").await;
        let r = town1
            .get(&format!("/api/v1/coverage?org={TOWN}&month={m}"))
            .await;
        assert_eq!(counts(&r.body["total"]), [5, 1, 1, 3, 0], "{}", r.body);
        // Month by month.
        let r = v01
            .get(&format!(
                "/api/v1/coverage/months?org={V1}&from={m}&to={}",
                m.next()
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let months = items(&r.body);
        assert_eq!(months.len(), 2, "{}", r.body);
        assert_eq!(
            (s(&months[0]["month"]), counts(&months[0])),
            (m.to_string(), [4, 1, 1, 2, 0])
        );

        // Bad parameters are 422 naming the parameter.
        let a = v01
            .get(&format!("/api/v1/coverage?org={V1}&month=2026-13"))
            .await;
        assert_eq!(
            (a.status, a.fields()),
            (422, vec!["month".to_string()]),
            "{}",
            a.body
        );
        let a = v01.get(&format!("/api/v1/coverage?org={V1}&by=foo")).await;
        assert_eq!(a.fields(), vec!["by"], "{}", a.body);
        let a = v01.get(&format!("/api/v1/coverage?org={V2}")).await;
        assert_eq!(a.fields(), vec!["org"], "{}", a.body);
        let a = v01
            .get(&format!("/api/v1/coverage/postpartum?org={V1}&month=May"))
            .await;
        assert_eq!(a.fields(), vec!["month"], "{}", a.body);
        let a = v01
            .get(&format!(
                "/api/v1/coverage/months?org={V1}&from={}&to={m}",
                m.next()
            ))
            .await;
        assert_eq!(a.fields(), vec!["to"], "{}", a.body);
        let a = v01
            .get(&format!("/api/v1/coverage/months?from=2020-01&to={m}"))
            .await;
        assert_eq!(a.fields(), vec!["to"], "{}", a.body);
        // A follow-up worker reads no statistics.
        let w = Api::new(&su.base).signed_in("worker").await;
        assert_eq!(
            w.get(&format!("/api/v1/coverage?org={V1}")).await.status,
            403
        );
        // The area's work list names the workers with the most overdue.
        let list = v01.get("/api/v1/work-list").await;
        assert_eq!(list.status, 200, "{}", list.body);
        assert!(
            list.body["workers_most_overdue"].is_array(),
            "{}",
            list.body
        );
    });
});

both!(the_document_lists_the_follow_up_routes, |kind| {
    let t = TestDb::new(kind);
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let doc = Api::new(&base).get("/api/openapi.json").await;
        assert_eq!(doc.status, 200);
        for (method, path) in [
            ("get", "/api/v1/zones"),
            ("post", "/api/v1/zones"),
            ("put", "/api/v1/zones/{id}"),
            ("put", "/api/v1/persons/{id}/assignment"),
            ("get", "/api/v1/assignments/unassigned"),
            ("put", "/api/v1/schedule-rules/{code}"),
            ("get", "/api/v1/persons/{id}/schedule"),
            ("get", "/api/v1/work-list"),
            ("post", "/api/v1/procedures"),
            ("post", "/api/v1/visits"),
            ("get", "/api/v1/visits/{id}"),
            ("post", "/api/v1/needs/{id}/status"),
            ("get", "/api/v1/coverage"),
            ("get", "/api/v1/coverage/months"),
            ("get", "/api/v1/coverage/postpartum"),
        ] {
            assert!(
                doc.body["paths"][path][method].is_object(),
                "{method} {path} is not documented"
            );
        }
        let params = items(&doc.body["paths"]["/api/v1/coverage"]["get"]["parameters"]);
        let names: Vec<String> = params.iter().map(|p| s(&p["name"])).collect();
        assert_eq!(names, vec!["org", "month", "by"]);
        assert!(doc.body["components"]["schemas"]["VisitDto"].is_object());
    });
});
