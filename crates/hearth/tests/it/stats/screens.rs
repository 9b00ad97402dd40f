//! The statistics screens through real HTTP on 127.0.0.1:0, signed in
//! through the real /sign-in form, on both backends: the sex ratio at birth
//! page (its table, interval, judgement, chart and the unverified switch),
//! timeliness and the incentive ledger with the amounts changed on
//! /admin/settings, the monthly report's Excel export read back with
//! calamine, the reconciliation work list, the annual review list, the
//! enforcement case register behind its grant, and scope (a village
//! specialist cannot ask for another village's figures). Births and
//! pregnancies are seeded with plain SQL so every count is known exactly.

use crate::kit::http::{PASSWORD, add_user, client, field_value};
use crate::kit::http::{get, post};
use crate::kit::server::spawn_app;
use crate::*;
use hearth_core::scope::Scope;
use hearth_core::user::Role;
use hearth_store::StoreError;
use hearth_store::audit::AuditFilter;
use hearth_store::db::{P, Tx};

// ---- HTTP helpers ---------------------------------------------------------------

/// Signs in; returns the session cookie and its CSRF token (from the home
/// page's sign-out form).
async fn sign_in(c: &reqwest::Client, base: &str, user: &str) -> (String, String) {
    let session = crate::kit::http::session(c, base, user, PASSWORD).await;
    let (_, home) = get(c, base, &session, "/").await;
    let csrf = field_value(&home, "csrf");
    assert!(!csrf.is_empty(), "no csrf for {user}");
    (session, csrf)
}

/// A download: status, content type, content disposition and the bytes.
async fn download(
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
        .unwrap_or_else(|e| panic!("{e}"));
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

/// The table row (`<tr …>` to `</tr>`) with the given id.
fn row<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let start = html[..start].rfind("<tr").unwrap_or(start);
    let rest = &html[start..];
    &rest[..rest.find("</tr>").unwrap_or(rest.len())]
}

/// The text of the element with the given id (up to the next `<`).
fn text_of<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[start..];
    let rest = &rest[rest.find('>').map_or(0, |i| i + 1)..];
    &rest[..rest.find('<').unwrap_or(rest.len())]
}

/// The cells of a table row, tags stripped.
fn cells(row_html: &str) -> Vec<String> {
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

// ---- seeding by SQL -------------------------------------------------------------

const NOW: &str = "2024-12-01T00:00:00Z";

fn seed(db: &hearth_store::Db, f: impl FnOnce(&mut Tx<'_>) -> Result<(), StoreError>) {
    db.write(f).unwrap_or_else(|e| panic!("seed: {e}"));
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A person without a resident ID (as a newborn is); returns the id.
fn person(tx: &mut Tx<'_>, name: &str, sex: i64, village: &str) -> Result<String, StoreError> {
    let id = new_id();
    tx.exec(
        "INSERT INTO person (id, resident_id, name, sex, birth_date, village_code, version,
             change_seq, created_at, updated_at, name_initials)
         VALUES ($1, NULL, $2, $3, '1994-04-04', $4, 1, 0, $5, $5, '')",
        &[P::T(&id), P::T(name), P::I(sex), P::T(village), P::T(NOW)],
    )?;
    Ok(id)
}

/// A pregnancy of a new woman; `outcome` is `(code, date)` once ended.
struct Preg<'a> {
    village: &'a str,
    lmp: &'a str,
    reported_on: &'a str,
    timely: bool,
    reporter: &'a str,
    outcome: Option<(&'a str, &'a str)>,
}

/// Inserts the pregnancy (and its woman); returns `(pregnancy, woman)`.
fn pregnancy(tx: &mut Tx<'_>, p: &Preg<'_>) -> Result<(String, String), StoreError> {
    let woman = person(tx, "孕妇", 2, p.village)?;
    let id = new_id();
    tx.exec(
        "INSERT INTO pregnancy (id, woman_id, village_code, lmp, reported_on, source, edd,
             timely, reported_by_name, outcome, outcome_on, version, change_seq,
             created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'self', $4, $6, $7, $8, $9, 1, 0, $10, $10)",
        &[
            P::T(&id),
            P::T(&woman),
            P::T(p.village),
            P::T(p.lmp),
            P::T(p.reported_on),
            P::I(i64::from(p.timely)),
            P::T(p.reporter),
            p.outcome.map(|o| o.0).into(),
            p.outcome.map(|o| o.1).into(),
            P::T(NOW),
        ],
    )?;
    Ok((id, woman))
}

