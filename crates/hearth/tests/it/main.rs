//! Hearth's integration tests: the real store, CLI and server against a
//! fresh database per test, on SQLite and on PostgreSQL. PostgreSQL tests
//! fail (never skip) when the server at HEARTH_TEST_PG_URL (default
//! postgres://postgres@127.0.0.1:5432/postgres) is unreachable.

#![allow(clippy::unwrap_used, clippy::expect_used)]

// The helpers come first: `both!` is defined there.
#[macro_use]
pub mod kit;

mod admin;
mod auth;
mod browser;
mod cli;
mod enforcement;
mod follow_up;
mod layout;
mod pages;
mod pregnancy;
mod register;
mod stats;
mod web;

pub use kit::*;
