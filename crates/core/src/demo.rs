//! The demo population: a deterministic synthetic Gushao (古邵镇, 峄城区) —
//! org units, households, persons with valid synthetic ID numbers, couples
//! and birth registrations, and five years of pregnancies, births and
//! infant deaths (`demo_history`) — generated village by village from a
//! seed, plus the demo accounts. No real person's data is used: every name,
//! number and phone is drawn from the seeded generator.

use crate::dates::age_on;
pub use crate::demo_followup::FOLLOWUP_MONTHS;
use crate::demo_followup::{
    DemoAssignment, DemoNeed, DemoProcedure, DemoVisit, DemoVisitContact, DemoZone, FollowInput,
    FollowUp,
};
use crate::demo_history::{
    DemoBirth, DemoCheck, DemoDeath, DemoPregnancy, Family, HISTORY_YEARS, History, VillageInput,
    specialist_of,
};
use crate::household::{Household, HouseholdFlags};
use crate::id_number::ResidentId;
use crate::org::{OrgLevel, OrgUnit};
use crate::person::{MaritalStatus, Person, Relation, Sex};
use crate::registration::{BirthRegistration, Couple, RegistrationStatus, next_review};
use crate::user::Role;
use chrono::{Datelike, Months, NaiveDate, TimeDelta};
use std::collections::HashSet;
use std::fmt::Write as _;

/// What to generate: about `persons` people, from `seed`, as of `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoConfig {
    pub persons: usize,
    pub seed: u64,
    pub today: NaiveDate,
    /// Months of follow-up visits, ending with `today`'s month (default
    /// [`FOLLOWUP_MONTHS`], five years; 0 for zones and assignments only).
    pub followup_months: u32,
}

/// One village's worth of generated records.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VillageBatch {
    pub village_code: String,
    pub households: Vec<Household>,
    pub persons: Vec<Person>,
    pub couples: Vec<Couple>,
    pub registrations: Vec<BirthRegistration>,
    /// The village's five years of history: pregnancies (each woman's
    /// apart, at most one open), their antenatal checks, births of the
    /// children in their mothers' households, and infant deaths.
    pub pregnancies: Vec<DemoPregnancy>,
    pub checks: Vec<DemoCheck>,
    pub births: Vec<DemoBirth>,
    pub infant_deaths: Vec<DemoDeath>,
    /// The village's follow-up service (`demo_followup`): zones and their
    /// workers, each woman's assignment, contraceptive procedures, visits,
    /// the contacts they covered, and needs raised.
    pub zones: Vec<DemoZone>,
    pub assignments: Vec<DemoAssignment>,
    pub procedures: Vec<DemoProcedure>,
    pub visits: Vec<DemoVisit>,
    pub visit_contacts: Vec<DemoVisitContact>,
    pub needs: Vec<DemoNeed>,
}

/// A demo login: user name, display name, role and the org unit it works in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_code: String,
}

// ---------------------------------------------------------------------------
// Org units
// ---------------------------------------------------------------------------

/// Persons per town when the population needs more than Gushao.
const PERSONS_PER_TOWN: usize = 45_000;
/// Up to this many persons, Gushao alone holds everyone.
const SINGLE_TOWN_MAX: usize = 80_000;
/// Town codes run 100..=199 within a district.
const TOWNS_PER_DISTRICT: usize = 100;
/// Village codes run 201..=999 within a town.
const MAX_VILLAGES_PER_TOWN: usize = 799;

pub(crate) const GUSHAO: &str = "370404100";

/// The districts of Zaozhuang, in the order they are filled, with the
/// plausible town names used for each (a name list, no claim they are real).
const DISTRICTS: &[(&str, &str, &[&str])] = &[
    (
        "370404",
        "峄城区",
        &["古邵镇", "阴平镇", "底阁镇", "榴园镇", "峨山镇"],
    ),
    (
        "370402",
        "市中区",
        &["税郭镇", "孟庄镇", "西王庄镇", "永安镇", "齐村镇"],
    ),
    (
        "370403",
        "薛城区",
        &["周营镇", "沙沟镇", "邹坞镇", "陶庄镇", "常庄镇"],
    ),
    (
        "370405",
        "台儿庄区",
        &[
            "张山子镇",
            "泥沟镇",
            "涧头集镇",
            "马兰屯镇",
            "邳庄镇",
            "运河镇",
        ],
    ),
    (
        "370406",
        "山亭区",
        &[
            "店子镇",
            "西集镇",
            "桑村镇",
            "北庄镇",
            "城头镇",
            "徐庄镇",
            "水泉镇",
            "冯卯镇",
        ],
    ),
    (
        "370481",
        "滕州市",
        &[
            "界河镇",
            "龙阳镇",
            "东郭镇",
            "级索镇",
            "西岗镇",
            "姜屯镇",
            "鲍沟镇",
            "张汪镇",
            "官桥镇",
            "柴胡店镇",
            "羊庄镇",
            "木石镇",
            "南沙河镇",
            "大坞镇",
            "滨湖镇",
            "洪绪镇",
        ],
    ),
];

/// Gushao's villages, in code order (万年闸村 and 乐庄村 are real names; the
/// rest are plausible rural Shandong names, no claim they are real).
const GUSHAO_VILLAGES: &[&str] = &[
    "万年闸村",
    "乐庄村",
    "古邵村",
    "后楼村",
    "王庄村",
    "前楼村",
    "甘沟村",
    "南常村",
    "北常村",
    "贾庄村",
    "侯孟村",
    "石楼村",
    "洪山口村",
    "苏庄村",
    "小屯村",
    "大屯村",
    "张庄村",
    "西刘庄村",
    "八里屯村",
    "杨庄村",
];

const PLACE_PREFIX: &[&str] = &[
    "", "前", "后", "东", "西", "南", "北", "大", "小", "上", "下",
];
const PLACE_CORE: &[&str] = &[
    "王", "张", "李", "刘", "孙", "陈", "杨", "赵", "高", "徐", "马", "于", "周", "郭", "宋", "韩",
    "朱", "田", "崔", "姜", "董", "孟", "杜", "贾",
];
const VILLAGE_SUFFIX: &[&str] = &[
    "庄", "楼", "集", "屯", "洼", "营", "埠", "店", "桥", "寨", "岭", "湖", "家", "官庄", "家庄",
    "园",
];
const TOWN_SUFFIX: &[&str] = &["集", "庄", "店", "楼", "屯", "桥", "营", "湖"];

struct VillagePlan {
    code: String,
    name: String,
}

struct TownPlan {
    county: &'static str,
    code: String,
    name: String,
    villages: Vec<VillagePlan>,
}

/// A 64-bit mixer (SplitMix64 finaliser).
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn code_num(code: &str) -> u64 {
    code.parse().unwrap_or(0)
}

/// Picks `count` distinct names from a generated pool (prefix + surname +
/// place word + `ending`) in an order shuffled by `salt`, skipping `used`.
fn pooled_names(
    salt: u64,
    count: usize,
    suffixes: &[&str],
    ending: &str,
    used: &mut HashSet<String>,
) -> Vec<String> {
    let (np, nc) = (PLACE_PREFIX.len(), PLACE_CORE.len());
    let mut pool: Vec<usize> = (0..np * nc * suffixes.len()).collect();
    let mut rng = fastrand::Rng::with_seed(mix(salt));
    let mut out = Vec::with_capacity(count);
    let mut i = 0;
    while out.len() < count && i < pool.len() {
        // A partial Fisher–Yates shuffle: only as far as needed.
        let j = rng.usize(i..pool.len());
        pool.swap(i, j);
        let k = pool.get(i).copied().unwrap_or(0);
        i += 1;
        let p = PLACE_PREFIX.get(k % np).copied().unwrap_or("");
        let c = PLACE_CORE.get((k / np) % nc).copied().unwrap_or("王");
        let s = suffixes.get(k / (np * nc)).copied().unwrap_or("庄");
        let name = format!("{p}{c}{s}{ending}");
        if used.insert(name.clone()) {
            out.push(name);
        }
    }
    // The pool is far larger than any town needs; numbered names as a last resort.
    let mut extra = 1;
    while out.len() < count {
        let name = format!("新{}{ending}", chinese_number(extra));
        extra += 1;
        if used.insert(name.clone()) {
            out.push(name);
        }
    }
    out
}

fn chinese_number(n: usize) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    n.to_string()
        .bytes()
        .map(|b| D[usize::from(b.saturating_sub(b'0')) % 10])
        .collect()
}

