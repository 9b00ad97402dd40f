//! The follow-up screens (随访) through real HTTP on 127.0.0.1:0, signed in
//! through the real /sign-in form, on both backends: zones and the
//! unassigned-women banner, the worker's work list and recording a visit
//! through the form (field errors in Chinese and English, retries that do
//! not duplicate, a worker refused another worker's woman), changing a
//! zone's worker after the confirmation, needs, the coverage page and its
//! Excel export, and the administrators' schedule rules.

use crate::kit::http::{add_user, client, field_value};
use crate::kit::http::{field_block, get, page_session as sign_in, post, section};
use crate::kit::server::spawn_app;
use crate::*;
use hearth_core::dates::fmt_date;
use hearth_core::follow_up::{VisitInput, YearMonth, monthly_key};
use hearth_core::scope::Scope;
use hearth_core::user::Role;
use hearth_store::audit::AuditFilter;
use hearth_store::follow_up::{self as fu, VisitFilter};

// ---- helpers ------------------------------------------------------------------------

fn spec_scope() -> Scope {
    Scope::for_user("spec", "spec1", Role::VillageSpecialist, V1, false, "t")
}

/// The accounts of a village: a specialist and two follow-up workers.
struct Team {
    worker1: String,
    worker2: String,
}

fn team(db: &hearth_store::Db) -> Team {
    add_user(db, "spec1", Role::VillageSpecialist, V1);
    Team {
        worker1: add_user(db, "worker1", Role::FollowUpWorker, V1),
        worker2: add_user(db, "worker2", Role::FollowUpWorker, V1),
    }
}

/// A zone of V1 with a worker, made through the store.
fn zone(db: &hearth_store::Db, name: &str, worker: &str) -> fu::Zone {
    fu::create_zone(db, &spec_scope(), None, V1, name, Some(worker))
        .expect("create zone")
        .0
}

fn assign(db: &hearth_store::Db, person: &str, zone: &str) {
    fu::assign(db, &spec_scope(), person, zone).expect("assign");
}

fn visits_of(db: &hearth_store::Db, person: &str) -> Vec<fu::VisitRow> {
    fu::list_visits(
        db,
        &sys(),
        &VisitFilter {
            person_id: Some(person.to_string()),
            limit: 100,
            ..VisitFilter::default()
        },
    )
    .unwrap()
}

fn this_month() -> String {
    YearMonth::of(today()).to_string()
}

// ---- zones, the work list and a visit through the form ----------------------------------------

