//! The pregnancy screens through real HTTP on 127.0.0.1:0, signed in
//! through the real /sign-in form, on both backends: reporting a pregnancy
//! and its field errors in Chinese and English, scope (404) and the role
//! that may write (403); and the form helpers the birth screens' tests
//! (`screens_births`) share.

use crate::kit::http::{add_user, client, field_value};
use crate::kit::http::{field_block, get, page_session as sign_in, post, section};
use crate::kit::server::spawn_app;
use crate::*;
use chrono::Duration;
use hearth_core::dates::fmt_date;
use hearth_core::pregnancy::PregnancyInput;
use hearth_core::user::Role;

// ---- helpers ----------------------------------------------------------------------

/// The value of the hidden `name` field inside the form posting to `action`.
pub(super) fn form_field(html: &str, action: &str, name: &str) -> String {
    let start = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form for {action} in {html}"));
    field_value(&html[start..], name)
}

/// The record id at the end of a redirect (`/pregnancies/{id}#births` →
/// id).
pub(super) fn id_of(location: &str) -> String {
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
pub(super) async fn report(
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
pub(super) async fn report_births(
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
pub(super) fn birth_ids(html: &str) -> Vec<String> {
    html.split("href=\"/births/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

/// Records one verification step through the birth page's form.
pub(super) async fn verify_birth(
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
            .unwrap()
            .0
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
        .unwrap()
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
        .unwrap()
        .0
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
