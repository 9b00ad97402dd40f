//! The statistics screens through real HTTP on 127.0.0.1:0, signed in
//! through the real /sign-in form, on both backends: the sex ratio at birth
//! page (its table, interval, judgement, chart and the unverified switch),
//! timeliness and the incentive ledger with the amounts changed on
//! /admin/settings, the monthly report's Excel export read back with
//! calamine, the reconciliation work list, the annual review list, and
//! scope (a village specialist cannot ask for another village's figures).
//! The data are the fixtures of `seed`, so every count is known exactly.

use super::seed::{births, delivery, registration, report, report_for};
use crate::kit::http::*;
use crate::kit::server::spawn_app;
use crate::*;

/// The 95 % Wilson interval of the male share, as a ratio, computed here
/// from the formula independently of the application.
fn wilson_ratio(boys: i64, girls: i64) -> (f64, f64) {
    let n = (boys + girls) as f64;
    let p = boys as f64 / n;
    let z = 1.959_963_984_540_054_f64;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    let (lo, hi) = (centre - half, centre + half);
    (lo / (1.0 - lo) * 100.0, hi / (1.0 - hi) * 100.0)
}

/// The audit trail's export entries of `entity`.
async fn exports(db: &hearth_store::Db, entity: &str) -> usize {
    audited(db, "export", Some(entity), None).await
}

// ---- sex ratio at birth -----------------------------------------------------------

