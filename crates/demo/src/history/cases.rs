//! The town's 两非 enforcement cases (non-medical sex identification and
//! sex-selective termination) over the five years, with their seized items.

use crate::seed::{DemoConfig, HISTORY_YEARS, add_days, fmt_date, mix, uuid_v7};
use crate::town::GUSHAO;
use chrono::Months;
use hearth_core::pregnancy::{CaseKind, CaseStatus};

/// A 两非 case of the demo town.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCase {
    pub id: String,
    pub org_code: String,
    pub kind: CaseKind,
    pub occurred_on: String,
    pub place: &'static str,
    pub description: &'static str,
    pub penalty: Option<&'static str>,
    pub fine_yuan: Option<i64>,
    pub status: CaseStatus,
    /// (item id, kind, count).
    pub items: Vec<(String, &'static str, i64)>,
}

type CaseTemplate = (
    CaseKind,
    &'static str,
    &'static str,
    &'static str,
    Option<i64>,
    &'static [(&'static str, i64)],
);

const CASES: [CaseTemplate; 8] = [
    (
        CaseKind::SexIdentification,
        "古邵镇某村民家中",
        "群众举报有人使用便携式B超机为孕妇进行胎儿性别鉴定，现场查获B超机及收费记录",
        "没收B超机及违法所得，罚款",
        Some(30_000),
        &[("B超机", 1), ("收费记录本", 1)],
    ),
    (
        CaseKind::SexSelectiveTermination,
        "古邵镇某私人诊所",
        "非医学需要为孕妇实施选择性别人工终止妊娠，查获终止妊娠药品",
        "没收药品及违法所得，吊销执业许可证，罚款",
        Some(50_000),
        &[("药品", 20), ("米索前列醇片", 12)],
    ),
    (
        CaseKind::SexIdentification,
        "古邵镇集市",
        "中介人员招揽孕妇前往外地进行胎儿性别鉴定",
        "警告，罚款",
        Some(10_000),
        &[("宣传卡片", 150)],
    ),
    (
        CaseKind::SexIdentification,
        "古邵镇某个体诊所",
        "未经许可开展B超检查并向孕妇透露胎儿性别",
        "没收设备，罚款，移送卫生监督部门",
        Some(20_000),
        &[("B超机", 1), ("药品", 20)],
    ),
    (
        CaseKind::SexSelectiveTermination,
        "古邵镇某村卫生室",
        "村医违规向孕妇出售终止妊娠药品",
        "没收药品，罚款，暂停执业",
        Some(8_000),
        &[("药品", 20)],
    ),
    (
        CaseKind::SexIdentification,
        "峄城区某宾馆",
        "通过网络联系孕妇采血，邮寄境外进行胎儿性别鉴定",
        "移送公安机关",
        None,
        &[("采血管", 35), ("快递单据", 12)],
    ),
    (
        CaseKind::SexIdentification,
        "古邵镇某村",
        "流动B超车为孕妇鉴定胎儿性别",
        "没收B超机及车辆，罚款",
        Some(40_000),
        &[("B超机", 1), ("车辆", 1)],
    ),
    (
        CaseKind::SexSelectiveTermination,
        "古邵镇某民房",
        "非法为孕妇实施引产手术",
        "没收违法所得，罚款，移送司法机关",
        Some(60_000),
        &[("手术器械", 1), ("药品", 30)],
    ),
];

/// The town's 两非 cases over the five years: 5–8, at 古邵镇 (370404100),
/// older ones closed with their penalty, recent ones still open or under
/// investigation.
pub fn enforcement_cases(cfg: &DemoConfig) -> Vec<DemoCase> {
    let mut rng = fastrand::Rng::with_seed(mix(cfg.seed ^ 0x4341_5345));
    let counter = &mut 0u64;
    let today = cfg.today;
    let start = today
        .checked_sub_months(Months::new(12 * HISTORY_YEARS))
        .unwrap_or(today);
    let n = rng.usize(5..=8);
    let mut order: Vec<usize> = (0..CASES.len()).collect();
    rng.shuffle(&mut order);
    let span = (today - start).num_days().max(1);
    let mut out = Vec::with_capacity(n);
    for (i, t) in order.iter().take(n).enumerate() {
        let Some((kind, place, description, penalty, fine, items)) = CASES.get(*t) else {
            continue;
        };
        // Spread over the years, the latest a few weeks ago.
        let slot = span * (i as i64) / (n as i64);
        let on =
            add_days(start, slot + rng.i64(0..(span / n as i64).max(1))).min(add_days(today, -20));
        let age = (today - on).num_days();
        let status = if age > 365 {
            CaseStatus::Closed
        } else if age > 120 {
            if rng.bool() {
                CaseStatus::Closed
            } else {
                CaseStatus::Investigating
            }
        } else if rng.bool() {
            CaseStatus::Investigating
        } else {
            CaseStatus::Open
        };
        let closed = status == CaseStatus::Closed;
        let id = uuid_v7(counter, &mut rng);
        let items = items
            .iter()
            .map(|(k, c)| (uuid_v7(counter, &mut rng), *k, *c))
            .collect();
        out.push(DemoCase {
            id,
            org_code: GUSHAO.to_string(),
            kind: *kind,
            occurred_on: fmt_date(on),
            place,
            description,
            penalty: closed.then_some(*penalty),
            fine_yuan: if closed { *fine } else { None },
            status,
            items,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::cfg;

    #[test]
    fn cases_are_a_handful_at_the_town() {
        let cases = enforcement_cases(&cfg(3_000, 9));
        assert!((5..=8).contains(&cases.len()));
        for c in &cases {
            assert_eq!(c.org_code, GUSHAO);
            assert!(!c.items.is_empty());
            assert_eq!(c.status == CaseStatus::Closed, c.penalty.is_some());
        }
        assert_eq!(cases, enforcement_cases(&cfg(3_000, 9)));
    }
}
