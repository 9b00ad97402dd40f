//! The org tree (组织机构): district → town → village with household,
//! resident and 15–49 women counts, only inside the caller's subtree (the
//! units above it are shown as its context, counted over the subtree only).

use crate::AppState;
use crate::i18n::Tr;
use crate::kit::page::{PageResult, other_lang, render};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use hearth_store::orgs::{OrgCounts, OrgRow};
use std::collections::HashMap;

/// One unit of the tree with the sums over its villages in scope.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub code: String,
    pub name: String,
    pub level: String,
    pub is_village: bool,
    pub households: i64,
    pub residents: i64,
    pub women: i64,
    pub children: Vec<Node>,
}

#[derive(Template)]
#[template(path = "register/orgs.html")]
struct OrgsPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    roots: Vec<Node>,
    can_write: bool,
}

fn build(
    unit: &OrgRow,
    units: &[OrgRow],
    counts: &HashMap<&str, &OrgCounts>,
    tr: Tr,
    depth: usize,
) -> Node {
    let children: Vec<Node> = if depth >= 3 {
        Vec::new()
    } else {
        units
            .iter()
            .filter(|u| u.parent_code.as_deref() == Some(unit.code.as_str()))
            .map(|u| build(u, units, counts, tr, depth + 1))
            .collect()
    };
    let own = counts.get(unit.code.as_str());
    let sum = |f: fn(&Node) -> i64| children.iter().map(f).sum::<i64>();
    Node {
        code: unit.code.clone(),
        name: unit.name.clone(),
        level: tr
            .t(&format!("screens.level.{}", unit.level.as_str()))
            .to_string(),
        is_village: unit.level == hearth_core::org::OrgLevel::Village,
        households: own.map_or(0, |c| c.households) + sum(|n| n.households),
        residents: own.map_or(0, |c| c.residents) + sum(|n| n.residents),
        women: own.map_or(0, |c| c.women_15_49) + sum(|n| n.women),
        children,
    }
}

/// The tree: each root is a unit whose parent is not in the list.
pub(crate) fn tree_of(units: &[OrgRow], counts: &[OrgCounts], tr: Tr) -> Vec<Node> {
    let by_code: HashMap<&str, &OrgCounts> = counts.iter().map(|c| (c.code.as_str(), c)).collect();
    units
        .iter()
        .filter(|u| {
            u.parent_code
                .as_deref()
                .is_none_or(|p| !units.iter().any(|x| x.code == p))
        })
        .map(|u| build(u, units, &by_code, tr, 1))
        .collect()
}

/// `GET /orgs`.
pub async fn tree(State(st): State<AppState>, me: SignedIn) -> PageResult {
    let (units, counts) = me
        .run(&st, move |db, scope| {
            let counts =
                hearth_store::orgs::village_counts(db, scope, hearth_core::dates::today())?;
            let units = hearth_store::orgs::list(db, scope)?;
            Ok((units, counts))
        })
        .await?;
    Ok(render(
        &OrgsPage {
            tr: me.ctx.tr(),
            me: Some(me.me()),
            other_lang: other_lang(me.ctx.lang),
            roots: tree_of(&units, &counts, me.ctx.tr()),
            can_write: me.scope.can(hearth_core::scope::Permission::WriteRegister),
        },
        StatusCode::OK,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(code: &str, parent: Option<&str>, level: &str) -> OrgRow {
        use hearth_core::org::OrgLevel;
        OrgRow {
            code: code.into(),
            parent_code: parent.map(str::to_string),
            level: match level {
                "county" => OrgLevel::County,
                "town" => OrgLevel::Town,
                _ => OrgLevel::Village,
            },
            name: code.into(),
        }
    }

    #[test]
    fn sums_villages_upwards() {
        let units = [
            unit("370404", None, "county"),
            unit("370404100", Some("370404"), "town"),
            unit("370404100201", Some("370404100"), "village"),
            unit("370404100202", Some("370404100"), "village"),
        ];
        let counts = [
            OrgCounts {
                code: "370404100201".into(),
                households: 2,
                residents: 5,
                women_15_49: 1,
            },
            OrgCounts {
                code: "370404100202".into(),
                households: 1,
                residents: 3,
                women_15_49: 2,
            },
        ];
        let roots = tree_of(
            &units,
            &counts,
            Tr {
                lang: hearth_core::Lang::Zh,
            },
        );
        assert_eq!(roots.len(), 1);
        assert_eq!(
            (roots[0].households, roots[0].residents, roots[0].women),
            (3, 8, 3)
        );
        assert_eq!(roots[0].children[0].children.len(), 2);
    }
}
