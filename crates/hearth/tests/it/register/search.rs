//! Person search: pinyin initials and name prefixes, exact ID / phone /
//! household number, scope isolation for every kind, masking, the reveal of
//! one full value, the audit of both, and initials set by every write path.

use crate::*;
use hearth_core::Lang;
use hearth_core::household::{HouseholdFlags, NewHousehold};
use hearth_core::id_number::mask_id;
use hearth_core::import::Reader;
use hearth_core::person::PersonInput;
use hearth_store::audit::{self, AuditEntry, AuditFilter};
use hearth_store::register;
use hearth_store::search::{self, RevealField, SearchPage, SearchQuery};
use hearth_store::{StoreError, bulk};

fn sys() -> Scope {
    Scope::system("test")
}

fn auditor() -> Scope {
    Scope::for_user("a", "auditor", Role::Auditor, "370404", false, "x")
}

fn town_scope() -> Scope {
    Scope::for_user("u-town", "t01", Role::TownStaff, TOWN, false, "127.0.0.1")
}

fn q(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.into(),
        ..SearchQuery::default()
    }
}

fn search(db: &hearth_store::Db, scope: &Scope, text: &str) -> SearchPage {
    search::search_persons(db, scope, &q(text)).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn names(p: &SearchPage) -> Vec<&str> {
    p.hits.iter().map(|h| h.name.as_str()).collect()
}

fn add(db: &hearth_store::Db, name: &str, rid: &str, village: &str) -> String {
    register::create_person(db, &sys(), None, &person(name, rid, village), None)
        .unwrap_or_else(|e| panic!("{e}"))
        .id
}

/// A person with a phone, in a household.
fn add_full(
    db: &hearth_store::Db,
    name: &str,
    rid: &str,
    phone: &str,
    village: &str,
    number: &str,
) -> (String, String) {
    let h = NewHousehold::validate(village, number, "古邵镇", HouseholdFlags::default())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let hid = register::create_household(db, &sys(), None, &h)
        .unwrap_or_else(|e| panic!("{e}"))
        .id;
    let p = PersonInput {
        name: name.into(),
        resident_id: rid.into(),
        phone: phone.into(),
        village_code: village.into(),
        relation: "户主".into(),
        ..PersonInput::default()
    }
    .validate(today())
    .unwrap_or_else(|e| panic!("{e:?}"));
    let pid = register::create_person(db, &sys(), None, &p, Some(&hid))
        .unwrap_or_else(|e| panic!("{e}"))
        .id;
    (pid, hid)
}

fn trail(db: &hearth_store::Db) -> Vec<AuditEntry> {
    audit::list(
        db,
        &auditor(),
        &AuditFilter {
            limit: 1000,
            ..AuditFilter::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn invalid_q(r: Result<SearchPage, StoreError>) -> Option<&'static str> {
    match r {
        Err(StoreError::Invalid(f)) if f.len() == 1 && f[0].field == "q" => {
            Some(f[0].reason.code())
        }
        _ => None,
    }
}

fn initials_column(db: &hearth_store::Db) -> Vec<(String, String)> {
    db.read(|tx| {
        Ok(tx
            .query("SELECT name, name_initials FROM person ORDER BY id", &[])?
            .iter()
            .map(|r| (r.str(0), r.str(1)))
            .collect())
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

both!(search_by_initials_and_name_prefix, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add(&t.db, "张晓梅", &rid(1990, 2), V1);
    add(&t.db, "张小明", &rid(1991, 3), V1);
    add(&t.db, "李秀梅", &rid(1992, 4), V1);
    add(&t.db, "张谢", &rid(1993, 5), V1);
    add(&t.db, "张新", &rid(1994, 7), V1);
    add(&t.db, "曾国华", &rid(1995, 9), V1);
    let v1 = village_scope(V1);

    let p = search(&t.db, &v1, "zxm");
    assert_eq!(p.kind, "initials");
    // Ordered by name (code point), then id.
    assert_eq!(names(&p), vec!["张小明", "张晓梅"]);
    assert_eq!(p.total, 2);
    // Upper case and spaces are folded; a shorter prefix finds more.
    assert_eq!(
        names(&search(&t.db, &v1, " Z X M ")),
        vec!["张小明", "张晓梅"]
    );
    assert_eq!(search(&t.db, &v1, "zx").total, 4);
    assert_eq!(names(&search(&t.db, &v1, "lxm")), vec!["李秀梅"]);
    // A surname read as a surname: 曾 zēng.
    assert_eq!(names(&search(&t.db, &v1, "zgh")), vec!["曾国华"]);
    assert!(search(&t.db, &v1, "cgh").hits.is_empty());
    assert!(search(&t.db, &v1, "zxmq").hits.is_empty());

    let p = search(&t.db, &v1, "张晓");
    assert_eq!(p.kind, "name");
    // The prefix is a code-point range: 张谢 and 张新 sort near 张晓 in
    // pinyin order but do not start with it.
    assert_eq!(names(&p), vec!["张晓梅"]);
    assert_eq!(names(&search(&t.db, &v1, "张晓梅")), vec!["张晓梅"]);
    assert!(search(&t.db, &v1, "张晓梅梅").hits.is_empty());
    let p = search(&t.db, &v1, "张");
    assert_eq!(p.total, 4);
    assert_eq!(names(&p), vec!["张小明", "张新", "张晓梅", "张谢"]);

    // Paging: limit and offset over the same order; the total is of all pages.
    let page = |offset| {
        search::search_persons(
            &t.db,
            &v1,
            &SearchQuery {
                text: "张".into(),
                village_code: None,
                limit: 3,
                offset,
            },
        )
        .unwrap_or_else(|e| panic!("{e}"))
    };
    let (a, b) = (page(0), page(3));
    assert_eq!((a.hits.len(), a.total), (3, 4));
    assert_eq!(names(&b), vec!["张谢"]);
});

both!(search_exact_kinds_show_masked_values_only, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let id = rid(1990, 2);
    let (pid, hid) = add_full(&t.db, "张晓梅", &id, "13812345678", V1, "0007");
    add(&t.db, "李秀梅", &rid(1992, 4), V1);
    let v1 = village_scope(V1);

    let expect_one = |text: &str, kind: &str| {
        let p = search(&t.db, &v1, text);
        assert_eq!((p.kind, p.total), (kind, 1), "{text}");
        assert_eq!(p.hits.len(), 1, "{text}");
        let h = &p.hits[0];
        assert_eq!(h.id, pid);
        assert_eq!(h.name, "张晓梅");
        assert_eq!(h.village_code, V1);
        assert_eq!(h.household_id.as_deref(), Some(hid.as_str()));
        assert_eq!(h.household_number.as_deref(), Some("0007"));
        assert_eq!(h.birth_date, "1990-03-14");
        // Masked: region and birth year, ****, the last four.
        assert_eq!(h.masked_resident_id, mask_id(&id));
        assert_eq!(
            h.masked_resident_id,
            format!("{}****{}", &id[..10], &id[14..])
        );
        assert!(h.masked_resident_id.starts_with("3704041990****"));
        assert_eq!(h.masked_phone.as_deref(), Some("138****5678"));
        // Nothing anywhere in the page holds the full values.
        let json = serde_json::to_string(&p).unwrap_or_default();
        assert!(
            !json.contains(&id) && !json.contains("13812345678"),
            "{json}"
        );
    };
    expect_one(&id, "resident_id");
    expect_one(&id.to_lowercase(), "resident_id");
    expect_one("13812345678", "phone");
    expect_one("138 1234 5678", "phone");
    expect_one("0007", "household_number");
    expect_one("zxm", "initials");
    expect_one("张晓梅", "name");
    // Exact means exact: no prefix matching of numbers.
    assert!(search(&t.db, &v1, "0000007").hits.is_empty());
    assert!(search(&t.db, &v1, "13812345670").hits.is_empty());
    // A person without a phone or household shows none.
    let p = search(&t.db, &v1, "lxm");
    assert_eq!(
        (
            p.hits[0].masked_phone.as_deref(),
            p.hits[0].household_number.as_deref()
        ),
        (None, None)
    );
});

both!(search_never_crosses_the_scope, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let own = rid(1990, 2);
    let other = rid(1991, 4);
    add_full(&t.db, "张晓梅", &own, "13812345678", V1, "0001");
    add_full(&t.db, "张晓明", &other, "13912345678", V2, "0002");
    let v1 = village_scope(V1);
    let v2 = village_scope(V2);
    for text in [other.as_str(), "13912345678", "0002", "zxm", "张晓明", "张"] {
        let p = search(&t.db, &v1, text);
        assert!(
            p.hits.iter().all(|h| h.village_code == V1),
            "{text}: {:?}",
            p.hits
        );
        assert!(!names(&p).contains(&"张晓明"), "{text}");
    }
    // The other village's specialist sees only theirs, for each kind too.
    for text in [own.as_str(), "13812345678", "0001", "张晓梅"] {
        let p = search(&t.db, &v2, text);
        assert_eq!((p.hits.len(), p.total), (0, 0), "{text}");
    }
    assert_eq!(names(&search(&t.db, &v2, "zxm")), vec!["张晓明"]);
    // A town scope sees both; a village filter narrows it.
    assert_eq!(search(&t.db, &town_scope(), "zx").total, 2);
    let only_v1 = search::search_persons(
        &t.db,
        &town_scope(),
        &SearchQuery {
            text: "zx".into(),
            village_code: Some(V1.into()),
            ..SearchQuery::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(names(&only_v1), vec!["张晓梅"]);
    // A village filter outside the scope finds nothing rather than widening it.
    let outside = search::search_persons(
        &t.db,
        &v1,
        &SearchQuery {
            text: "zx".into(),
            village_code: Some(V2.into()),
            ..SearchQuery::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(outside.hits.is_empty());
});

both!(search_reveal_and_audit, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let id = rid(1990, 2);
    let (pid, _) = add_full(&t.db, "张晓梅", &id, "13812345678", V1, "0001");
    let other = add(&t.db, "李秀英", &rid(1991, 4), V2);
    let v1 = village_scope(V1);
    let before = trail(&t.db).len();

    // One audit entry per search, saying the kind and never the text.
    search(&t.db, &v1, &id);
    search(&t.db, &v1, "zxm");
    let entries = trail(&t.db);
    assert_eq!(entries.len(), before + 2);
    let searches: Vec<_> = entries
        .iter()
        .filter(|e| e.entity == "person_search")
        .map(|e| {
            (
                e.action.as_str(),
                e.username.as_str(),
                e.entity_id.clone(),
                e.detail.clone(),
            )
        })
        .collect();
    assert_eq!(searches.len(), 2);
    for s in &searches {
        assert_eq!((s.0, s.1, &s.2), ("view", "v01", &None));
    }
    let mut kinds: Vec<_> = searches.iter().filter_map(|s| s.3.clone()).collect();
    kinds.sort();
    assert_eq!(kinds, vec!["initials", "resident_id"]);
    let all = serde_json::to_string(&entries.iter().map(|e| format!("{e:?}")).collect::<Vec<_>>())
        .unwrap_or_default();
    assert!(!all.contains(&id), "the trail holds the searched ID");

    // Reveal: the full value, audited with the field.
    let full = search::reveal(&t.db, &v1, &pid, RevealField::ResidentId);
    assert_eq!(full.ok().as_deref(), Some(id.as_str()));
    let phone = search::reveal(&t.db, &v1, &pid, RevealField::Phone);
    assert_eq!(phone.ok().as_deref(), Some("13812345678"));
    let reveals: Vec<_> = trail(&t.db)
        .into_iter()
        .filter(|e| e.action == "reveal")
        .map(|e| (e.entity, e.entity_id, e.detail, e.username))
        .collect();
    assert_eq!(reveals.len(), 2);
    let mut details: Vec<_> = reveals.iter().filter_map(|r| r.2.clone()).collect();
    details.sort();
    assert_eq!(details, vec!["phone", "resident_id"]);
    for r in &reveals {
        assert_eq!(
            (r.0.as_str(), r.1.as_deref(), r.3.as_str()),
            ("person", Some(pid.as_str()), "v01")
        );
    }
    let n = trail(&t.db).len();
    // Outside the scope, or nothing to reveal: NotFound, and no entry.
    assert!(matches!(
        search::reveal(&t.db, &v1, &other, RevealField::ResidentId),
        Err(StoreError::NotFound)
    ));
    let no_phone = add(&t.db, "王芳", &rid(1993, 6), V1);
    let n = n + 1; // the create
    assert!(matches!(
        search::reveal(&t.db, &v1, &no_phone, RevealField::Phone),
        Err(StoreError::NotFound)
    ));
    assert_eq!(trail(&t.db).len(), n);
    assert!(matches!(
        search::reveal(&t.db, &auditor(), &pid, RevealField::ResidentId),
        Err(StoreError::Forbidden)
    ));
    assert_eq!(RevealField::parse("phone"), Ok(RevealField::Phone));
    assert!(RevealField::parse("name").is_err());
});

both!(search_refuses_bad_queries_and_roles, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add(&t.db, "张晓梅", &rid(1990, 2), V1);
    let v1 = village_scope(V1);
    let run = |text: &str| search::search_persons(&t.db, &v1, &q(text));
    assert_eq!(invalid_q(run("")), Some("required"));
    assert_eq!(invalid_q(run("   ")), Some("required"));
    assert_eq!(invalid_q(run("张x")), Some("bad_character"));
    assert_eq!(invalid_q(run("张%")), Some("bad_character"));
    assert_eq!(invalid_q(run("z_m")), Some("bad_character"));
    assert_eq!(invalid_q(run(&"张".repeat(41))), Some("too_long"));
    let mut bad = rid(1990, 2);
    let last = if bad.ends_with('1') { '2' } else { '1' };
    bad.pop();
    bad.push(last);
    assert_eq!(invalid_q(run(&bad)), Some("bad_checksum"));
    assert_eq!(invalid_q(run("12812345678")), Some("bad_phone"));
    // The auditor may not search the register, whatever the text.
    for text in ["zxm", ""] {
        assert!(matches!(
            search::search_persons(&t.db, &auditor(), &q(text)),
            Err(StoreError::Forbidden)
        ));
    }
    // A supervisor without named access neither.
    let sup = Scope::for_user("s", "sup", Role::Supervisor, TOWN, false, "x");
    assert!(matches!(
        search::search_persons(&t.db, &sup, &q("zxm")),
        Err(StoreError::Forbidden)
    ));
    // Limits: default 20, at most 100.
    let p = search::search_persons(
        &t.db,
        &v1,
        &SearchQuery {
            text: "z".into(),
            limit: 100_000,
            offset: -5,
            ..SearchQuery::default()
        },
    );
    assert_eq!(p.map(|p| p.hits.len()).ok(), Some(1));
});

both!(search_initials_are_set_by_every_write_path, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let v1 = village_scope(V1);
    // Create and update.
    let p = register::create_person(&t.db, &v1, None, &person("张晓梅", &rid(1990, 2), V1), None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        initials_column(&t.db),
        vec![("张晓梅".into(), "zxm".into())]
    );
    register::update_person(
        &t.db,
        &v1,
        &p.id,
        1,
        &person("单晓梅", &rid(1990, 2), V1),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        initials_column(&t.db),
        vec![("单晓梅".into(), "sxm".into())]
    );
    assert!(search(&t.db, &v1, "zxm").hits.is_empty());
    assert_eq!(names(&search(&t.db, &v1, "sxm")), vec!["单晓梅"]);

    // Import: new rows, then a re-import that renames one.
    let csv = |name: &str| {
        format!(
            "姓名,身份证号,性别,出生日期,联系电话,村代码,户编号,与户主关系,住址\n\
             王建国,{},男,,13812345678,{V1},0001,户主,古邵镇万年闸村1组1号\n\
             {name},{},女,,,{V1},0001,配偶,\n",
            rid(1985, 11),
            rid(1987, 22),
        )
    };
    let import = |body: String| {
        let mut r = Reader::from_bytes("persons.csv", body.into_bytes())
            .unwrap_or_else(|e| panic!("{e:?}"));
        bulk::import_persons(&t.db, &v1, &mut r, today(), Lang::Zh, false, &mut |_| {})
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let s = import(csv("李秀英"));
    assert_eq!((s.created, s.errors.len()), (2, 0));
    assert_eq!(names(&search(&t.db, &v1, "wjg")), vec!["王建国"]);
    assert_eq!(names(&search(&t.db, &v1, "lxy")), vec!["李秀英"]);
    let s = import(csv("曾秀英"));
    assert_eq!((s.created, s.updated), (0, 1));
    assert!(search(&t.db, &v1, "lxy").hits.is_empty());
    assert_eq!(names(&search(&t.db, &v1, "zxy")), vec!["曾秀英"]);
    let found = search(&t.db, &v1, "0001");
    assert_eq!(found.total, 2);

    // Every row's initials are what core computes.
    for (name, ini) in initials_column(&t.db) {
        assert_eq!(ini, hearth_core::pinyin::initials(&name), "{name}");
    }

    // Backfill: rows left empty (as migration 0002 leaves existing ones)
    // are filled; a second run finds nothing to do.
    t.db.write(|tx| tx.exec("UPDATE person SET name_initials = ''", &[]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(search::backfill_initials(&t.db).ok(), Some(3));
    assert_eq!(search::backfill_initials(&t.db).ok(), Some(0));
    for (name, ini) in initials_column(&t.db) {
        assert_eq!(ini, hearth_core::pinyin::initials(&name), "{name}");
    }
});

both!(search_demo_persons_have_initials, |kind| {
    let t = TestDb::new(kind);
    let cfg = hearth_core::demo::DemoConfig {
        persons: 400,
        seed: 7,
        today: today(),
        followup_months: 0,
    };
    let stats = bulk::load_demo(&t.db, &cfg, "not-a-real-hash", &mut |_| {})
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(stats.persons > 0);
    let rows = initials_column(&t.db);
    assert_eq!(rows.len() as u64, stats.persons);
    for (name, ini) in &rows {
        assert!(!ini.is_empty(), "{name}");
        assert_eq!(ini, &hearth_core::pinyin::initials(name), "{name}");
    }
    // And they are searchable.
    let (name, ini) = &rows[0];
    let p = search(&t.db, &sys(), ini);
    assert!(names(&p).contains(&name.as_str()) || p.total == search::TOTAL_CAP);
});

both!(search_backfill_walks_batches, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    // More rows than one backfill batch, written with empty initials.
    t.db.write(|tx| {
        let now = hearth_core::dates::now_utc();
        for i in 0..2500u16 {
            let seq = tx.next_seq()?;
            let id = hearth_store::new_id();
            tx.exec(
                "INSERT INTO person (id, resident_id, name, sex, birth_date, village_code,
                     version, change_seq, created_at, updated_at)
                 VALUES ($1, $2, $3, 2, '1990-03-14', $4, 1, $5, $6, $6)",
                &[
                    id.as_str().into(),
                    format!("R{i:05}").as_str().into(),
                    if i % 500 == 0 { "·" } else { "张晓梅" }.into(),
                    V1.into(),
                    seq.into(),
                    now.as_str().into(),
                ],
            )?;
        }
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    // Names without any reading stay empty and do not stop the walk.
    assert_eq!(search::backfill_initials(&t.db).ok(), Some(2495));
    assert_eq!(search::backfill_initials(&t.db).ok(), Some(0));
    let empty = t.db.read(|tx| {
        Ok(tx
            .query_one("SELECT COUNT(*) FROM person WHERE name_initials = ''", &[])?
            .i64(0))
    });
    assert_eq!(empty.ok(), Some(5));
    assert_eq!(search(&t.db, &sys(), "zxm").total, search::TOTAL_CAP);
});
