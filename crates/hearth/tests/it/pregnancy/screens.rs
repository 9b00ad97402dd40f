//! The pregnancy, birth and infant-death screens through real HTTP on
//! 127.0.0.1:0, signed in through the real /sign-in form, on both
//! backends: reporting a pregnancy and its field errors in Chinese and
//! English, scope (404), the role that may write (403), antenatal checks,
//! twins, two-person verification, amendments, stale versions and infant
//! deaths.

use crate::kit::http::{add_user, client, field_value};
use crate::kit::http::{field_block, get, page_session as sign_in, post};
use crate::kit::server::spawn_app;
use crate::*;
use chrono::Duration;
use hearth_core::dates::fmt_date;
use hearth_core::pregnancy::PregnancyInput;
use hearth_core::user::Role;

// ---- helpers ----------------------------------------------------------------------

/// The part of a page from the element with `id` to the next `</section>`.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[start..];
    let end = rest.find("</section>").unwrap_or(rest.len());
    &rest[..end]
}

fn days_ago(n: i64) -> String {
    fmt_date(today() - Duration::days(n))
}

/// The value of the hidden `name` field inside the form posting to `action`.
fn form_field(html: &str, action: &str, name: &str) -> String {
    let start = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form for {action} in {html}"));
    field_value(&html[start..], name)
}

/// The record id at the end of a redirect (`/pregnancies/{id}#births` →
/// id).
fn id_of(location: &str) -> String {
    location
        .rsplit('/')
        .next()
        .unwrap_or("")
        .split(['#', '?'])
        .next()
        .unwrap_or("")
        .to_string()
}