/// `boys` and `girls` live births on `born_on` in `village`, of one
/// delivery (one mother, one pregnancy ended as a live birth: its LMP 280
/// days before, reported on time 60 days after the LMP).
fn births(
    tx: &mut Tx<'_>,
    village: &str,
    born_on: &str,
    (boys, girls): (usize, usize),
    order: i64,
    verified: bool,
) -> Result<(), StoreError> {
    let born = chrono::NaiveDate::parse_from_str(born_on, "%Y-%m-%d")
        .unwrap_or_else(|e| panic!("{born_on}: {e}"));
    let lmp = born - chrono::Duration::days(280);
    let reported = lmp + chrono::Duration::days(60);
    let (lmp, reported) = (lmp.to_string(), reported.to_string());
    let (preg, mother) = pregnancy(
        tx,
        &Preg {
            village,
            lmp: &lmp,
            reported_on: &reported,
            timely: true,
            reporter: "专干",
            outcome: Some(("live_birth", born_on)),
        },
    )?;
    let sexes = std::iter::repeat_n(1, boys).chain(std::iter::repeat_n(2, girls));
    for sex in sexes {
        let child = person(tx, "新生儿", sex, village)?;
        tx.exec(
            "INSERT INTO birth (id, pregnancy_id, mother_id, child_id, village_code, sex,
                 born_on, place, birth_order, reported_by_name, verified, version,
                 change_seq, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'county_hospital', $8, '专干', $9, 1, 0,
                 $10, $10)",
            &[
                P::T(&new_id()),
                P::T(&preg),
                P::T(&mother),
                P::T(&child),
                P::T(village),
                P::I(sex),
                P::T(born_on),
                P::I(order),
                P::I(i64::from(verified)),
                P::T(NOW),
            ],
        )?;
    }
    Ok(())
}

/// A couple with a wife named `wife` and one current birth registration
/// issued on `issued_on`; returns `(registration, wife)`.
fn registration(
    tx: &mut Tx<'_>,
    wife: &str,
    village: &str,
    issued_on: &str,
    review_due: &str,
) -> Result<(String, String), StoreError> {
    let w = person(tx, wife, 2, village)?;
    let h = person(tx, "丈夫", 1, village)?;
    let (couple, id) = (new_id(), new_id());
    tx.exec(
        "INSERT INTO couple (id, wife_id, husband_id, village_code, version, change_seq,
             created_at, updated_at)
         VALUES ($1, $2, $3, $4, 1, 0, $5, $5)",
        &[P::T(&couple), P::T(&w), P::T(&h), P::T(village), P::T(NOW)],
    )?;
    tx.exec(
        "INSERT INTO birth_registration (id, couple_id, village_code, child_order, number,
             issued_on, status, review_due, version, change_seq, created_at, updated_at)
         VALUES ($1, $2, $3, 1, $4, $5, 'current', $6, 1, 0, $7, $7)",
        &[
            P::T(&id),
            P::T(&couple),
            P::T(village),
            P::T(&format!("DJ-{}", &id[id.len() - 8..])),
            P::T(issued_on),
            P::T(review_due),
            P::T(NOW),
        ],
    )?;
    Ok((id, w))
}

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

