//! The pregnancy, birth, infant-death and statistics API through real HTTP
//! on both backends: reports with their field errors in both languages,
//! idempotent retries, If-Match and 409, twins, the two-person
//! verification, amendments, scope, and the SRB and timeliness figures.

use crate::kit::http::add_user;
use crate::kit::server::spawn_app;
use crate::kit::{api::Api, family};
use crate::*;
use chrono::Duration;
use hearth_core::dates::fmt_date;
use hearth_core::user::Role;
use serde_json::json;

fn days_ago(n: i64) -> String {
    fmt_date(today() - Duration::days(n))
}

/// A server with two villages, a specialist of V1, a town staff member,
/// a second town staff member and an administrator.
fn setup(kind: Kind) -> (TestDb, String, tokio::runtime::Runtime) {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    add_user(&t.db, "v02", Role::VillageSpecialist, V2);
    add_user(&t.db, "town1", Role::TownStaff, TOWN);
    add_user(&t.db, "town2", Role::TownStaff, TOWN);
    add_user(&t.db, "boss", Role::Admin, "370404");
    add_user(&t.db, "worker", Role::FollowUpWorker, V1);
    let (base, rt) = spawn_app(t.db.clone());
    (t, base, rt)
}

both!(
    pregnancy_reports_refuse_bad_input_and_retries_do_not_duplicate,
    |kind| {
        let (t, base, rt) = setup(kind);
        let woman = add_woman(&t.db, V1, "李秀梅", 1);
        let man = add_resident(&t.db, V1, "李建军", 1990, 2, "1");
        let other = add_woman(&t.db, V2, "张春花", 3);
        rt.block_on(async {
        let api = Api::new(&base).signed_in("v01").await;
        // An LMP in the future and more than 45 weeks back, in Chinese by default.
        let a = api
            .post(
                "/api/v1/pregnancies",
                json!({"woman_id": woman.id, "lmp": fmt_date(today() + Duration::days(3)), "source": "visit"}),
            )
            .await;
        assert_eq!((a.status, a.error()), (422, "invalid"), "{}", a.body);
        assert_eq!(a.body["fields"]["lmp"], "日期不能晚于今天");
        let a = api
            .send(
                reqwest::Method::POST,
                "/api/v1/pregnancies",
                Some(json!({"woman_id": woman.id, "lmp": days_ago(316), "source": "visit"})),
                None,
                None,
                &[("accept-language", "en")],
            )
            .await;
        assert_eq!(a.status, 422);
        assert_eq!(
            a.body["fields"]["lmp"],
            "cannot be more than 45 weeks before the report date"
        );
        // A man; a woman of another village (not in the caller's area).
        let a = api
            .post(
                "/api/v1/pregnancies",
                json!({"woman_id": man.id, "lmp": days_ago(50), "source": "self"}),
            )
            .await;
        assert_eq!(a.fields(), vec!["woman_id"], "{}", a.body);
        assert_eq!(a.body["fields"]["woman_id"], "只能为女性登记孕情");
        let a = api
            .post(
                "/api/v1/pregnancies",
                json!({"woman_id": other.id, "lmp": days_ago(50), "source": "self"}),
            )
            .await;
        assert_eq!(a.fields(), vec!["woman_id"], "{}", a.body);
        // A good report, then its retry with the same client id.
        let id = hearth_store::new_id();
        let body = json!({"id": id, "woman_id": woman.id, "lmp": days_ago(50), "source": "visit"});
        let a = api.post("/api/v1/pregnancies", body.clone()).await;
        assert_eq!(a.status, 201, "{}", a.body);
        assert_eq!(a.header("location"), format!("/api/v1/pregnancies/{id}"));
        assert_eq!(a.body["timely"], true);
        assert_eq!(a.body["edd"], fmt_date(today() - Duration::days(50) + Duration::days(280)));
        let again = api.post("/api/v1/pregnancies", body).await;
        assert_eq!((again.status, again.body["id"].clone()), (200, json!(id)));
        // A second open pregnancy is refused.
        let a = api
            .post(
                "/api/v1/pregnancies",
                json!({"woman_id": woman.id, "lmp": days_ago(40), "source": "visit"}),
            )
            .await;
        assert_eq!(
            a.body["fields"]["woman_id"],
            "她已有一条未结案的孕情，请先登记该孕情的结局"
        );
        let list = api.get("/api/v1/pregnancies?state=open").await;
        assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));
        // The other village's specialist neither sees nor reads it.
        let v02 = Api::new(&base).signed_in("v02").await;
        let list = v02.get("/api/v1/pregnancies").await;
        assert_eq!(list.body["items"].as_array().map(Vec::len), Some(0));
        assert_eq!(v02.get(&format!("/api/v1/pregnancies/{id}")).await.status, 404);
        // A follow-up worker may read but not report.
        let w = Api::new(&base).signed_in("worker").await;
        let a = w
            .post(
                "/api/v1/pregnancies",
                json!({"woman_id": woman.id, "lmp": days_ago(40), "source": "visit"}),
            )
            .await;
        assert_eq!(a.status, 403, "{}", a.body);
        assert_eq!(api.get("/api/v1/pregnancies?state=soon").await.status, 422);
    });
    }
);