both!(
    srb_page_shows_ratios_intervals_chart_and_the_unverified_switch,
    |kind| {
        let t = TestDb::new(kind);
        seed_orgs(&t.db);
        add_user(&t.db, "town1", Role::TownStaff, TOWN);
        // V1: 140 boys, 100 girls, verified: a ratio of 140.0 whose whole
        // interval lies above 107.
        births(&t.db, V1, "2024-03-01", (140, 100), 1, true);
        // V2: 55 verified births (too few to judge) and 5 unverified boys.
        births(&t.db, V2, "2024-06-01", (30, 25), 2, true);
        births(&t.db, V2, "2024-11-20", (5, 0), 2, false);
        // An earlier year with few births, drawn as such on the chart.
        births(&t.db, V1, "2022-05-05", (10, 10), 1, true);
        let (base, rt) = spawn_app(t.db.clone());
        rt.block_on(async {
            let c = client();
            let (s, _) = page_session(&c, &base, "town1").await;
            let path = format!("/stats/srb?org={TOWN}&from=2024-01-01&to=2024-12-31");
            let (status, html) = get(&c, &base, &s, &path).await;
            assert_eq!(status, 200, "{html}");

            // The high village: its ratio, the interval computed here, the
            // highlight and the judgement.
            let v1 = row(&html, &format!("srb-{V1}"));
            let (lo, hi) = wilson_ratio(140, 100);
            assert!(lo > 107.0, "the test's own interval {lo}");
            let cells1 = cells(v1);
            assert_eq!(cells1[0], "万年闸村");
            assert_eq!(&cells1[1..5], ["240", "140", "100", "140.0"], "{v1}");
            assert_eq!(cells1[5], format!("({lo:.1}–{hi:.1})"), "{v1}");
            assert_eq!(cells1[6], "偏高");
            assert!(v1.contains("class=\"srb-high\""), "{v1}");

            // The small village: too few births to judge, no highlight.
            let v2 = row(&html, &format!("srb-{V2}"));
            let cells2 = cells(v2);
            assert_eq!(&cells2[1..5], ["55", "30", "25", "120.0"], "{v2}");
            assert_eq!(cells2[6], "出生数不足 100，不作判断");
            assert!(!v2.contains("srb-high") && v2.contains("srb-few"), "{v2}");
            // Its unverified births are counted and shown, not included.
            assert_eq!(cells2[7], "5");
            assert_eq!(text_of(&html, "unverified-count"), "5");
            assert!(html.contains("仅统计已核实的出生"));
            let at = html.find("id=\"unverified-switch\"").unwrap_or(0);
            let href = html[..at].rsplit("href=\"").next().unwrap_or("");
            assert!(href.contains("unverified=1"), "{href}");

            // The total and the birth-order breakdown.
            let total = cells(row(&html, "srb-total"));
            assert_eq!(&total[0..4], ["295", "170", "125", "136.0"], "{total:?}");
            let orders = &html[html.find("id=\"srb-orders\"").unwrap_or(0)..];
            assert!(orders.contains("第一孩") && orders.contains("第三孩及以上"));
            let first = cells(&orders[orders.find("第一孩").unwrap_or(0)..]);
            assert_eq!(&first[0..4], ["240", "140", "100", "140.0"], "{first:?}");

            // The chart: inline SVG, one mark per year 2020–2024, the few-births
            // year drawn distinctly, the normal band and no script.
            let svg_at = html.find("<svg").unwrap_or_else(|| panic!("no chart"));
            let svg = &html[svg_at
                ..html[svg_at..]
                    .find("</svg>")
                    .map_or(html.len(), |e| svg_at + e)];
            assert_eq!(svg.matches("<g class=\"mark").count(), 5, "{svg}");
            for y in 2020..=2024 {
                assert!(svg.contains(&format!("data-year=\"{y}\"")), "{y}");
            }
            assert!(
                svg.contains("<g class=\"mark few\" data-year=\"2022\""),
                "{svg}"
            );
            assert!(
                svg.contains("<g class=\"mark\" data-year=\"2024\""),
                "{svg}"
            );
            assert!(svg.contains("class=\"band\"") && svg.contains("103–107"));
            assert!(!html.contains("<script"));

            // The switch includes the unverified births.
            let (status, html) = get(&c, &base, &s, &format!("{path}&unverified=1")).await;
            assert_eq!(status, 200);
            let cells2 = cells(row(&html, &format!("srb-{V2}")));
            assert_eq!(&cells2[1..5], ["60", "35", "25", "140.0"], "{cells2:?}");
            assert!(html.contains("已包括未核实的出生"));
            let at = html.find("id=\"unverified-switch\"").unwrap_or(0);
            let href = html[..at].rsplit("href=\"").next().unwrap_or("");
            assert!(
                href.starts_with("/stats/srb?") && !href.contains("unverified"),
                "{href}"
            );

            // In English the judgement reads in English.
            let (_, en) = get(&c, &base, &s, &format!("{path}&lang=en")).await;
            assert!(en.contains("Fewer than 100 births: no judgement"));
        });
    }
);

// ---- timeliness, the ledger and the settings -----------------------------------

