//! Access scope: who is acting, in which role, over which org subtree. The
//! store requires a `&Scope` for every read and write of personal data.

use crate::user::Role;

/// Something a role may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read named personal records (the register).
    ReadRegister,
    /// Create and change register records.
    WriteRegister,
    /// Read aggregate statistics.
    ReadStatistics,
    /// Read the audit trail.
    ReadAudit,
    /// Manage users and org units.
    Administer,
    /// Record follow-up visits (随访) and raise needs.
    RecordVisit,
}

/// The acting user, their role and the org subtree they may touch. An empty
/// `org_prefix` covers everything (administrator, system tasks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub user_id: Option<String>,
    pub username: String,
    pub role: Role,
    pub org_prefix: String,
    /// A supervisor granted named access may read the register.
    pub named_access: bool,
    /// Where the request came from (an address, or `cli`).
    pub origin: String,
}

impl Scope {
    /// The scope of a signed-in user.
    pub fn for_user(
        user_id: &str,
        username: &str,
        role: Role,
        org_code: &str,
        named_access: bool,
        origin: &str,
    ) -> Scope {
        Scope {
            user_id: Some(user_id.to_string()),
            username: username.to_string(),
            role,
            org_prefix: if role == Role::Admin {
                String::new()
            } else {
                org_code.to_string()
            },
            named_access,
            origin: origin.to_string(),
        }
    }

    /// The whole-system scope of a command-line task run by the operator.
    pub fn system(origin: &str) -> Scope {
        Scope {
            user_id: None,
            username: "system".into(),
            role: Role::Admin,
            org_prefix: String::new(),
            named_access: true,
            origin: origin.to_string(),
        }
    }

    pub fn can(&self, p: Permission) -> bool {
        use Permission::*;
        match self.role {
            Role::Admin => true,
            Role::TownStaff | Role::VillageSpecialist => {
                matches!(
                    p,
                    ReadRegister | WriteRegister | ReadStatistics | RecordVisit
                )
            }
            Role::FollowUpWorker => matches!(p, ReadRegister | RecordVisit),
            Role::Clinician => matches!(p, ReadRegister),
            Role::Supervisor => {
                matches!(p, ReadStatistics) || (p == ReadRegister && self.named_access)
            }
            Role::Auditor => matches!(p, ReadAudit),
        }
    }

    /// True when an org code lies inside this scope's subtree.
    pub fn covers(&self, org_code: &str) -> bool {
        org_code.starts_with(&self.org_prefix)
    }

    /// The half-open range `[lo, hi)` of codes in the subtree, for an
    /// index-friendly `code >= lo AND code < hi` filter. Codes are digits, so
    /// `:` (the character after `9`) closes the range.
    pub fn code_range(&self) -> (String, String) {
        (self.org_prefix.clone(), format!("{}:", self.org_prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn village_scope() {
        let s = Scope::for_user(
            "u",
            "v01",
            Role::VillageSpecialist,
            "370404100201",
            false,
            "t",
        );
        assert!(s.covers("370404100201"));
        assert!(!s.covers("370404100202"));
        assert!(s.can(Permission::WriteRegister));
        assert!(!s.can(Permission::ReadAudit));
        let (lo, hi) = s.code_range();
        assert!("370404100201" >= lo.as_str() && "370404100201" < hi.as_str());
        assert!("370404100202" >= hi.as_str());
    }

    #[test]
    fn supervisor_needs_grant() {
        let s = Scope::for_user("u", "s", Role::Supervisor, "370404", false, "t");
        assert!(!s.can(Permission::ReadRegister));
        let s = Scope::for_user("u", "s", Role::Supervisor, "370404", true, "t");
        assert!(s.can(Permission::ReadRegister));
        let a = Scope::for_user("u", "a", Role::Admin, "370404", false, "t");
        assert!(a.covers("110105000000"));
    }
}
