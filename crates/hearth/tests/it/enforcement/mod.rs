//! The enforcement case register (两非案件登记簿): its store and screen
//! tests, each on both backends.

mod screens;
mod store;
