//! The kit: the one home of what two or more workflows' pages and API
//! handlers share. A workflow folder imports the kit, the shell (`session`,
//! `error`, `i18n`, `xlsx`, `api::{extract, error}`), core and store —
//! never another workflow.
//!
//! - `page`: rendering, the one error page, `PageResult`, `me.run(…)`.
//! - `form`: field errors, select options, conflict rows, hidden fields.
//! - `params`: query parameters (years, months, periods), words, query
//!   strings, percentages.
//! - `org`: the caller's org units, the report unit, org/village selects.
//! - `labels`: core enums in the page's language.
//! - `panel`: the person page's seam.
//! - `api`: the JSON handlers' shared pieces (`Page<T>`, ETags, paging,
//!   client ids and retries).

pub mod api;
pub mod api_org;
pub mod form;
pub mod labels;
pub mod org;
pub mod page;
pub mod panel;
pub mod params;
pub mod run;