/// Reports a pregnancy of `woman` through the form; returns its id.
async fn report(
    c: &reqwest::Client,
    base: &str,
    s: &str,
    csrf: &str,
    woman: &str,
    lmp: &str,
    reported_on: &str,
) -> String {
    let (status, location, body) = post(
        c,
        base,
        s,
        &format!("/persons/{woman}/pregnancies/new"),
        &[
            ("csrf", csrf),
            ("lmp", lmp),
            ("reported_on", reported_on),
            ("source", "self"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    assert!(location.starts_with("/pregnancies/"), "{location}");
    id_of(&location)
}

/// Reports the live birth of `children` (sex codes) through the form on
/// the pregnancy page; returns the page's answer.
async fn report_births(
    c: &reqwest::Client,
    base: &str,
    s: &str,
    csrf: &str,
    pregnancy: &str,
    born_on: &str,
    sexes: &[&str],
) -> (u16, String, String) {
    let (_, page) = get(c, base, s, &format!("/pregnancies/{pregnancy}")).await;
    let action = format!("/pregnancies/{pregnancy}/births");
    let version = form_field(&page, &action, "version");
    let n = sexes.len().to_string();
    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.into()),
        ("version".into(), version),
        ("children".into(), n),
    ];
    for (i, sex) in sexes.iter().enumerate() {
        let k = i + 1;
        form.push((format!("sex_{k}"), (*sex).into()));
        form.push((format!("born_on_{k}"), born_on.into()));
        form.push((format!("born_time_{k}"), format!("08:{:02}", 10 + k)));
        form.push((format!("weight_g_{k}"), "2650".into()));
        form.push((format!("place_{k}"), "township_hospital".into()));
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    post(c, base, s, &action, &pairs).await
}

/// The ids of the births listed on a pregnancy page, in order.
fn birth_ids(html: &str) -> Vec<String> {
    html.split("href=\"/births/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

/// Records one verification step through the birth page's form.
async fn verify_birth(
    c: &reqwest::Client,
    base: &str,
    s: &str,
    csrf: &str,
    birth: &str,
    step: &str,
) -> (u16, String, String) {
    let (_, page) = get(c, base, s, &format!("/births/{birth}")).await;
    let version = field_value(&page, "version");
    post(
        c,
        base,
        s,
        &format!("/births/{birth}/verify"),
        &[
            ("csrf", csrf),
            ("version", &version),
            ("step", step),
            ("verified_on", &fmt_date(today())),
            ("check_time_of_birth", "1"),
            ("check_sex", "1"),
        ],
    )
    .await
}

fn sync<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

// ---- tests ------------------------------------------------------------------------

both!(maternal_screens_report_and_list_pregnancies, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    add_user(&t.db, "town", Role::TownStaff, TOWN);
    let w = add_woman(&t.db, V1, "王秀兰", 1);
    let other = add_woman(&t.db, V2, "赵丽", 2);
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let (s, csrf) = sign_in(&c, &base, "v01").await;

        // Her page offers the report; the form defaults the report date to today.
        let (status, page) = get(&c, &base, &s, &format!("/persons/{}", w.id)).await;
        assert_eq!(status, 200);
        assert!(
            page.contains(&format!("/persons/{}/pregnancies/new", w.id))
                && page.contains("报告孕情"),
            "{page}"
        );
        let (status, form) =
            get(&c, &base, &s, &format!("/persons/{}/pregnancies/new", w.id)).await;
        assert_eq!(status, 200);
        assert_eq!(field_value(&form, "reported_on"), fmt_date(today()));
        assert!(form.contains("name=\"source\""));

        let lmp = days_ago(70);
        let id = report(&c, &base, &s, &csrf, &w.id, &lmp, "").await;
        let (status, page) = get(&c, &base, &s, &format!("/pregnancies/{id}")).await;
        assert_eq!(status, 200);
        let edd = fmt_date(today() - Duration::days(70) + Duration::days(280));
        assert!(page.contains(&lmp) && page.contains(&edd), "{page}");
        assert!(page.contains("及时") && page.contains("未结案"), "{page}");

        // The list of open pregnancies shows her, linked, with her village.
        let (status, list) = get(&c, &base, &s, "/pregnancies").await;
        assert_eq!(status, 200);
        assert!(
            list.contains(&format!("href=\"/pregnancies/{id}\"")),
            "{list}"
        );
        assert!(
            list.contains("王秀兰") && list.contains("万年闸村"),
            "{list}"
        );
        assert!(list.contains(&edd));
        assert!(!list.contains(&w.resident_id), "ID number in a list");
        // …and her page lists the pregnancy.
        let (_, page) = get(&c, &base, &s, &format!("/persons/{}", w.id)).await;
        assert!(page.contains(&format!("/pregnancies/{id}")), "{page}");
        // With one open, the page no longer offers another report.
        assert!(!page.contains("/pregnancies/new"), "{page}");

        // A second open pregnancy is refused with the reason.
        let (status, _, body) = post(
            &c,
            &base,
            &s,
            &format!("/persons/{}/pregnancies/new", w.id),
            &[
                ("csrf", &csrf),
                ("lmp", &days_ago(20)),
                ("source", "clinic"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("她已有一条未结案的孕情"), "{body}");
        // The typed values stay in the form.
        assert_eq!(field_value(&body, "lmp"), days_ago(20));

        // Town staff see every village and may filter by one.
        let (ts, _) = sign_in(&c, &base, "town").await;
        let other_id = {
            let db = t.db.clone();
            let input = PregnancyInput {
                lmp: days_ago(330),
                reported_on: days_ago(300),
                source: "visit".into(),
                registration_id: String::new(),
            };
            sync(move || {
                hearth_store::pregnancy::report_pregnancy(
                    &db,
                    &village_scope(V2),
                    None,
                    &other.id,
                    &input,
                    today(),
                )
            })
            .unwrap_or_else(|e| panic!("{e}"))
            .id
        };
        let (_, list) = get(&c, &base, &ts, "/pregnancies").await;
        assert!(list.contains("王秀兰") && list.contains("赵丽"), "{list}");
        assert!(list.contains("name=\"org\""), "village filter: {list}");
        // 330 days after her LMP with no outcome: overdue, highlighted.
        let row = section(&list, &format!("preg-{other_id}"));
        assert!(
            row.starts_with(&format!("id=\"preg-{other_id}\" class=\"overdue\"")),
            "{row}"
        );
        let (_, v1) = get(&c, &base, &ts, &format!("/pregnancies?org={V1}")).await;
        assert!(v1.contains("王秀兰") && !v1.contains("赵丽"), "{v1}");
        let (_, overdue) = get(&c, &base, &ts, "/pregnancies?tab=overdue").await;
        assert!(
            overdue.contains("赵丽") && !overdue.contains("王秀兰"),
            "{overdue}"
        );
        // The village specialist never sees the other village.
        let (_, mine) = get(&c, &base, &s, "/pregnancies?tab=all").await;
        assert!(!mine.contains("赵丽"), "{mine}");
    });
});

both!(
    maternal_screens_field_errors_in_chinese_and_english,
    |kind| {
        let t = TestDb::new(kind);
        seed_orgs(&t.db);
        add_user(&t.db, "v01", Role::VillageSpecialist, V1);
        let w = add_woman(&t.db, V1, "王秀兰", 1);
        let man = add_resident(&t.db, V1, "李强", 1990, 2, "1");
        let (base, rt) = spawn_app(t.db.clone());
        rt.block_on(async {
            let c = client();
            let (s, csrf) = sign_in(&c, &base, "v01").await;
            let path = format!("/persons/{}/pregnancies/new", w.id);
            let old = days_ago(400);
            let form = [
                ("csrf", csrf.as_str()),
                ("lmp", old.as_str()),
                ("source", "self"),
            ];

            let (status, _, body) = post(&c, &base, &s, &path, &form).await;
            assert_eq!(status, 422);
            let field = field_block(&body, "field-lmp");
            assert!(
                field.contains("末次月经不能早于报告日期 45 周以上"),
                "{field}"
            );
            assert!(
                field.contains(&format!("value=\"{old}\"")),
                "typed value kept: {field}"
            );

            // English by ?lang=…
            let (status, _, body) = post(&c, &base, &s, &format!("{path}?lang=en"), &form).await;
            assert_eq!(status, 422);
            assert!(
                field_block(&body, "field-lmp")
                    .contains("cannot be more than 45 weeks before the report date"),
                "{body}"
            );
            // …and by the language cookie.
            let with_cookie = format!("{s}; hearth_lang=en");
            let (status, _, body) = post(&c, &base, &with_cookie, &path, &form).await;
            assert_eq!(status, 422);
            assert!(
                field_block(&body, "field-lmp")
                    .contains("cannot be more than 45 weeks before the report date"),
                "{body}"
            );
            assert!(body.contains("Report a pregnancy"), "{body}");

            // A date that is not a date, and no source: each beside its field.
            let (status, _, body) = post(
                &c,
                &base,
                &s,
                &path,
                &[("csrf", &csrf), ("lmp", "2026-02-30")],
            )
            .await;
            assert_eq!(status, 422);
            assert!(
                field_block(&body, "field-lmp").contains("日期无效"),
                "{body}"
            );
            assert!(
                field_block(&body, "field-source").contains("必填"),
                "{body}"
            );

            // A man cannot be reported pregnant.
            let (status, _, body) = post(
                &c,
                &base,
                &s,
                &format!("/persons/{}/pregnancies/new", man.id),
                &[("csrf", &csrf), ("lmp", &days_ago(30)), ("source", "self")],
            )
            .await;
            assert_eq!(status, 422);
            assert!(body.contains("只能为女性登记孕情"), "{body}");
        });
        // Nothing was written by the refused reports.
        let n = sync(|| {
            hearth_store::pregnancy::list_pregnancies(
                &t.db,
                &village_scope(V1),
                &hearth_store::pregnancy::PregnancyFilter {
                    limit: 10,
                    ..Default::default()
                },
                today(),
            )
        })
        .unwrap_or_else(|e| panic!("{e}"))
        .len();
        assert_eq!(n, 0);
    }
);

both!(maternal_screens_scope_and_roles, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    add_user(&t.db, "fw", Role::FollowUpWorker, V1);
    let w = add_woman(&t.db, V1, "王秀兰", 1);
    let other = add_woman(&t.db, V2, "赵丽", 2);
    let other_preg = {
        let input = PregnancyInput {
            lmp: days_ago(60),
            reported_on: String::new(),
            source: "self".into(),
            registration_id: String::new(),
        };
        hearth_store::pregnancy::report_pregnancy(
            &t.db,
            &village_scope(V2),
            None,
            &other.id,
            &input,
            today(),
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .id
    };
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let (s, csrf) = sign_in(&c, &base, "v01").await;

        // A woman of another village: 404 on the form, the report and her pregnancy.
        let path = format!("/persons/{}/pregnancies/new", other.id);
        let (status, page) = get(&c, &base, &s, &path).await;
        assert_eq!(status, 404);
        assert!(page.contains("找不到该记录"), "{page}");
        let (status, _, _) = post(
            &c,
            &base,
            &s,
            &path,
            &[("csrf", &csrf), ("lmp", &days_ago(30)), ("source", "self")],
        )
        .await;
        assert_eq!(status, 404);
        for p in [
            format!("/pregnancies/{other_preg}"),
            format!("/pregnancies/{other_preg}/outcome"),
        ] {
            let (status, _) = get(&c, &base, &s, &p).await;
            assert_eq!(status, 404, "{p}");
        }
        let (status, _, _) = post(
            &c,
            &base,
            &s,
            &format!("/pregnancies/{other_preg}/checks"),
            &[
                ("csrf", &csrf),
                ("checked_on", &days_ago(1)),
                ("place", "卫生院"),
            ],
        )
        .await;
        assert_eq!(status, 404);

        // A list filtered to another village: not found, not an empty list.
        for p in [
            format!("/pregnancies?org={V2}"),
            format!("/births?org={V2}"),
            format!("/deaths?org={V2}"),
        ] {
            let (status, _) = get(&c, &base, &s, &p).await;
            assert_eq!(status, 404, "{p}");
        }

        // Without the session's CSRF token: 403, nothing written.
        let (status, _, _) = post(
            &c,
            &base,
            &s,
            &format!("/persons/{}/pregnancies/new", w.id),
            &[("lmp", &days_ago(30)), ("source", "self")],
        )
        .await;
        assert_eq!(status, 403);

        // A follow-up worker reads the list but cannot report (403).
        let (fs, fcsrf) = sign_in(&c, &base, "fw").await;
        let (status, _) = get(&c, &base, &fs, "/pregnancies").await;
        assert_eq!(status, 200);
        let (status, _) = get(
            &c,
            &base,
            &fs,
            &format!("/persons/{}/pregnancies/new", w.id),
        )
        .await;
        assert_eq!(status, 403);
        let (status, _, body) = post(
            &c,
            &base,
            &fs,
            &format!("/persons/{}/pregnancies/new", w.id),
            &[("csrf", &fcsrf), ("lmp", &days_ago(30)), ("source", "self")],
        )
        .await;
        assert_eq!(status, 403);
        assert!(body.contains("您的角色无权进行此操作"), "{body}");
        let (_, list) = get(&c, &base, &s, "/pregnancies?tab=all").await;
        assert!(
            !list.contains("王秀兰"),
            "a refused report was written: {list}"
        );
    });
});

both!(
    maternal_screens_check_twins_and_two_person_verification,
    |kind| {
        let t = TestDb::new(kind);
        seed_orgs(&t.db);
        add_user(&t.db, "v01", Role::VillageSpecialist, V1);
        add_user(&t.db, "town", Role::TownStaff, TOWN);
        add_user(&t.db, "admin", Role::Admin, "370404");
        let w = add_woman(&t.db, V1, "王秀兰", 1);
        let household = w.household_id.clone().unwrap_or_default();
        let (base, rt) = spawn_app(t.db.clone());
        rt.block_on(async {
            let c = client();
            let (s, csrf) = sign_in(&c, &base, "v01").await;
            let preg = report(&c, &base, &s, &csrf, &w.id, &days_ago(270), &days_ago(200)).await;

            // An antenatal check with its gestational week computed (200 - 270 = week 10).
            let (status, location, body) = post(
                &c,
                &base,
                &s,
                &format!("/pregnancies/{preg}/checks"),
                &[
                    ("csrf", &csrf),
                    ("checked_on", &days_ago(200)),
                    ("place", "古邵镇卫生院"),
                ],
            )
            .await;
            assert_eq!(status, 303, "{body}");
            assert!(location.ends_with("#checks"));
            let (_, page) = get(&c, &base, &s, &format!("/pregnancies/{preg}")).await;
            let checks = section(&page, "checks");
            assert!(
                checks.contains("古邵镇卫生院") && checks.contains("<td>10</td>"),
                "{checks}"
            );
            // A check with no place: the message beside the field.
            let (status, _, body) = post(
                &c,
                &base,
                &s,
                &format!("/pregnancies/{preg}/checks"),
                &[("csrf", &csrf), ("checked_on", &days_ago(100))],
            )
            .await;
            assert_eq!(status, 422);
            assert!(
                field_block(&body, "field-check-place").contains("必填"),
                "{body}"
            );

            // The form offers twins by re-rendering with two child blocks.
            let (_, twins_form) =
                get(&c, &base, &s, &format!("/pregnancies/{preg}?children=2")).await;
            assert!(
                twins_form.contains("name=\"sex_1\"") && twins_form.contains("name=\"sex_2\""),
                "{twins_form}"
            );

            // A bad weight for the second child lands beside that child's field.
            let (_, page) = get(&c, &base, &s, &format!("/pregnancies/{preg}")).await;
            let version = form_field(&page, &format!("/pregnancies/{preg}/births"), "version");
            let born = days_ago(1);
            let (status, _, body) = post(
                &c,
                &base,
                &s,
                &format!("/pregnancies/{preg}/births"),
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("children", "2"),
                    ("sex_1", "male"),
                    ("born_on_1", &born),
                    ("place_1", "home"),
                    ("sex_2", "female"),
                    ("born_on_2", &born),
                    ("place_2", "home"),
                    ("weight_g_2", "90000"),
                ],
            )
            .await;
            assert_eq!(status, 422);
            assert!(
                field_block(&body, "field-weight_g-2").contains("应在 300 到 7000 之间"),
                "{body}"
            );
            assert!(!field_block(&body, "field-weight_g-1").contains("field-error"));

            // Twins: two births, one pregnancy closed as a live birth.
            let (status, location, body) =
                report_births(&c, &base, &s, &csrf, &preg, &born, &["male", "female"]).await;
            assert_eq!(status, 303, "{body}");
            assert!(location.starts_with(&format!("/pregnancies/{preg}")));
            let (_, page) = get(&c, &base, &s, &format!("/pregnancies/{preg}")).await;
            assert!(section(&page, "pregnancy").contains("活产"), "{page}");
            let births = birth_ids(&page);
            assert_eq!(births.len(), 2, "{page}");
            assert!(!page.contains(&format!("action=\"/pregnancies/{preg}/outcome\"")));

            // Both listed as unverified, with the split counted.
            let (_, list) = get(&c, &base, &s, "/births").await;
            for b in &births {
                let row = section(&list, &format!("birth-{b}"));
                assert!(row.contains("未核实"), "{row}");
            }
            assert!(
                list.contains("王秀兰之子") && list.contains("王秀兰之女"),
                "{list}"
            );
            let split = section(&list, "verification-split");
            assert!(split.contains("未核实 <b class=\"count\">2</b>"), "{split}");
            assert!(split.contains("已核实 <b class=\"count\">0</b>"), "{split}");
            // The children are members of her household.
            let (_, hh) = get(&c, &base, &s, &format!("/households/{household}")).await;
            assert!(
                hh.contains("王秀兰之子") && hh.contains("王秀兰之女"),
                "{hh}"
            );

            // First birth: the village specialist verifies the village step…
            let first = births[0].clone();
            let (_, page) = get(&c, &base, &s, &format!("/births/{first}")).await;
            assert!(page.contains("name=\"step\" value=\"village\""), "{page}");
            let (status, _, body) = verify_birth(&c, &base, &s, &csrf, &first, "village").await;
            assert_eq!(status, 303, "{body}");
            let (_, page) = get(&c, &base, &s, &format!("/births/{first}")).await;
            assert!(section(&page, "birth").contains("村已核实"), "{page}");
            // …and is told she cannot do the town step herself.
            assert!(!page.contains("name=\"step\""), "{page}");
            assert!(
                section(&page, "verification").contains("两次核实须由不同的人完成"),
                "{page}"
            );
            // Posting it anyway is refused with the reason.
            let (status, _, body) = verify_birth(&c, &base, &s, &csrf, &first, "town").await;
            assert_eq!(status, 422, "{body}");
            assert!(
                section(&body, "verification").contains("class=\"error\""),
                "{body}"
            );

            // A town staff member does the town step: verified.
            let (ts, tcsrf) = sign_in(&c, &base, "town").await;
            let (_, page) = get(&c, &base, &ts, &format!("/births/{first}")).await;
            assert!(page.contains("name=\"step\" value=\"town\""), "{page}");
            let (status, _, body) = verify_birth(&c, &base, &ts, &tcsrf, &first, "town").await;
            assert_eq!(status, 303, "{body}");
            let (_, page) = get(&c, &base, &ts, &format!("/births/{first}")).await;
            assert!(section(&page, "birth").contains("已核实"), "{page}");
            assert!(!section(&page, "birth").contains("村已核实"), "{page}");
            let steps = section(&page, "verification");
            assert!(
                steps.contains("村级核实") && steps.contains("镇级核实"),
                "{steps}"
            );

            // Second birth: one user attempting both steps is refused with the message.
            let second = births[1].clone();
            let (a, acsrf) = sign_in(&c, &base, "admin").await;
            let (status, _, body) = verify_birth(&c, &base, &a, &acsrf, &second, "village").await;
            assert_eq!(status, 303, "{body}");
            let (status, _, body) = verify_birth(&c, &base, &a, &acsrf, &second, "town").await;
            assert_eq!(status, 422, "{body}");
            assert!(body.contains("两次核实须由不同的人完成"), "{body}");
            let (_, page) = get(&c, &base, &a, &format!("/births/{second}")).await;
            assert!(section(&page, "birth").contains("村已核实"), "{page}");

            // The list's split follows.
            let (_, list) = get(&c, &base, &ts, "/births?v=unverified").await;
            let split = section(&list, "verification-split");
            assert!(split.contains("未核实 <b class=\"count\">0</b>"), "{split}");
            assert!(
                split.contains("村已核实 <b class=\"count\">1</b>"),
                "{split}"
            );
            assert!(split.contains("已核实 <b class=\"count\">1</b>"), "{split}");
            assert!(!list.contains(&format!("birth-{first}")), "{list}");
            let (_, verified) = get(&c, &base, &ts, "/births?v=verified").await;
            assert!(verified.contains(&format!("birth-{first}")), "{verified}");
            assert!(!verified.contains(&format!("birth-{second}")), "{verified}");
        });
    }
);

