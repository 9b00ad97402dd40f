//! Labels of the core enums in the page's language (sex, marital status,
//! relation to the household head, registration status), for every
//! workflow that shows them.

use crate::kit::form::Opt;
use crate::kit::params::tx;
use hearth_core::Lang;

pub(crate) fn sex_label(lang: Lang, s: hearth_core::person::Sex) -> String {
    tx(
        lang,
        match s {
            hearth_core::person::Sex::Male => "screens.sex.male",
            hearth_core::person::Sex::Female => "screens.sex.female",
        },
    )
}

pub(crate) fn marital_label(lang: Lang, m: hearth_core::person::MaritalStatus) -> String {
    tx(lang, &format!("screens.marital.{}", m.code()))
}

pub(crate) fn relation_label(lang: Lang, r: hearth_core::person::Relation) -> String {
    tx(lang, &format!("screens.relation.{}", r.code()))
}

pub(crate) fn registration_status_label(
    lang: Lang,
    s: hearth_core::registration::RegistrationStatus,
) -> String {
    tx(lang, &format!("screens.reg.status.{}", s.code()))
}

/// The relation select, with a blank first option.
pub(crate) fn relation_options(lang: Lang, current: &str) -> Vec<Opt> {
    crate::kit::form::options(
        current,
        Some(tx(lang, "screens.choose")),
        hearth_core::person::Relation::ALL
            .iter()
            .map(|r| (r.code().to_string(), relation_label(lang, *r))),
    )
}
