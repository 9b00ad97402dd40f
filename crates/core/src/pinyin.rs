//! Pinyin initials of a personal name (拼音首字母), for search: 张晓梅 →
//! `zxm`. Each Han character contributes the first letter of its default
//! reading (the `pinyin` crate's data); the middle dot and characters
//! without a reading are skipped. Heteronyms whose surname reading differs
//! from the common one (单 shàn, 曾 zēng, 区 ōu, 尉迟 yùchí…) are read as
//! surnames at the start of the name only, through [`SURNAMES`].

use pinyin::ToPinyin;

/// Surname readings that differ from a character's default reading, one
/// syllable per character, applied to the start of a name only.
/// Two-character (compound) surnames come first so that they win over their
/// first character.
const SURNAMES: &[(&str, &[&str])] = &[
    // Compound surnames.
    ("尉迟", &["yu", "chi"]),
    ("万俟", &["mo", "qi"]),
    ("澹台", &["tan", "tai"]),
    ("长孙", &["zhang", "sun"]),
    // Single-character surnames.
    ("单", &["shan"]),
    ("曾", &["zeng"]),
    ("区", &["ou"]),
    ("仇", &["qiu"]),
    ("解", &["xie"]),
    ("查", &["zha"]),
    ("朴", &["piao"]),
    ("尉", &["wei"]),
    ("盖", &["ge"]),
    ("秘", &["bi"]),
    ("种", &["chong"]),
    ("重", &["chong"]),
    ("乐", &["yue"]),
    ("覃", &["qin"]),
    ("翟", &["zhai"]),
    ("召", &["shao"]),
    ("繁", &["po"]),
    ("隗", &["wei"]),
    ("长", &["chang"]),
    ("乜", &["nie"]),
    ("颉", &["xie"]),
    ("折", &["she"]),
    ("阚", &["kan"]),
    ("句", &["gou"]),
    ("蔚", &["yu"]),
    ("祭", &["zhai"]),
    ("郇", &["xun"]),
    ("缪", &["miao"]),
    ("柏", &["bai"]),
    ("牟", &["mou"]),
];

/// The lower-case ASCII letter a plain (toneless) reading starts with. The
/// data's plain readings are ASCII except for a handful of interjections
/// (ê, ń, ň, ǹ, ḿ), folded here to their base letter.
fn first_letter(plain: &str) -> Option<char> {
    match plain.chars().next()? {
        c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
        'ê' | 'ế' | 'ề' => Some('e'),
        'ń' | 'ň' | 'ǹ' => Some('n'),
        'ḿ' => Some('m'),
        _ => None,
    }
}

/// The lower-case pinyin initials of a name: one ASCII letter per Han
/// character that has a reading, the surname read as a surname. Empty when
/// no character has a reading. Allocates only the returned string.
pub fn initials(name: &str) -> String {
    let name = name.trim();
    let mut out = String::with_capacity(name.len() / 3 + 1);
    let mut rest = name;
    if let Some((surname, syllables)) = SURNAMES.iter().find(|(s, _)| name.starts_with(s)) {
        out.extend(syllables.iter().filter_map(|s| first_letter(s)));
        rest = &name[surname.len()..];
    }
    out.extend(
        rest.to_pinyin()
            .flatten()
            .filter_map(|p| first_letter(p.plain())),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_names() {
        assert_eq!(initials("张晓梅"), "zxm");
        assert_eq!(initials("张小明"), "zxm");
        assert_eq!(initials("李秀梅"), "lxm");
        assert_eq!(initials("王"), "w");
        assert_eq!(initials("吕秀英"), "lxy");
        assert_eq!(initials("女娲"), "nw");
    }

    #[test]
    fn skips_dots_and_non_han() {
        assert_eq!(initials("阿依古丽·买买提"), "ayglmmt");
        assert_eq!(initials("王A1小"), "wx");
        assert_eq!(initials(""), "");
        assert_eq!(initials("·"), "");
        assert_eq!(initials(" 张 三 "), "zs");
    }

    #[test]
    fn surnames_read_as_surnames_at_the_start_only() {
        assert_eq!(initials("单田芳"), "stf");
        assert_eq!(initials("曾国藩"), "zgf");
        assert_eq!(initials("区小红"), "oxh");
        assert_eq!(initials("仇英"), "qy");
        assert_eq!(initials("解缙"), "xj");
        assert_eq!(initials("查良镛"), "zly");
        assert_eq!(initials("朴正浩"), "pzh");
        assert_eq!(initials("种师道"), "csd");
        assert_eq!(initials("翟志刚"), "zzg");
        // Not at the start: the default reading.
        assert_eq!(initials("王单"), "wd");
        assert_eq!(initials("李曾"), "lc");
        assert_eq!(initials("张区"), "zq");
    }

    #[test]
    fn compound_surnames() {
        assert_eq!(initials("尉迟恭"), "ycg");
        assert_eq!(initials("尉缭"), "wl");
        assert_eq!(initials("万俟卨"), "mqx");
        assert_eq!(initials("澹台灭明"), "ttmm");
        // 单于 (chányú) is read as the surname 单 and a given name 于….
        assert_eq!(initials("单于飞"), "syf");
        assert_eq!(initials("长孙无忌"), "zswj");
        assert_eq!(initials("长江"), "cj");
    }

    #[test]
    fn every_table_entry_has_one_plain_syllable_per_character() {
        for (s, syllables) in SURNAMES {
            assert_eq!(s.chars().count(), syllables.len(), "{s}");
            for r in *syllables {
                assert!(
                    !r.is_empty() && r.bytes().all(|b| b.is_ascii_lowercase()),
                    "{r}"
                );
            }
        }
    }

    #[test]
    fn fast_enough_for_bulk_loads() {
        // Not a benchmark: a guard against an accidentally quadratic or
        // allocating path. A million three-character names must take well
        // under a second even in a debug build's worst case.
        let names = ["张晓梅", "王建国", "单田芳", "尉迟恭", "李秀英"];
        let start = std::time::Instant::now();
        let mut n = 0usize;
        for i in 0..100_000 {
            n += initials(names[i % names.len()]).len();
        }
        assert!(n > 0);
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }
}
