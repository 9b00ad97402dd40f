//! The person page's seam: each workflow that has something to show on a
//! person's page (her pregnancies, her follow-up worker, …) contributes a
//! panel through [`PanelFn`], listed once in `crate::PERSON_PANELS`. The
//! register's person page renders the panels in order and knows no other
//! workflow; a new workflow adds its panel without editing the register.
//!
//! Panels run on the page's blocking thread after the register has read
//! (and audited) the person: a panel reads with the caller's scope and
//! must not write a second audit entry for the same view.

use hearth_core::Lang;
use hearth_core::person::Person;
use hearth_core::scope::Scope;
use hearth_core::user::Role;
use hearth_store::{Db, StoreError};

/// What a panel knows of the request and the person.
pub struct PanelCtx<'a> {
    pub db: &'a Db,
    pub scope: &'a Scope,
    pub user_id: &'a str,
    pub role: Role,
    pub lang: Lang,
    pub csrf: &'a str,
    pub person: &'a Person,
}

/// One workflow's section of the person page, already rendered.
#[derive(Debug, Clone)]
pub struct PersonPanel {
    /// Panels are shown in ascending order.
    pub order: u16,
    pub html: String,
}

/// A workflow's panel: `None` when it has nothing to show for this person
/// and user.
pub type PanelFn = fn(&PanelCtx<'_>) -> Result<Option<PersonPanel>, StoreError>;

/// Runs every panel for one person, in order.
pub fn person_panels(
    panels: &[PanelFn],
    ctx: &PanelCtx<'_>,
) -> Result<Vec<PersonPanel>, StoreError> {
    let mut out = Vec::new();
    for f in panels {
        if let Some(p) = f(ctx)? {
            out.push(p);
        }
    }
    out.sort_by_key(|p| p.order);
    Ok(out)
}
