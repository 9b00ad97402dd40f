//! Statistics (sex ratio at birth, timeliness, reconciliation, monthly report) and the enforcement register: its store, API and screen tests, each on both backends.

mod screens;
mod store;
