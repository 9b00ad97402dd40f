//! The register (households, persons, couples, birth registrations, search, import): its store, API and screen tests, each on both backends.

mod api;
mod import;
mod screens;
mod search;
mod store;
