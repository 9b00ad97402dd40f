//! Hearth's domain: the register's types, their validation and the rules that
//! govern them. No HTTP and no SQL live here; every type validates on
//! construction and explains a refusal in Chinese and English.
#![forbid(unsafe_code)]

pub mod dates;
pub mod error;
pub mod follow_up;
pub mod household;
pub mod id_number;
pub mod import;
pub mod name;
pub mod org;
pub mod person;
pub mod phone;
pub mod pinyin;
pub mod pregnancy;
pub mod registration;
pub mod scope;
pub mod srb;
pub mod user;

pub use error::{FieldError, Lang, Reason};
