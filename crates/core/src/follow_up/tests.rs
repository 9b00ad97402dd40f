//! Unit tests of `follow_up`.

use super::*;

fn d(s: &str) -> NaiveDate {
    parse_date(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
}

fn rule(code: &str, kind: RuleKind, days: Option<(i64, i64)>, modes: &str) -> ScheduleRule {
    ScheduleRule {
        code: code.into(),
        kind,
        label_zh: code.into(),
        label_en: code.into(),
        from_day: days.map(|x| x.0),
        to_day: days.map(|x| x.1),
        modes: parse_modes(modes).unwrap_or_default(),
        reminder: code == "postpartum_d42",
        active: true,
        sort: 0,
        version: 1,
    }
}

fn rules() -> Vec<ScheduleRule> {
    vec![
        rule("routine", RuleKind::Routine, None, "home,phone,clinic"),
        rule("pregnant", RuleKind::Pregnant, None, "home,phone,clinic"),
        rule("postpartum_d3", RuleKind::Postpartum, Some((3, 7)), "home"),
        rule(
            "postpartum_d42",
            RuleKind::Postpartum,
            Some((42, 49)),
            "home",
        ),
        rule(
            "procedure_m1",
            RuleKind::Procedure,
            Some((30, 37)),
            "home,phone",
        ),
    ]
}

fn facts(birth: &str) -> Facts {
    Facts {
        birth_date: d(birth),
        pregnancies: vec![],
        births: vec![],
        procedures: vec![],
        visits: vec![],
    }
}

fn visit(date: &str, mode: VisitMode) -> VisitFact {
    VisitFact {
        date: d(date),
        mode,
        covered: vec![],
    }
}

#[test]
fn monthly_contacts_follow_age_and_pregnancy() {
    let rules = rules();
    // Turns 50 on 2026-03-10: March is still due (49 on 1 March), April not.
    let f = facts("1976-03-10");
    let keys: Vec<String> = due_contacts(&rules, &f, d("2026-02-15"), d("2026-04-30"))
        .into_iter()
        .map(|c| c.key)
        .collect();
    assert_eq!(keys, vec!["monthly:2026-02", "monthly:2026-03"]);
    let mut f = facts("1996-03-14");
    f.pregnancies.push(PregnancyFact {
        lmp: d("2026-01-20"),
        outcome_on: None,
    });
    let c = due_contacts(&rules, &f, d("2025-12-01"), d("2026-01-31"));
    assert_eq!(c[0].rule_code, "routine");
    assert_eq!(c[1].rule_code, "pregnant");
    assert_eq!(
        (c[1].window_from, c[1].window_to),
        (d("2026-01-01"), d("2026-01-31"))
    );
}

#[test]
fn postpartum_window_and_status() {
    let rules = rules();
    let mut f = facts("1996-03-14");
    f.births.push(BirthFact {
        id: "b2".into(),
        born_on: d("2026-05-01"),
    });
    f.births.push(BirthFact {
        id: "b1".into(),
        born_on: d("2026-05-01"),
    });
    f.births.push(BirthFact {
        id: "b0".into(),
        born_on: d("2026-05-02"),
    });
    let c: Vec<DueContact> = due_contacts(&rules, &f, d("2026-05-01"), d("2026-05-31"))
        .into_iter()
        .filter(|c| c.rule_code == "postpartum_d3")
        .collect();
    assert_eq!(c.len(), 1, "twins share one schedule");
    let c = &c[0];
    assert_eq!(c.key, "postpartum_d3:b1");
    assert_eq!(
        (c.window_from, c.window_to),
        (d("2026-05-04"), d("2026-05-08"))
    );
    let today = d("2026-06-30");
    let st = |v: VisitFact| status_on(c, &[v], &rules, today);
    assert_eq!(
        st(visit("2026-05-04", VisitMode::Home)),
        ContactStatus::Done
    );
    assert_eq!(
        st(visit("2026-05-08", VisitMode::Home)),
        ContactStatus::Done
    );
    assert_eq!(
        st(visit("2026-05-09", VisitMode::Home)),
        ContactStatus::DoneLate
    );
    assert_eq!(
        st(visit("2026-05-03", VisitMode::Home)),
        ContactStatus::Missed
    );
    assert_eq!(
        st(visit("2026-05-05", VisitMode::Phone)),
        ContactStatus::Missed
    );
    assert_eq!(
        status_on(c, &[], &rules, d("2026-05-08")),
        ContactStatus::Due
    );
    assert_eq!(
        status_on(c, &[], &rules, d("2026-05-09")),
        ContactStatus::Overdue
    );
    assert_eq!(
        status_on(c, &[], &rules, d("2026-05-13")),
        ContactStatus::Overdue
    );
    assert_eq!(
        status_on(c, &[], &rules, d("2026-05-14")),
        ContactStatus::Missed
    );
    let all = due_contacts(&rules, &f, d("2026-05-06"), d("2026-05-06"));
    assert_eq!(
        covered_by(&rules, &all, d("2026-05-06"), VisitMode::Home),
        vec!["monthly:2026-05", "postpartum_d3:b1"]
    );
    assert_eq!(
        covered_by(&rules, &all, d("2026-05-06"), VisitMode::Phone),
        vec!["monthly:2026-05"]
    );
}

#[test]
fn visit_input_checks() {
    let today = d("2026-06-30");
    let ok = VisitInput {
        person_id: "p".into(),
        visited_on: "2026-06-30".into(),
        mode: "home".into(),
        topics: vec!["policy_law".into()],
        next_appointment: "2027-06-30".into(),
        ..VisitInput::default()
    };
    assert!(ok.validate(today, &["policy_law"]).is_ok());
    let bad = VisitInput {
        person_id: String::new(),
        visited_on: "2026-03-31".into(),
        mode: "fax".into(),
        topics: vec!["astrology".into()],
        findings: "字".repeat(501),
        needs: vec![NeedInput {
            category: "policy".into(),
            text: String::new(),
            for_window: false,
        }],
        next_appointment: "2026-03-31".into(),
    };
    let errs = bad
        .validate(today, &["policy_law"])
        .err()
        .unwrap_or_default();
    let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        vec![
            "person_id",
            "visited_on",
            "mode",
            "topics",
            "findings",
            "needs[0].text",
            "next_appointment"
        ]
    );
    let far = VisitInput {
        next_appointment: "2027-07-01".into(),
        ..ok.clone()
    };
    assert!(far.validate(today, &["policy_law"]).is_err());
    let future = VisitInput {
        visited_on: "2026-07-01".into(),
        next_appointment: String::new(),
        ..ok
    };
    assert_eq!(
        future
            .validate(today, &["policy_law"])
            .err()
            .map(|e| e[0].reason.clone()),
        Some(Reason::FutureDate)
    );
}

#[test]
fn rule_input_checks() {
    let r = RuleInput {
        from_day: "7".into(),
        to_day: "5".into(),
        modes: "home".into(),
        active: true,
    };
    assert!(r.validate(RuleKind::Procedure).is_err());
    let r = RuleInput {
        to_day: "10".into(),
        ..r
    };
    assert_eq!(
        r.validate(RuleKind::Procedure)
            .map(|v| (v.from_day, v.to_day)),
        Ok((Some(7), Some(10)))
    );
    assert_eq!(
        YearMonth::parse("2026-02").map(|m| m.last_day()),
        Ok(d("2026-02-28"))
    );
}
