//! `cargo xtask`: the repository's developer tasks (rust-analyzer's
//! convention), std only. `cargo xtask test [ARGS…]` makes sure what the
//! tests need is there (a PostgreSQL server, Chromium and chromedriver),
//! installing or starting it when it is not, runs `cargo test --workspace
//! [ARGS…]` and cleans up. Every step is one `xtask:` line on stderr; a
//! missing prerequisite that cannot be provided is an error, never a skip.

mod browser;
mod postgres;
mod sys;
mod tests;
mod wire;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask test [ARGS…]

  test    run `cargo test --workspace [ARGS…]` after making sure PostgreSQL
          (HEARTH_TEST_PG_URL, or a throwaway cluster started here and removed
          afterwards) and Chromium with chromedriver are there; installs
          Debian's packages with apt-get when they are missing. With -p in
          ARGS, only those packages are tested (no --workspace)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => tests::run(&args[1..]),
        Some(postgres::REAPER) => postgres::reap(&args[1..]).map(|()| ExitCode::SUCCESS),
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => {
            if let Some(task) = other {
                sys::say(&format!("unknown task `{task}`"));
            }
            eprintln!("{USAGE}");
            Ok(ExitCode::from(2))
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            sys::say(&format!("error: {e}"));
            ExitCode::FAILURE
        }
    }
}
