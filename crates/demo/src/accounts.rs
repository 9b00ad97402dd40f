//! Who signs in to the demo: the staff accounts (admin, town, clinician,
//! supervisor, auditor), one village specialist per Gushao village (`v01`,
//! …), and one follow-up worker per zone of a village (`v01w1`, … in
//! Gushao, `w<village code>-<i>` elsewhere), the zones of a village fixed
//! by its code. Reporters and verifiers in the history, and zone workers in
//! the follow-up service, are named by these user names.

use crate::seed::{code_num, mix};
use crate::town::GUSHAO;
use hearth_core::org::{OrgLevel, OrgUnit};
use hearth_core::user::Role;

/// A demo login: user name, display name, role and the org unit it works in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_code: String,
}

/// The demo accounts: admin, town staff, clinician, supervisor and auditor,
/// then one village specialist per Gushao village (`v01`, `v02`, … in
/// village-code order).
pub fn demo_accounts(orgs: &[OrgUnit]) -> Vec<DemoAccount> {
    let name_of = |code: &str, fallback: &str| -> String {
        orgs.iter()
            .find(|o| o.code.as_str() == code)
            .map(|o| o.name.clone())
            .unwrap_or_else(|| fallback.to_string())
    };
    let county = name_of("370404", "峄城区");
    let town = name_of(GUSHAO, "古邵镇");
    let acct = |username: &str, display_name: String, role: Role, org: &str| DemoAccount {
        username: username.to_string(),
        display_name,
        role,
        org_code: org.to_string(),
    };
    let mut out = vec![
        acct(
            "admin",
            format!("{county}卫健局管理员"),
            Role::Admin,
            "370404",
        ),
        acct("town", format!("{town}计生办"), Role::TownStaff, GUSHAO),
        acct(
            "clinician",
            format!("{town}卫生院"),
            Role::Clinician,
            GUSHAO,
        ),
        acct(
            "supervisor",
            format!("{county}计生督导"),
            Role::Supervisor,
            "370404",
        ),
        acct(
            "auditor",
            format!("{county}审计员"),
            Role::Auditor,
            "370404",
        ),
    ];
    let mut villages: Vec<&OrgUnit> = orgs
        .iter()
        .filter(|o| o.level() == OrgLevel::Village && o.code.as_str().starts_with(GUSHAO))
        .collect();
    villages.sort_by(|a, b| a.code.cmp(&b.code));
    for (i, v) in villages.into_iter().enumerate() {
        out.push(acct(
            &format!("v{:02}", i + 1),
            format!("{}计生专干", v.name),
            Role::VillageSpecialist,
            v.code.as_str(),
        ));
    }
    // The follow-up workers of Gushao's zones (v01w1, v01w2, …).
    out.extend(worker_accounts(orgs, false));
    out
}

/// The demo account of a Gushao village (`v01` for 370404100201, …).
pub(crate) fn specialist_of(village_code: &str) -> Option<String> {
    let rest = village_code.strip_prefix(GUSHAO)?;
    let n: u32 = rest.parse().ok()?;
    (201..=299).contains(&n).then(|| format!("v{:02}", n - 200))
}

/// Zone names, in household-number order.
pub(crate) const ZONE_NAMES: [&str; 6] =
    ["一片区", "二片区", "三片区", "四片区", "五片区", "六片区"];

/// Zones in a village: 3–6, fixed by the village code.
pub(crate) fn zone_count(village_code: &str) -> usize {
    3 + (mix(code_num(village_code) ^ 0x5A4F_4E45) % 4) as usize
}

/// The user name of a zone's worker (`i` from 1): `v01w1`… in Gushao,
/// `w<village code>-<i>` elsewhere.
pub(crate) fn worker_username(village_code: &str, i: usize) -> String {
    match specialist_of(village_code) {
        Some(v) => format!("{v}w{i}"),
        None => format!("w{village_code}-{i}"),
    }
}

/// A zone worker's display name (万年闸村一片区随访员).
pub(crate) fn worker_display(village_name: &str, zone: &str) -> String {
    format!("{village_name}{zone}随访员")
}

/// The follow-up worker accounts of the villages among `orgs` (Gushao's
/// only when `all` is false), one per zone, in village-code order.
pub fn worker_accounts(orgs: &[OrgUnit], all: bool) -> Vec<DemoAccount> {
    let mut villages: Vec<&OrgUnit> = orgs
        .iter()
        .filter(|o| o.level() == OrgLevel::Village && (all || o.code.as_str().starts_with(GUSHAO)))
        .collect();
    villages.sort_by(|a, b| a.code.cmp(&b.code));
    let mut out = Vec::new();
    for v in villages {
        let code = v.code.as_str();
        for (i, zone) in ZONE_NAMES.iter().take(zone_count(code)).enumerate() {
            out.push(DemoAccount {
                username: worker_username(code, i + 1),
                display_name: worker_display(&v.name, zone),
                role: Role::FollowUpWorker,
                org_code: code.to_string(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::cfg;
    use crate::town::org_units;

    #[test]
    fn accounts() {
        let orgs = org_units(&cfg(45_000, 1));
        let acc = demo_accounts(&orgs);
        let users: Vec<&str> = acc.iter().map(|a| a.username.as_str()).collect();
        assert_eq!(
            &users[..6],
            &["admin", "town", "clinician", "supervisor", "auditor", "v01"]
        );
        // Then one follow-up worker per zone of each village (3–6 zones).
        let workers = acc
            .iter()
            .filter(|a| a.role == Role::FollowUpWorker)
            .count();
        assert!((60..=120).contains(&workers), "{workers} workers");
        assert_eq!(acc.len(), 5 + 20 + workers);
        assert!(acc.iter().any(|a| a.username == "v01w1"
            && a.org_code == "370404100201"
            && a.display_name.ends_with("随访员")));
        assert_eq!(acc[5].org_code, "370404100201");
        assert_eq!(acc[5].role, Role::VillageSpecialist);
        assert_eq!(acc[6].username, "v02");
        assert_eq!(acc[6].org_code, "370404100202");
        for a in &acc {
            assert!(hearth_core::user::parse_username(&a.username).is_ok());
            assert!(orgs.iter().any(|o| o.code.as_str() == a.org_code));
            assert!(!a.display_name.is_empty());
        }
        // More towns do not change the Gushao accounts.
        let big = demo_accounts(&org_units(&cfg(1_000_000, 1)));
        assert_eq!(big.len(), acc.len());
        assert_eq!(big[5].org_code, "370404100201");
    }
}