/// The towns (and their villages) a population of `persons` needs.
fn plan(persons: usize) -> Vec<TownPlan> {
    let capacity = DISTRICTS.len() * TOWNS_PER_DISTRICT;
    let wanted = if persons <= SINGLE_TOWN_MAX {
        1
    } else {
        persons.div_ceil(PERSONS_PER_TOWN)
    };
    let towns = wanted.min(capacity);
    // Beyond the code space, towns get more villages instead.
    let scale = if wanted > capacity {
        persons.div_ceil(capacity * PERSONS_PER_TOWN).max(1)
    } else {
        1
    };

    // Town names and codes: the named towns district by district, then
    // generated names round-robin over the districts.
    let mut picked: Vec<(usize, String)> = Vec::with_capacity(towns);
    'named: for (d, (_, _, names)) in DISTRICTS.iter().enumerate() {
        for name in names.iter() {
            if picked.len() >= towns {
                break 'named;
            }
            picked.push((d, (*name).to_string()));
        }
    }
    if picked.len() < towns {
        // Generated names, unique across all districts.
        let mut used: HashSet<String> = DISTRICTS
            .iter()
            .flat_map(|(_, _, names)| names.iter().map(|s| (*s).to_string()))
            .collect();
        let extra_names: Vec<Vec<String>> = DISTRICTS
            .iter()
            .map(|(county, _, names)| {
                let room = TOWNS_PER_DISTRICT.saturating_sub(names.len());
                pooled_names(code_num(county), room, TOWN_SUFFIX, "镇", &mut used)
            })
            .collect();
        let mut taken = vec![0usize; DISTRICTS.len()];
        while picked.len() < towns {
            let before = picked.len();
            for (d, (names, t)) in extra_names.iter().zip(taken.iter_mut()).enumerate() {
                if picked.len() >= towns {
                    break;
                }
                if let Some(name) = names.get(*t) {
                    picked.push((d, name.clone()));
                    *t += 1;
                }
            }
            if picked.len() == before {
                break;
            }
        }
    }

    let mut next_code = vec![100usize; DISTRICTS.len()];
    let mut out = Vec::with_capacity(picked.len());
    for (d, name) in picked {
        let Some((county, _, _)) = DISTRICTS.get(d) else {
            continue;
        };
        let code = format!("{county}{:03}", next_code[d]);
        next_code[d] += 1;
        let base = if code == GUSHAO {
            GUSHAO_VILLAGES.len()
        } else {
            16 + (mix(code_num(&code)) % 9) as usize
        };
        let n_villages = (base * scale).min(MAX_VILLAGES_PER_TOWN);
        let mut used_v: HashSet<String> = HashSet::new();
        let mut names: Vec<String> = Vec::with_capacity(n_villages);
        if code == GUSHAO {
            for v in GUSHAO_VILLAGES.iter().take(n_villages) {
                used_v.insert((*v).to_string());
                names.push((*v).to_string());
            }
        }
        let more = n_villages - names.len();
        names.extend(pooled_names(
            code_num(&code),
            more,
            VILLAGE_SUFFIX,
            "村",
            &mut used_v,
        ));
        let villages = names
            .into_iter()
            .enumerate()
            .map(|(j, name)| VillagePlan {
                code: format!("{code}{:03}", 201 + j),
                name,
            })
            .collect();
        out.push(TownPlan {
            county,
            code,
            name,
            villages,
        });
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out
}

pub(crate) fn county_name(code: &str) -> &'static str {
    DISTRICTS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, n, _)| *n)
        .unwrap_or("峄城区")
}

/// Org units: county 370404 峄城区 and town 370404100 古邵镇 with 20
/// villages (370404100201, …; 万年闸村 and 乐庄村 first, the rest plausible
/// rural Shandong names). Above 80,000 persons more towns are added, about
/// 45,000 persons and ~20 villages each: first the other towns of 370404
/// (阴平镇, 底阁镇, 榴园镇, 峨山镇), then the other districts of Zaozhuang
/// (370402 市中区, 370403 薛城区, 370405 台儿庄区, 370406 山亭区, 370481
/// 滕州市). Parent before child: counties, then towns, then villages, each
/// level in code order.
pub fn org_units(cfg: &DemoConfig) -> Vec<OrgUnit> {
    let towns = plan(cfg.persons);
    let mut counties: Vec<&str> = towns.iter().map(|t| t.county).collect();
    counties.sort_unstable();
    counties.dedup();
    let mut out = Vec::new();
    for c in counties {
        out.extend(OrgUnit::new(c, county_name(c)).ok());
    }
    for t in &towns {
        out.extend(OrgUnit::new(&t.code, &t.name).ok());
    }
    for t in &towns {
        for v in &t.villages {
            out.extend(OrgUnit::new(&v.code, &v.name).ok());
        }
    }
    out
}

/// The demo accounts: admin, town staff, clinician, supervisor and auditor,
/// then one village specialist per Gushao village (`v01`, `v02`, … in
/// village-code order).
pub fn demo_accounts(orgs: &[OrgUnit]) -> Vec<DemoAccount> {
    let name_of = |code: &str, fallback: &str| -> String {
        orgs.iter()
            .find(|o| o.code.as_str() == code)
            .map(|o| o.name.clone())
            .unwrap_or_else(|| fallback.to_string())
    };
    let county = name_of("370404", "峄城区");
    let town = name_of(GUSHAO, "古邵镇");
    let acct = |username: &str, display_name: String, role: Role, org: &str| DemoAccount {
        username: username.to_string(),
        display_name,
        role,
        org_code: org.to_string(),
    };
    let mut out = vec![
        acct(
            "admin",
            format!("{county}卫健局管理员"),
            Role::Admin,
            "370404",
        ),
        acct("town", format!("{town}计生办"), Role::TownStaff, GUSHAO),
        acct(
            "clinician",
            format!("{town}卫生院"),
            Role::Clinician,
            GUSHAO,
        ),
        acct(
            "supervisor",
            format!("{county}计生督导"),
            Role::Supervisor,
            "370404",
        ),
        acct(
            "auditor",
            format!("{county}审计员"),
            Role::Auditor,
            "370404",
        ),
    ];
    let mut villages: Vec<&OrgUnit> = orgs
        .iter()
        .filter(|o| o.level() == OrgLevel::Village && o.code.as_str().starts_with(GUSHAO))
        .collect();
    villages.sort_by(|a, b| a.code.cmp(&b.code));
    for (i, v) in villages.into_iter().enumerate() {
        out.push(acct(
            &format!("v{:02}", i + 1),
            format!("{}计生专干", v.name),
            Role::VillageSpecialist,
            v.code.as_str(),
        ));
    }
    // The follow-up workers of Gushao's zones (v01w1, v01w2, …).
    out.extend(crate::demo_followup::worker_accounts(orgs, false));
    out
}

// ---------------------------------------------------------------------------
// Name pools
// ---------------------------------------------------------------------------

/// Surnames with rough relative frequencies in rural Shandong.
const SURNAMES: &[(&str, u32)] = &[
    ("王", 90),
    ("张", 76),
    ("李", 74),
    ("刘", 55),
    ("孙", 35),
    ("陈", 26),
    ("杨", 25),
    ("赵", 25),
    ("高", 24),
    ("徐", 20),
    ("于", 19),
    ("马", 15),
    ("郭", 15),
    ("宋", 15),
    ("周", 14),
    ("褚", 4),
    ("孔", 10),
    ("吴", 12),
    ("韩", 12),
    ("朱", 12),
    ("田", 12),
    ("崔", 10),
    ("姜", 10),
    ("董", 10),
    ("胡", 8),
    ("任", 8),
    ("魏", 8),
    ("丁", 8),
    ("吕", 8),
    ("曹", 8),
    ("薛", 6),
    ("秦", 6),
    ("邵", 6),
    ("程", 6),
    ("梁", 6),
    ("许", 6),
    ("贾", 6),
    ("黄", 6),
    ("郑", 6),
    ("杜", 6),
    ("冯", 6),
    ("孟", 6),
    ("袁", 5),
    ("邱", 5),
    ("苏", 5),
    ("侯", 5),
    ("卢", 5),
    ("石", 5),
    ("林", 5),
    ("谢", 4),
    ("何", 4),
    ("蒋", 4),
    ("颜", 3),
    ("鲍", 3),
    ("潘", 3),
    ("彭", 3),
    ("殷", 3),
    ("种", 2),
    ("桑", 2),
];

