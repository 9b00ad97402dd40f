//! Statistics (sex ratio at birth, timeliness and the incentive ledger,
//! reconciliation, the annual review, the monthly report and the incentive
//! settings): store and screen tests, each on both backends, over the
//! fixtures of `seed`.

mod screens;
mod seed;
mod store;