both!(specialist_zones_then_worker_records_a_visit, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let team = team(&t.db);
    let li = add_woman(&t.db, V1, "李秀英", 1);
    let wang = add_woman(&t.db, V1, "王桂兰", 2);
    let (base, rt) = spawn_app(t.db.clone());
    let c = client();
    rt.block_on(async {
        // The specialist sees both women as unassigned: a problem banner.
        let (spec, csrf) = sign_in(&c, &base, "spec1").await;
        let (status, page) = get(&c, &base, &spec, &format!("/zones?village={V1}")).await;
        assert_eq!(status, 200, "{page}");
        let banner = section(&page, "unassigned");
        assert!(banner.contains("unassigned-banner"), "{banner}");
        assert!(banner.contains("李秀英") && banner.contains("王桂兰"));

        // A zone named with its worker (the worker select offers her).
        assert!(
            page.contains(&format!("value=\"{}\"", team.worker1)),
            "{page}"
        );
        let cid = field_value(
            &page[page.find("id=\"new-zone\"").unwrap_or(0)..],
            "client_id",
        );
        let (status, location, body) = post(
            &c,
            &base,
            &spec,
            "/zones",
            &[
                ("csrf", &csrf),
                ("client_id", &cid),
                ("village", V1),
                ("name", "东片"),
                ("worker_id", &team.worker1),
            ],
        )
        .await;
        assert_eq!(status, 303, "{body}");
        assert!(location.contains("notice=created"), "{location}");
        let zones = sync(|| fu::list_zones(&t.db, &sys(), V1)).unwrap();
        assert_eq!(zones.len(), 1);
        let z = &zones[0];
        assert_eq!(z.worker_id.as_deref(), Some(team.worker1.as_str()));

        // One woman by hand, the rest with "assign all".
        let (status, _, body) = post(
            &c,
            &base,
            &spec,
            "/zones/assign",
            &[
                ("csrf", &csrf),
                ("village", V1),
                ("person", &li.id),
                ("zone_id", &z.id),
            ],
        )
        .await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = get(&c, &base, &spec, &format!("/zones?village={V1}")).await;
        let banner = section(&page, "unassigned");
        assert!(
            !banner.contains("李秀英") && banner.contains("王桂兰"),
            "{banner}"
        );
        let (status, location, body) = post(
            &c,
            &base,
            &spec,
            "/zones/assign-all",
            &[("csrf", &csrf), ("village", V1), ("zone_id", &z.id)],
        )
        .await;
        assert_eq!(status, 303, "{body}");
        assert!(location.ends_with("&n=1"), "{location}");
        let (_, page) = get(&c, &base, &spec, &format!("/zones?village={V1}")).await;
        assert!(!page.contains("unassigned-banner"), "{page}");
        assert!(page.contains("id=\"all-assigned\""));
        assert!(
            section(&page, &format!("zone-{}", z.id)).contains("<b class=\"zone-women\">2</b>")
        );

        // The worker's list: both women due today (this month's contact),
        // by name and household, never an ID number.
        let (w1, w1csrf) = sign_in(&c, &base, "worker1").await;
        let (status, work) = get(&c, &base, &w1, "/work").await;
        assert_eq!(status, 200, "{work}");
        let due = section(&work, "sec-today");
        assert!(due.contains("李秀英") && due.contains("王桂兰"), "{due}");
        assert!(due.contains("东片") && due.contains("0001"), "{due}");
        assert!(!work.contains(&li.resident_id));
        let tap = format!("/work/visit/new?person={}", li.id);
        assert!(due.contains(&tap), "{due}");

        // The form: today, the contact this visit would cover.
        let (status, form) = get(&c, &base, &w1, &tap).await;
        assert_eq!(status, 200, "{form}");
        assert_eq!(field_value(&form, "visited_on"), fmt_date(today()));
        let covers = section(&form, "covers");
        assert!(
            covers.contains("每月常规随访") && covers.contains("本次完成"),
            "{covers}"
        );
        let client_id = field_value(&form, "client_id");
        assert!(!client_id.is_empty());
        let today_s = fmt_date(today());
        let visit = [
            ("csrf", w1csrf.as_str()),
            ("client_id", client_id.as_str()),
            ("person", li.id.as_str()),
            ("visited_on", today_s.as_str()),
            ("mode", "home"),
            ("topic", "policy_law"),
            ("topic", "reproductive_health"),
            ("findings", "身体良好"),
            ("need0_category", "health"),
            ("need0_text", "想了解孕前检查"),
            ("need0_window", "1"),
            ("action", "save"),
        ];
        let (status, location, body) = post(&c, &base, &w1, "/work/visit/new", &visit).await;
        assert_eq!(status, 303, "{body}");
        assert!(location.starts_with("/work?saved="), "{location}");

        // Back on the list: confirmed, gone from "due today", in "visited
        // today", and her need is open.
        let (_, work) = get(&c, &base, &w1, &location).await;
        let notice = section(&work, "saved-notice");
        assert!(
            notice.contains("李秀英") && notice.contains("每月常规随访"),
            "{notice}"
        );
        let due = section(&work, "sec-today");
        assert!(!due.contains(&li.id) && due.contains(&wang.id), "{due}");
        assert!(section(&work, "sec-done").contains(&li.id));
        assert!(section(&work, "sec-needs").contains("想了解孕前检查"));

        // The visit covered this month's contact, once.
        let rows = sync(|| visits_of(&t.db, &li.id));
        assert_eq!(rows.len(), 1);
        let v = sync(|| fu::get_visit(&t.db, &sys(), &rows[0].id)).unwrap();
        let keys: Vec<&str> = v.covered.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, vec![monthly_key(YearMonth::of(today())).as_str()]);
        assert_eq!(v.worker_id.as_deref(), Some(team.worker1.as_str()));
        assert_eq!(v.topics.len(), 2);
        assert_eq!(v.needs.len(), 1);
        assert!(v.needs[0].for_window);

        // A retried POST (same client id) makes no second visit.
        let (status, again, body) = post(&c, &base, &w1, "/work/visit/new", &visit).await;
        assert_eq!(status, 303, "{body}");
        assert_eq!(again, location);
        assert_eq!(sync(|| visits_of(&t.db, &li.id)).len(), 1);

        // The need is closed from the needs list.
        let (_, needs) = get(&c, &base, &w1, "/work/needs").await;
        let need = &v.needs[0];
        let block = section(&needs, &format!("need-{}", need.id));
        assert!(block.contains("想了解孕前检查"), "{block}");
        let version = need.version.to_string();
        let (status, _, body) = post(
            &c,
            &base,
            &w1,
            &format!("/work/needs/{}/status", need.id),
            &[
                ("csrf", &w1csrf),
                ("version", &version),
                ("status", "closed"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{body}");
        let (_, needs) = get(&c, &base, &w1, "/work/needs").await;
        assert!(!needs.contains("想了解孕前检查"), "{needs}");
        // The same stale version again: a conflict, said clearly.
        let (status, _, body) = post(
            &c,
            &base,
            &w1,
            &format!("/work/needs/{}/status", need.id),
            &[("csrf", &w1csrf), ("version", &version), ("status", "open")],
        )
        .await;
        assert_eq!(status, 409, "{body}");
        assert!(body.contains("刚被别人改过"), "{body}");
    });
});

both!(
    bad_visit_date_is_named_beside_the_field_in_both_languages,
    |kind| {
        let t = TestDb::new(kind);
        seed_orgs(&t.db);
        let team = team(&t.db);
        let li = add_woman(&t.db, V1, "李秀英", 1);
        let z = zone(&t.db, "东片", &team.worker1);
        assign(&t.db, &li.id, &z.id);
        let (base, rt) = spawn_app(t.db.clone());
        let c = client();
        rt.block_on(async {
            let (w1, csrf) = sign_in(&c, &base, "worker1").await;
            let (_, form) = get(&c, &base, &w1, &format!("/work/visit/new?person={}", li.id)).await;
            let cid = field_value(&form, "client_id");
            let typed = |date: &'static str| {
                vec![
                    ("csrf", csrf.clone()),
                    ("client_id", cid.clone()),
                    ("person", li.id.clone()),
                    ("visited_on", date.to_string()),
                    ("mode", "phone".to_string()),
                    ("findings", "电话联系".to_string()),
                    ("action", "save".to_string()),
                ]
            };
            let send = |path: &'static str, form: Vec<(&'static str, String)>| {
                let c = c.clone();
                let (base, w1) = (base.clone(), w1.clone());
                async move {
                    let pairs: Vec<(&str, &str)> =
                        form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    post(&c, &base, &w1, path, &pairs).await
                }
            };
            let (status, _, page) = send("/work/visit/new", typed("2026-02-30")).await;
            assert_eq!(status, 422, "{page}");
            let field = field_block(&page, "field-visited_on");
            assert!(field.contains("日期无效"), "{field}");
            assert!(
                field.contains("value=\"2026-02-30\""),
                "typed value kept: {field}"
            );
            assert!(page.contains("电话联系"), "findings kept");
            let (status, _, page) = send("/work/visit/new?lang=en", typed("2026-02-30")).await;
            assert_eq!(status, 422, "{page}");
            let field = field_block(&page, "field-visited_on");
            assert!(field.contains("is not a real date"), "{field}");
            // A date in the future is refused too; nothing was written.
            let (status, _, page) = send("/work/visit/new", typed("2099-01-01")).await;
            assert_eq!(status, 422, "{page}");
            assert!(field_block(&page, "field-visited_on").contains("不能晚于今天"));
            assert!(sync(|| visits_of(&t.db, &li.id)).is_empty());
            // The refusals showed her name again without a second audited
            // view of her: only opening the form is one.
            assert!(page.contains("李秀英"), "{page}");
            assert_eq!(sync(|| person_views(&t.db, &li.id)), 1);
        });
    }
);