both!(
    timeliness_and_ledger_follow_the_incentive_settings,
    |kind| {
        let t = TestDb::new(kind);
        seed_orgs(&t.db);
        add_user(&t.db, "town1", Role::TownStaff, TOWN);
        add_user(&t.db, "admin1", Role::Admin, "370404");
        {
            let reports = [
                (V1, "2024-01-01", "2024-02-15", true, "王专干"),
                (V1, "2024-02-01", "2024-03-20", true, "王专干"),
                (V1, "2024-03-01", "2024-04-10", true, "王专干"),
                (V1, "2024-01-01", "2024-05-20", false, "王专干"),
                (V2, "2024-06-01", "2024-07-01", true, "李专干"),
                (V2, "2024-07-01", "2024-08-01", true, "李专干"),
                // Another year: not counted.
                (V2, "2023-01-01", "2023-05-01", false, "李专干"),
            ];
            // Timely or late follows from the dates (91 days), as marked.
            for (village, lmp, reported_on, _timely, reporter) in reports {
                report(
                    &t.db,
                    village,
                    lmp,
                    reported_on,
                    reporter,
                    Some(("miscarriage", reported_on)),
                );
            }
        }
        let (base, rt) = spawn_app(t.db.clone());
        rt.block_on(async {
            let c = client();
            let (s, s_csrf) = page_session(&c, &base, "town1").await;
            let path = format!("/stats/timeliness?org={TOWN}&year=2024");
            let (status, html) = get(&c, &base, &s, &path).await;
            assert_eq!(status, 200, "{html}");
            assert_eq!(
                cells(row(&html, &format!("rate-{V1}"))),
                ["万年闸村", "4", "3", "1", "75.0%"]
            );
            assert_eq!(
                cells(row(&html, &format!("rate-{V2}"))),
                ["乐庄村", "2", "2", "0", "100.0%"]
            );
            assert_eq!(cells(row(&html, "rate-total"))[3], "83.3%");

            // The ledger with the default amounts: 500 per timely report, 2500
            // per late one.
            assert_eq!(text_of(&html, "reward-amount"), "500");
            assert_eq!(text_of(&html, "deduction-amount"), "2500");
            let ledger = &html[html.find("id=\"ledger-table\"").unwrap_or(0)..];
            let wang = cells(&ledger[ledger.find("万年闸村").map_or(0, |i| i - 10)..]);
            assert_eq!(
                wang[..7],
                ["万年闸村", "王专干", "3", "1", "1500", "2500", "-1000"]
            );
            let li = cells(&ledger[ledger.find("乐庄村").map_or(0, |i| i - 10)..]);
            assert_eq!(li[..7], ["乐庄村", "李专干", "2", "0", "1000", "0", "1000"]);

            // The ledger as Excel, audited.
            let (status, ct, cd, bytes) = download(
                &c,
                &base,
                &s,
                &format!("/stats/ledger.xlsx?org={TOWN}&year=2024"),
            )
            .await;
            assert_eq!(status, 200);
            assert!(
                ct.starts_with("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            );
            assert!(
                cd.starts_with("attachment;") && cd.contains(".xlsx"),
                "{cd}"
            );
            let sheet = read_xlsx(bytes);
            assert!(
                sheet
                    .iter()
                    .any(|r| r.len() > 7 && r[2] == "王专干" && r[7] == "-1000"),
                "{sheet:?}"
            );
            assert_eq!(exports(&t.db, "incentive_ledger").await, 1);

            // Only an administrator opens the settings.
            let (status, _) = get(&c, &base, &s, "/admin/settings").await;
            assert_eq!(status, 403);
            let (a, _) = page_session(&c, &base, "admin1").await;
            let (status, form) = get(&c, &base, &a, "/admin/settings").await;
            assert_eq!(status, 200, "{form}");
            let (csrf, version) = (field_value(&form, "csrf"), field_value(&form, "version"));
            assert_eq!(field_value(&form, "reward_per_timely"), "500");
            // A non-administrator's post is refused too.
            let (status, _, _) = post(
                &c,
                &base,
                &s,
                "/admin/settings",
                &[
                    ("csrf", &s_csrf),
                    ("version", &version),
                    ("reward_per_timely", "1"),
                    ("deduction_per_late", "1"),
                ],
            )
            .await;
            assert_eq!(status, 403);

            // A bad amount: the form again with the message under its field.
            let (status, _, page) = post(
                &c,
                &base,
                &a,
                "/admin/settings",
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("reward_per_timely", "五百"),
                    ("deduction_per_late", "1000"),
                ],
            )
            .await;
            assert_eq!(status, 422);
            assert!(page.contains("id=\"reward_per_timely-error\""), "{page}");
            assert!(!page.contains("id=\"deduction_per_late-error\""));

            let (status, loc, _) = post(
                &c,
                &base,
                &a,
                "/admin/settings",
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("reward_per_timely", "600"),
                    ("deduction_per_late", "1000"),
                ],
            )
            .await;
            assert_eq!((status, loc.as_str()), (303, "/admin/settings?done=1"));

            // The same stale version again: refused, the amounts now shown.
            let (status, _, page) = post(
                &c,
                &base,
                &a,
                "/admin/settings",
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("reward_per_timely", "700"),
                    ("deduction_per_late", "700"),
                ],
            )
            .await;
            assert_eq!(status, 409, "{page}");
            assert!(page.contains("已被其他管理员修改"), "{page}");
            assert!(page.contains("id=\"settings-conflict\""));
            assert_ne!(field_value(&page, "version"), version);

            // The ledger follows the new amounts.
            let (_, html) = get(&c, &base, &s, &path).await;
            assert_eq!(text_of(&html, "reward-amount"), "600");
            assert_eq!(text_of(&html, "deduction-amount"), "1000");
            let ledger = &html[html.find("id=\"ledger-table\"").unwrap_or(0)..];
            let wang = cells(&ledger[ledger.find("万年闸村").map_or(0, |i| i - 10)..]);
            assert_eq!(wang[4..7], ["1800", "1000", "800"]);
        });
    }
);

