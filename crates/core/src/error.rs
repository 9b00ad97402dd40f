//! Validation failures: a field, a machine-readable reason and its message in
//! each UI language (the message catalogue for validation lives here).

use std::fmt;

/// A UI language. Simplified Chinese is the default; English is second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Parses a language tag such as `zh-CN` or `en`; anything else is Chinese.
    pub fn from_tag(tag: &str) -> Self {
        if tag.trim().to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }
}

/// Why a value was refused. Each reason has a stable code and a message per
/// language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    Required,
    TooLong {
        max: usize,
    },
    BadLength {
        expected: &'static str,
    },
    BadCharacter,
    BadChecksum,
    BadDate,
    FutureDate,
    BadPhone,
    BadName,
    BadOrgCode,
    WrongOrgLevel {
        expected: &'static str,
    },
    OrgParentMismatch,
    UnknownOrg,
    OutOfScope,
    UnknownValue {
        allowed: &'static str,
    },
    SexMismatch,
    BirthDateMismatch,
    Duplicate,
    BadTransition,
    NotANumber,
    OutOfRange {
        min: i64,
        max: i64,
    },
    /// A pregnancy reported for someone who is not a woman.
    NotFemale,
    /// The woman already has an open pregnancy.
    AlreadyPregnant,
    /// The last menstrual period lies more than 45 weeks before the report.
    LmpTooOld,
    /// A date earlier than the date it must follow (`zh`/`en` name that date).
    NotBefore {
        zh: &'static str,
        en: &'static str,
    },
    /// A date later than the latest it may be (`zh`/`en` name that date).
    NotAfter {
        zh: &'static str,
        en: &'static str,
    },
    /// The second verification was attempted by the user who did the first.
    SameVerifier,
    /// Verification steps out of order or by the wrong role.
    VerificationOrder,
    /// An infant death more than one year after the birth.
    NotAnInfant,
    /// The caller lacks the grant this register needs.
    NotGranted,
}

