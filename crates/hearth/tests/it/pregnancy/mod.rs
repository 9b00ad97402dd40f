//! Pregnancies to their outcome, births and infant deaths, and the demo's history: its store, API and screen tests, each on both backends.

mod api;
mod demo;
mod screens;
mod store;
