//! Progress reporting for long work: an indicatif bar on a terminal, plain
//! lines (one every 10 %, or every 100,000 items) otherwise.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct Progress {
    bar: Option<ProgressBar>,
    total: u64,
    label: &'static str,
    last_line: AtomicU64,
}

impl Progress {
    /// `total` 0 means unknown (a spinner with a count).
    pub fn new(total: u64, label: &'static str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = if total > 0 {
                ProgressBar::new(total)
            } else {
                ProgressBar::new_spinner()
            };
            let style = if total > 0 {
                ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
            } else {
                ProgressStyle::with_template("{msg} {spinner} {pos} ({per_sec})")
            };
            if let Ok(s) = style {
                b.set_style(s.progress_chars("=> "));
            }
            b.set_message(label);
            b
        });
        Progress {
            bar,
            total,
            label,
            last_line: AtomicU64::new(0),
        }
    }

    pub fn set(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.set_position(n);
            return;
        }
        let step = if self.total > 0 {
            (self.total / 10).max(1)
        } else {
            100_000
        };
        let last = self.last_line.load(Ordering::Relaxed);
        if n >= last + step {
            self.last_line.store(n, Ordering::Relaxed);
            if self.total > 0 {
                eprintln!("{}: {n}/{}", self.label, self.total);
            } else {
                eprintln!("{}: {n}", self.label);
            }
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
