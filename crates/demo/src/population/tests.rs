//! The population's tests: the same seed gives the same town, every
//! generated record passes the register's own validation, and the
//! ignored ones print its shape and time it.

use crate::generate;
use crate::seed::fmt_date;
use crate::testkit::{cfg, collect, today};
use crate::town::{GUSHAO, org_units};
use hearth_core::dates::age_on;
use hearth_core::household::Household;
use hearth_core::id_number::ResidentId;
use hearth_core::org::{OrgLevel, OrgUnit};
use hearth_core::person::Sex;
use hearth_core::registration::{RegistrationStatus, next_review};
use std::collections::{HashMap, HashSet};

#[test]
fn deterministic_and_seed_dependent() {
    let a = collect(&cfg(6_000, 7));
    let b = collect(&cfg(6_000, 7));
    assert_eq!(a, b);
    let c = collect(&cfg(6_000, 8));
    assert_ne!(a, c);
}

#[test]
fn sink_error_stops_generation() {
    let mut calls = 0;
    let r = generate(&cfg(3_000, 1), |_| {
        calls += 1;
        if calls == 3 { Err("stop") } else { Ok(()) }
    });
    assert_eq!(r, Err("stop"));
    assert_eq!(calls, 3);
}

#[test]
fn gushao_totals_and_validity() {
    let c = cfg(45_000, 42);
    let orgs = org_units(&c);
    let villages: Vec<&OrgUnit> = orgs
        .iter()
        .filter(|o| o.level() == OrgLevel::Village)
        .collect();
    assert_eq!(villages.len(), 20);
    assert_eq!(orgs[0].code.as_str(), "370404");
    assert_eq!(orgs[1].code.as_str(), GUSHAO);
    let names: Vec<&str> = villages.iter().map(|v| v.name.as_str()).collect();
    assert!(names.contains(&"万年闸村") && names.contains(&"乐庄村"));
    assert_eq!(villages[0].code.as_str(), "370404100201");

    let batches = collect(&c);
    assert_eq!(batches.len(), 20);
    let codes: Vec<&str> = batches.iter().map(|b| b.village_code.as_str()).collect();
    let org_codes: Vec<&str> = villages.iter().map(|v| v.code.as_str()).collect();
    assert_eq!(codes, org_codes);

    let persons: usize = batches.iter().map(|b| b.persons.len()).sum();
    let households: usize = batches.iter().map(|b| b.households.len()).sum();
    assert!(
        persons.abs_diff(45_000) <= 2_250,
        "persons {persons} not within 5% of 45000"
    );
    assert!(
        (11_000..=15_000).contains(&households),
        "households {households}"
    );

    let mut ids = HashSet::new();
    let mut rids = HashSet::new();
    let mut reg_numbers = HashSet::new();
    for b in &batches {
        let hh: HashMap<&str, &Household> =
            b.households.iter().map(|h| (h.id.as_str(), h)).collect();
        let numbers: HashSet<&str> = b.households.iter().map(|h| h.number.as_str()).collect();
        assert_eq!(numbers.len(), b.households.len(), "household numbers");
        let sexes: HashMap<&str, Sex> = b.persons.iter().map(|p| (p.id.as_str(), p.sex)).collect();
        for h in &b.households {
            assert!(
                hearth_core::household::NewHousehold::validate(
                    &h.village_code,
                    &h.number,
                    &h.address,
                    h.flags
                )
                .is_ok()
            );
            let head = h.head_person_id.as_deref().unwrap_or("");
            assert!(sexes.contains_key(head), "head in batch");
            assert!(ids.insert(h.id.clone()));
        }
        for p in &b.persons {
            let id = ResidentId::parse_on(&p.resident_id, today());
            assert!(id.is_ok(), "{} {:?}", p.resident_id, id);
            let Ok(id) = id else { continue };
            assert_eq!(id.sex(), p.sex);
            assert_eq!(fmt_date(id.birth_date()), p.birth_date);
            assert_eq!(id.region(), &p.village_code[..6]);
            assert!(rids.insert(p.resident_id.clone()), "duplicate ID");
            assert!(ids.insert(p.id.clone()));
            let input = hearth_core::person::PersonInput {
                name: p.name.clone(),
                resident_id: p.resident_id.clone(),
                sex: p.sex.label_zh().into(),
                birth_date: p.birth_date.clone(),
                phone: p.phone.clone().unwrap_or_default(),
                marital_status: p
                    .marital_status
                    .map(|m| m.code().to_string())
                    .unwrap_or_default(),
                village_code: p.village_code.clone(),
                relation: p.relation.map(|r| r.code().to_string()).unwrap_or_default(),
            };
            let v = input.validate(today());
            assert!(v.is_ok(), "{p:?}: {v:?}");
            let hid = p.household_id.as_deref().unwrap_or("");
            assert!(hh.contains_key(hid), "household in batch");
            let age = age_on(id.birth_date(), today());
            assert_eq!(p.marital_status.is_none(), age < 20, "{p:?}");
            if age < 16 {
                assert!(p.phone.is_none());
            }
            assert!(
                uuid::Uuid::parse_str(&p.id).map(|u| u.get_version_num()) == Ok(7),
                "uuid v7"
            );
        }
        for c in &b.couples {
            assert_eq!(sexes.get(c.wife_id.as_str()), Some(&Sex::Female));
            assert_eq!(sexes.get(c.husband_id.as_str()), Some(&Sex::Male));
            assert_eq!(c.village_code, b.village_code);
            let m = c.marriage_date.as_deref().unwrap_or("");
            let md = hearth_core::dates::parse_date(m);
            assert!(md.is_ok_and(|d| d <= today()), "{m}");
        }
        let couples: HashSet<&str> = b.couples.iter().map(|c| c.id.as_str()).collect();
        for r in &b.registrations {
            assert!(couples.contains(r.couple_id.as_str()));
            let v = hearth_core::registration::NewRegistration::validate(
                r.child_order,
                &r.number,
                &r.issued_on,
                today(),
            );
            assert!(v.is_ok(), "{r:?}");
            assert!((1..=3).contains(&r.child_order));
            assert!(reg_numbers.insert(r.number.clone()));
            let base = r.last_reviewed_on.as_deref().unwrap_or(&r.issued_on);
            let base = hearth_core::dates::parse_date(base).unwrap_or_default();
            assert_eq!(fmt_date(next_review(base)), r.review_due);
            assert_eq!(
                r.status == RegistrationStatus::Cancelled,
                r.status_reason.is_some()
            );
        }
    }
}