/// How many times the trail says someone viewed this person.
fn person_views(db: &hearth_store::Db, person: &str) -> usize {
    hearth_store::audit::list(
        db,
        &sys(),
        &AuditFilter {
            action: Some("view".into()),
            entity: Some("person".into()),
            entity_id: Some(person.to_string()),
            limit: 100,
            ..AuditFilter::default()
        },
    )
    .unwrap()
    .len()
}

both!(worker_cannot_visit_another_workers_woman, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let team = team(&t.db);
    let mine = add_woman(&t.db, V1, "李秀英", 1);
    let hers = add_woman(&t.db, V1, "王桂兰", 2);
    let away = add_woman(&t.db, V2, "赵兰", 3);
    let east = zone(&t.db, "东片", &team.worker1);
    let west = zone(&t.db, "西片", &team.worker2);
    assign(&t.db, &mine.id, &east.id);
    assign(&t.db, &hers.id, &west.id);
    let (base, rt) = spawn_app(t.db.clone());
    let c = client();
    rt.block_on(async {
        let (w1, csrf) = sign_in(&c, &base, "worker1").await;
        let (_, work) = get(&c, &base, &w1, "/work").await;
        assert!(
            work.contains("李秀英") && !work.contains("王桂兰"),
            "{work}"
        );
        let (status, page) = get(
            &c,
            &base,
            &w1,
            &format!("/work/visit/new?person={}", hers.id),
        )
        .await;
        assert_eq!(status, 403, "{page}");
        let today_s = fmt_date(today());
        let cid = hearth_store::new_id();
        let (status, _, _) = post(
            &c,
            &base,
            &w1,
            "/work/visit/new",
            &[
                ("csrf", &csrf),
                ("client_id", &cid),
                ("person", &hers.id),
                ("visited_on", &today_s),
                ("mode", "home"),
                ("action", "save"),
            ],
        )
        .await;
        assert_eq!(status, 403);
        assert!(sync(|| visits_of(&t.db, &hers.id)).is_empty());
        // Outside her area: not found.
        let (status, _) = get(
            &c,
            &base,
            &w1,
            &format!("/work/visit/new?person={}", away.id),
        )
        .await;
        assert_eq!(status, 404);
        // Asking for another worker's list is refused.
        let (status, _) = get(&c, &base, &w1, &format!("/work?worker={}", team.worker2)).await;
        assert_eq!(status, 403);
        // A form without the session's CSRF token is refused.
        let (status, _, _) = post(
            &c,
            &base,
            &w1,
            "/work/visit/new",
            &[
                ("csrf", "x"),
                ("person", &mine.id),
                ("visited_on", &today_s),
                ("mode", "home"),
            ],
        )
        .await;
        assert_eq!(status, 403);
        assert!(sync(|| visits_of(&t.db, &mine.id)).is_empty());
    });
});

