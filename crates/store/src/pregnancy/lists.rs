//! The lists of this workflow (pregnancies, births, infant deaths), each
//! scoped, filtered, paged and audited as one entry; a woman's pregnancies
//! for her person page (part of that page's one audited view); and the
//! unaudited counts of births by verification state.

use super::rows::{
    BIRTH_FROM, DEATH_FROM, PREG_COLS, PREG_FROM, birth_cols, birth_from, death_cols, death_from,
    pregnancy_from,
};
use super::types::{Birth, BirthFilter, DeathFilter, InfantDeath, Pregnancy, PregnancyFilter};
use crate::Db;
use crate::audit::{self, Action};
use crate::db::{P, Tx};
use crate::error::StoreError;
use crate::scoped::{describe, page_of, range_of, require};
use chrono::NaiveDate;
use hearth_core::dates::fmt_date;
use hearth_core::pregnancy::{OVERDUE_DAYS, Verification};
use hearth_core::scope::{Permission, Scope};

/// The SQL condition selecting rows of table alias `a` in a verification
/// state (constant text, no input).
fn verification_sql(a: &str, v: Option<Verification>) -> String {
    match v {
        None => String::new(),
        Some(Verification::Unverified) => format!(" AND {a}.village_verified_on IS NULL"),
        Some(Verification::VillageVerified) => {
            format!(" AND {a}.village_verified_on IS NOT NULL AND {a}.town_verified_on IS NULL")
        }
        Some(Verification::Verified) => format!(" AND {a}.verified = 1"),
    }
}

/// Lists pregnancies in the scope, newest report first; the list view is
/// audited as one entry.
pub fn list_pregnancies(
    db: &Db,
    scope: &Scope,
    f: &PregnancyFilter,
    today: NaiveDate,
) -> Result<Vec<Pregnancy>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = range_of(scope, f.org_code.as_deref())?;
    let detail = describe(&[
        ("org", f.org_code.clone()),
        ("woman", f.woman_id.clone()),
        ("open", f.open_only.then(|| "1".to_string())),
        ("overdue", f.overdue_only.then(|| "1".to_string())),
        ("from", f.reported_from.map(fmt_date)),
        ("to", f.reported_to.map(fmt_date)),
    ]);
    db.write(|tx| {
        let list = query_pregnancies(tx, &lo, &hi, f, today)?;
        audit::record(
            tx,
            scope,
            Action::View,
            "pregnancy_list",
            None,
            Some(&detail),
        )?;
        Ok(list)
    })
}

/// A woman's pregnancies (newest first, at most 20) for her person page,
/// in a read transaction and without an audit entry of their own: the page
/// is one view of her record, audited once by `register::get_person`, which
/// the page calls first. Everything else lists through
/// [`list_pregnancies`].
pub fn of_woman_for_person_page(
    db: &Db,
    scope: &Scope,
    woman_id: &str,
    today: NaiveDate,
) -> Result<Vec<Pregnancy>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    let f = PregnancyFilter {
        woman_id: Some(woman_id.to_string()),
        limit: 20,
        ..PregnancyFilter::default()
    };
    db.read(|tx| query_pregnancies(tx, &lo, &hi, &f, today))
}

/// The rows of a pregnancy list inside the code range `[lo, hi)`.
fn query_pregnancies(
    tx: &mut Tx<'_>,
    lo: &str,
    hi: &str,
    f: &PregnancyFilter,
    today: NaiveDate,
) -> Result<Vec<Pregnancy>, StoreError> {
    let (limit, offset) = page_of(f.limit, f.offset);
    // Overdue on `today` ⇔ the LMP lies on or before today − 308 days.
    let overdue_by = f
        .overdue_only
        .then(|| fmt_date(today - chrono::Duration::days(OVERDUE_DAYS)));
    let from = f.reported_from.map(fmt_date);
    let to = f.reported_to.map(fmt_date);
    tx.query(
        &format!(
            "SELECT {PREG_COLS} {PREG_FROM}
                 WHERE p.village_code >= $1 AND p.village_code < $2
                   AND (CAST($3 AS TEXT) IS NULL OR p.woman_id = $3)
                   AND (CAST($4 AS BIGINT) = 0 OR p.outcome IS NULL)
                   AND (CAST($5 AS TEXT) IS NULL OR (p.outcome IS NULL AND p.lmp <= $5))
                   AND (CAST($6 AS TEXT) IS NULL OR p.reported_on >= $6)
                   AND (CAST($7 AS TEXT) IS NULL OR p.reported_on <= $7)
                 ORDER BY p.reported_on DESC, p.id DESC
                 LIMIT $8 OFFSET $9"
        ),
        &[
            P::T(lo),
            P::T(hi),
            (&f.woman_id).into(),
            f.open_only.into(),
            (&overdue_by).into(),
            (&from).into(),
            (&to).into(),
            P::I(limit),
            P::I(offset),
        ],
    )?
    .iter()
    .map(|r| pregnancy_from(r, today))
    .collect()
}

