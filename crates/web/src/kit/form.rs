//! Form plumbing every workflow's screens share: field errors beside
//! their fields, select options, the conflict view's rows, and reading
//! hidden fields and path segments (versions, client ids, record ids, page
//! numbers) without ever failing on odd input.

use crate::error::WebError;
use crate::i18n::t;
use hearth_core::{FieldError, Lang};

/// The field errors of one form: each message beside its field, and those
/// naming no field of the form at the top.
#[derive(Debug, Clone, Default)]
pub(crate) struct Errors {
    fields: Vec<(String, String)>,
    pub general: Vec<String>,
}

impl Errors {
    /// Sorts store/core field errors onto the form's fields. `rename` maps
    /// a store field name to the form's (`household_id` → `household_number`).
    pub fn from_fields(
        errs: &[FieldError],
        lang: Lang,
        known: &[&str],
        rename: &[(&str, &str)],
    ) -> Errors {
        let mut out = Errors::default();
        for e in errs {
            let name = rename
                .iter()
                .find(|(from, _)| *from == e.field)
                .map_or(e.field.as_str(), |(_, to)| *to);
            if known.contains(&name) {
                out.add(name, e.message(lang));
            } else {
                out.general.push(format!(
                    "{}{}{}",
                    e.field,
                    t(lang, "kit.colon"),
                    e.message(lang)
                ));
            }
        }
        out
    }

    /// Adds a message to a field (the first message of a field wins).
    pub fn add(&mut self, field: &str, message: String) {
        if self.get(field).is_none() {
            self.fields.push((field.to_string(), message));
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.general.is_empty()
    }
}

/// One `<option>` of a select.
#[derive(Debug, Clone)]
pub(crate) struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Options from `(value, label)` pairs, one selected when it equals
/// `current`; a leading blank option when `blank` is given.
pub(crate) fn options(
    current: &str,
    blank: Option<String>,
    items: impl IntoIterator<Item = (String, String)>,
) -> Vec<Opt> {
    let mut out: Vec<Opt> = blank
        .map(|label| Opt {
            value: String::new(),
            label,
            selected: current.is_empty(),
        })
        .into_iter()
        .collect();
    out.extend(items.into_iter().map(|(value, label)| Opt {
        selected: value == current,
        value,
        label,
    }));
    out
}

/// A value as typed in a form and as stored now, for the conflict view.
#[derive(Debug, Clone)]
pub(crate) struct DiffRow {
    pub label: String,
    pub theirs: String,
    pub yours: String,
    pub differs: bool,
}

impl DiffRow {
    pub fn new(label: String, theirs: String, yours: String) -> DiffRow {
        DiffRow {
            differs: theirs.trim() != yours.trim(),
            label,
            theirs,
            yours,
        }
    }
}

/// A page number from a query value: 1 when absent or not a number.
pub(crate) fn page_number(s: Option<&str>) -> i64 {
    s.and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .map_or(1, |p| p.min(10_000))
}

/// A version from a hidden field; an unreadable one counts as 0, which the
/// store answers as a conflict showing the record as it is now.
pub(crate) fn version_of(s: &str) -> i64 {
    s.trim().parse().unwrap_or(0)
}

/// A client-chosen record id from a hidden field, if it is a UUID.
pub(crate) fn client_id(s: &str) -> Option<String> {
    uuid::Uuid::parse_str(s.trim())
        .ok()
        .map(|u| u.hyphenated().to_string())
}

/// A record id from a path, accepted only in the shape ids have, so an odd
/// path is simply not found.
pub(crate) fn path_id(s: &str) -> Result<&str, WebError> {
    if !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(s)
    } else {
        Err(WebError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_versions() {
        assert_eq!(page_number(None), 1);
        assert_eq!(page_number(Some("x")), 1);
        assert_eq!(page_number(Some("-3")), 1);
        assert_eq!(page_number(Some("4")), 4);
        assert_eq!(version_of("7"), 7);
        assert_eq!(version_of("seven"), 0);
        assert!(path_id("0190a0b1-aaaa-7bbb-8ccc-0123456789ab").is_ok());
        assert!(path_id("../etc").is_err());
    }

    #[test]
    fn errors_sort_onto_fields() {
        let errs = [
            FieldError::new("phone", hearth_core::Reason::BadPhone),
            FieldError::new("household_id", hearth_core::Reason::Duplicate),
            FieldError::new("id", hearth_core::Reason::Duplicate),
        ];
        let e = Errors::from_fields(
            &errs,
            Lang::En,
            &["phone", "household_number"],
            &[("household_id", "household_number")],
        );
        assert!(e.has("phone") && e.has("household_number"));
        assert_eq!(e.general.len(), 1);
    }
}
