//! The search box (人员查询): name prefix, pinyin initials, resident ID,
//! phone or household number, 20 hits a page, masked values only.

use super::{Errors, blocking, encode, fail, names, page_number, sex_label};
use crate::AppState;
use crate::i18n::Tr;
use crate::kit::page::{other_lang, render};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hearth_store::search::{DEFAULT_LIMIT, SearchQuery};
use serde::Deserialize;

/// One hit as the page shows it.
#[derive(Debug, Clone)]
pub(crate) struct HitV {
    pub id: String,
    pub name: String,
    pub sex: String,
    pub birth_date: String,
    pub masked_id: String,
    pub masked_phone: String,
    pub village: String,
    pub household_id: String,
    pub household_number: String,
}

#[derive(Template)]
#[template(path = "register/search.html")]
struct SearchPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    q: String,
    village: String,
    village_name: String,
    all_link: String,
    errs: Errors,
    searched: bool,
    hits: Vec<HitV>,
    total: i64,
    page: i64,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    page: Option<String>,
    village: Option<String>,
}

/// `GET /search?q=&page=&village=`.
pub async fn search(
    State(st): State<AppState>,
    me: SignedIn,
    Query(params): Query<SearchParams>,
) -> Response {
    let lang = me.ctx.lang;
    let q = params.q.unwrap_or_default().trim().to_string();
    let village = params
        .village
        .unwrap_or_default()
        .trim()
        .chars()
        .take(12)
        .collect::<String>();
    let page = page_number(params.page.as_deref());
    let db = st.db.clone();
    let scope = me.scope.clone();
    let text = q.clone();
    let v = village.clone();
    let res = blocking(move || {
        let units = hearth_store::orgs::list(&db, &scope)?;
        if text.is_empty() {
            return Ok((units, Ok(None)));
        }
        let found = hearth_store::search::search_persons(
            &db,
            &scope,
            &SearchQuery {
                text,
                village_code: (!v.is_empty()).then_some(v),
                limit: DEFAULT_LIMIT,
                offset: (page - 1) * DEFAULT_LIMIT,
            },
        );
        match found {
            Ok(p) => Ok((units, Ok(Some(p)))),
            Err(hearth_store::StoreError::Invalid(f)) => Ok((units, Err(f))),
            Err(e) => Err(e),
        }
    })
    .await;
    let (units, found) = match res {
        Ok(x) => x,
        Err(e) => return fail(&me, e),
    };
    let village_names = names(&units);
    let mut view = SearchPage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(lang),
        village_name: village_names.get(&village).cloned().unwrap_or_default(),
        all_link: format!("/search?q={}", encode(&q)),
        q: q.clone(),
        village: village.clone(),
        errs: Errors::default(),
        searched: false,
        hits: Vec::new(),
        total: 0,
        page,
        pages: 0,
        prev: None,
        next: None,
    };
    let status = match found {
        Ok(None) => StatusCode::OK,
        Err(fields) => {
            view.errs = Errors::from_fields(&fields, lang, &["q"], &[]);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Ok(Some(p)) => {
            view.searched = true;
            view.total = p.total;
            view.pages = (p.total + DEFAULT_LIMIT - 1) / DEFAULT_LIMIT;
            let link = |n: i64| {
                let mut s = format!("/search?q={}&page={n}", encode(&q));
                if !village.is_empty() {
                    s.push_str(&format!("&village={}", encode(&village)));
                }
                s
            };
            view.prev = (page > 1).then(|| link(page - 1));
            view.next = (page < view.pages).then(|| link(page + 1));
            view.hits = p
                .hits
                .into_iter()
                .map(|h| HitV {
                    village: village_names
                        .get(&h.village_code)
                        .cloned()
                        .unwrap_or_else(|| h.village_code.clone()),
                    sex: sex_label(lang, h.sex),
                    id: h.id,
                    name: h.name,
                    birth_date: h.birth_date,
                    masked_id: h.masked_resident_id,
                    masked_phone: h.masked_phone.unwrap_or_default(),
                    household_id: h.household_id.unwrap_or_default(),
                    household_number: h.household_number.unwrap_or_default(),
                })
                .collect();
            StatusCode::OK
        }
    };
    if matches!(status, StatusCode::OK) && view.searched && view.hits.is_empty() && page > 1 {
        // Past the last page: nothing wrong, just nothing there.
        view.prev = Some(format!("/search?q={}&page=1", encode(&q)));
    }
    render(&view, status)
}
