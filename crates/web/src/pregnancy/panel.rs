//! The pregnancy workflow's panel on a woman's person page: her
//! pregnancies (newest first) and, for a user who writes the register
//! while none is open, "report a pregnancy". Read in a read transaction
//! without an audit entry of its own: the person page is one view,
//! audited once by the register.

use crate::i18n::Tr;
use crate::kit::panel::{PanelCtx, PersonPanel, rendered};
use crate::kit::params::tx;
use askama::Template;
use hearth_core::dates::today;
use hearth_core::person::Sex;
use hearth_core::scope::Permission;
use hearth_store::StoreError;

/// Where the panel shows among the person page's panels.
const ORDER: u16 = 10;

/// One of her pregnancies on the page.
pub(crate) struct PregLineV {
    id: String,
    lmp: String,
    edd: String,
    outcome: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "pregnancy/person_panel.html")]
struct PregnancyPanel {
    tr: Tr,
    person_id: String,
    /// A woman with no open pregnancy: the page offers to report one.
    may_report: bool,
    pregnancies: Vec<PregLineV>,
}

/// The panel for a woman; nothing for a man.
pub fn person_panel(c: &PanelCtx<'_>) -> Result<Option<PersonPanel>, StoreError> {
    if c.person.sex != Sex::Female {
        return Ok(None);
    }
    let list =
        hearth_store::pregnancy::of_woman_for_person_page(c.db, c.scope, &c.person.id, today())?;
    let view = PregnancyPanel {
        tr: Tr { lang: c.lang },
        person_id: c.person.id.clone(),
        may_report: c.scope.can(Permission::WriteRegister)
            && list.iter().all(|g| g.outcome.is_some()),
        pregnancies: list
            .into_iter()
            .map(|g| PregLineV {
                outcome: match &g.outcome {
                    Some(o) => tx(c.lang, &format!("maternal.outcome.{}", o.code())),
                    None => tx(c.lang, "maternal.preg.open"),
                },
                overdue: g.overdue,
                id: g.id,
                lmp: g.lmp,
                edd: g.edd,
            })
            .collect(),
    };
    rendered(ORDER, &view)
}
