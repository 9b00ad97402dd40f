//! The follow-up service (zones, schedules, visits, needs, coverage): its store, API and screen tests, each on both backends.

mod api;
mod demo;
mod screens;
mod store;