impl Reason {
    /// A stable machine-readable code (used in JSON errors and import reports).
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Required => "required",
            Reason::TooLong { .. } => "too_long",
            Reason::BadLength { .. } => "bad_length",
            Reason::BadCharacter => "bad_character",
            Reason::BadChecksum => "bad_checksum",
            Reason::BadDate => "bad_date",
            Reason::FutureDate => "future_date",
            Reason::BadPhone => "bad_phone",
            Reason::BadName => "bad_name",
            Reason::BadOrgCode => "bad_org_code",
            Reason::WrongOrgLevel { .. } => "wrong_org_level",
            Reason::OrgParentMismatch => "org_parent_mismatch",
            Reason::UnknownOrg => "unknown_org",
            Reason::OutOfScope => "out_of_scope",
            Reason::UnknownValue { .. } => "unknown_value",
            Reason::SexMismatch => "sex_mismatch",
            Reason::BirthDateMismatch => "birth_date_mismatch",
            Reason::Duplicate => "duplicate",
            Reason::BadTransition => "bad_transition",
            Reason::NotANumber => "not_a_number",
            Reason::OutOfRange { .. } => "out_of_range",
            Reason::NotFemale => "not_female",
            Reason::AlreadyPregnant => "already_pregnant",
            Reason::LmpTooOld => "lmp_too_old",
            Reason::NotBefore { .. } => "before_allowed_date",
            Reason::NotAfter { .. } => "after_allowed_date",
            Reason::SameVerifier => "same_verifier",
            Reason::VerificationOrder => "verification_order",
            Reason::NotAnInfant => "not_an_infant",
            Reason::NotGranted => "not_granted",
        }
    }

    /// The message a user reads, in their language.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Reason::Required, Lang::Zh) => "必填".into(),
            (Reason::Required, Lang::En) => "is required".into(),
            (Reason::TooLong { max }, Lang::Zh) => format!("不能超过 {max} 个字符"),
            (Reason::TooLong { max }, Lang::En) => format!("must be at most {max} characters"),
            (Reason::BadLength { expected }, Lang::Zh) => format!("长度不对，应为 {expected} 位"),
            (Reason::BadLength { expected }, Lang::En) => {
                format!("has the wrong length: {expected} characters expected")
            }
            (Reason::BadCharacter, Lang::Zh) => "含有不允许的字符".into(),
            (Reason::BadCharacter, Lang::En) => "contains a character that is not allowed".into(),
            (Reason::BadChecksum, Lang::Zh) => "校验码错误，请核对号码".into(),
            (Reason::BadChecksum, Lang::En) => {
                "fails its check character; please check the number".into()
            }
            (Reason::BadDate, Lang::Zh) => "日期无效，应为 YYYY-MM-DD 格式的真实日期".into(),
            (Reason::BadDate, Lang::En) => "is not a real date in YYYY-MM-DD form".into(),
            (Reason::FutureDate, Lang::Zh) => "日期不能晚于今天".into(),
            (Reason::FutureDate, Lang::En) => "cannot be in the future".into(),
            (Reason::BadPhone, Lang::Zh) => "不是有效的大陆手机号（11 位，以 1 开头）".into(),
            (Reason::BadPhone, Lang::En) => {
                "is not a valid mainland mobile number (11 digits starting with 1)".into()
            }
            (Reason::BadName, Lang::Zh) => {
                "姓名应为 1–20 个汉字，少数民族姓名可用间隔号“·”".into()
            }
            (Reason::BadName, Lang::En) => {
                "must be 1–20 Chinese characters; a middle dot (·) may separate parts of a minority name".into()
            }
            (Reason::BadOrgCode, Lang::Zh) => {
                "区划代码应为 6 位（县区）、9 位（乡镇）或 12 位（村居）数字".into()
            }
            (Reason::BadOrgCode, Lang::En) => {
                "must be a 6-digit county, 9-digit town or 12-digit village code".into()
            }
            (Reason::WrongOrgLevel { expected }, Lang::Zh) => format!("应为{expected}代码"),
            (Reason::WrongOrgLevel { expected }, Lang::En) => format!("must be a {expected} code"),
            (Reason::OrgParentMismatch, Lang::Zh) => "与上级区划代码不一致".into(),
            (Reason::OrgParentMismatch, Lang::En) => "does not belong to its parent unit".into(),
            (Reason::UnknownOrg, Lang::Zh) => "系统中没有这个区划".into(),
            (Reason::UnknownOrg, Lang::En) => "is not an org unit in the system".into(),
            (Reason::OutOfScope, Lang::Zh) => "不在您的管辖范围内".into(),
            (Reason::OutOfScope, Lang::En) => "is outside your area".into(),
            (Reason::UnknownValue { allowed }, Lang::Zh) => format!("取值无效，可选：{allowed}"),
            (Reason::UnknownValue { allowed }, Lang::En) => {
                format!("is not an allowed value ({allowed})")
            }
            (Reason::SexMismatch, Lang::Zh) => "与身份证号中的性别不一致".into(),
            (Reason::SexMismatch, Lang::En) => "does not match the sex in the ID number".into(),
            (Reason::BirthDateMismatch, Lang::Zh) => "与身份证号中的出生日期不一致".into(),
            (Reason::BirthDateMismatch, Lang::En) => {
                "does not match the birth date in the ID number".into()
            }
            (Reason::Duplicate, Lang::Zh) => "与已有记录重复".into(),
            (Reason::Duplicate, Lang::En) => "duplicates an existing record".into(),
            (Reason::BadTransition, Lang::Zh) => "当前状态下不能进行此操作".into(),
            (Reason::BadTransition, Lang::En) => "is not allowed in the current status".into(),
            (Reason::NotANumber, Lang::Zh) => "应为数字".into(),
            (Reason::NotANumber, Lang::En) => "must be a number".into(),
            (Reason::OutOfRange { min, max }, Lang::Zh) => format!("应在 {min} 到 {max} 之间"),
            (Reason::OutOfRange { min, max }, Lang::En) => {
                format!("must be between {min} and {max}")
            }
            (Reason::NotFemale, Lang::Zh) => "只能为女性登记孕情".into(),
            (Reason::NotFemale, Lang::En) => "only a woman can be reported pregnant".into(),
            (Reason::AlreadyPregnant, Lang::Zh) => {
                "她已有一条未结案的孕情，请先登记该孕情的结局".into()
            }
            (Reason::AlreadyPregnant, Lang::En) => {
                "she already has an open pregnancy; record its outcome first".into()
            }
            (Reason::LmpTooOld, Lang::Zh) => "末次月经不能早于报告日期 45 周以上".into(),
            (Reason::LmpTooOld, Lang::En) => {
                "cannot be more than 45 weeks before the report date".into()
            }
            (Reason::NotBefore { zh, .. }, Lang::Zh) => format!("不能早于{zh}"),
            (Reason::NotBefore { en, .. }, Lang::En) => format!("cannot be before the {en}"),
            (Reason::NotAfter { zh, .. }, Lang::Zh) => format!("不能晚于{zh}"),
            (Reason::NotAfter { en, .. }, Lang::En) => format!("cannot be after the {en}"),
            (Reason::SameVerifier, Lang::Zh) => {
                "两次核实须由不同的人完成，您已做过村级核实".into()
            }
            (Reason::SameVerifier, Lang::En) => {
                "the two verifications must be made by different people; you made the first".into()
            }
            (Reason::VerificationOrder, Lang::Zh) => {
                "核实顺序不对：先由村计生专干核实，再由镇计生办另一位工作人员核实".into()
            }
            (Reason::VerificationOrder, Lang::En) => {
                "out of order: the village specialist verifies first, then a different town staff member".into()
            }
            (Reason::NotAnInfant, Lang::Zh) => "婴儿死亡仅限出生后一年内".into(),
            (Reason::NotAnInfant, Lang::En) => {
                "an infant death must be within one year of the birth".into()
            }
            (Reason::NotGranted, Lang::Zh) => "您没有查看此登记簿的授权".into(),
            (Reason::NotGranted, Lang::En) => "you are not granted access to this register".into(),
        }
    }
}

/// A refused value: which field and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {}", reason.message(Lang::En))]
pub struct FieldError {
    pub field: String,
    pub reason: Reason,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: Reason) -> Self {
        Self {
            field: field.into(),
            reason,
        }
    }

    /// The message in the given language, naming the field's label.
    pub fn message(&self, lang: Lang) -> String {
        self.reason.message(lang)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        })
    }
}
