//! The pregnancy workflow's JSON API: pregnancies to their outcome, births
//! and infant deaths with their verification, and their wire types in `dto`.

pub mod births;
pub mod dto;
pub mod pregnancies;
