//! The UI message catalogues (zh-CN default, en second), embedded in the
//! binary, and the per-request translator pages render with.

use hearth_core::Lang;
use std::collections::HashMap;
use std::sync::OnceLock;

type Catalogue = HashMap<String, String>;

/// Merges catalogue files (one per area of the UI) into one map.
fn load(files: &[&str]) -> Catalogue {
    let mut out = Catalogue::new();
    for json in files {
        let part: Catalogue = serde_json::from_str(json).unwrap_or_default();
        out.extend(part);
    }
    out
}

/// The catalogue files of one language: `i18n/common.<lang>.json` and one
/// `i18n/<workflow>.<lang>.json` per workflow. A new workflow adds its name
/// here.
macro_rules! files_of {
    ($lang:literal) => {
        [
            include_str!(concat!("../i18n/common.", $lang, ".json")),
            include_str!(concat!("../i18n/register.", $lang, ".json")),
            include_str!(concat!("../i18n/admin.", $lang, ".json")),
            include_str!(concat!("../i18n/pregnancy.", $lang, ".json")),
            include_str!(concat!("../i18n/stats.", $lang, ".json")),
            include_str!(concat!("../i18n/enforcement.", $lang, ".json")),
            include_str!(concat!("../i18n/follow_up.", $lang, ".json")),
        ]
    };
}

fn catalogues() -> &'static (Catalogue, Catalogue) {
    static CATS: OnceLock<(Catalogue, Catalogue)> = OnceLock::new();
    CATS.get_or_init(|| (load(&files_of!("zh-CN")), load(&files_of!("en"))))
}

/// Looks up `key` in the catalogue of `lang`, falling back to Chinese and
/// then to the key itself (so a missing entry is visible, never a panic).
pub fn t(lang: Lang, key: &str) -> &str {
    let (zh, en) = catalogues();
    let primary = match lang {
        Lang::Zh => zh,
        Lang::En => en,
    };
    primary
        .get(key)
        .or_else(|| zh.get(key))
        .map_or(key, String::as_str)
}

/// A translator bound to one request's language, handed to templates.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        t(self.lang, key)
    }

    /// The `lang` attribute of the page.
    pub fn tag(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let (zh, en) = catalogues();
        assert!(!zh.is_empty());
        let mut a: Vec<_> = zh.keys().collect();
        let mut b: Vec<_> = en.keys().collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }

    #[test]
    fn falls_back() {
        assert_eq!(t(Lang::En, "sign_in.title"), "Sign in");
        assert_eq!(t(Lang::Zh, "sign_in.title"), "登录");
        assert_eq!(t(Lang::En, "no.such.key"), "no.such.key");
    }
}