// ---- the monthly report and its Excel export ---------------------------------------

/// True when every cell of `row` from the third on is a number cell.
fn numeric_cells(bytes: &[u8], row: usize) -> bool {
    use calamine::{Data, Reader};
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let name = wb.sheet_names().first().cloned().unwrap_or_default();
    let range = wb.worksheet_range(&name).unwrap();
    range.rows().nth(row).is_some_and(|r| {
        r.iter()
            .skip(2)
            .all(|d| matches!(d, Data::Float(_) | Data::Int(_)))
    })
}

both!(
    monthly_report_downloads_as_excel_with_the_village_rows,
    |kind| {
        let t = TestDb::new(kind);
        seed_orgs(&t.db);
        add_user(&t.db, "town1", Role::TownStaff, TOWN);
        // V1 in October 2024: two pregnancies reported (one timely), still
        // open at the month's end, and twins (a boy and a girl, one
        // verified).
        for (lmp, reported_on) in [("2024-08-20", "2024-10-05"), ("2024-06-01", "2024-10-20")] {
            report(&t.db, V1, lmp, reported_on, "王专干", None);
        }
        delivery(
            &t.db,
            V1,
            "2024-10-12",
            None,
            &[(1, 1, true), (2, 2, false)],
            None,
        );
        // V2: one verified boy in October; a birth in November is not
        // counted, though its pregnancy is still open at October's end.
        births(&t.db, V2, "2024-10-03", (1, 0), 1, true);
        births(&t.db, V2, "2024-11-03", (0, 1), 1, true);
        let (base, rt) = spawn_app(t.db.clone());
        rt.block_on(async {
            let c = client();
            let (s, _) = page_session(&c, &base, "town1").await;
            let (status, html) = get(
                &c,
                &base,
                &s,
                &format!("/stats/monthly?org={TOWN}&month=2024-10"),
            )
            .await;
            assert_eq!(status, 200, "{html}");
            assert!(html.contains("报告孕情数") && html.contains("双（多）胎分娩"));
            let v1 = [
                "万年闸村",
                "2",
                "1",
                "2",
                "0",
                "0",
                "0",
                "0",
                "0",
                "2",
                "1",
                "1",
                "1",
                "1",
                "0",
            ];
            assert_eq!(cells(row(&html, &format!("monthly-{V1}"))), v1);
            let at = html.find("id=\"monthly-export\"").unwrap_or(0);
            let href = html[..at].rsplit("href=\"").next().unwrap_or("");
            assert!(
                href.starts_with(&format!("/stats/monthly.xlsx?org={TOWN}"))
                    && href.contains("month=2024-10"),
                "export link {href}"
            );

            let (status, ct, cd, bytes) = download(
                &c,
                &base,
                &s,
                &format!("/stats/monthly.xlsx?org={TOWN}&month=2024-10"),
            )
            .await;
            assert_eq!(status, 200);
            assert_eq!(
                ct,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            );
            assert!(
                cd.starts_with("attachment; filename=\"monthly-370404100-2024-10.xlsx\""),
                "{cd}"
            );
            assert!(numeric_cells(&bytes, 2), "village rows hold numbers");
            let (name, rows) = read_xlsx_named(bytes);
            assert_eq!(name, "2024年10月");
            assert!(
                rows[0][0].contains("古邵镇") && rows[0][0].contains("2024年10月"),
                "{:?}",
                rows[0]
            );
            assert_eq!(
                rows[1][0..4],
                ["区划代码", "村（居）", "报告孕情数", "其中及时报告"]
            );
            assert_eq!(rows[1].len(), 16);
            let expect = |code: &str, name: &str, nums: &[&str]| {
                let mut r = vec![code.to_string(), name.to_string()];
                r.extend(nums.iter().map(|n| n.to_string()));
                r
            };
            assert_eq!(
                rows[2],
                expect(
                    V1,
                    "万年闸村",
                    &[
                        "2", "1", "2", "0", "0", "0", "0", "0", "2", "1", "1", "1", "1", "0"
                    ]
                )
            );
            assert_eq!(
                rows[3],
                expect(
                    V2,
                    "乐庄村",
                    &[
                        "0", "0", "1", "0", "0", "0", "0", "0", "1", "1", "1", "0", "0", "0"
                    ]
                )
            );
            assert_eq!(
                rows[4],
                expect(
                    "",
                    "合计",
                    &[
                        "2", "1", "3", "0", "0", "0", "0", "0", "3", "2", "2", "1", "1", "0"
                    ]
                )
            );
            assert_eq!(rows.len(), 5);
            assert_eq!(exports(&t.db, "monthly_report").await, 1);

            // A month that does not exist: a 400 page naming the parameter.
            let (status, html) = get(
                &c,
                &base,
                &s,
                &format!("/stats/monthly.xlsx?org={TOWN}&month=2024-13"),
            )
            .await;
            assert_eq!(status, 400);
            assert!(
                html.contains("id=\"param-month\"") && html.contains("YYYY-MM"),
                "{html}"
            );
            assert_eq!(
                exports(&t.db, "monthly_report").await,
                1,
                "a refused export is not recorded"
            );
        });
    }
);

