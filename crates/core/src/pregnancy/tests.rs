//! Unit tests of `pregnancy`.

use super::*;

fn d(s: &str) -> NaiveDate {
    parse_date(s).unwrap_or_default()
}

fn report(lmp: &str, on: &str) -> PregnancyInput {
    PregnancyInput {
        lmp: lmp.into(),
        reported_on: on.into(),
        source: "self".into(),
        registration_id: String::new(),
    }
}

fn codes(e: Result<impl std::fmt::Debug, Vec<FieldError>>) -> Vec<(String, &'static str)> {
    match e {
        Ok(_) => vec![],
        Err(v) => v
            .into_iter()
            .map(|f| (f.field.clone(), f.reason.code()))
            .collect(),
    }
}

#[test]
fn dates_from_lmp() {
    assert_eq!(edd(d("2026-01-01")), d("2026-10-08"));
    assert_eq!(gest_week(d("2026-01-01"), d("2026-01-14")), 1);
    assert_eq!(gest_week(d("2026-01-01"), d("2026-01-15")), 2);
    assert!(is_timely(d("2026-01-01"), d("2026-04-02")));
    assert!(!is_timely(d("2026-01-01"), d("2026-04-03")));
    assert!(!is_overdue(d("2026-01-01"), d("2026-11-04")));
    assert!(is_overdue(d("2026-01-01"), d("2026-11-05")));
}

#[test]
fn report_rules() {
    let today = d("2026-06-01");
    assert!(
        report("2026-03-05", "")
            .validate(Sex::Female, today)
            .is_ok_and(|p| p.timely)
    );
    assert!(
        report("2026-03-01", "")
            .validate(Sex::Female, today)
            .is_ok_and(|p| !p.timely)
    );
    assert_eq!(
        codes(report("2026-03-01", "").validate(Sex::Male, today)),
        vec![("woman_id".to_string(), "not_female")]
    );
    assert_eq!(
        codes(report("2026-06-02", "").validate(Sex::Female, today)),
        vec![
            ("lmp".to_string(), "future_date"),
            ("reported_on".to_string(), "before_allowed_date")
        ]
    );
    // 315 days is accepted, 316 refused.
    assert!(
        report("2025-07-21", "2026-06-01")
            .validate(Sex::Female, today)
            .is_ok()
    );
    assert_eq!(
        codes(report("2025-07-20", "2026-06-01").validate(Sex::Female, today)),
        vec![("lmp".to_string(), "lmp_too_old")]
    );
}

#[test]
fn outcome_rules() {
    let lmp = d("2026-01-01");
    let today = d("2026-06-01");
    let o = |kind: &str, on: &str| OutcomeInput {
        outcome: kind.into(),
        outcome_on: on.into(),
        ..Default::default()
    };
    assert!(o("miscarriage", "2026-02-20").validate(lmp, today).is_ok());
    assert_eq!(
        codes(o("miscarriage", "2026-01-01").validate(lmp, today)),
        vec![("outcome_on".to_string(), "before_allowed_date")]
    );
    assert_eq!(
        codes(o("induced_termination", "2026-02-20").validate(lmp, today)),
        vec![
            ("termination_record".to_string(), "required"),
            ("termination_reason".to_string(), "required")
        ]
    );
    assert_eq!(
        codes(o("live_birth", "2026-05-20").validate(lmp, today)),
        vec![("outcome".to_string(), "unknown_value")]
    );
}

#[test]
fn birth_and_death_rules() {
    let lmp = d("2025-06-01");
    let today = d("2026-06-01");
    let b = BirthInput {
        sex: "2".into(),
        born_on: "2026-03-08".into(),
        born_time: "7:05".into(),
        weight_g: "3150".into(),
        place: "township_hospital".into(),
        certificate_no: "r440123456".into(),
        ..Default::default()
    };
    let v = b.validate(lmp, today);
    assert!(
        v.as_ref()
            .is_ok_and(|v| v.born_time.as_deref() == Some("07:05")
                && v.certificate_no.as_deref() == Some("R440123456"))
    );
    let bad = BirthInput {
        weight_g: "90000".into(),
        certificate_no: "12345".into(),
        ..b
    };
    assert_eq!(
        codes(bad.validate(lmp, today)),
        vec![
            ("weight_g".to_string(), "out_of_range"),
            ("certificate_no".to_string(), "bad_length")
        ]
    );
    let death = |on: &str| DeathInput {
        died_on: on.into(),
        cause: "pneumonia".into(),
        note: String::new(),
    };
    let born = d("2025-03-01");
    assert!(death("2026-02-28").validate(born, today).is_ok());
    assert_eq!(
        codes(death("2026-03-01").validate(born, today)),
        vec![("died_on".to_string(), "not_an_infant")]
    );
    // A leap day inside the first year: 365 days old is still an infant.
    let leap = d("2023-03-01");
    assert!(death("2024-02-29").validate(leap, today).is_ok());
    assert_eq!(
        codes(death("2024-03-01").validate(leap, today)),
        vec![("died_on".to_string(), "not_an_infant")]
    );
    assert_eq!(
        codes(death("2025-02-28").validate(born, today)),
        vec![("died_on".to_string(), "before_allowed_date")]
    );
}
