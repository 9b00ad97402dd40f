//! The layout's rules, checked on the source tree: no source file over the
//! size a person can hold in their head, every module opening with a `//!`
//! line, and no workflow importing another workflow (they meet through the
//! kit and the seams in `lib.rs`).

use std::path::{Path, PathBuf};

/// The workflows of the web crate; each imports only the shell and the kit.
const WORKFLOWS: &[&str] = &[
    "register",
    "pregnancy",
    "follow_up",
    "stats",
    "enforcement",
    "admin",
];

/// No source file is longer than this many lines.
const MAX_LINES: usize = 800;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn all_sources() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for d in ["crates", "xtask"] {
        let p = root().join(d);
        if p.is_dir() {
            rust_files(&p, &mut out);
        }
    }
    out
}

#[test]
fn no_source_file_is_too_long() {
    let long: Vec<String> = all_sources()
        .into_iter()
        .filter_map(|p| {
            let n = std::fs::read_to_string(&p).unwrap().lines().count();
            (n > MAX_LINES).then(|| format!("{} ({n} lines)", p.display()))
        })
        .collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:#?}");
}

#[test]
fn every_module_says_what_it_owns() {
    let bare: Vec<String> = all_sources()
        .into_iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            !text.trim_start().starts_with("//!")
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(bare.is_empty(), "modules without a //! line: {bare:#?}");
}

#[test]
fn workflows_meet_only_through_the_kit() {
    let web = root().join("crates/web/src");
    let mut crossings = Vec::new();
    for wf in WORKFLOWS {
        let mut files = Vec::new();
        rust_files(&web.join(wf), &mut files);
        assert!(!files.is_empty(), "no folder for workflow {wf}");
        for p in files {
            let text = std::fs::read_to_string(&p).unwrap();
            for other in WORKFLOWS.iter().filter(|o| *o != wf) {
                if text.contains(&format!("crate::{other}::"))
                    || text.contains(&format!("crate::{other};"))
                {
                    crossings.push(format!("{} uses crate::{other}", p.display()));
                }
            }
        }
    }
    assert!(
        crossings.is_empty(),
        "workflows importing workflows: {crossings:#?}"
    );
}

#[test]
fn each_workflow_has_its_folder_in_every_layer() {
    let r = root();
    for wf in WORKFLOWS {
        for dir in [
            format!("crates/web/src/{wf}"),
            format!("crates/web/templates/{wf}"),
            format!("crates/hearth/tests/it/{wf}"),
        ] {
            assert!(r.join(&dir).is_dir(), "{dir} is missing");
        }
        for lang in ["zh-CN", "en"] {
            let f = format!("crates/web/i18n/{wf}.{lang}.json");
            assert!(r.join(&f).is_file(), "{f} is missing");
        }
    }
}
