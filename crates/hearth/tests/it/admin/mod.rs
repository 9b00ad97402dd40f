//! Administration screens (audit trail, users, import page): its store, API and screen tests, each on both backends.

mod import;
mod screens;