// ---- reconciliation and the annual review -----------------------------------------

both!(
    reconciliation_lists_stale_registrations_for_a_service_visit,
    |kind| {
        let t = TestDb::new(kind);
        seed_orgs(&t.db);
        add_user(&t.db, "town1", Role::TownStaff, TOWN);
        // Issued long ago, nothing since: listed for a visit.
        let stale = registration(&t.db, V1, "赵晓梅", "DJ-0001", "2023-01-10").id;
        // Issued long ago, but she reported a pregnancy since: not listed.
        let used = registration(&t.db, V2, "钱小红", "DJ-0002", "2023-01-10");
        report_for(&t.db, &used.wife, "2023-05-01", "2023-06-01", "专干", None);
        let used = used.id;
        // Issued this October: counted as issued, too new to be stale.
        registration(&t.db, V1, "孙丽", "DJ-0003", "2024-10-08");
        let (base, rt) = spawn_app(t.db.clone());
        rt.block_on(async {
            let c = client();
            let (s, _) = page_session(&c, &base, "town1").await;
            let (status, html) = get(
                &c,
                &base,
                &s,
                &format!("/stats/reconciliation?org={TOWN}&month=2024-10"),
            )
            .await;
            assert_eq!(status, 200, "{html}");
            assert!(html.contains("上门服务工作清单") && html.contains("不得公开"));
            let v1 = cells(row(&html, &format!("recon-{V1}")));
            assert_eq!(v1, ["万年闸村", "1", "0", "0", "0", "0", "1"]);
            let listed = row(&html, &format!("stale-{stale}"));
            assert!(
                listed.contains("赵晓梅")
                    && listed.contains(&format!("href=\"/registrations/{stale}\""))
            );
            assert!(listed.contains("2023-01-10"));
            assert!(!html.contains("钱小红") && !html.contains(&used));
            assert!(!html.contains("孙丽"));

            // The annual review list links to the registration.
            let (status, html) = get(
                &c,
                &base,
                &s,
                &format!("/stats/review?org={TOWN}&year=2024&reviewed=no"),
            )
            .await;
            assert_eq!(status, 200, "{html}");
            assert!(
                row(&html, &format!("review-{stale}")).contains(&format!("/registrations/{stale}"))
            );
            let (status, html) = get(
                &c,
                &base,
                &s,
                &format!("/stats/review?org={TOWN}&year=2024&reviewed=yes"),
            )
            .await;
            assert_eq!(status, 200);
            assert!(!html.contains(&stale));
            let (status, html) = get(
                &c,
                &base,
                &s,
                &format!("/stats/review?org={TOWN}&year=2024&reviewed=maybe"),
            )
            .await;
            assert_eq!(status, 400);
            assert!(html.contains("id=\"param-reviewed\""));
        });
    }
);

