//! Needs raised at visits (需求): the list a worker or an area works
//! through, and moving a need to open, the service window or closed.

use super::shared::check_own_woman;
use crate::Db;
use crate::audit::{self, Action};
use crate::db::{P, Row, Tx};
use crate::error::StoreError;
use crate::scoped::{describe, page_of, range_of, require};
use hearth_core::dates::now_utc;
use hearth_core::follow_up::{NeedCategory, NeedStatus};
use hearth_core::scope::{Permission, Scope};
use serde::Serialize;

/// A need raised at a visit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Need {
    pub id: String,
    pub visit_id: String,
    pub person_id: String,
    pub person_name: String,
    pub village_code: String,
    pub category: NeedCategory,
    pub text: String,
    pub status: NeedStatus,
    pub for_window: bool,
    /// The date of the visit that raised it.
    pub raised_on: String,
    pub version: i64,
}

/// Which needs a list shows. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct NeedFilter {
    pub person_id: Option<String>,
    /// Needs of the women assigned to this worker.
    pub worker_id: Option<String>,
    pub org_code: Option<String>,
    pub status: Option<NeedStatus>,
    pub limit: i64,
    pub offset: i64,
}

pub(super) const NEED_SQL: &str =
    "SELECT n.id, n.visit_id, n.person_id, p.name, n.village_code, n.category,
        n.text, n.status, n.for_window, v.visited_on, n.version
     FROM visit_need n
     JOIN person p ON p.id = n.person_id
     JOIN visit v ON v.id = n.visit_id";

/// A need from the columns of [`NEED_SQL`].
pub(super) fn need_from(r: &Row) -> Result<Need, StoreError> {
    Ok(Need {
        id: r.text(0)?,
        visit_id: r.text(1)?,
        person_id: r.text(2)?,
        person_name: r.text(3)?,
        village_code: r.text(4)?,
        category: r.coded(5, NeedCategory::parse)?,
        text: r.text(6)?,
        status: r.coded(7, NeedStatus::parse)?,
        for_window: r.flag(8)?,
        raised_on: r.text(9)?,
        version: r.int(10)?,
    })
}

/// Needs in the scope, newest first; audited as one list view.
pub fn list_needs(db: &Db, scope: &Scope, f: &NeedFilter) -> Result<Vec<Need>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = range_of(scope, f.org_code.as_deref())?;
    let (limit, offset) = page_of(f.limit, f.offset);
    let person = f
        .person_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let worker = f
        .worker_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    db.write(|tx| {
        let mut sql = format!(
            "{NEED_SQL}{} WHERE n.village_code >= $1 AND n.village_code < $2",
            if worker.is_some() {
                " JOIN follow_up_assignment a ON a.person_id = n.person_id"
            } else {
                ""
            }
        );
        let mut params: Vec<P<'_>> = vec![P::T(&lo), P::T(&hi)];
        if let Some(x) = person {
            params.push(P::T(x));
            sql.push_str(&format!(" AND n.person_id = ${}", params.len()));
        }
        if let Some(x) = worker {
            params.push(P::T(x));
            sql.push_str(&format!(" AND a.worker_id = ${}", params.len()));
        }
        if let Some(s) = f.status {
            params.push(P::T(s.code()));
            sql.push_str(&format!(" AND n.status = ${}", params.len()));
        }
        params.push(P::I(limit));
        params.push(P::I(offset));
        sql.push_str(&format!(
            " ORDER BY v.visited_on DESC, n.id DESC LIMIT ${} OFFSET ${}",
            params.len() - 1,
            params.len()
        ));
        let out: Vec<Need> = tx
            .query(&sql, &params)?
            .iter()
            .map(need_from)
            .collect::<Result<_, _>>()?;
        let detail = describe(&[
            ("org", f.org_code.clone()),
            ("person", person.map(str::to_string)),
            ("worker", worker.map(str::to_string)),
            ("status", f.status.map(|s| s.code().to_string())),
        ]);
        audit::record(tx, scope, Action::View, "visit_need", None, Some(&detail))?;
        Ok(out)
    })
}

/// Moves a need to `status` (RecordVisit; a follow-up worker only for her
/// women). Stale version → `Conflict`.
pub fn set_need_status(
    db: &Db,
    scope: &Scope,
    id: &str,
    version: i64,
    status: NeedStatus,
) -> Result<Need, StoreError> {
    require(scope, Permission::RecordVisit)?;
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let load = |tx: &mut Tx<'_>| -> Result<Need, StoreError> {
            tx.query_opt(
                &format!(
                    "{NEED_SQL} WHERE n.id = $1 AND n.village_code >= $2 AND n.village_code < $3"
                ),
                &[P::T(id.trim()), P::T(&lo), P::T(&hi)],
            )?
            .map(|r| need_from(&r))
            .ok_or(StoreError::NotFound)?
        };
        let need = load(tx)?;
        check_own_woman(tx, scope, &need.person_id)?;
        if need.version != version {
            return Err(StoreError::Conflict {
                current: need.version,
            });
        }
        let seq = tx.next_seq()?;
        let n = tx.exec(
            "UPDATE visit_need SET status = $1, for_window = $2, version = version + 1,
                 change_seq = $3, updated_at = $4
             WHERE id = $5 AND version = $6",
            &[
                P::T(status.code()),
                (status == NeedStatus::ForWindow || need.for_window).into(),
                P::I(seq),
                P::T(&now_utc()),
                P::T(&need.id),
                P::I(version),
            ],
        )?;
        if n == 0 {
            return Err(StoreError::Conflict {
                current: need.version + 1,
            });
        }
        audit::record(
            tx,
            scope,
            Action::Update,
            "visit_need",
            Some(&need.id),
            Some(&format!("status={}", status.code())),
        )?;
        load(tx)
    })
}
