//! Users and roles (用户与角色), and argon2id password hashing.

use crate::error::Reason;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::Serialize;

/// What a user is, which fixes what they may do (see [`crate::scope`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员.
    Admin,
    /// 镇计生办工作人员.
    TownStaff,
    /// 村计生专干.
    VillageSpecialist,
    /// 随访员.
    FollowUpWorker,
    /// 医务人员.
    Clinician,
    /// 区县督导.
    Supervisor,
    /// 审计员.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::TownStaff,
        Role::VillageSpecialist,
        Role::FollowUpWorker,
        Role::Clinician,
        Role::Supervisor,
        Role::Auditor,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::TownStaff => "town_staff",
            Role::VillageSpecialist => "village_specialist",
            Role::FollowUpWorker => "follow_up_worker",
            Role::Clinician => "clinician",
            Role::Supervisor => "supervisor",
            Role::Auditor => "auditor",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::TownStaff => "镇计生办工作人员",
            Role::VillageSpecialist => "村计生专干",
            Role::FollowUpWorker => "随访员",
            Role::Clinician => "医务人员",
            Role::Supervisor => "区县督导",
            Role::Auditor => "审计员",
        }
    }

    pub fn parse(s: &str) -> Result<Role, Reason> {
        let t = s.trim();
        Role::ALL
            .into_iter()
            .find(|r| r.code() == t || r.label_zh() == t)
            .ok_or(Reason::UnknownValue {
                allowed: "admin/town_staff/village_specialist/follow_up_worker/clinician/supervisor/auditor",
            })
    }
}

/// A user account (without its password hash).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_code: String,
    pub disabled: bool,
    /// A supervisor may read named records only when granted.
    pub named_access: bool,
    pub version: i64,
}

/// Checks a user name: 2–32 lower-case ASCII letters, digits, `_`, `-` or `.`.
pub fn parse_username(s: &str) -> Result<String, Reason> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Reason::Required);
    }
    if t.len() < 2 || t.len() > 32 {
        return Err(Reason::OutOfRange { min: 2, max: 32 });
    }
    if !t
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.'))
    {
        return Err(Reason::BadCharacter);
    }
    Ok(t.to_string())
}

/// Checks a new password: at least 8 characters.
pub fn check_password_strength(p: &str) -> Result<(), Reason> {
    if p.chars().count() < 8 {
        return Err(Reason::OutOfRange { min: 8, max: 128 });
    }
    if p.chars().count() > 128 {
        return Err(Reason::TooLong { max: 128 });
    }
    Ok(())
}

/// Hashes a password with argon2id (PHC string, random salt).
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt_bytes = [0u8; 16];
    for b in &mut salt_bytes {
        *b = fastrand::u8(..);
    }
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Verifies a password against a stored PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_and_verifies() {
        let h = hash_password("hearth-demo").unwrap_or_default();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("hearth-demo", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn roles_and_names() {
        assert_eq!(
            Role::parse("village_specialist"),
            Ok(Role::VillageSpecialist)
        );
        assert_eq!(Role::parse("审计员"), Ok(Role::Auditor));
        assert!(Role::parse("boss").is_err());
        assert_eq!(parse_username("v01"), Ok("v01".into()));
        assert!(parse_username("V 01").is_err());
    }
}