/// Given names by generation (born before 1955, 1955–69, 1970–84, 1985–99,
/// 2000 on), men then women.
const GIVEN: [[&[&str]; 2]; 5] = [
    [
        &[
            "建国", "国庆", "德胜", "福山", "长友", "玉山", "振华", "广田", "德顺", "立新", "宝山",
            "文才", "守信", "春生", "金库", "家和", "世昌", "永福", "兆祥", "保国", "成林", "玉林",
            "德华", "树林", "庆云", "福", "贵", "成", "忠", "义", "全", "山", "林", "富",
        ],
        &[
            "秀英", "桂兰", "玉兰", "秀兰", "凤英", "桂英", "玉珍", "秀珍", "素珍", "淑珍", "兰英",
            "玉梅", "桂芝", "凤兰", "秀芳", "金兰", "翠英", "春兰", "玉英", "爱莲", "桂香", "秀云",
            "英", "兰", "珍", "梅", "凤",
        ],
    ],
    [
        &[
            "建华", "建军", "卫东", "卫国", "志刚", "志勇", "红军", "洪涛", "海军", "学军", "庆华",
            "新民", "文明", "保华", "立军", "金华", "玉春", "学文", "卫华", "东升", "振东", "向阳",
            "传军", "跃进", "伟", "勇", "军", "强", "明", "刚", "平",
        ],
        &[
            "秀梅", "丽华", "红梅", "春燕", "桂荣", "爱华", "美玲", "红霞", "彩霞", "玉霞", "秀云",
            "金凤", "淑华", "素梅", "凤霞", "玉芹", "秀芹", "红英", "丽", "红", "霞", "燕", "敏",
            "华", "英",
        ],
    ],
    [
        &[
            "海涛", "建伟", "志强", "晓东", "明辉", "永刚", "国栋", "继军", "庆军", "卫星", "文军",
            "振国", "振宇", "海波", "红伟", "新华", "立国", "宪军", "兴华", "东", "涛", "斌", "峰",
            "辉", "杰", "亮", "军", "波", "鹏",
        ],
        &[
            "丽娟", "晓红", "海燕", "红艳", "丽丽", "晓燕", "艳丽", "秀娟", "玉娟", "春梅", "爱玲",
            "金玲", "冬梅", "雪梅", "翠翠", "艳", "梅", "玲", "芳", "静", "娟", "霞", "敏", "丽",
        ],
    ],
    [
        &[
            "晓明", "俊杰", "鹏飞", "海洋", "家豪", "子龙", "伟强", "志超", "文博", "凯文", "明亮",
            "建新", "浩", "磊", "鹏", "超", "涛", "斌", "杰", "鑫", "亮", "帅", "凯", "龙", "宁",
            "阳",
        ],
        &[
            "婷婷", "文静", "媛媛", "晓敏", "倩倩", "佳佳", "晓雪", "甜甜", "丹丹", "亚楠", "晓丽",
            "雪莹", "静", "丹", "婷", "莉", "娜", "倩", "雪", "洁", "晶", "慧", "颖", "璐", "蕾",
        ],
    ],
    [
        &[
            "浩然", "宇轩", "子轩", "梓豪", "俊熙", "一鸣", "博文", "子墨", "浩宇", "天佑", "皓轩",
            "宇航", "明轩", "思远", "梓睿", "铭泽", "奕辰", "沐阳", "锦程", "昊天", "泽宇", "子豪",
            "睿", "晨", "轩", "航", "博",
        ],
        &[
            "欣怡", "子涵", "梓涵", "雨涵", "一诺", "诗涵", "思涵", "可馨", "语桐", "梓萱", "佳怡",
            "雨欣", "若汐", "欣妍", "紫涵", "梦瑶", "沐晴", "依诺", "安琪", "佳琪", "雨桐", "悦",
            "琪", "萱", "妍",
        ],
    ],
];

const PHONE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "176", "177", "178", "180", "181", "182", "183",
    "184", "185", "186", "187", "188", "189", "191", "198", "199",
];

const CANCEL_REASONS: &[&str] = &[
    "夫妻双方自愿放弃",
    "夫妻双方自愿放弃",
    "夫妻双方自愿放弃",
    "户籍迁出本镇",
    "夫妻离婚",
];

/// Relative weight of a household head's age, per five-year band from 20.
const HEAD_AGE_BANDS: [u32; 16] = [
    3, 16, 32, 46, 56, 95, 118, 115, 100, 95, 70, 48, 30, 15, 5, 1,
];

// ---------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------

/// A fixed base for the UUIDv7 timestamps: 2024-01-01T00:00:00Z.
const UUID_BASE_MS: u64 = 1_704_067_200_000;
/// Birth dates are tracked for ID sequence numbers this many days back.
const SEQ_DAYS: usize = 40_000;

struct Village<'a> {
    code: &'a str,
    name: &'a str,
    town: &'a str,
    county: &'a str,
    target: usize,
}

/// A UUIDv7 with a timestamp `counter` milliseconds after the fixed base
/// and random bits from `rng`.
pub(crate) fn uuid_v7(counter: &mut u64, rng: &mut fastrand::Rng) -> String {
    let ms = UUID_BASE_MS + *counter;
    *counter += 1;
    let mut b = [0u8; 10];
    b[..8].copy_from_slice(&rng.u64(..).to_le_bytes());
    b[8..].copy_from_slice(&rng.u16(..).to_le_bytes());
    uuid::Builder::from_unix_timestamp_millis(ms, &b)
        .into_uuid()
        .to_string()
}

/// A child of a family: birth date and sex.
#[derive(Clone, Copy)]
struct Kid {
    birth: NaiveDate,
    male: bool,
}

/// What a couple's registration needs to know about their children.
#[derive(Clone, Copy)]
struct KidSummary {
    count: usize,
    youngest: Option<(NaiveDate, usize)>,
}

impl KidSummary {
    fn of(kids: &[Kid]) -> Self {
        KidSummary {
            count: kids.len(),
            youngest: kids.last().map(|k| (k.birth, kids.len())),
        }
    }
}

struct Gen {
    today: NaiveDate,
    rng: fastrand::Rng,
    uuid_counter: u64,
    /// Sequence counters per (county, days before today, sex).
    seq: Vec<u16>,
    counties: Vec<&'static str>,
    surname_cum: Vec<u32>,
    head_age_cum: Vec<u32>,
    // Per village:
    region_idx: usize,
    region: &'static str,
    village_code: String,
    addr_prefix: String,
    clans: [usize; 3],
    group: u32,
    group_cap: u32,
    in_group: u32,
    hh_no: u32,
    reg_no: u32,
    batch: VillageBatch,
    /// Birth dates of `batch.persons`, index for index.
    births: Vec<NaiveDate>,
    /// The village's own stream for twins and its boy share (the
    /// population's stream draws only for the persons twins add).
    hrng: fastrand::Rng,
    /// The village's chance (per mille) that a child born in the history
    /// years is a boy: drawn around 524 (SRB ≈ 110), ±20.
    male_share: u32,
    /// Children born after this are in the history years.
    history_from: NaiveDate,
    /// Mothers living with their children, for the history.
    families: Vec<Family>,
    /// The wife's person index of each couple, and each registration's couple.
    couple_wives: Vec<usize>,
    reg_couples: Vec<usize>,
    history: History,
    /// The follow-up service's generator and its months of visits.
    follow: FollowUp,
    followup_months: u32,
}

fn cumulative(weights: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut acc = 0u32;
    weights
        .map(|w| {
            acc += w;
            acc
        })
        .collect()
}

pub(crate) fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    d.checked_add_signed(TimeDelta::days(n)).unwrap_or(d)
}

fn add_years(d: NaiveDate, y: u32) -> NaiveDate {
    d.checked_add_months(Months::new(12 * y)).unwrap_or(d)
}

