//! The follow-up workflow's panel on a woman's person page, for the users
//! who visit or manage zones: her zone and responsible worker, "record a
//! visit" (a follow-up worker only for the women assigned to her) and,
//! for a user who writes the register, "move to another zone". Read
//! without an audit entry of its own: the person page is one view,
//! audited once by the register.

use super::is_worker;
use crate::i18n::Tr;
use crate::kit::panel::{PanelCtx, PersonPanel, rendered};
use askama::Template;
use hearth_core::person::Sex;
use hearth_core::scope::Permission;
use hearth_store::StoreError;

/// Where the panel shows among the person page's panels.
const ORDER: u16 = 20;

#[derive(Template)]
#[template(path = "follow_up/person_panel.html")]
struct FollowUpPanel {
    tr: Tr,
    person_id: String,
    zone: String,
    worker: String,
    may_visit: bool,
    may_move: bool,
}

/// The panel for a woman, shown to users who record visits or write the
/// register; nothing otherwise.
pub fn person_panel(c: &PanelCtx<'_>) -> Result<Option<PersonPanel>, StoreError> {
    let can_visit = c.scope.can(Permission::RecordVisit);
    let can_write = c.scope.can(Permission::WriteRegister);
    if c.person.sex != Sex::Female || !(can_visit || can_write) {
        return Ok(None);
    }
    let a = hearth_store::follow_up::assignment_of(c.db, c.scope, &c.person.id)?;
    // A follow-up worker visits only the women assigned to her.
    let mine = !is_worker(c.scope) || a.as_ref().is_some_and(|a| a.worker_id == c.user_id);
    let view = FollowUpPanel {
        tr: Tr { lang: c.lang },
        person_id: c.person.id.clone(),
        may_visit: can_visit && mine,
        may_move: can_write,
        zone: a.as_ref().map(|a| a.zone_name.clone()).unwrap_or_default(),
        worker: a.map(|a| a.worker_name).unwrap_or_default(),
    };
    rendered(ORDER, &view)
}
