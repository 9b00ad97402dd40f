//! The register (households, persons, couples, birth registrations, search, import): its store, API and screen tests, each on both backends.

mod api;
mod import;
mod screens;
mod screens_household;
mod search;
mod store;