pub(crate) fn fmt_date(d: NaiveDate) -> String {
    let mut s = String::with_capacity(10);
    let _ = write!(s, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
    s
}

impl Gen {
    fn new(cfg: &DemoConfig, counties: Vec<&'static str>) -> Self {
        Gen {
            today: cfg.today,
            rng: fastrand::Rng::with_seed(cfg.seed),
            uuid_counter: 0,
            seq: vec![0; counties.len() * SEQ_DAYS * 2],
            counties,
            surname_cum: cumulative(SURNAMES.iter().map(|(_, w)| *w)),
            head_age_cum: cumulative(HEAD_AGE_BANDS.iter().copied()),
            region_idx: 0,
            region: "370404",
            village_code: String::new(),
            addr_prefix: String::new(),
            clans: [0; 3],
            group: 1,
            group_cap: 60,
            in_group: 0,
            hh_no: 0,
            reg_no: 0,
            batch: VillageBatch::default(),
            births: Vec::new(),
            hrng: fastrand::Rng::with_seed(cfg.seed),
            male_share: 524,
            history_from: cfg
                .today
                .checked_sub_months(Months::new(12 * HISTORY_YEARS))
                .unwrap_or(cfg.today),
            families: Vec::new(),
            couple_wives: Vec::new(),
            reg_couples: Vec::new(),
            history: History::new(cfg.seed),
            follow: FollowUp::new(cfg.seed),
            followup_months: cfg.followup_months,
        }
    }

    fn start_village(&mut self, seed: u64, v: &Village<'_>) {
        self.rng = fastrand::Rng::with_seed(mix(seed ^ mix(code_num(v.code))));
        self.region_idx = self
            .counties
            .iter()
            .position(|c| *c == v.county)
            .unwrap_or(0);
        self.region = self
            .counties
            .get(self.region_idx)
            .copied()
            .unwrap_or("370404");
        self.village_code = v.code.to_string();
        self.addr_prefix = format!("{}{}", v.town, v.name);
        // One to three lineage surnames dominate a village.
        for i in 0..3 {
            self.clans[i] = self.surname_idx();
        }
        self.group = 1;
        self.group_cap = self.rng.u32(45..=90);
        self.in_group = 0;
        self.hh_no = 0;
        self.reg_no = 0;
        let hh = v.target / 3 + 8;
        self.births.clear();
        self.families.clear();
        self.couple_wives.clear();
        self.reg_couples.clear();
        self.hrng = fastrand::Rng::with_seed(mix(seed ^ mix(code_num(v.code) ^ 0x5352_4242)));
        // About normal: the sum of four uniforms, scaled to unit variance.
        let z: f64 = (0..4).map(|_| self.hrng.f64() - 0.5).sum::<f64>() * 3f64.sqrt();
        self.male_share = (524.0 + 20.0 * z).round().clamp(464.0, 584.0) as u32;
        self.batch = VillageBatch {
            village_code: v.code.to_string(),
            households: Vec::with_capacity(hh),
            persons: Vec::with_capacity(v.target + 8),
            couples: Vec::with_capacity(v.target / 5 + 4),
            registrations: Vec::with_capacity(v.target / 30 + 4),
            ..VillageBatch::default()
        };
    }

    /// The village's history, once its population is complete.
    fn history(&mut self, v: &Village<'_>) {
        let input = VillageInput {
            today: self.today,
            town_name: v.town,
            county_name: county_name(v.county),
            village_name: v.name,
            specialist: specialist_of(v.code),
            town_account: v.code.starts_with(GUSHAO).then_some("town"),
            births: &self.births,
            families: &self.families,
            couple_wives: &self.couple_wives,
            reg_couples: &self.reg_couples,
        };
        self.history
            .village(&mut self.uuid_counter, &input, &mut self.batch);
    }

    /// The village's follow-up service, once its history is complete.
    fn follow_up(&mut self, seed: u64, v: &Village<'_>) {
        let input = FollowInput {
            seed,
            today: self.today,
            months: self.followup_months,
            village_name: v.name,
        };
        self.follow
            .village(&mut self.uuid_counter, &input, &mut self.batch);
    }

    /// A surname index by Shandong frequency.
    fn surname_idx(&mut self) -> usize {
        pick_cum(&mut self.rng, &self.surname_cum)
    }

    /// A surname for a family's male line: often one of the village's clans.
    fn line_surname(&mut self) -> usize {
        let r = self.rng.u32(0..100);
        if r < 30 {
            self.clans[0]
        } else if r < 42 {
            self.clans[1]
        } else if r < 48 {
            self.clans[2]
        } else {
            self.surname_idx()
        }
    }

    fn uuid(&mut self) -> String {
        uuid_v7(&mut self.uuid_counter, &mut self.rng)
    }

    fn age(&self, birth: NaiveDate) -> i32 {
        age_on(birth, self.today)
    }

    /// A birth date for someone `age` whole years old today.
    fn birth_for_age(&mut self, age: i32) -> NaiveDate {
        let age = i64::from(age.max(0));
        let back = age * 365 + age / 4 + self.rng.i64(0..365);
        add_days(self.today, -back)
    }

    fn head_age(&mut self) -> i32 {
        let band = pick_cum(&mut self.rng, &self.head_age_cum) as i32;
        (20 + band * 5 + self.rng.i32(0..5)).max(22)
    }

    /// A valid resident ID for the birth date, unique across the run. When a
    /// day's sequence numbers run out the birth date moves a day earlier.
    fn resident_id(&mut self, birth: &mut NaiveDate, sex: Sex) -> String {
        let male = usize::from(sex == Sex::Male);
        for _ in 0..4000 {
            if *birth > self.today {
                *birth = self.today;
            }
            let days = usize::try_from((self.today - *birth).num_days()).unwrap_or(0);
            let idx = (self.region_idx * SEQ_DAYS + days.min(SEQ_DAYS - 1)) * 2 + male;
            if days < SEQ_DAYS
                && let Some(c) = self.seq.get_mut(idx)
                && *c < 500
            {
                let k = u64::from(*c);
                *c += 1;
                let off = mix(code_num(self.region) ^ ((days as u64) << 20)) % 500;
                let seq = ((k + off) % 500) * 2 + male as u64;
                if let Some(id) = ResidentId::compose(self.region, *birth, seq as u16) {
                    return id.to_string();
                }
            }
            *birth = if days + 1 < SEQ_DAYS {
                add_days(*birth, -1)
            } else {
                add_days(*birth, 1)
            };
        }
        String::new()
    }

    fn phone(&mut self, age: i32) -> Option<String> {
        let p = match age {
            ..16 => return None,
            16..18 => 30,
            18..30 => 90,
            30..60 => 86,
            60..70 => 62,
            70..80 => 35,
            _ => 12,
        };
        if self.rng.u32(0..100) >= p {
            return None;
        }
        let prefix = PHONE_PREFIXES
            .get(self.rng.usize(..PHONE_PREFIXES.len()))
            .copied()
            .unwrap_or("138");
        let mut s = String::with_capacity(11);
        s.push_str(prefix);
        let _ = write!(s, "{:08}", self.rng.u32(0..100_000_000));
        Some(s)
    }

    fn name(&mut self, surname: usize, sex: Sex, birth_year: i32) -> String {
        let gen_idx = match birth_year {
            ..1955 => 0,
            1955..1970 => 1,
            1970..1985 => 2,
            1985..2000 => 3,
            _ => 4,
        };
        let pool = GIVEN[gen_idx][usize::from(sex == Sex::Female)];
        let given = pool
            .get(self.rng.usize(..pool.len()))
            .copied()
            .unwrap_or("明");
        let sur = SURNAMES.get(surname).map(|s| s.0).unwrap_or("王");
        let mut s = String::with_capacity(sur.len() + given.len());
        s.push_str(sur);
        s.push_str(given);
        s
    }

    /// Adds a person to the batch and returns their index. Marital status is
    /// dropped under 20 and defaults to unmarried from 20.
    fn person(
        &mut self,
        household_id: &str,
        surname: usize,
        sex: Sex,
        birth: NaiveDate,
        relation: Relation,
        marital: Option<MaritalStatus>,
    ) -> usize {
        let mut birth = birth;
        let resident_id = self.resident_id(&mut birth, sex);
        let age = self.age(birth);
        let marital = if age < 20 {
            None
        } else {
            Some(marital.unwrap_or(MaritalStatus::Unmarried))
        };
        let p = Person {
            id: self.uuid(),
            resident_id,
            name: self.name(surname, sex, birth.year()),
            sex,
            birth_date: fmt_date(birth),
            phone: self.phone(age),
            marital_status: marital,
            household_id: Some(household_id.to_string()),
            relation: Some(relation),
            village_code: self.village_code.clone(),
            version: 1,
            change_seq: 0,
        };
        self.batch.persons.push(p);
        self.births.push(birth);
        self.batch.persons.len() - 1
    }

    fn person_id(&self, idx: usize) -> String {
        self.batch
            .persons
            .get(idx)
            .map(|p| p.id.clone())
            .unwrap_or_default()
    }

    fn birth_of(&self, idx: usize) -> NaiveDate {
        self.births.get(idx).copied().unwrap_or(self.today)
    }

    /// The date a couple married: the wife about 22–26, both of legal age
    /// (women 20, men 22), not in the future.
    fn marriage_date(&mut self, wife_birth: NaiveDate, husband_birth: NaiveDate) -> NaiveDate {
        let legal = add_years(wife_birth, 20).max(add_years(husband_birth, 22));
        let at = self.rng.u32(22..=26);
        let d = add_days(add_years(wife_birth, at), self.rng.i64(0..365));
        let latest = add_days(self.today, -self.rng.i64(0..120));
        d.max(legal).min(latest.max(legal)).min(self.today)
    }

    /// The children born to a mother married on `marriage`, by her cohort's
    /// fertility, none after today or after she turns 42.
    fn plan_children(&mut self, mother_birth: NaiveDate, marriage: NaiveDate, out: &mut Vec<Kid>) {
        out.clear();
        let cohort = mother_birth.year();
        let r = self.rng.u32(0..100);
        let mut want = match cohort {
            ..1946 => pick_table(r, &[(10, 2), (35, 3), (70, 4), (95, 5), (100, 6)]),
            1946..1956 => pick_table(r, &[(20, 2), (65, 3), (90, 4), (100, 5)]),
            1956..1966 => pick_table(r, &[(10, 1), (60, 2), (92, 3), (100, 4)]),
            1966..1981 => pick_table(r, &[(30, 1), (90, 2), (100, 3)]),
            1981..1993 => pick_table(r, &[(33, 1), (92, 2), (100, 3)]),
            _ => pick_table(r, &[(10, 0), (55, 1), (96, 2), (100, 3)]),
        };
        let limit = add_years(mother_birth, 42);
        let mut next = add_days(marriage, self.rng.i64(280..900));
        while out.len() < want {
            if next > self.today || next > limit {
                break;
            }
            let y = next.year();
            let p_male = if next > self.history_from {
                self.male_share
            } else if (1985..2015).contains(&y) {
                if out.is_empty() { 535 } else { 560 }
            } else {
                514
            };
            let male = self.rng.u32(0..1000) < p_male;
            out.push(Kid { birth: next, male });
            // Twins, about 1.5 % of deliveries; a third of them identical.
            if self.hrng.u32(0..1000) < 15 {
                let male = if self.hrng.u32(0..3) == 0 {
                    male
                } else {
                    self.hrng.u32(0..1000) < p_male
                };
                out.push(Kid { birth: next, male });
            }
            next = add_days(next, self.rng.i64(640..2200));
            // Son preference: a family of daughters sometimes tries again.
            if out.len() == want
                && want < 3
                && (1950..1995).contains(&cohort)
                && out.iter().all(|k| !k.male)
                && self.rng.u32(0..100) < 40
            {
                want += 1;
            }
        }
    }

    /// Adds the children of a family who are still registered in the
    /// household; with `three_gen` one married son may live in it with his
    /// wife and children. Returns nothing; couples are recorded as found.
    /// With the `mother` living in the household, the family is kept for
    /// the history.
    fn add_children(
        &mut self,
        hh: &str,
        surname: usize,
        kids: &[Kid],
        three_gen: bool,
        minors_stay: bool,
        mother: Option<usize>,
    ) {
        let mut son_at_home = false;
        let mut family = mother.map(|m| Family {
            mother: m,
            births: kids.iter().map(|k| k.birth).collect(),
            members: Vec::new(),
        });
        for (order, k) in (1i64..).zip(kids) {
            let age = self.age(k.birth);
            let sex = if k.male { Sex::Male } else { Sex::Female };
            let rel = if k.male {
                Relation::Son
            } else {
                Relation::Daughter
            };
            if age < 18 {
                if minors_stay {
                    let i = self.person(hh, surname, sex, k.birth, rel, None);
                    if let Some(f) = family.as_mut() {
                        f.members.push((i, order));
                    }
                }
                continue;
            }
            let married_p = match (k.male, age) {
                (true, ..22) => 0,
                (true, 22..25) => 30,
                (true, 25..30) => 68,
                (true, 30..35) => 86,
                (true, _) => 92,
                (false, ..20) => 0,
                (false, 20..23) => 30,
                (false, 23..26) => 62,
                (false, 26..30) => 82,
                (false, _) => 95,
            };
            let married = self.rng.u32(0..100) < married_p;
            if married {
                if k.male && three_gen && !son_at_home && self.rng.u32(0..100) < 55 {
                    son_at_home = true;
                    self.son_family(hh, surname, k.birth);
                }
                continue;
            }
            // Unmarried daughters leave more often than sons (work, study,
            // marrying out).
            let stay = match (k.male, age) {
                (true, ..25) => 65,
                (true, 25..35) => 55,
                (true, _) => 75,
                (false, ..25) => 50,
                (false, 25..35) => 35,
                (false, _) => 50,
            };
            if self.rng.u32(0..100) < stay {
                let status = if age >= 28 && self.rng.u32(0..100) < 6 {
                    MaritalStatus::Divorced
                } else {
                    MaritalStatus::Unmarried
                };
                self.person(hh, surname, sex, k.birth, rel, Some(status));
            }
        }
        if let Some(f) = family
            && !f.births.is_empty()
        {
            self.families.push(f);
        }
    }

    /// A married son living with his parents: son, daughter-in-law,
    /// grandchildren, and their couple record.
    fn son_family(&mut self, hh: &str, surname: usize, son_birth: NaiveDate) {
        let son_age = self.age(son_birth);
        let gap = self.spouse_gap();
        let dil_age = (son_age - gap).min(son_age + 3).max(20);
        let dil_birth = self.birth_for_age(dil_age);
        let s = self.person(
            hh,
            surname,
            Sex::Male,
            son_birth,
            Relation::Son,
            Some(MaritalStatus::FirstMarriage),
        );
        let dil_surname = self.surname_idx();
        let d = self.person(
            hh,
            dil_surname,
            Sex::Female,
            dil_birth,
            Relation::DaughterInLaw,
            Some(MaritalStatus::FirstMarriage),
        );
        let mut grandkids = Vec::new();
        let (son_birth, dil_birth) = (self.birth_of(s), self.birth_of(d));
        let marriage = self.marriage_date(dil_birth, son_birth);
        self.plan_children(dil_birth, marriage, &mut grandkids);
        let mut family = Family {
            mother: d,
            births: grandkids.iter().map(|k| k.birth).collect(),
            members: Vec::new(),
        };
        for (order, g) in (1i64..).zip(&grandkids) {
            let age = self.age(g.birth);
            if age >= 18 && self.rng.u32(0..100) < 50 {
                continue;
            }
            let sex = if g.male { Sex::Male } else { Sex::Female };
            let i = self.person(hh, surname, sex, g.birth, Relation::Grandchild, None);
            family.members.push((i, order));
        }
        if !family.births.is_empty() {
            self.families.push(family);
        }
        self.couple(d, s, marriage, KidSummary::of(&grandkids));
    }

    /// Years the husband is older than the wife.
    fn spouse_gap(&mut self) -> i32 {
        let r = self.rng.u32(0..100);
        pick_table(
            r,
            &[
                (3, -2),
                (9, -1),
                (21, 0),
                (40, 1),
                (60, 2),
                (76, 3),
                (86, 4),
                (93, 5),
                (97, 6),
                (100, 8),
            ],
        )
    }

    /// Records a couple when the wife is 15–49, and sometimes a birth
    /// registration for them.
    fn couple(&mut self, wife: usize, husband: usize, marriage: NaiveDate, kids: KidSummary) {
        let wife_birth = self.birth_of(wife);
        let wife_age = self.age(wife_birth);
        if !(15..=49).contains(&wife_age) {
            return;
        }
        let couple_id = self.uuid();
        self.couple_wives.push(wife);
        self.batch.couples.push(Couple {
            id: couple_id.clone(),
            wife_id: self.person_id(wife),
            husband_id: self.person_id(husband),
            marriage_date: Some(fmt_date(marriage)),
            village_code: self.village_code.clone(),
            version: 1,
            change_seq: 0,
        });
        if (20..=40).contains(&wife_age) && self.rng.u32(0..100) < 15 {
            self.registration(couple_id, kids);
        }
    }

    fn registration(&mut self, couple_id: String, kids: KidSummary) {
        let today = self.today;
        let three_years_ago = today.checked_sub_months(Months::new(36)).unwrap_or(today);
        self.reg_no += 1;
        let number = format!("SY{}{:04}", self.village_code, self.reg_no);
        let mut status = RegistrationStatus::Current;
        let mut reason = None;
        let mut last_reviewed = None;
        let recent = kids.youngest.filter(|(birth, order)| {
            *order <= 3 && add_days(*birth, -280) >= three_years_ago && *birth <= today
        });
        let (child_order, issued) = match recent {
            Some((birth, order)) if self.rng.u32(0..100) < 85 => {
                status = RegistrationStatus::Used;
                let issued = add_days(birth, -self.rng.i64(120..280)).max(three_years_ago);
                (order, issued)
            }
            _ => {
                let order = (kids.count + 1).min(3);
                let issued = add_days(today, -self.rng.i64(0..1095)).max(three_years_ago);
                let r = self.rng.u32(0..100);
                let first_review = next_review(issued);
                if r < 8 {
                    status = RegistrationStatus::Cancelled;
                    let i = self.rng.usize(..CANCEL_REASONS.len());
                    reason = CANCEL_REASONS.get(i).map(|s| (*s).to_string());
                } else if first_review <= today {
                    if r < 45 {
                        status = RegistrationStatus::Lapsed;
                    } else {
                        // Reviewed every year so far.
                        let mut last = first_review;
                        while next_review(last) <= today && next_review(last) > last {
                            last = next_review(last);
                        }
                        last_reviewed = Some(last);
                    }
                }
                (order, issued)
            }
        };
        let review_due = next_review(last_reviewed.unwrap_or(issued));
        let id = self.uuid();
        self.reg_couples
            .push(self.batch.couples.len().saturating_sub(1));
        self.batch.registrations.push(BirthRegistration {
            id,
            couple_id,
            village_code: self.village_code.clone(),
            child_order: child_order as i64,
            number,
            issued_on: fmt_date(issued),
            status,
            status_reason: reason,
            review_due: fmt_date(review_due),
            last_reviewed_on: last_reviewed.map(fmt_date),
            version: 1,
            change_seq: 0,
        });
    }

    /// A widowed parent of the head, living with the family.
    fn elderly_parent(&mut self, hh: &str, head_age: i32, head_surname: usize) {
        let age = head_age + self.rng.i32(22..=32);
        if age > 98 {
            return;
        }
        let birth = self.birth_for_age(age);
        if self.rng.u32(0..100) < 68 {
            let s = self.surname_idx();
            self.person(
                hh,
                s,
                Sex::Female,
                birth,
                Relation::Parent,
                Some(MaritalStatus::Widowed),
            );
        } else {
            self.person(
                hh,
                head_surname,
                Sex::Male,
                birth,
                Relation::Parent,
                Some(MaritalStatus::Widowed),
            );
        }
    }

    /// One household with its members, couples and registrations.
    fn household(&mut self) {
        let hh_id = self.uuid();
        self.hh_no += 1;
        if self.in_group >= self.group_cap {
            self.group += 1;
            self.in_group = 0;
            self.group_cap = self.rng.u32(45..=90);
        }
        self.in_group += 1;
        let number = format!("{:04}", self.hh_no);
        let address = format!("{}{}组{}号", self.addr_prefix, self.group, self.in_group);

        let head_age = self.head_age();
        let male_head_p = match head_age {
            ..60 => 91,
            60..75 => 84,
            _ => 68,
        };
        let line = self.line_surname();
        let mut kids = Vec::new();
        let head;
        if self.rng.u32(0..100) < male_head_p {
            let head_birth = self.birth_for_age(head_age);
            let married_p = match head_age {
                ..25 => 60,
                25..30 => 80,
                30..60 => 91,
                60..70 => 88,
                70..80 => 78,
                _ => 58,
            };
            if self.rng.u32(0..100) < married_p {
                let remarried = head_age >= 35 && self.rng.u32(0..100) < 4;
                let status = if remarried {
                    MaritalStatus::Remarried
                } else {
                    MaritalStatus::FirstMarriage
                };
                let gap = self.spouse_gap();
                let wife_age = (head_age - gap).min(head_age + 3).max(20);
                let wife_birth = self.birth_for_age(wife_age);
                head = self.person(
                    &hh_id,
                    line,
                    Sex::Male,
                    head_birth,
                    Relation::Head,
                    Some(status),
                );
                let ws = self.surname_idx();
                let wife = self.person(
                    &hh_id,
                    ws,
                    Sex::Female,
                    wife_birth,
                    Relation::Spouse,
                    Some(status),
                );
                let (hb, wb) = (self.birth_of(head), self.birth_of(wife));
                let first = self.marriage_date(wb, hb);
                self.plan_children(wb, first, &mut kids);
                let recorded = if remarried {
                    // The current marriage came later than the children's plan.
                    let from = add_years(wb, 28).max(first);
                    let span = (self.today - from).num_days().max(1);
                    add_days(from, self.rng.i64(0..span)).min(self.today)
                } else {
                    first
                };
                self.add_children(&hh_id, line, &kids, true, true, Some(wife));
                self.couple(wife, head, recorded, KidSummary::of(&kids));
                if (35..=72).contains(&head_age) && self.rng.u32(0..100) < 20 {
                    self.elderly_parent(&hh_id, head_age, line);
                }
            } else {
                let r = self.rng.u32(0..100);
                let status = match head_age {
                    ..35 => pick_status(r, 80, 100),
                    35..60 => pick_status(r, 35, 80),
                    _ => pick_status(r, 10, 15),
                };
                head = self.person(
                    &hh_id,
                    line,
                    Sex::Male,
                    head_birth,
                    Relation::Head,
                    Some(status),
                );
                let hb = self.birth_of(head);
                match status {
                    MaritalStatus::Unmarried => {
                        if head_age < 60 && self.rng.u32(0..100) < 35 {
                            self.elderly_parent(&hh_id, head_age, line);
                        }
                    }
                    _ => {
                        let gap = self.spouse_gap();
                        let wb = self.birth_for_age((head_age - gap).min(head_age + 3).max(20));
                        let m = self.marriage_date(wb, hb);
                        self.plan_children(wb, m, &mut kids);
                        let divorced = status == MaritalStatus::Divorced;
                        let minors = !divorced || self.rng.u32(0..100) < 45;
                        self.add_children(&hh_id, line, &kids, !divorced, minors, None);
                    }
                }
            }
        } else {
            // A woman heads the household: mostly widows, some divorced.
            let r = self.rng.u32(0..100);
            let status = match head_age {
                ..35 => pick_status(r, 30, 100),
                35..60 => pick_status(r, 10, 60),
                _ => pick_status(r, 3, 8),
            };
            let own = self.surname_idx();
            let hb = self.birth_for_age(head_age);
            head = self.person(&hh_id, own, Sex::Female, hb, Relation::Head, Some(status));
            let hb = self.birth_of(head);
            if status != MaritalStatus::Unmarried {
                let gap = self.spouse_gap();
                let husband_birth = self.birth_for_age(head_age + gap.max(0));
                let m = self.marriage_date(hb, husband_birth);
                self.plan_children(hb, m, &mut kids);
                let divorced = status == MaritalStatus::Divorced;
                let minors = !divorced || self.rng.u32(0..100) < 80;
                self.add_children(&hh_id, line, &kids, !divorced, minors, Some(head));
            }
            if (35..=70).contains(&head_age) && self.rng.u32(0..100) < 6 {
                self.elderly_parent(&hh_id, head_age, own);
            }
        }

        let n = kids.len();
        let daughters = kids.iter().filter(|k| !k.male).count();
        let only_child = n == 1;
        let two_daughters = n == 2 && daughters == 2;
        let girl_family = n >= 1 && daughters == n;
        let fp_p = if only_child || two_daughters { 75 } else { 14 };
        let family_planning = self.rng.u32(0..100) < fp_p;
        let poor_family_planning = family_planning && self.rng.u32(0..100) < 10;
        let head_person_id = Some(self.person_id(head));
        self.batch.households.push(Household {
            id: hh_id,
            village_code: self.village_code.clone(),
            number,
            address,
            head_person_id,
            flags: HouseholdFlags {
                family_planning,
                poor_family_planning,
                only_child,
                two_daughters,
                girl_family,
            },
            version: 1,
            change_seq: 0,
        });
    }
}

/// Picks from a cumulative table of `(upper bound, value)` by `r`.
fn pick_table<T: Copy + Default>(r: u32, table: &[(u32, T)]) -> T {
    table
        .iter()
        .find(|(bound, _)| r < *bound)
        .or(table.last())
        .map(|(_, v)| *v)
        .unwrap_or_default()
}

/// Unmarried below `unmarried`, divorced below `divorced`, else widowed.
fn pick_status(r: u32, unmarried: u32, divorced: u32) -> MaritalStatus {
    if r < unmarried {
        MaritalStatus::Unmarried
    } else if r < divorced {
        MaritalStatus::Divorced
    } else {
        MaritalStatus::Widowed
    }
}

fn pick_cum(rng: &mut fastrand::Rng, cum: &[u32]) -> usize {
    let total = cum.last().copied().unwrap_or(0);
    if total == 0 {
        return 0;
    }
    let r = rng.u32(0..total);
    cum.partition_point(|&c| c <= r)
}

/// Generates the population village by village (streaming: never the whole
/// population in memory), calling `sink` once per village in village-code
/// order. Stops at the first sink error and returns it. Deterministic for a
/// given (persons, seed, today).
pub fn generate<E>(
    cfg: &DemoConfig,
    mut sink: impl FnMut(VillageBatch) -> Result<(), E>,
) -> Result<(), E> {
    let towns = plan(cfg.persons);
    let mut villages: Vec<Village<'_>> = towns
        .iter()
        .flat_map(|t| {
            t.villages.iter().map(move |v| Village {
                code: &v.code,
                name: &v.name,
                town: &t.name,
                county: t.county,
                target: 0,
            })
        })
        .collect();
    villages.sort_by(|a, b| a.code.cmp(b.code));

    // Village sizes vary ±40% around the mean and sum to `persons`.
    let weights: Vec<f64> = villages
        .iter()
        .map(|v| {
            let u =
                (mix(cfg.seed ^ mix(code_num(v.code) ^ 0x5EED)) >> 11) as f64 / (1u64 << 53) as f64;
            0.6 + 0.8 * u
        })
        .collect();
    let total: f64 = weights.iter().sum();
    let mut assigned = 0usize;
    let last = villages.len().saturating_sub(1);
    for (i, (v, w)) in villages.iter_mut().zip(&weights).enumerate() {
        v.target = if i == last {
            cfg.persons.saturating_sub(assigned)
        } else if total > 0.0 {
            ((cfg.persons as f64) * w / total).round() as usize
        } else {
            0
        };
        assigned += v.target;
    }

    let mut counties: Vec<&'static str> = towns.iter().map(|t| t.county).collect();
    counties.sort_unstable();
    counties.dedup();
    let mut g = Gen::new(cfg, counties);
    for v in &villages {
        g.start_village(cfg.seed, v);
        while g.batch.persons.len() < v.target {
            g.household();
        }
        g.history(v);
        g.follow_up(cfg.seed, v);
        sink(std::mem::take(&mut g.batch))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default()
    }

    fn cfg(persons: usize, seed: u64) -> DemoConfig {
        DemoConfig {
            persons,
            seed,
            today: today(),
            followup_months: FOLLOWUP_MONTHS,
        }
    }

    fn collect(c: &DemoConfig) -> Vec<VillageBatch> {
        let mut out = Vec::new();
        let r: Result<(), ()> = generate(c, |b| {
            out.push(b);
            Ok(())
        });
        assert!(r.is_ok());
        out
    }

    #[test]
    fn deterministic_and_seed_dependent() {
        let a = collect(&cfg(6_000, 7));
        let b = collect(&cfg(6_000, 7));
        assert_eq!(a, b);
        let c = collect(&cfg(6_000, 8));
        assert_ne!(a, c);
    }

    #[test]
    fn sink_error_stops_generation() {
        let mut calls = 0;
        let r = generate(&cfg(3_000, 1), |_| {
            calls += 1;
            if calls == 3 { Err("stop") } else { Ok(()) }
        });
        assert_eq!(r, Err("stop"));
        assert_eq!(calls, 3);
    }

    #[test]
    fn gushao_totals_and_validity() {
        let c = cfg(45_000, 42);
        let orgs = org_units(&c);
        let villages: Vec<&OrgUnit> = orgs
            .iter()
            .filter(|o| o.level() == OrgLevel::Village)
            .collect();
        assert_eq!(villages.len(), 20);
        assert_eq!(orgs[0].code.as_str(), "370404");
        assert_eq!(orgs[1].code.as_str(), GUSHAO);
        let names: Vec<&str> = villages.iter().map(|v| v.name.as_str()).collect();
        assert!(names.contains(&"万年闸村") && names.contains(&"乐庄村"));
        assert_eq!(villages[0].code.as_str(), "370404100201");

        let batches = collect(&c);
        assert_eq!(batches.len(), 20);
        let codes: Vec<&str> = batches.iter().map(|b| b.village_code.as_str()).collect();
        let org_codes: Vec<&str> = villages.iter().map(|v| v.code.as_str()).collect();
        assert_eq!(codes, org_codes);

        let persons: usize = batches.iter().map(|b| b.persons.len()).sum();
        let households: usize = batches.iter().map(|b| b.households.len()).sum();
        assert!(
            persons.abs_diff(45_000) <= 2_250,
            "persons {persons} not within 5% of 45000"
        );
        assert!(
            (11_000..=15_000).contains(&households),
            "households {households}"
        );

        let mut ids = HashSet::new();
        let mut rids = HashSet::new();
        let mut reg_numbers = HashSet::new();
        for b in &batches {
            let hh: HashMap<&str, &Household> =
                b.households.iter().map(|h| (h.id.as_str(), h)).collect();
            let numbers: HashSet<&str> = b.households.iter().map(|h| h.number.as_str()).collect();
            assert_eq!(numbers.len(), b.households.len(), "household numbers");
            let sexes: HashMap<&str, Sex> =
                b.persons.iter().map(|p| (p.id.as_str(), p.sex)).collect();
            for h in &b.households {
                assert!(
                    crate::household::NewHousehold::validate(
                        &h.village_code,
                        &h.number,
                        &h.address,
                        h.flags
                    )
                    .is_ok()
                );
                let head = h.head_person_id.as_deref().unwrap_or("");
                assert!(sexes.contains_key(head), "head in batch");
                assert!(ids.insert(h.id.clone()));
            }
            for p in &b.persons {
                let id = ResidentId::parse_on(&p.resident_id, today());
                assert!(id.is_ok(), "{} {:?}", p.resident_id, id);
                let Ok(id) = id else { continue };
                assert_eq!(id.sex(), p.sex);
                assert_eq!(fmt_date(id.birth_date()), p.birth_date);
                assert_eq!(id.region(), &p.village_code[..6]);
                assert!(rids.insert(p.resident_id.clone()), "duplicate ID");
                assert!(ids.insert(p.id.clone()));
                let input = crate::person::PersonInput {
                    name: p.name.clone(),
                    resident_id: p.resident_id.clone(),
                    sex: p.sex.label_zh().into(),
                    birth_date: p.birth_date.clone(),
                    phone: p.phone.clone().unwrap_or_default(),
                    marital_status: p
                        .marital_status
                        .map(|m| m.code().to_string())
                        .unwrap_or_default(),
                    village_code: p.village_code.clone(),
                    relation: p.relation.map(|r| r.code().to_string()).unwrap_or_default(),
                };
                let v = input.validate(today());
                assert!(v.is_ok(), "{p:?}: {v:?}");
                let hid = p.household_id.as_deref().unwrap_or("");
                assert!(hh.contains_key(hid), "household in batch");
                let age = age_on(id.birth_date(), today());
                assert_eq!(p.marital_status.is_none(), age < 20, "{p:?}");
                if age < 16 {
                    assert!(p.phone.is_none());
                }
                assert!(
                    uuid::Uuid::parse_str(&p.id).map(|u| u.get_version_num()) == Ok(7),
                    "uuid v7"
                );
            }
            for c in &b.couples {
                assert_eq!(sexes.get(c.wife_id.as_str()), Some(&Sex::Female));
                assert_eq!(sexes.get(c.husband_id.as_str()), Some(&Sex::Male));
                assert_eq!(c.village_code, b.village_code);
                let m = c.marriage_date.as_deref().unwrap_or("");
                let md = crate::dates::parse_date(m);
                assert!(md.is_ok_and(|d| d <= today()), "{m}");
            }
            let couples: HashSet<&str> = b.couples.iter().map(|c| c.id.as_str()).collect();
            for r in &b.registrations {
                assert!(couples.contains(r.couple_id.as_str()));
                let v = crate::registration::NewRegistration::validate(
                    r.child_order,
                    &r.number,
                    &r.issued_on,
                    today(),
                );
                assert!(v.is_ok(), "{r:?}");
                assert!((1..=3).contains(&r.child_order));
                assert!(reg_numbers.insert(r.number.clone()));
                let base = r.last_reviewed_on.as_deref().unwrap_or(&r.issued_on);
                let base = crate::dates::parse_date(base).unwrap_or_default();
                assert_eq!(fmt_date(next_review(base)), r.review_due);
                assert_eq!(
                    r.status == RegistrationStatus::Cancelled,
                    r.status_reason.is_some()
                );
            }
        }
    }

    #[test]
    fn names_and_phones_parse() {
        for b in collect(&cfg(3_000, 3)) {
            for p in &b.persons {
                assert!(
                    crate::name::PersonName::parse(&p.name).is_ok(),
                    "{}",
                    p.name
                );
                if let Some(ph) = &p.phone {
                    assert!(crate::phone::MobilePhone::parse(ph).is_ok(), "{ph}");
                }
            }
        }
    }

    #[test]
    fn county_scale_orgs() {
        let orgs = org_units(&cfg(1_000_000, 1));
        let towns: Vec<&OrgUnit> = orgs
            .iter()
            .filter(|o| o.level() == OrgLevel::Town)
            .collect();
        assert!(towns.len() > 1);
        let town_codes: HashSet<&str> = towns.iter().map(|t| t.code.as_str()).collect();
        let county_codes: HashSet<&str> = orgs
            .iter()
            .filter(|o| o.level() == OrgLevel::County)
            .map(|o| o.code.as_str())
            .collect();
        for t in &towns {
            assert!(county_codes.contains(&t.code.as_str()[..6]));
        }
        let mut seen = HashSet::new();
        let mut last_level = OrgLevel::County;
        for o in &orgs {
            assert!(o.level() >= last_level, "parents before children");
            last_level = o.level();
            if o.level() == OrgLevel::Village {
                let c = o.code.as_str();
                assert_eq!(c.len(), 12);
                assert!(c.bytes().all(|b| b.is_ascii_digit()));
                assert!(town_codes.contains(&c[..9]), "{c}");
                assert!(seen.insert(c.to_string()), "duplicate {c}");
            }
        }
        let names: HashSet<&str> = towns.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names.len(), towns.len(), "town names unique");
        // Province scale still fits the code space.
        let big = org_units(&cfg(40_000_000, 1));
        let v = big
            .iter()
            .filter(|o| o.level() == OrgLevel::Village)
            .count();
        assert!(v * 2_250 >= 30_000_000, "{v} villages");
        let big_towns: Vec<&str> = big
            .iter()
            .filter(|o| o.level() == OrgLevel::Town)
            .map(|o| o.name.as_str())
            .collect();
        let unique: HashSet<&str> = big_towns.iter().copied().collect();
        assert_eq!(unique.len(), big_towns.len(), "town names unique");
    }

    #[test]
    fn accounts() {
        let orgs = org_units(&cfg(45_000, 1));
        let acc = demo_accounts(&orgs);
        let users: Vec<&str> = acc.iter().map(|a| a.username.as_str()).collect();
        assert_eq!(
            &users[..6],
            &["admin", "town", "clinician", "supervisor", "auditor", "v01"]
        );
        // Then one follow-up worker per zone of each village (3–6 zones).
        let workers = acc
            .iter()
            .filter(|a| a.role == Role::FollowUpWorker)
            .count();
        assert!((60..=120).contains(&workers), "{workers} workers");
        assert_eq!(acc.len(), 5 + 20 + workers);
        assert!(acc.iter().any(|a| a.username == "v01w1"
            && a.org_code == "370404100201"
            && a.display_name.ends_with("随访员")));
        assert_eq!(acc[5].org_code, "370404100201");
        assert_eq!(acc[5].role, Role::VillageSpecialist);
        assert_eq!(acc[6].username, "v02");
        assert_eq!(acc[6].org_code, "370404100202");
        for a in &acc {
            assert!(crate::user::parse_username(&a.username).is_ok());
            assert!(orgs.iter().any(|o| o.code.as_str() == a.org_code));
            assert!(!a.display_name.is_empty());
        }
        // More towns do not change the Gushao accounts.
        let big = demo_accounts(&org_units(&cfg(1_000_000, 1)));
        assert_eq!(big.len(), acc.len());
        assert_eq!(big[5].org_code, "370404100201");
    }

    /// Prints the shape of the population; run with --ignored --nocapture.
    #[test]
    #[ignore]
    fn demo_stats() {
        let mut bands = [[0usize; 2]; 20];
        let (mut persons, mut hh, mut couples, mut regs) = (0, 0, 0, 0);
        let (mut fp, mut poor, mut only, mut twod, mut girl) = (0, 0, 0, 0, 0);
        let (mut adults, mut phones, mut women_1549) = (0, 0, 0);
        let mut rel: HashMap<&'static str, usize> = HashMap::new();
        let mut marital: HashMap<(usize, &'static str), usize> = HashMap::new();
        let mut status: HashMap<&'static str, usize> = HashMap::new();
        let r: Result<(), ()> = generate(&cfg(45_000, 42), |b| {
            persons += b.persons.len();
            hh += b.households.len();
            couples += b.couples.len();
            regs += b.registrations.len();
            for r in &b.registrations {
                *status.entry(r.status.code()).or_default() += 1;
            }
            for h in &b.households {
                fp += usize::from(h.flags.family_planning);
                poor += usize::from(h.flags.poor_family_planning);
                only += usize::from(h.flags.only_child);
                twod += usize::from(h.flags.two_daughters);
                girl += usize::from(h.flags.girl_family);
            }
            for p in &b.persons {
                let birth = crate::dates::parse_date(&p.birth_date).unwrap_or_default();
                let age = age_on(birth, today()).max(0) as usize;
                bands[(age / 5).min(19)][usize::from(p.sex == Sex::Female)] += 1;
                if age >= 18 {
                    adults += 1;
                    phones += usize::from(p.phone.is_some());
                }
                if p.sex == Sex::Female && (15..=49).contains(&age) {
                    women_1549 += 1;
                }
                *rel.entry(p.relation.map(|r| r.code()).unwrap_or("-"))
                    .or_default() += 1;
                *marital
                    .entry((
                        (age / 10).min(9),
                        p.marital_status.map(|m| m.code()).unwrap_or("-"),
                    ))
                    .or_default() += 1;
            }
            Ok(())
        });
        assert!(r.is_ok());
        let (m, f): (usize, usize) = bands.iter().fold((0, 0), |(m, f), b| (m + b[0], f + b[1]));
        println!(
            "persons {persons} households {hh} ({:.2}/hh)",
            persons as f64 / hh as f64
        );
        println!("sex ratio {:.3}", m as f64 / f as f64);
        for (i, b) in bands.iter().enumerate() {
            let n = b[0] + b[1];
            println!(
                "{:>3}-{:<3} {:>5} {:5.1}% m/f {:.2} {}",
                i * 5,
                i * 5 + 4,
                n,
                100.0 * n as f64 / persons as f64,
                b[0] as f64 / b[1].max(1) as f64,
                "#".repeat(n / 100)
            );
        }
        println!("couples {couples}, women 15-49 {women_1549}, registrations {regs} {status:?}");
        let pct = |x: usize| 100.0 * x as f64 / hh as f64;
        println!(
            "flags fp {:.1}% poor {:.1}% only {:.1}% twod {:.1}% girl {:.1}%",
            pct(fp),
            pct(poor),
            pct(only),
            pct(twod),
            pct(girl)
        );
        println!(
            "phones {:.1}% of adults",
            100.0 * phones as f64 / adults as f64
        );
        println!("relations {rel:?}");
        let mut ms: Vec<_> = marital.into_iter().collect();
        ms.sort();
        println!("marital {ms:?}");
    }

    /// County scale: every ID valid and unique; run in release with --ignored.
    #[test]
    #[ignore]
    fn demo_million_ids_unique() {
        let mut seen = HashSet::new();
        let mut villages = HashSet::new();
        let r: Result<(), String> = generate(&cfg(1_000_000, 9), |b| {
            if !villages.insert(b.village_code.clone()) {
                return Err(format!("village {} twice", b.village_code));
            }
            for p in &b.persons {
                let id = ResidentId::parse_on(&p.resident_id, today());
                if !id.is_ok_and(|i| i.sex() == p.sex && i.region() == &p.village_code[..6]) {
                    return Err(format!("bad id {}", p.resident_id));
                }
                if !seen.insert(p.resident_id.clone()) {
                    return Err(format!("duplicate id {}", p.resident_id));
                }
            }
            Ok(())
        });
        assert_eq!(r, Ok(()));
        assert!(seen.len().abs_diff(1_000_000) < 50_000, "{}", seen.len());
    }

    /// Times generation; run in release with --ignored --nocapture.
    #[test]
    #[ignore]
    fn demo_timing() {
        for n in [45_000, 1_000_000] {
            let start = std::time::Instant::now();
            let mut persons = 0usize;
            let r: Result<(), ()> = generate(&cfg(n, 42), |b| {
                persons += b.persons.len();
                Ok(())
            });
            assert!(r.is_ok());
            println!("{n}: {persons} persons in {:?}", start.elapsed());
        }
    }
}