both!(
    twins_are_reported_verified_by_two_people_and_amended,
    |kind| {
        let (t, base, rt) = setup(kind);
        let f = family(&t.db, V1, 7, "0007");
        rt.block_on(async {
        let v01 = Api::new(&base).signed_in("v01").await;
        let p = v01
            .post(
                "/api/v1/pregnancies",
                json!({"woman_id": f.wife, "lmp": days_ago(275), "reported_on": days_ago(220), "source": "clinic", "registration_id": f.registration}),
            )
            .await;
        assert_eq!(p.status, 201, "{}", p.body);
        assert_eq!(p.body["timely"], true);
        let pid = p.body["id"].as_str().unwrap_or("").to_string();
        let c = v01
            .post(
                &format!("/api/v1/pregnancies/{pid}/checks"),
                json!({"checked_on": days_ago(200), "place": "古邵镇卫生院"}),
            )
            .await;
        assert_eq!((c.status, c.body["gest_week"].clone()), (201, json!(10)), "{}", c.body);
        let child = |sex: &str, cert: &str| {
            json!({"sex": sex, "born_on": days_ago(3), "born_time": "08:15", "weight_g": "2600",
                   "place": "township_hospital", "certificate_no": cert})
        };
        let births_body = json!({"children": [child("1", "R370400001"), child("2", "R370400002")]});
        // A stale version is a 409 carrying the pregnancy as it is now.
        let stale = v01
            .post_if(&format!("/api/v1/pregnancies/{pid}/births"), births_body.clone(), "\"9\"")
            .await;
        assert_eq!(stale.status, 409, "{}", stale.body);
        assert_eq!(stale.body["current"]["id"], json!(pid));
        let missing = v01
            .post(&format!("/api/v1/pregnancies/{pid}/births"), births_body.clone())
            .await;
        assert_eq!(missing.status, 428);
        let b = v01
            .post_if(&format!("/api/v1/pregnancies/{pid}/births"), births_body, "\"1\"")
            .await;
        assert_eq!(b.status, 201, "{}", b.body);
        let births = b.body.as_array().cloned().unwrap_or_default();
        assert_eq!(births.len(), 2);
        assert!(births.iter().all(|b| b["verification"] == "unverified"));
        // The pregnancy is closed as a live birth and the registration used.
        let p = v01.get(&format!("/api/v1/pregnancies/{pid}")).await;
        assert_eq!(p.body["outcome"], "live_birth");
        assert_eq!(p.body["births"].as_array().map(Vec::len), Some(2));
        let r = v01
            .get(&format!("/api/v1/birth-registrations/{}", f.registration))
            .await;
        assert_eq!(r.body["status"], "used", "{}", r.body);
        // The children are members of the mother's household.
        let h = v01.get(&format!("/api/v1/households/{}", f.household)).await;
        let members = h.body["members"].as_array().map(Vec::len).unwrap_or(0);
        assert_eq!(members, 4, "{}", h.body);

        let bid = births[0]["id"].as_str().unwrap_or("").to_string();
        let verify = |step: &str| {
            json!({"step": step, "verified_on": days_ago(1), "checks": "核对出生时间、性别"})
        };
        // Town before village is refused; the specialist cannot do the town step.
        let town1 = Api::new(&base).signed_in("town1").await;
        let a = town1
            .post_if(&format!("/api/v1/births/{bid}/verifications"), verify("town"), "\"1\"")
            .await;
        assert_eq!(a.fields(), vec!["step"], "{}", a.body);
        let a = v01
            .post_if(&format!("/api/v1/births/{bid}/verifications"), verify("village"), "\"1\"")
            .await;
        assert_eq!((a.status, a.body["verification"].clone()), (200, json!("village_verified")), "{}", a.body);
        let unverified = v01.get("/api/v1/births?verification=unverified").await;
        assert_eq!(unverified.body["items"].as_array().map(Vec::len), Some(1));
        let a = town1
            .post_if(&format!("/api/v1/births/{bid}/verifications"), verify("town"), "\"2\"")
            .await;
        assert_eq!((a.status, a.body["verification"].clone()), (200, json!("verified")), "{}", a.body);
        // An administrator may do either step, but never both for one birth.
        let boss = Api::new(&base).signed_in("boss").await;
        let other = births[1]["id"].as_str().unwrap_or("").to_string();
        let a = boss
            .post_if(&format!("/api/v1/births/{other}/verifications"), verify("village"), "\"1\"")
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        let a = boss
            .send(
                reqwest::Method::POST,
                &format!("/api/v1/births/{other}/verifications"),
                Some(verify("town")),
                Some("\"2\""),
                None,
                &[("accept-language", "en")],
            )
            .await;
        assert_eq!(a.status, 422, "{}", a.body);
        assert!(
            a.body["fields"]["step"]
                .as_str()
                .is_some_and(|m| m.contains("different people")),
            "{}",
            a.body
        );
        // A verified birth's sex is corrected by an amendment, not an edit.
        let a = v01
            .post_if(
                &format!("/api/v1/births/{bid}/amendments"),
                json!({"field": "sex", "new_value": "2", "reason": "出生医学证明核对有误"}),
                "\"3\"",
            )
            .await;
        assert_eq!(a.status, 403, "{}", a.body);
        let a = town1
            .post_if(
                &format!("/api/v1/births/{bid}/amendments"),
                json!({"field": "sex", "new_value": "2", "reason": ""}),
                "\"3\"",
            )
            .await;
        assert_eq!(a.fields(), vec!["reason"], "{}", a.body);
        let a = town1
            .post_if(
                &format!("/api/v1/births/{bid}/amendments"),
                json!({"field": "sex", "new_value": "2", "reason": "出生医学证明核对有误"}),
                "\"3\"",
            )
            .await;
        assert_eq!((a.status, a.body["sex"].clone()), (200, json!(2)), "{}", a.body);
        let v = town1.get(&format!("/api/v1/births/{bid}")).await;
        assert_eq!(v.body["amendments"][0]["old_value"], "1", "{}", v.body);
        assert_eq!(v.body["amendments"][0]["new_value"], "2");
        // Naming the child.
        let version = v.header("etag");
        let a = v01
            .post_if(&format!("/api/v1/births/{bid}/name"), json!({"name": "赵子涵"}), &version)
            .await;
        assert_eq!(a.body["child_name"], "赵子涵", "{}", a.body);
        // An infant death: over one year is refused; within it is reported.
        let child_id = births[1]["child_id"].as_str().unwrap_or("").to_string();
        let a = v01
            .post(
                "/api/v1/infant-deaths",
                json!({"child_id": child_id, "died_on": days_ago(1), "cause": "unknown-cause"}),
            )
            .await;
        assert_eq!(a.fields(), vec!["cause"], "{}", a.body);
        let a = v01
            .post(
                "/api/v1/infant-deaths",
                json!({"child_id": child_id, "died_on": days_ago(1), "cause": "asphyxia"}),
            )
            .await;
        assert_eq!((a.status, a.body["age_days"].clone()), (201, json!(2)), "{}", a.body);
        let list = town1.get("/api/v1/infant-deaths").await;
        assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(list.body["items"][0]["verification"], "unverified");
    });
    }
);