both!(
    changing_the_zone_worker_moves_its_women_after_a_confirmation,
    |kind| {
        let t = TestDb::new(kind);
        seed_orgs(&t.db);
        let team = team(&t.db);
        let li = add_woman(&t.db, V1, "李秀英", 1);
        let wang = add_woman(&t.db, V1, "王桂兰", 2);
        let z = zone(&t.db, "东片", &team.worker1);
        assign(&t.db, &li.id, &z.id);
        assign(&t.db, &wang.id, &z.id);
        let (base, rt) = spawn_app(t.db.clone());
        let c = client();
        rt.block_on(async {
            let (spec, csrf) = sign_in(&c, &base, "spec1").await;
            let version = z.version.to_string();
            let form = [
                ("csrf", csrf.as_str()),
                ("version", version.as_str()),
                ("name", "东片"),
                ("worker_id", team.worker2.as_str()),
            ];
            let path = format!("/zones/{}/edit", z.id);
            // First the confirmation: both women will move.
            let (status, _, page) = post(&c, &base, &spec, &path, &form).await;
            assert_eq!(status, 200, "{page}");
            assert!(page.contains("<b id=\"confirm-women\">2</b>"), "{page}");
            let unchanged = sync(|| fu::assignment_of(&t.db, &sys(), &li.id))
                .unwrap()
                .map(|a| a.worker_id);
            assert_eq!(
                unchanged.as_deref(),
                Some(team.worker1.as_str()),
                "nothing moved yet"
            );
            // Confirmed: one action moves them all.
            let mut confirmed = form.to_vec();
            confirmed.push(("confirm", "1"));
            let (status, location, body) = post(&c, &base, &spec, &path, &confirmed).await;
            assert_eq!(status, 303, "{body}");
            assert!(location.contains("notice=saved"));
            for p in [&li.id, &wang.id] {
                let a = sync(|| fu::assignment_of(&t.db, &sys(), p))
                    .unwrap()
                    .expect("unassigned");
                assert_eq!(a.worker_id, team.worker2);
            }
            // The new worker sees them; the old one no longer does.
            let (w2, _) = sign_in(&c, &base, "worker2").await;
            let (_, work) = get(&c, &base, &w2, "/work").await;
            let due = section(&work, "sec-today");
            assert!(due.contains("李秀英") && due.contains("王桂兰"), "{due}");
            let (w1, _) = sign_in(&c, &base, "worker1").await;
            let (_, work) = get(&c, &base, &w1, "/work").await;
            assert!(
                !work.contains("李秀英") && !work.contains("王桂兰"),
                "{work}"
            );
            // The stale version again: a conflict, not a silent overwrite.
            let (status, _, body) = post(&c, &base, &spec, &path, &confirmed).await;
            assert_eq!(status, 409, "{body}");
            assert!(body.contains("刚被别人改过"));

            // One woman moved to another zone from her own page.
            let west = sync(|| zone(&t.db, "西片", &team.worker1));
            let (status, page) =
                get(&c, &base, &spec, &format!("/persons/{}/assignment", li.id)).await;
            assert_eq!(status, 200, "{page}");
            assert!(section(&page, "assignment").contains("东片"));
            let (status, location, body) = post(
                &c,
                &base,
                &spec,
                &format!("/persons/{}/assignment", li.id),
                &[("csrf", &csrf), ("zone_id", &west.id)],
            )
            .await;
            assert_eq!(status, 303, "{body}");
            let (_, page) = get(&c, &base, &spec, &location).await;
            assert!(page.contains("<dd id=\"current-zone\">西片</dd>"), "{page}");
            // Her own page names the zone, offers the visit and the move.
            let (_, person) = get(&c, &base, &spec, &format!("/persons/{}", li.id)).await;
            let fu_part = section(&person, "follow-up");
            assert!(fu_part.contains("西片"), "{fu_part}");
            assert!(fu_part.contains(&format!("/work/visit/new?person={}", li.id)));
            assert!(fu_part.contains(&format!("/persons/{}/assignment", li.id)));
            assert!(page.contains("id=\"assignment-notice\""));
            let a = sync(|| fu::assignment_of(&t.db, &sys(), &li.id))
                .unwrap()
                .expect("unassigned");
            assert_eq!(
                (a.zone_id.as_str(), a.worker_id.as_str()),
                (west.id.as_str(), team.worker1.as_str())
            );
            // A worker may not manage zones.
            let (status, _) = get(&c, &base, &w1, &format!("/zones?village={V1}")).await;
            assert_eq!(status, 403);
        });
    }
);