/// Lists births in the scope, newest first; audited as one entry.
pub fn list_births(db: &Db, scope: &Scope, f: &BirthFilter) -> Result<Vec<Birth>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = range_of(scope, f.org_code.as_deref())?;
    let (limit, offset) = page_of(f.limit, f.offset);
    let from = f.born_from.map(fmt_date);
    let to = f.born_to.map(fmt_date);
    let detail = describe(&[
        ("org", f.org_code.clone()),
        ("mother", f.mother_id.clone()),
        ("from", from.clone()),
        ("to", to.clone()),
        ("verification", f.verification.map(|v| v.code().to_string())),
    ]);
    db.write(|tx| {
        let list = tx
            .query(
                &format!(
                    "SELECT {} {BIRTH_FROM}
                     WHERE b.village_code >= $1 AND b.village_code < $2
                       AND (CAST($3 AS TEXT) IS NULL OR b.mother_id = $3)
                       AND (CAST($4 AS TEXT) IS NULL OR b.born_on >= $4)
                       AND (CAST($5 AS TEXT) IS NULL OR b.born_on <= $5){}
                     ORDER BY b.born_on DESC, b.id DESC
                     LIMIT $6 OFFSET $7",
                    birth_cols(),
                    verification_sql("b", f.verification)
                ),
                &[
                    P::T(&lo),
                    P::T(&hi),
                    (&f.mother_id).into(),
                    (&from).into(),
                    (&to).into(),
                    P::I(limit),
                    P::I(offset),
                ],
            )?
            .iter()
            .map(birth_from)
            .collect::<Result<_, _>>()?;
        audit::record(tx, scope, Action::View, "birth_list", None, Some(&detail))?;
        Ok(list)
    })
}

/// Lists infant deaths in the scope, newest first; audited as one entry.
pub fn list_infant_deaths(
    db: &Db,
    scope: &Scope,
    f: &DeathFilter,
) -> Result<Vec<InfantDeath>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = range_of(scope, f.org_code.as_deref())?;
    let (limit, offset) = page_of(f.limit, f.offset);
    let from = f.died_from.map(fmt_date);
    let to = f.died_to.map(fmt_date);
    let detail = describe(&[
        ("org", f.org_code.clone()),
        ("from", from.clone()),
        ("to", to.clone()),
        ("verification", f.verification.map(|v| v.code().to_string())),
    ]);
    db.write(|tx| {
        let list = tx
            .query(
                &format!(
                    "SELECT {} {DEATH_FROM}
                     WHERE d.village_code >= $1 AND d.village_code < $2
                       AND (CAST($3 AS TEXT) IS NULL OR d.died_on >= $3)
                       AND (CAST($4 AS TEXT) IS NULL OR d.died_on <= $4){}
                     ORDER BY d.died_on DESC, d.id DESC
                     LIMIT $5 OFFSET $6",
                    death_cols(),
                    verification_sql("d", f.verification)
                ),
                &[
                    P::T(&lo),
                    P::T(&hi),
                    (&from).into(),
                    (&to).into(),
                    P::I(limit),
                    P::I(offset),
                ],
            )?
            .iter()
            .map(death_from)
            .collect::<Result<_, _>>()?;
        audit::record(
            tx,
            scope,
            Action::View,
            "infant_death_list",
            None,
            Some(&detail),
        )?;
        Ok(list)
    })
}

/// How many births in the scope (or in one org unit of it) stand in each
/// verification state: `[unverified, village-verified, verified]`, so a list
/// can always show the split. Counts only, no names: not audited.
pub fn birth_counts(
    db: &Db,
    scope: &Scope,
    org_code: Option<&str>,
) -> Result<[i64; 3], StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = range_of(scope, org_code)?;
    db.read(|tx| {
        let r = tx.query_one(
            "SELECT COUNT(CASE WHEN village_verified_on IS NULL THEN 1 END),
                    COUNT(CASE WHEN village_verified_on IS NOT NULL
                                AND town_verified_on IS NULL THEN 1 END),
                    COUNT(CASE WHEN verified = 1 THEN 1 END)
             FROM birth WHERE village_code >= $1 AND village_code < $2",
            &[P::T(&lo), P::T(&hi)],
        )?;
        Ok([r.int(0)?, r.int(1)?, r.int(2)?])
    })
}