both!(
    maternal_screens_amendment_naming_and_stale_outcome,
    |kind| {
        let t = TestDb::new(kind);
        seed_orgs(&t.db);
        add_user(&t.db, "v01", Role::VillageSpecialist, V1);
        add_user(&t.db, "town", Role::TownStaff, TOWN);
        let w = add_woman(&t.db, V1, "王秀兰", 1);
        let w2 = add_woman(&t.db, V1, "刘敏", 2);
        let w3 = add_woman(&t.db, V1, "孙静", 3);
        let (base, rt) = spawn_app(t.db.clone());
        rt.block_on(async {
            let c = client();
            let (s, csrf) = sign_in(&c, &base, "v01").await;
            let preg = report(&c, &base, &s, &csrf, &w.id, &days_ago(270), &days_ago(200)).await;
            let (status, _, body) =
                report_births(&c, &base, &s, &csrf, &preg, &days_ago(2), &["male"]).await;
            assert_eq!(status, 303, "{body}");
            let (_, page) = get(&c, &base, &s, &format!("/pregnancies/{preg}")).await;
            let birth = birth_ids(&page).pop().unwrap_or_default();

            // An amendment of the sex, with its reason, shows in the list.
            let (_, page) = get(&c, &base, &s, &format!("/births/{birth}")).await;
            let version = form_field(&page, &format!("/births/{birth}/amend"), "version");
            let (status, _, body) = post(
                &c,
                &base,
                &s,
                &format!("/births/{birth}/amend"),
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("field", "sex"),
                    ("new_value", "女"),
                    ("reason", "出生医学证明记为女"),
                ],
            )
            .await;
            assert_eq!(status, 303, "{body}");
            let (_, page) = get(&c, &base, &s, &format!("/births/{birth}")).await;
            let amendments = section(&page, "amendments");
            assert!(
                amendments.contains("出生医学证明记为女")
                    && amendments.contains("<td>男</td><td>女</td>"),
                "{amendments}"
            );
            assert!(
                section(&page, "birth").contains("id=\"birth-sex\">女<"),
                "{page}"
            );
            // An amendment without a reason: the message beside the reason.
            let version = form_field(&page, &format!("/births/{birth}/amend"), "version");
            let (status, _, body) = post(
                &c,
                &base,
                &s,
                &format!("/births/{birth}/amend"),
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("field", "born_on"),
                    ("new_value", &days_ago(3)),
                ],
            )
            .await;
            assert_eq!(status, 422);
            assert!(
                field_block(&body, "field-amend-reason").contains("必填"),
                "{body}"
            );

            // Naming the child.
            let version = form_field(&page, &format!("/births/{birth}/name"), "version");
            let (status, _, body) = post(
                &c,
                &base,
                &s,
                &format!("/births/{birth}/name"),
                &[("csrf", &csrf), ("version", &version), ("name", "张可欣")],
            )
            .await;
            assert_eq!(status, 303, "{body}");
            let (_, list) = get(&c, &base, &s, "/births").await;
            assert!(
                list.contains("张可欣") && !list.contains("王秀兰之女"),
                "{list}"
            );

            // A stale version on the outcome form: refused with the conflict message.
            let p2 = report(&c, &base, &s, &csrf, &w2.id, &days_ago(60), "").await;
            let (_, page) = get(&c, &base, &s, &format!("/pregnancies/{p2}")).await;
            let action = format!("/pregnancies/{p2}/outcome");
            let stale = form_field(&page, &action, "version");
            // Meanwhile town staff record the outcome from the same version.
            let (ts, tcsrf) = sign_in(&c, &base, "town").await;
            let (status, _, body) = post(
                &c,
                &base,
                &ts,
                &action,
                &[
                    ("csrf", &tcsrf),
                    ("version", &stale),
                    ("outcome", "moved_out"),
                    ("outcome_on", &days_ago(5)),
                ],
            )
            .await;
            assert_eq!(status, 303, "{body}");
            let (status, _, body) = post(
                &c,
                &base,
                &s,
                &action,
                &[
                    ("csrf", &csrf),
                    ("version", &stale),
                    ("outcome", "miscarriage"),
                    ("outcome_on", &days_ago(3)),
                ],
            )
            .await;
            assert_eq!(status, 409, "{body}");
            assert!(body.contains("他人修改了这条孕情"), "{body}");
            // The page shows the outcome as it is now; nothing was overwritten.
            assert!(section(&body, "pregnancy").contains("迁出"), "{body}");
            assert!(!section(&body, "pregnancy").contains("自然流产"), "{body}");

            // An outcome with a bad date: the message beside it, in English too.
            let p3 = report(&c, &base, &s, &csrf, &w3.id, &days_ago(60), "").await;
            let (_, page) = get(&c, &base, &s, &format!("/pregnancies/{p3}")).await;
            let version = form_field(&page, &format!("/pregnancies/{p3}/outcome"), "version");
            let (status, _, body) = post(
                &c,
                &base,
                &s,
                &format!("/pregnancies/{p3}/outcome?lang=en"),
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("outcome", "induced_termination"),
                    ("outcome_on", &days_ago(90)),
                ],
            )
            .await;
            assert_eq!(status, 422);
            assert!(
                field_block(&body, "field-outcome_on")
                    .contains("cannot be before the day after the last menstrual period"),
                "{body}"
            );
            assert!(
                field_block(&body, "field-termination_record").contains("is required"),
                "{body}"
            );
        });
    }
);