// ---- coverage and its Excel export -----------------------------------------------------

/// The first sheet of a workbook as text cells (numbers as `2`, `0.5`…).
fn read_xlsx(bytes: Vec<u8>) -> Vec<Vec<String>> {
    use calamine::{Data, Reader};
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("not an xlsx");
    let name = wb.sheet_names().first().cloned().unwrap_or_default();
    let range = wb.worksheet_range(&name).unwrap();
    range
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
        .collect()
}

/// The text of the cell with `class` inside `html`.
fn cell(html: &str, class: &str) -> String {
    html.split(&format!("class=\"num {class}"))
        .nth(1)
        .and_then(|s| s.split('>').nth(1))
        .and_then(|s| s.split('<').next())
        .unwrap_or("")
        .to_string()
}

both!(coverage_page_and_excel_export_count_the_month, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let team = team(&t.db);
    add_user(&t.db, "town1", Role::TownStaff, TOWN);
    let li = add_woman(&t.db, V1, "李秀英", 1);
    let wang = add_woman(&t.db, V1, "王桂兰", 2);
    let z = zone(&t.db, "东片", &team.worker1);
    assign(&t.db, &li.id, &z.id);
    assign(&t.db, &wang.id, &z.id);
    // One of the two visited this month, by her worker.
    let worker = Scope::for_user(
        &team.worker1,
        "worker1",
        Role::FollowUpWorker,
        V1,
        false,
        "t",
    );
    fu::record_visit(
        &t.db,
        &worker,
        None,
        &VisitInput {
            person_id: li.id.clone(),
            visited_on: fmt_date(today()),
            mode: "phone".into(),
            ..VisitInput::default()
        },
        today(),
    )
    .unwrap();
    let month = this_month();
    let (base, rt) = spawn_app(t.db.clone());
    let c = client();
    rt.block_on(async {
        let (town, _) = sign_in(&c, &base, "town1").await;
        let q = format!("org={V1}&month={month}&by=village");
        let (status, page) = get(&c, &base, &town, &format!("/work/coverage?{q}")).await;
        assert_eq!(status, 200, "{page}");
        let table = section(&page, "coverage-table");
        let row = &table[table
            .find(&format!("data-key=\"{V1}\""))
            .unwrap_or_else(|| panic!("{table}"))..];
        assert_eq!(cell(row, "due"), "2", "{row}");
        assert_eq!(cell(row, "on-time"), "1");
        assert_eq!(cell(row, "missed"), "0");
        assert_eq!(cell(row, "pending"), "1");
        assert_eq!(cell(row, "rate"), "50.0%");
        let chart = section(&page, "coverage-chart");
        let bar = &chart[chart
            .find(&format!(
                "data-month=\"{:02}\"",
                YearMonth::of(today()).month
            ))
            .unwrap_or_else(|| panic!("{chart}"))..];
        assert!(bar.contains("50.0%"), "{bar}");
        assert!(page.contains("<svg") && !page.contains("<script"));
        assert!(page.contains("id=\"postpartum-table\""));

        // The same by worker and by zone.
        let (status, page) = get(
            &c,
            &base,
            &town,
            &format!("/work/coverage?org={V1}&month={month}&by=zone"),
        )
        .await;
        assert_eq!(status, 200);
        assert!(section(&page, "coverage-table").contains("东片"));

        // Bad parameters are named, never a 500.
        let (status, page) = get(&c, &base, &town, "/work/coverage?month=2026-13&by=street").await;
        assert_eq!(status, 400, "{page}");
        assert!(page.contains("data-param=\"month\"") && page.contains("data-param=\"by\""));

        // The workbook: one row for the village and the total.
        let res = c
            .get(format!("{base}/work/coverage.xlsx?{q}"))
            .header("cookie", &town)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let ct = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert!(ct.contains("spreadsheetml"), "{ct}");
        let bytes = res.bytes().await.unwrap_or_default().to_vec();
        let rows = read_xlsx(bytes);
        assert!(rows[0][0].contains("万年闸村"), "{rows:?}");
        let village = rows
            .iter()
            .find(|r| r.first().is_some_and(|c| c == "万年闸村"))
            .unwrap_or_else(|| panic!("{rows:?}"));
        assert_eq!(village[1..7], ["2", "1", "0", "0", "1", "0.5"], "{rows:?}");
        let total = rows.last().unwrap_or_else(|| panic!("{rows:?}"));
        assert_eq!(total[0], "合计");
        assert_eq!(total[1], "2");

        // A follow-up worker has no statistics.
        let (w1, _) = sign_in(&c, &base, "worker1").await;
        let (status, _) = get(&c, &base, &w1, &format!("/work/coverage?{q}")).await;
        assert_eq!(status, 403);
    });
    // The export is in the audit trail.
    let trail = hearth_store::audit::list(
        &t.db,
        &sys(),
        &AuditFilter {
            action: Some("export".into()),
            limit: 10,
            ..AuditFilter::default()
        },
    )
    .unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.entity == "follow_up_coverage" && e.username == "town1"),
        "{trail:?}"
    );
});

