//! `cargo xtask test [ARGS…]`: provide PostgreSQL and Chromium (one apt-get
//! run for whatever is missing), start a throwaway cluster unless
//! `HEARTH_TEST_PG_URL` is set, run `cargo test --workspace [ARGS…]` (without
//! `--workspace` when ARGS pick packages with `-p`) with its output streamed, total the `test result:` lines of every test binary and
//! exit with cargo's status. The cluster is removed whether tests pass or not.

use crate::postgres::{self, Cluster, ENV, Source};
use crate::sys::{self, say};
use crate::{browser, wire};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus, Stdio};

pub fn run(args: &[String]) -> Result<ExitCode, String> {
    let root = workspace_root()?;
    let pg = postgres::source()?;

    // Everything missing goes into one apt-get run.
    let mut packages: Vec<&str> = Vec::new();
    let mut needs: Vec<&str> = Vec::new();
    if let Source::Throwaway(None) = pg {
        say(
            "PostgreSQL: initdb and pg_ctl are not installed (neither under /usr/lib/postgresql nor on PATH)",
        );
        packages.push("postgresql");
        needs.push("a throwaway PostgreSQL cluster");
    }
    let chromium = browser::check();
    if chromium {
        packages.extend(browser::PACKAGES);
        needs.push("the browser test");
    }
    if !packages.is_empty() {
        sys::apt_install(&packages, &needs.join(" and "))?;
    }
    if chromium {
        browser::verify()?;
    }

    let (url, mut cluster) = match pg {
        Source::Given(url) => (url, None),
        Source::Throwaway(bin) => {
            let bin = match bin {
                Some(bin) => bin,
                None => postgres::find_binaries()
                    .ok_or("installed postgresql but initdb and pg_ctl are still not there")?,
            };
            let c = Cluster::start(bin)?;
            (c.url(), Some(c))
        }
    };

    let result = cargo_test(&root, args, &url);
    // The normal way out; Drop covers every other one.
    if let Some(c) = cluster.as_mut() {
        if let Err(e) = c.stop() {
            say(&format!("PostgreSQL: cleanup failed: {e}"));
        } else {
            say("PostgreSQL: throwaway cluster stopped and removed");
        }
    }
    let (status, tally) = result?;
    say(&tally.line());
    Ok(exit_code(status))
}

fn workspace_root() -> Result<PathBuf, String> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| "cannot find the workspace root".into())
}

/// Runs the tests, copying their stdout through and counting as it goes.
fn cargo_test(root: &Path, args: &[String], url: &str) -> Result<(ExitStatus, Tally), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut words = vec!["cargo".to_string(), "test".into()];
    if !selects_packages(args) {
        words.push("--workspace".into());
    }
    words.extend(args.iter().cloned());
    say(&format!(
        "running {} with {ENV}={}",
        sys::shell_words(&words),
        wire::redact(url)
    ));
    let mut child = Command::new(&cargo)
        .current_dir(root)
        .args(&words[1..])
        .env(ENV, url)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", cargo.to_string_lossy()))?;
    let mut tally = Tally::default();
    if let Some(out) = child.stdout.take() {
        let mut reader = BufReader::new(out);
        let mut stdout = std::io::stdout();
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => {
                    // A closed stdout (e.g. `| head`) must not stop the tests.
                    let _ = stdout.write_all(&line).and_then(|()| stdout.flush());
                    tally.add(&String::from_utf8_lossy(&line));
                }
                Err(e) => {
                    say(&format!("reading cargo test's output failed: {e}"));
                    break;
                }
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for cargo test: {e}"))?;
    Ok((status, tally))
}

/// Whether cargo's own arguments (before `--`) already say which packages
/// to test: `--workspace` would override a `-p`, so it is added only when
/// they do not.
fn selects_packages(args: &[String]) -> bool {
    args.iter().take_while(|a| *a != "--").any(|a| {
        matches!(a.as_str(), "-p" | "--package" | "--workspace" | "--all")
            || a.starts_with("--package=")
            || (a.starts_with("-p") && !a.starts_with("--"))
    })
}

fn exit_code(status: ExitStatus) -> ExitCode {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => ExitCode::from(u8::try_from(c).unwrap_or(1)),
        (None, Some(sig)) => ExitCode::from(u8::try_from(128 + sig).unwrap_or(1)),
        (None, None) => ExitCode::FAILURE,
    }
}

/// The sum of the `test result:` lines.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    binaries: u64,
    passed: u64,
    failed: u64,
    ignored: u64,
}

impl Tally {
    /// Counts `test result: ok. 3 passed; 0 failed; 1 ignored; …`.
    fn add(&mut self, line: &str) {
        let Some(rest) = line.trim().strip_prefix("test result:") else {
            return;
        };
        let Some((_, counts)) = rest.split_once(". ") else {
            return;
        };
        self.binaries += 1;
        for part in counts.split(';') {
            let mut words = part.split_whitespace();
            if let (Some(Ok(n)), Some(what)) = (words.next().map(str::parse::<u64>), words.next()) {
                match what {
                    "passed" => self.passed += n,
                    "failed" => self.failed += n,
                    "ignored" => self.ignored += n,
                    _ => {}
                }
            }
        }
    }

    fn line(&self) -> String {
        format!(
            "total over {} test binaries: {} passed, {} failed, {} ignored",
            self.binaries, self.passed, self.failed, self.ignored
        )
    }
}

#[cfg(test)]
mod unit {
    use super::{Tally, selects_packages};

    #[test]
    fn adds_workspace_only_when_no_package_is_chosen() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        assert!(!selects_packages(&args(&[])));
        assert!(!selects_packages(&args(&["--", "-p", "store::"])));
        assert!(!selects_packages(&args(&[
            "--no-fail-fast",
            "--",
            "--package"
        ])));
        assert!(selects_packages(&args(&["-p", "hearth", "--test", "it"])));
        assert!(selects_packages(&args(&["-phearth"])));
        assert!(selects_packages(&args(&["--package=hearth-core"])));
    }

    #[test]
    fn sums_every_result_line() {
        let mut t = Tally::default();
        for line in [
            "running 3 tests",
            "test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s\n",
            "test it::x ... ok",
            "test result: FAILED. 10 passed; 2 failed; 0 ignored; 0 measured; 5 filtered out; finished in 1.50s",
            "test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
        ] {
            t.add(line);
        }
        assert_eq!(
            t,
            Tally {
                binaries: 3,
                passed: 13,
                failed: 2,
                ignored: 1
            }
        );
        assert_eq!(
            t.line(),
            "total over 3 test binaries: 13 passed, 2 failed, 1 ignored"
        );
    }
}