both!(maternal_screens_infant_deaths, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    add_user(&t.db, "town", Role::TownStaff, TOWN);
    let young = add_woman(&t.db, V1, "王秀兰", 1);
    let older = add_woman(&t.db, V1, "刘敏", 2);
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let (s, csrf) = sign_in(&c, &base, "v01").await;

        // A child born 400 days ago: a death now is not an infant death.
        let p = report(
            &c,
            &base,
            &s,
            &csrf,
            &older.id,
            &days_ago(680),
            &days_ago(600),
        )
        .await;
        let (status, _, body) =
            report_births(&c, &base, &s, &csrf, &p, &days_ago(400), &["male"]).await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = get(&c, &base, &s, &format!("/pregnancies/{p}")).await;
        let old_birth = birth_ids(&page).pop().unwrap_or_default();
        let (_, page) = get(&c, &base, &s, &format!("/births/{old_birth}")).await;
        assert!(
            page.contains(&format!("action=\"/births/{old_birth}/death\"")),
            "{page}"
        );
        let (status, _, body) = post(
            &c,
            &base,
            &s,
            &format!("/births/{old_birth}/death"),
            &[
                ("csrf", &csrf),
                ("died_on", &days_ago(3)),
                ("cause", "pneumonia"),
            ],
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert!(
            field_block(&body, "field-died_on").contains("婴儿死亡仅限出生后一年内"),
            "{body}"
        );

        // A child born 30 days ago: the death is reported and listed.
        let p = report(
            &c,
            &base,
            &s,
            &csrf,
            &young.id,
            &days_ago(300),
            &days_ago(250),
        )
        .await;
        let (status, _, body) =
            report_births(&c, &base, &s, &csrf, &p, &days_ago(30), &["female"]).await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = get(&c, &base, &s, &format!("/pregnancies/{p}")).await;
        let birth = birth_ids(&page).pop().unwrap_or_default();
        let (status, location, body) = post(
            &c,
            &base,
            &s,
            &format!("/births/{birth}/death"),
            &[
                ("csrf", &csrf),
                ("died_on", &days_ago(2)),
                ("cause", "asphyxia"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{body}");
        assert!(location.starts_with("/deaths/"), "{location}");
        let death = id_of(&location);
        let (status, page) = get(&c, &base, &s, &location).await;
        assert_eq!(status, 200);
        let facts = section(&page, "death");
        assert!(
            facts.contains("出生窒息") && facts.contains("<dd>28</dd>"),
            "{facts}"
        );
        assert!(facts.contains("未核实"), "{facts}");
        // The birth page links to it and offers no second report.
        let (_, page) = get(&c, &base, &s, &format!("/births/{birth}")).await;
        assert!(page.contains(&format!("/deaths/{death}")), "{page}");
        assert!(
            !page.contains(&format!("action=\"/births/{birth}/death\"")),
            "{page}"
        );
        let (_, list) = get(&c, &base, &s, "/deaths").await;
        assert!(
            list.contains(&format!("/deaths/{death}")) && list.contains("王秀兰之女"),
            "{list}"
        );

        // Verified by the village, then by the town.
        let (_, page) = get(&c, &base, &s, &format!("/deaths/{death}")).await;
        let version = field_value(&page, "version");
        let (status, _, body) = post(
            &c,
            &base,
            &s,
            &format!("/deaths/{death}/verify"),
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("step", "village"),
                ("verified_on", &fmt_date(today())),
                ("check_death", "1"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{body}");
        let (ts, tcsrf) = sign_in(&c, &base, "town").await;
        let (_, page) = get(&c, &base, &ts, &format!("/deaths/{death}")).await;
        let version = field_value(&page, "version");
        // Nothing ticked and no note: the store wants to know what was checked.
        let (status, _, body) = post(
            &c,
            &base,
            &ts,
            &format!("/deaths/{death}/verify"),
            &[
                ("csrf", &tcsrf),
                ("version", &version),
                ("step", "town"),
                ("verified_on", &fmt_date(today())),
            ],
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert!(section(&body, "verification").contains("必填"), "{body}");
        let (status, _, body) = post(
            &c,
            &base,
            &ts,
            &format!("/deaths/{death}/verify"),
            &[
                ("csrf", &tcsrf),
                ("version", &version),
                ("step", "town"),
                ("verified_on", &fmt_date(today())),
                ("check_death", "1"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = get(&c, &base, &ts, &format!("/deaths/{death}")).await;
        assert!(
            section(&page, "death").contains("id=\"verification-status\">已核实<"),
            "{page}"
        );
    });
});