#[test]
fn names_and_phones_parse() {
    for b in collect(&cfg(3_000, 3)) {
        for p in &b.persons {
            assert!(
                hearth_core::name::PersonName::parse(&p.name).is_ok(),
                "{}",
                p.name
            );
            if let Some(ph) = &p.phone {
                assert!(hearth_core::phone::MobilePhone::parse(ph).is_ok(), "{ph}");
            }
        }
    }
}

/// Prints the shape of the population; run with --ignored --nocapture.
#[test]
#[ignore]
fn demo_stats() {
    let mut bands = [[0usize; 2]; 20];
    let (mut persons, mut hh, mut couples, mut regs) = (0, 0, 0, 0);
    let (mut fp, mut poor, mut only, mut twod, mut girl) = (0, 0, 0, 0, 0);
    let (mut adults, mut phones, mut women_1549) = (0, 0, 0);
    let mut rel: HashMap<&'static str, usize> = HashMap::new();
    let mut marital: HashMap<(usize, &'static str), usize> = HashMap::new();
    let mut status: HashMap<&'static str, usize> = HashMap::new();
    let r: Result<(), ()> = generate(&cfg(45_000, 42), |b| {
        persons += b.persons.len();
        hh += b.households.len();
        couples += b.couples.len();
        regs += b.registrations.len();
        for r in &b.registrations {
            *status.entry(r.status.code()).or_default() += 1;
        }
        for h in &b.households {
            fp += usize::from(h.flags.family_planning);
            poor += usize::from(h.flags.poor_family_planning);
            only += usize::from(h.flags.only_child);
            twod += usize::from(h.flags.two_daughters);
            girl += usize::from(h.flags.girl_family);
        }
        for p in &b.persons {
            let birth = hearth_core::dates::parse_date(&p.birth_date).unwrap_or_default();
            let age = age_on(birth, today()).max(0) as usize;
            bands[(age / 5).min(19)][usize::from(p.sex == Sex::Female)] += 1;
            if age >= 18 {
                adults += 1;
                phones += usize::from(p.phone.is_some());
            }
            if p.sex == Sex::Female && (15..=49).contains(&age) {
                women_1549 += 1;
            }
            *rel.entry(p.relation.map(|r| r.code()).unwrap_or("-"))
                .or_default() += 1;
            *marital
                .entry((
                    (age / 10).min(9),
                    p.marital_status.map(|m| m.code()).unwrap_or("-"),
                ))
                .or_default() += 1;
        }
        Ok(())
    });
    assert!(r.is_ok());
    let (m, f): (usize, usize) = bands.iter().fold((0, 0), |(m, f), b| (m + b[0], f + b[1]));
    println!(
        "persons {persons} households {hh} ({:.2}/hh)",
        persons as f64 / hh as f64
    );
    println!("sex ratio {:.3}", m as f64 / f as f64);
    for (i, b) in bands.iter().enumerate() {
        let n = b[0] + b[1];
        println!(
            "{:>3}-{:<3} {:>5} {:5.1}% m/f {:.2} {}",
            i * 5,
            i * 5 + 4,
            n,
            100.0 * n as f64 / persons as f64,
            b[0] as f64 / b[1].max(1) as f64,
            "#".repeat(n / 100)
        );
    }
    println!("couples {couples}, women 15-49 {women_1549}, registrations {regs} {status:?}");
    let pct = |x: usize| 100.0 * x as f64 / hh as f64;
    println!(
        "flags fp {:.1}% poor {:.1}% only {:.1}% twod {:.1}% girl {:.1}%",
        pct(fp),
        pct(poor),
        pct(only),
        pct(twod),
        pct(girl)
    );
    println!(
        "phones {:.1}% of adults",
        100.0 * phones as f64 / adults as f64
    );
    println!("relations {rel:?}");
    let mut ms: Vec<_> = marital.into_iter().collect();
    ms.sort();
    println!("marital {ms:?}");
}

/// County scale: every ID valid and unique; run in release with --ignored.
#[test]
#[ignore]
fn demo_million_ids_unique() {
    let mut seen = HashSet::new();
    let mut villages = HashSet::new();
    let r: Result<(), String> = generate(&cfg(1_000_000, 9), |b| {
        if !villages.insert(b.village_code.clone()) {
            return Err(format!("village {} twice", b.village_code));
        }
        for p in &b.persons {
            let id = ResidentId::parse_on(&p.resident_id, today());
            if !id.is_ok_and(|i| i.sex() == p.sex && i.region() == &p.village_code[..6]) {
                return Err(format!("bad id {}", p.resident_id));
            }
            if !seen.insert(p.resident_id.clone()) {
                return Err(format!("duplicate id {}", p.resident_id));
            }
        }
        Ok(())
    });
    assert_eq!(r, Ok(()));
    assert!(seen.len().abs_diff(1_000_000) < 50_000, "{}", seen.len());
}

/// Times generation; run in release with --ignored --nocapture.
#[test]
#[ignore]
fn demo_timing() {
    for n in [45_000, 1_000_000] {
        let start = std::time::Instant::now();
        let mut persons = 0usize;
        let r: Result<(), ()> = generate(&cfg(n, 42), |b| {
            persons += b.persons.len();
            Ok(())
        });
        assert!(r.is_ok());
        println!("{n}: {persons} persons in {:?}", start.elapsed());
    }
}