both!(statistics_give_the_sex_ratio_and_timeliness, |kind| {
    let (t, base, rt) = setup(kind);
    // Three births in V1 (two boys, one girl), all verified through the API;
    // one late and two timely pregnancy reports.
    let women: Vec<_> = (0..3)
        .map(|i| add_woman(&t.db, V1, "孙丽", 20 + i))
        .collect();
    rt.block_on(async {
        let v01 = Api::new(&base).signed_in("v01").await;
        let town1 = Api::new(&base).signed_in("town1").await;
        for (i, w) in women.iter().enumerate() {
            let reported = if i == 0 { 180 } else { 220 };
            let p = v01
                .post(
                    "/api/v1/pregnancies",
                    json!({"woman_id": w.id, "lmp": days_ago(280), "reported_on": days_ago(reported), "source": "visit"}),
                )
                .await;
            assert_eq!(p.status, 201, "{}", p.body);
            let pid = p.body["id"].as_str().unwrap_or("").to_string();
            let sex = if i == 2 { "2" } else { "1" };
            let b = v01
                .post_if(
                    &format!("/api/v1/pregnancies/{pid}/births"),
                    json!({"children": [{"sex": sex, "born_on": days_ago(5), "place": "county_hospital"}]}),
                    "\"1\"",
                )
                .await;
            assert_eq!(b.status, 201, "{}", b.body);
            let bid = b.body[0]["id"].as_str().unwrap_or("").to_string();
            let v = json!({"step": "village", "verified_on": days_ago(2), "checks": "核对性别"});
            let a = v01
                .post_if(&format!("/api/v1/births/{bid}/verifications"), v, "\"1\"")
                .await;
            assert_eq!(a.status, 200, "{}", a.body);
            if i < 2 {
                let v = json!({"step": "town", "verified_on": days_ago(1), "checks": "核对性别"});
                let a = town1
                    .post_if(&format!("/api/v1/births/{bid}/verifications"), v, "\"2\"")
                    .await;
                assert_eq!(a.status, 200, "{}", a.body);
            }
        }
        let from = days_ago(400);
        let to = days_ago(0);
        // Verified only: two boys; the girl's birth is not yet verified.
        let s = town1
            .get(&format!("/api/v1/stats/srb?org={TOWN}&from={from}&to={to}"))
            .await;
        assert_eq!(s.status, 200, "{}", s.body);
        assert_eq!(s.body["total"]["srb"]["males"], 2);
        assert_eq!(s.body["total"]["srb"]["females"], 0);
        assert_eq!(s.body["total"]["srb"]["flag"], "too_few");
        assert_eq!(s.body["total"]["unverified"], 1);
        assert_eq!(s.body["villages"].as_array().map(Vec::len), Some(2));
        let s = town1
            .get(&format!(
                "/api/v1/stats/srb?org={TOWN}&from={from}&to={to}&include_unverified=true"
            ))
            .await;
        assert_eq!(s.body["total"]["srb"]["females"], 1);
        assert_eq!(s.body["total"]["srb"]["ratio"], 200.0);
        let y = town1.get(&format!("/api/v1/stats/srb-by-year?org={TOWN}")).await;
        assert_eq!(y.body.as_array().map(Vec::len), Some(5), "{}", y.body);
        // Timeliness: reports 100 days (late) and 60 days (timely) after the LMP.
        let tl = town1
            .get(&format!("/api/v1/stats/timeliness?org={TOWN}&from={from}&to={to}"))
            .await;
        assert_eq!(tl.body["total"]["reported"], 3, "{}", tl.body);
        assert_eq!(tl.body["total"]["timely"], 2);
        let l = town1
            .get(&format!("/api/v1/stats/incentive-ledger?org={TOWN}&from={from}&to={to}"))
            .await;
        assert_eq!(l.body["rows"][0]["reporter"], "v01", "{}", l.body);
        assert_eq!(l.body["total_net_yuan"], 2 * 500 - 2500);
        // A village specialist asking for the town is refused, naming `org`;
        // a bad date names its parameter.
        let a = v01.get(&format!("/api/v1/stats/srb?org={TOWN}")).await;
        assert_eq!(a.fields(), vec!["org"], "{}", a.body);
        let a = town1.get("/api/v1/stats/srb?from=2026-02-30").await;
        assert_eq!(a.fields(), vec!["from"], "{}", a.body);
        // A follow-up worker reads no statistics.
        let w = Api::new(&base).signed_in("worker").await;
        assert_eq!(w.get("/api/v1/stats/srb").await.status, 403);
    });
});
