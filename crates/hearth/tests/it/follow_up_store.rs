//! Follow-up store tests: schedule rules at their boundaries, zones and
//! assignments, visits and their covered contacts, scope, work lists and
//! coverage, on both backends.