/// The audit entries with `action` (and `entity` or `username` when
/// given), read on a blocking thread: the PostgreSQL client must not run
/// on the test's async thread.
async fn audited(
    db: &hearth_store::Db,
    action: &str,
    entity: Option<&str>,
    username: Option<&str>,
) -> usize {
    let db = db.clone();
    let f = AuditFilter {
        action: Some(action.into()),
        entity: entity.map(str::to_string),
        username: username.map(str::to_string),
        limit: 100,
        ..AuditFilter::default()
    };
    tokio::task::spawn_blocking(move || {
        hearth_store::audit::list(&db, &Scope::system("test"), &f)
            .unwrap_or_else(|e| panic!("{e}"))
            .len()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

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
        seed(&t.db, |tx| {
            // V1: 140 boys, 100 girls, verified: a ratio of 140.0 whose whole
            // interval lies above 107.
            births(tx, V1, "2024-03-01", (140, 100), 1, true)?;
            // V2: 55 verified births (too few to judge) and 5 unverified boys.
            births(tx, V2, "2024-06-01", (30, 25), 2, true)?;
            births(tx, V2, "2024-11-20", (5, 0), 2, false)?;
            // An earlier year with few births, drawn as such on the chart.
            births(tx, V1, "2022-05-05", (10, 10), 1, true)
        });
        let (base, rt) = spawn_app(t.db.clone());
        rt.block_on(async {
            let c = client();
            let (s, _) = sign_in(&c, &base, "town1").await;
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
        seed(&t.db, |tx| {
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
            for (village, lmp, reported_on, timely, reporter) in reports {
                pregnancy(
                    tx,
                    &Preg {
                        village,
                        lmp,
                        reported_on,
                        timely,
                        reporter,
                        outcome: Some(("miscarriage", reported_on)),
                    },
                )?;
            }
            Ok(())
        });
        let (base, rt) = spawn_app(t.db.clone());
        rt.block_on(async {
            let c = client();
            let (s, s_csrf) = sign_in(&c, &base, "town1").await;
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
            let (a, _) = sign_in(&c, &base, "admin1").await;
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

/// The first sheet of a workbook as text cells (numbers as `2`, `0`…).
fn read_xlsx(bytes: Vec<u8>) -> Vec<Vec<String>> {
    read_xlsx_named(bytes).1
}

fn read_xlsx_named(bytes: Vec<u8>) -> (String, Vec<Vec<String>>) {
    use calamine::{Data, Reader};
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
        .unwrap_or_else(|e| panic!("not an xlsx: {e}"));
    let name = wb.sheet_names().first().cloned().unwrap_or_default();
    let range = wb.worksheet_range(&name).unwrap_or_else(|e| panic!("{e}"));
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

/// True when every cell of `row` from the third on is a number cell.
fn numeric_cells(bytes: &[u8], row: usize) -> bool {
    use calamine::{Data, Reader};
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec()))
            .unwrap_or_else(|e| panic!("{e}"));
    let name = wb.sheet_names().first().cloned().unwrap_or_default();
    let range = wb.worksheet_range(&name).unwrap_or_else(|e| panic!("{e}"));
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
        seed(&t.db, |tx| {
            // V1 in October 2024: two pregnancies reported (one timely), still
            // open at the month's end, and twins (a boy and a girl, one
            // verified).
            for (lmp, reported_on, timely) in [
                ("2024-08-20", "2024-10-05", true),
                ("2024-06-01", "2024-10-20", false),
            ] {
                pregnancy(
                    tx,
                    &Preg {
                        village: V1,
                        lmp,
                        reported_on,
                        timely,
                        reporter: "王专干",
                        outcome: None,
                    },
                )?;
            }
            births(tx, V1, "2024-10-12", (1, 0), 1, true)?;
            // (the twins share one delivery: add the girl to the same pregnancy)
            let preg = tx.query_one(
                "SELECT pregnancy_id, mother_id FROM birth WHERE born_on = '2024-10-12'",
                &[],
            )?;
            let (p, m) = (preg.str(0), preg.str(1));
            let girl = person(tx, "新生儿", 2, V1)?;
            tx.exec(
            "INSERT INTO birth (id, pregnancy_id, mother_id, child_id, village_code, sex, born_on,
                 place, birth_order, reported_by_name, verified, version, change_seq,
                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 2, '2024-10-12', 'county_hospital', 2, '专干', 0, 1, 0,
                 $6, $6)",
            &[P::T(&new_id()), P::T(&p), P::T(&m), P::T(&girl), P::T(V1), P::T(NOW)],
        )?;
            // V2: one verified boy in October; a birth in November is not
            // counted, though its pregnancy is still open at October's end.
            births(tx, V2, "2024-10-03", (1, 0), 1, true)?;
            births(tx, V2, "2024-11-03", (0, 1), 1, true)
        });
        let (base, rt) = spawn_app(t.db.clone());
        rt.block_on(async {
            let c = client();
            let (s, _) = sign_in(&c, &base, "town1").await;
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
        let ids = std::cell::RefCell::new((String::new(), String::new()));
        seed(&t.db, |tx| {
            // Issued long ago, nothing since: listed for a visit.
            let (stale, _) = registration(tx, "赵晓梅", V1, "2023-01-10", "2024-01-10")?;
            // Issued long ago, but she reported a pregnancy since: not listed.
            let (used, wife) = registration(tx, "钱小红", V2, "2023-01-10", "2024-01-10")?;
            tx.exec(
                "INSERT INTO pregnancy (id, woman_id, village_code, lmp, reported_on, source, edd,
                 timely, reported_by_name, version, change_seq, created_at, updated_at)
             VALUES ($1, $2, $3, '2023-05-01', '2023-06-01', 'self', '2024-02-05', 1, '专干',
                 1, 0, $4, $4)",
                &[P::T(&new_id()), P::T(&wife), P::T(V2), P::T(NOW)],
            )?;
            // Issued this October: counted as issued, too new to be stale.
            registration(tx, "孙丽", V1, "2024-10-08", "2025-10-08")?;
            *ids.borrow_mut() = (stale, used);
            Ok(())
        });
        let (stale, used) = ids.into_inner();
        let (base, rt) = spawn_app(t.db.clone());
        rt.block_on(async {
            let c = client();
            let (s, _) = sign_in(&c, &base, "town1").await;
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

// ---- the enforcement case register ------------------------------------------------

both!(
    enforcement_register_needs_the_grant_and_refuses_stale_edits,
    |kind| {
        let t = TestDb::new(kind);
        seed_orgs(&t.db);
        let town_id = add_user(&t.db, "town1", Role::TownStaff, TOWN);
        add_user(&t.db, "admin1", Role::Admin, "370404");
        let (base, rt) = spawn_app(t.db.clone());
        rt.block_on(async {
            let c = client();
            let (s, csrf) = sign_in(&c, &base, "town1").await;
            let (status, html) = get(&c, &base, &s, "/enforcement").await;
            assert_eq!(status, 403);
            assert!(html.contains("您没有查看两非案件登记簿的授权"), "{html}");
            let (status, _) = get(&c, &base, &s, "/enforcement/new").await;
            assert_eq!(status, 403);
            // She cannot grant it to herself either.
            let grant_path = format!("/admin/users/{town_id}/enforcement");
            let (status, _, _) = post(
                &c,
                &base,
                &s,
                &grant_path,
                &[("csrf", &csrf), ("granted", "1")],
            )
            .await;
            assert_eq!(status, 403);

            // An administrator grants it on the users page.
            let (a, acsrf) = sign_in(&c, &base, "admin1").await;
            let (_, users) = get(&c, &base, &a, "/admin/users").await;
            assert!(
                users.contains(&format!("action=\"{grant_path}\"")),
                "{users}"
            );
            let (status, loc, _) = post(
                &c,
                &base,
                &a,
                &grant_path,
                &[("csrf", &acsrf), ("granted", "1")],
            )
            .await;
            assert_eq!(status, 303);
            assert!(loc.starts_with("/admin/users?done=granted"), "{loc}");
            let (_, users) = get(&c, &base, &a, &loc).await;
            assert!(users.contains("已授予两非案件登记簿查看权"));

            let (status, html) = get(&c, &base, &s, "/enforcement").await;
            assert_eq!(status, 200, "{html}");
            assert!(html.contains("没有案件"));

            // A new case with bad input: the form again, each message by its field.
            let (_, form) = get(&c, &base, &s, "/enforcement/new").await;
            let client_id = field_value(&form, "client_id");
            assert!(!client_id.is_empty());
            let mut fields = vec![
                ("csrf", csrf.clone()),
                ("client_id", client_id.clone()),
                ("org_code", V1.to_string()),
                ("kind", "sex_identification".into()),
                ("occurred_on", "2024-05-06".into()),
                ("place", "".into()),
                ("description", "私人诊所用 B 超鉴定胎儿性别".into()),
                ("penalty", "没收设备".into()),
                ("fine_yuan", "5000".into()),
                ("status", "investigating".into()),
                ("item_kind_1", "B 超机".into()),
                ("item_count_1", "一台".into()),
                ("item_kind_2", "药品".into()),
                ("item_count_2", "30".into()),
            ];
            let send = |f: Vec<(&'static str, String)>| -> Vec<(String, String)> {
                f.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            };
            let post_pairs = |path: String, pairs: Vec<(String, String)>| {
                let c = c.clone();
                let base = base.clone();
                let s = s.clone();
                async move {
                    let refs: Vec<(&str, &str)> = pairs
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect();
                    post(&c, &base, &s, &path, &refs).await
                }
            };
            let (status, _, page) =
                post_pairs("/enforcement/new".into(), send(fields.clone())).await;
            assert_eq!(status, 422, "{page}");
            assert!(page.contains("id=\"place-error\""), "{page}");
            assert!(
                page.contains("应为数字"),
                "the item count's message: {page}"
            );
            assert!(
                page.contains("私人诊所用 B 超鉴定胎儿性别"),
                "typed values kept"
            );

            for f in fields.iter_mut() {
                match f.0 {
                    "place" => f.1 = "某镇某诊所".into(),
                    "item_count_1" => f.1 = "1".into(),
                    _ => {}
                }
            }
            let (status, loc, page) =
                post_pairs("/enforcement/new".into(), send(fields.clone())).await;
            assert_eq!(status, 303, "{page}");
            assert!(loc.starts_with("/enforcement/"), "{loc}");
            // A retried submit with the same client id opens no second case.
            let (status, loc2, _) =
                post_pairs("/enforcement/new".into(), send(fields.clone())).await;
            assert_eq!((status, loc2.as_str()), (303, loc.as_str()));

            let (status, list) = get(&c, &base, &s, "/enforcement").await;
            assert_eq!(status, 200);
            assert_eq!(list.matches("<tr id=\"case-").count(), 1, "{list}");
            assert!(
                list.contains("某镇某诊所")
                    && list.contains("B 超机 × 1")
                    && list.contains("药品 × 30")
            );
            assert!(list.contains("调查中") && list.contains("非医学需要胎儿性别鉴定"));

            // Edit: the first save works, the same version again is a conflict.
            let (status, page) = get(&c, &base, &s, &loc).await;
            assert_eq!(status, 200, "{page}");
            let version = field_value(&page, "version");
            assert_eq!(version, "1");
            assert_eq!(field_value(&page, "item_kind_2"), "药品");
            let mut edit: Vec<(&'static str, String)> = fields
                .iter()
                .filter(|(k, _)| *k != "client_id")
                .cloned()
                .collect();
            edit.push(("version", version.clone()));
            for f in edit.iter_mut() {
                if f.0 == "status" {
                    f.1 = "closed".into();
                }
            }
            let (status, saved, _) = post_pairs(loc.clone(), send(edit.clone())).await;
            assert_eq!(status, 303);
            assert!(saved.ends_with("?saved=1"));
            let (_, page) = get(&c, &base, &s, &saved).await;
            assert!(page.contains("已结案") && page.contains("已保存"));
            for f in edit.iter_mut() {
                if f.0 == "penalty" {
                    f.1 = "罚款并吊销执业许可".into();
                }
            }
            let (status, _, page) = post_pairs(loc.clone(), send(edit)).await;
            assert_eq!(status, 409, "{page}");
            assert!(page.contains("该案件已被他人修改") && page.contains("id=\"case-conflict\""));
            assert_eq!(field_value(&page, "version"), "2");
            assert!(
                page.contains("罚款并吊销执业许可"),
                "what was typed is kept"
            );

            // Every view was audited.
            let views = audited(&t.db, "view", None, Some("town1")).await;
            assert!(views >= 4, "{views} views audited");

            // Withdrawn: refused again at once.
            let (status, loc, _) = post(
                &c,
                &base,
                &a,
                &grant_path,
                &[("csrf", &acsrf), ("granted", "0")],
            )
            .await;
            assert_eq!(
                (status, loc.starts_with("/admin/users?done=withdrawn")),
                (303, true)
            );
            let (status, _) = get(&c, &base, &s, "/enforcement").await;
            assert_eq!(status, 403);
        });
    }
);

// ---- scope and bad parameters ----------------------------------------------------------

both!(a_village_specialist_sees_only_her_village, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v1", Role::VillageSpecialist, V1);
    seed(&t.db, |tx| {
        births(tx, V1, "2024-03-01", (3, 2), 1, true)?;
        births(tx, V2, "2024-03-01", (7, 1), 1, true)
    });
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let (s, _) = sign_in(&c, &base, "v1").await;
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
