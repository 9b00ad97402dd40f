//! What the browser test (crates/hearth/tests/it/browser.rs) needs: it
//! spawns `chromedriver` from PATH and has it drive `/usr/bin/chromium`
//! headless. Debian's `chromium` and `chromium-driver` provide both, and
//! `fonts-noto-cjk` lets the Chinese pages render.

use crate::sys::{self, say};
use std::path::Path;

/// The browser binary browser.rs hands chromedriver.
const CHROMIUM: &str = "/usr/bin/chromium";
pub const PACKAGES: [&str; 3] = ["chromium", "chromium-driver", "fonts-noto-cjk"];

/// What is missing, for the `xtask:` line; empty when both are there.
pub fn missing() -> Vec<&'static str> {
    let mut missing = Vec::new();
    if !sys::is_executable(Path::new(CHROMIUM)) {
        missing.push(CHROMIUM);
    }
    if sys::which("chromedriver").is_none() {
        missing.push("chromedriver on PATH");
    }
    missing
}

/// Says whether Chromium is there; `true` when it must be installed.
pub fn check() -> bool {
    let missing = missing();
    if missing.is_empty() {
        say(&format!("Chromium: {CHROMIUM} and chromedriver are there"));
        false
    } else {
        let verb = if missing.len() == 1 { "is" } else { "are" };
        say(&format!(
            "Chromium: the browser test needs {}, which {verb} missing",
            missing.join(" and ")
        ));
        true
    }
}

/// After installing: both must now be there.
pub fn verify() -> Result<(), String> {
    let missing = missing();
    if missing.is_empty() {
        say(&format!("Chromium: {CHROMIUM} and chromedriver installed"));
        Ok(())
    } else {
        Err(format!(
            "installed {} but {} is still missing",
            PACKAGES.join(" "),
            missing.join(" and ")
        ))
    }
}
