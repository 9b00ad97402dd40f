//! The demo's org units: county 370404 峄城区 and town 370404100 古邵镇 with
//! its 20 villages, and above 80,000 persons more towns of Zaozhuang's
//! districts (a name list, no claim they are real); the villages a run
//! generates, each with the number of persons it is to hold.

use crate::seed::{DemoConfig, code_num, mix};
use hearth_core::org::OrgUnit;
use std::collections::HashSet;

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

pub(crate) struct TownPlan {
    county: &'static str,
    code: String,
    name: String,
    villages: Vec<VillagePlan>,
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
pub(crate) fn plan(persons: usize) -> Vec<TownPlan> {
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
    let mut out = Vec::new();
    for c in counties(&towns) {
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

/// The counties the towns lie in, in code order, each once.
pub(crate) fn counties(towns: &[TownPlan]) -> Vec<&'static str> {
    let mut counties: Vec<&'static str> = towns.iter().map(|t| t.county).collect();
    counties.sort_unstable();
    counties.dedup();
    counties
}

/// A village to generate: its code and names, and how many persons it is
/// to hold.
pub(crate) struct Village<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub town: &'a str,
    pub county: &'a str,
    pub target: usize,
}

/// The villages of the towns in village-code order, their sizes varying
/// ±40% around the mean and summing to `cfg.persons`.
pub(crate) fn villages<'a>(towns: &'a [TownPlan], cfg: &DemoConfig) -> Vec<Village<'a>> {
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
    villages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::cfg;
    use hearth_core::org::OrgLevel;

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
}