// ---- the schedule rules ------------------------------------------------------------------

both!(administrator_changes_a_schedule_rule, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "admin1", Role::Admin, "370404");
    add_user(&t.db, "spec1", Role::VillageSpecialist, V1);
    let (base, rt) = spawn_app(t.db.clone());
    let c = client();
    rt.block_on(async {
        let (admin, csrf) = sign_in(&c, &base, "admin1").await;
        let (status, page) = get(&c, &base, &admin, "/admin/schedule").await;
        assert_eq!(status, 200, "{page}");
        let rule = section(&page, "rule-procedure_d7");
        assert!(rule.contains("<b class=\"rule-window\">7–10</b>"), "{rule}");
        let version = field_value(rule, "version");
        let form = |from: &'static str, to: &'static str, version: String| {
            vec![
                ("csrf", csrf.clone()),
                ("version", version),
                ("from_day", from.to_string()),
                ("to_day", to.to_string()),
                ("mode_home", "1".to_string()),
                ("mode_phone", "1".to_string()),
                ("active", "1".to_string()),
            ]
        };
        let send = |f: Vec<(&'static str, String)>| {
            let c = c.clone();
            let (base, admin) = (base.clone(), admin.clone());
            async move {
                let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                post(&c, &base, &admin, "/admin/schedule/procedure_d7", &pairs).await
            }
        };
        let (status, _, body) = send(form("7", "12", version.clone())).await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = get(&c, &base, &admin, "/admin/schedule").await;
        let rule = section(&page, "rule-procedure_d7");
        assert!(rule.contains("<b class=\"rule-window\">7–12</b>"), "{rule}");
        assert!(
            rule.contains("入户、电话") && !rule.contains("入户、电话、门诊"),
            "{rule}"
        );
        let d7 = sync(|| fu::list_rules(&t.db, &sys()))
            .unwrap()
            .into_iter()
            .find(|r| r.code == "procedure_d7")
            .expect("no rule");
        assert_eq!((d7.from_day, d7.to_day), (Some(7), Some(12)));

        // A window that ends before it starts: the field says so.
        let fresh = field_value(section(&page, "rule-procedure_d7"), "version");
        let (status, _, body) = send(form("9", "5", fresh)).await;
        assert_eq!(status, 422, "{body}");
        assert!(
            section(&body, "rule-procedure_d7").contains("不能早于开始天数"),
            "{body}"
        );
        // The version read before the change: a conflict, said clearly.
        let (status, _, body) = send(form("7", "14", version)).await;
        assert_eq!(status, 409, "{body}");
        assert!(section(&body, "rule-procedure_d7").contains("刚被别人改过"));
        assert!(section(&body, "rule-procedure_d7").contains("7–12"));

        // Not an administrator: 403 on the page and on the change.
        let (spec, spec_csrf) = sign_in(&c, &base, "spec1").await;
        let (status, _) = get(&c, &base, &spec, "/admin/schedule").await;
        assert_eq!(status, 403);
        let (status, _, _) = post(
            &c,
            &base,
            &spec,
            "/admin/schedule/procedure_d7",
            &[
                ("csrf", &spec_csrf),
                ("version", "2"),
                ("from_day", "1"),
                ("to_day", "2"),
                ("mode_home", "1"),
            ],
        )
        .await;
        assert_eq!(status, 403);
    });
});