// ---- scope and bad parameters ----------------------------------------------------------

both!(a_village_specialist_sees_only_her_village, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v1", Role::VillageSpecialist, V1);
    births(&t.db, V1, "2024-03-01", (3, 2), 1, true);
    births(&t.db, V2, "2024-03-01", (7, 1), 1, true);
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let (s, _) = page_session(&c, &base, "v1").await;
        // By default, her own village.
        let (status, html) = get(&c, &base, &s, "/stats/srb?from=2024-01-01&to=2024-12-31").await;
        assert_eq!(status, 200, "{html}");
        assert_eq!(cells(row(&html, &format!("srb-{V1}")))[1], "5");
        assert!(!html.contains(&format!("srb-{V2}")) && !html.contains("乐庄村"));

        // Another village, or the town above her: a 400 naming the parameter.
        for org in [V2, TOWN, "999999999999"] {
            for path in [
                "/stats/srb",
                "/stats/timeliness",
                "/stats/monthly",
                "/stats/ledger.xlsx",
                "/stats/monthly.xlsx",
                "/stats/reconciliation",
            ] {
                let (status, html) = get(&c, &base, &s, &format!("{path}?org={org}")).await;
                assert_eq!(status, 400, "{path} {org}: {html}");
                assert!(html.contains("id=\"param-org\""), "{path}");
                assert!(!html.contains("乐庄村"));
            }
        }
        let (_, html) = get(&c, &base, &s, &format!("/stats/srb?org={V2}")).await;
        assert!(html.contains("不在您的管辖范围内"));

        // Other bad parameters: each named, never a 500.
        for (path, param) in [
            ("/stats/monthly?month=2026-13", "month"),
            ("/stats/reconciliation?month=2026-1x", "month"),
            ("/stats/timeliness?year=abc", "year"),
            ("/stats/srb?from=2024-02-30", "from"),
            ("/stats/srb?from=2024-05-01&to=2024-04-01", "to"),
            ("/stats/srb?unverified=maybe", "unverified"),
            ("/stats/srb?org=%E4%B9%90", "org"),
        ] {
            let (status, html) = get(&c, &base, &s, path).await;
            assert_eq!(status, 400, "{path}: {html}");
            assert!(
                html.contains(&format!("id=\"param-{param}\"")),
                "{path}: {html}"
            );
        }

        // Not an administrator: no settings; not granted: no register.
        let (status, _) = get(&c, &base, &s, "/admin/settings").await;
        assert_eq!(status, 403);
        let (status, _) = get(&c, &base, &s, "/enforcement").await;
        assert_eq!(status, 403);
        // The index links her reports.
        let (status, html) = get(&c, &base, &s, "/stats").await;
        assert_eq!(status, 200);
        assert!(html.contains(&format!("/stats/srb?org={V1}")), "{html}");
    });
});
