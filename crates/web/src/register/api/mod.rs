//! The register's JSON API: org units, households, persons, couples and
//! birth registrations, with their wire types in `dto`.

pub mod couples;
pub mod dto;
pub mod households;
pub mod orgs;
pub mod persons;
pub mod registrations;
