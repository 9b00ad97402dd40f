//! Person import: row-by-row report, all-or-nothing, idempotent re-import,
//! dry run, and refusal of rows outside the importer's area.

use crate::*;
use hearth_core::Lang;
use hearth_core::import::Reader;
use hearth_store::bulk::{self, ImportSummary};
use hearth_store::register::{self, PersonFilter};

fn run(db: &hearth_store::Db, scope: &Scope, csv: &str, dry_run: bool) -> ImportSummary {
    let mut r = Reader::from_bytes("persons.csv", csv.as_bytes().to_vec())
        .unwrap_or_else(|e| panic!("{e:?}"));
    bulk::import_persons(db, scope, &mut r, today(), Lang::Zh, dry_run, &mut |_| {})
        .unwrap_or_else(|e| panic!("{e}"))
}

fn count(db: &hearth_store::Db, table: &str) -> i64 {
    db.read(|tx| {
        Ok(tx
            .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])?
            .i64(0))
    })
    .unwrap_or(-1)
}

fn good_file() -> String {
    format!(
        "\u{feff}姓名,身份证号,性别,出生日期,联系电话,村代码,户编号,与户主关系,住址\n\
         王建国,{},男,,13812345678,{V1},0001,户主,古邵镇万年闸村1组1号\n\
         张晓梅,{},女,,,{V1},0001,配偶,\n\
         王小明,{},,,,{V1},0001,子,\n\
         李秀英,{},,,13912345678,{V2},0002,户主,乐庄村2组\n",
        rid(1985, 11),
        rid(1987, 22),
        rid(2012, 33),
        rid(1960, 44)
    )
}

both!(bad_rows_are_reported_by_row_and_column, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let mut bad_check = rid(1990, 2);
    let last = if bad_check.ends_with('1') { '2' } else { '1' };
    bad_check.pop();
    bad_check.push(last);
    let csv = format!(
        "姓名,身份证号,性别,联系电话,村代码,户编号\n\
         王建国,{},男,13812345678,{V1},0001\n\
         张晓梅,{bad_check},女,,{V1},0001\n\
         李秀英,{},男,123,{V1},0002\n\
         赵敏,{},,,370404100299,0003\n\
         王建国二,{},男,,{V1},0001\n",
        rid(1985, 11),
        rid(1960, 44),
        rid(1970, 46),
        rid(1985, 11),
    );
    let s = run(&t.db, &Scope::system("test"), &csv, false);
    let got: Vec<(usize, &str, &str)> = s
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.code.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "身份证号", "bad_checksum"),
            (4, "性别", "sex_mismatch"),
            (4, "联系电话", "bad_phone"),
            (5, "村代码", "unknown_org"),
            (6, "身份证号", "duplicate"),
        ]
    );
    assert_eq!((s.rows, s.valid, s.created), (5, 1, 1));
    assert_eq!(count(&t.db, "person"), 1);
    let json: serde_json::Value =
        serde_json::from_str(&hearth_core::import::report_json(&s.errors)).unwrap_or_default();
    assert_eq!(json[0]["row"], 3);
    assert_eq!(json[0]["column"], "身份证号");
    assert!(json[0]["message"].as_str().is_some_and(|m| !m.is_empty()));
});

both!(reimport_creates_no_duplicates_and_updates_changes, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let sys = Scope::system("test");
    let first = run(&t.db, &sys, &good_file(), false);
    assert_eq!(
        (
            first.created,
            first.updated,
            first.households_created,
            first.errors.len()
        ),
        (4, 0, 2, 0)
    );
    assert_eq!(count(&t.db, "person"), 4);
    assert_eq!(count(&t.db, "household"), 2);
    // Members are linked to their household and the head is recorded.
    let hv = t.db.read(|tx| Ok(tx.query_one(
        "SELECT COUNT(*) FROM household h JOIN person p ON p.id = h.head_person_id WHERE p.name = '王建国'", &[])?.i64(0)));
    assert_eq!(hv.ok(), Some(1));
    let again = run(&t.db, &sys, &good_file(), false);
    assert_eq!(
        (
            again.created,
            again.updated,
            again.unchanged,
            again.households_created
        ),
        (0, 0, 4, 0)
    );
    assert_eq!(count(&t.db, "person"), 4);
    assert_eq!(count(&t.db, "household"), 2);
    // A changed phone updates that one person and bumps its version.
    let changed = good_file().replace("13912345678", "13700001111");
    let third = run(&t.db, &sys, &changed, false);
    assert_eq!((third.created, third.updated, third.unchanged), (0, 1, 3));
    let f = PersonFilter {
        resident_id: Some(rid(1960, 44)),
        ..PersonFilter::default()
    };
    let p = register::list_persons(&t.db, &sys, &f).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        p.first().map(|p| (p.phone.clone(), p.version)),
        Some((Some("13700001111".into()), 2))
    );
});

both!(dry_run_writes_nothing, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let s = run(&t.db, &Scope::system("test"), &good_file(), true);
    assert!(s.dry_run);
    assert_eq!((s.created, s.households_created), (4, 2));
    assert_eq!(count(&t.db, "person"), 0);
    assert_eq!(count(&t.db, "household"), 0);
    // The org seeding and the dry run itself (it reads the register) are
    // audited; the dry run's entry says so.
    assert_eq!(count(&t.db, "audit_log"), 2);
    let dry = t.db.read(|tx| {
        Ok(tx
            .query_one("SELECT COUNT(*) FROM audit_log WHERE action = 'import' AND detail LIKE '%(dry run)'", &[])?
            .i64(0))
    });
    assert_eq!(dry.ok(), Some(1));
});

both!(village_importer_cannot_touch_another_village, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    run(&t.db, &Scope::system("test"), &good_file(), false);
    // The V1 specialist imports a file naming V2's resident, once in V2 and once moved into V1.
    let csv = format!(
        "姓名,身份证号,村代码\n李秀英,{},{V2}\n李秀英,{},{V1}\n赵敏,{},{V1}\n",
        rid(1960, 44),
        rid(1960, 44),
        rid(1999, 8)
    );
    let s = run(&t.db, &village_scope(V1), &csv, false);
    let got: Vec<(usize, &str, &str)> = s
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.code.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![(2, "村代码", "out_of_scope"), (3, "身份证号", "duplicate")]
    );
    assert_eq!(s.created, 1);
    let f = PersonFilter {
        resident_id: Some(rid(1960, 44)),
        ..PersonFilter::default()
    };
    let p =
        register::list_persons(&t.db, &Scope::system("t"), &f).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        p.first().map(|p| (p.village_code.clone(), p.version)),
        Some((V2.to_string(), 1))
    );
});

both!(moving_a_person_owned_elsewhere_is_refused, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    run(&t.db, &Scope::system("test"), &good_file(), false);
    let csv = format!("姓名,身份证号,村代码\n李秀英,{},{V1}\n", rid(1960, 44));
    let s = run(&t.db, &village_scope(V1), &csv, false);
    let got: Vec<(usize, &str, &str)> = s
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.code.as_str()))
        .collect();
    assert_eq!(got, vec![(2, "身份证号", "out_of_scope")]);
    assert_eq!((s.created, s.updated), (0, 0));
});
