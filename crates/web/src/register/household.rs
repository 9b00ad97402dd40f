//! Households (一户式管理): the household page with its members (masked
//! IDs), the address-and-flags form (version-checked), adding, moving and
//! removing members, the new-household form and a village's household list.

use crate::AppState;
use crate::i18n::Tr;
use crate::kit::form::{DiffRow, Errors, Opt, client_id, page_number, path_id, version_of};
use crate::kit::labels::{relation_label, relation_options, sex_label};
use crate::kit::org::{names, units, village_options};
use crate::kit::page::{OrPage, PageFail, PageResult, other_lang, render, see_other};
use crate::kit::params::{encode, tx};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use hearth_core::household::{HouseholdFlags, NewHousehold};
use hearth_core::id_number::mask_id;
use hearth_core::person::Relation;
use hearth_core::scope::Permission;
use hearth_store::StoreError;
use hearth_store::register::{self, ListFilter, ScreenEntity};
use serde::Deserialize;

/// Reads one flag.
type FlagGet = fn(&HouseholdFlags) -> bool;

/// The five programme flags: form name, catalogue key, getter.
const FLAGS: [(&str, &str, FlagGet); 5] = [
    ("family_planning", "screens.flag.family_planning", |f| {
        f.family_planning
    }),
    (
        "poor_family_planning",
        "screens.flag.poor_family_planning",
        |f| f.poor_family_planning,
    ),
    ("only_child", "screens.flag.only_child", |f| f.only_child),
    ("two_daughters", "screens.flag.two_daughters", |f| {
        f.two_daughters
    }),
    ("girl_family", "screens.flag.girl_family", |f| f.girl_family),
];

/// A flag checkbox.
#[derive(Debug, Clone)]
pub(crate) struct FlagOpt {
    name: &'static str,
    label: String,
    checked: bool,
}

fn flag_opts(tr: Tr, flags: &HouseholdFlags) -> Vec<FlagOpt> {
    FLAGS
        .iter()
        .map(|(name, key, get)| FlagOpt {
            name,
            label: tr.t(key).to_string(),
            checked: get(flags),
        })
        .collect()
}

fn flag_labels(tr: Tr, flags: &HouseholdFlags) -> Vec<String> {
    FLAGS
        .iter()
        .filter(|(_, _, get)| get(flags))
        .map(|(_, key, _)| tr.t(key).to_string())
        .collect()
}

/// The address and flags as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HouseholdForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    village_code: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    address: String,
    family_planning: Option<String>,
    poor_family_planning: Option<String>,
    only_child: Option<String>,
    two_daughters: Option<String>,
    girl_family: Option<String>,
}

impl HouseholdForm {
    fn flags(&self) -> HouseholdFlags {
        HouseholdFlags {
            family_planning: self.family_planning.is_some(),
            poor_family_planning: self.poor_family_planning.is_some(),
            only_child: self.only_child.is_some(),
            two_daughters: self.two_daughters.is_some(),
            girl_family: self.girl_family.is_some(),
        }
    }
}

// ---- the household page --------------------------------------------------------

pub(crate) struct MemberV {
    id: String,
    name: String,
    relation: String,
    sex: String,
    birth_date: String,
    masked_id: String,
    version: i64,
    move_open: bool,
    move_to: String,
    move_opts: Vec<Opt>,
    errs: Errors,
}

#[derive(Template)]
#[template(path = "register/household.html")]
struct HouseholdPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    can_write: bool,
    id: String,
    number: String,
    address: String,
    village: String,
    flags: Vec<String>,
    notice: Option<String>,
    edit_version: i64,
    edit_address: String,
    edit_flags: Vec<FlagOpt>,
    edit_errs: Errors,
    edit_open: bool,
    conflict: Vec<DiffRow>,
    members: Vec<MemberV>,
    add_resident_id: String,
    add_opts: Vec<Opt>,
    add_errs: Errors,
}

/// What a re-rendered household page carries besides the record.
#[derive(Debug, Default)]
struct HouseholdExtras {
    notice: Option<String>,
    /// The typed edit form (with the version to carry), its errors.
    edit: Option<(HouseholdForm, Errors)>,
    conflict: Vec<DiffRow>,
    /// The typed add-member form and its errors.
    add: Option<(MemberForm, Errors)>,
    /// A member's id, the typed move form and its errors.
    member: Option<(String, MemberForm, Errors)>,
    status: Option<StatusCode>,
}

async fn show_household(st: &AppState, me: &SignedIn, id: &str, x: HouseholdExtras) -> PageResult {
    let lang = me.ctx.lang;
    let tr = me.ctx.tr();
    let hid = id.to_string();
    let (v, units) = me
        .run(st, move |db, scope| {
            let v = register::get_household(db, scope, &hid)?;
            let units = hearth_store::orgs::list(db, scope)?;
            Ok((v, units))
        })
        .await?;
    let h = v.household;
    let members = v
        .members
        .into_iter()
        .map(|p| {
            let typed = x.member.as_ref().filter(|(pid, _, _)| *pid == p.id);
            let code = p.relation.map(|r| r.code().to_string()).unwrap_or_default();
            let move_rel = typed.map_or(code.as_str(), |(_, f, _)| f.relation.as_str());
            MemberV {
                relation: p
                    .relation
                    .map(|r| relation_label(lang, r))
                    .unwrap_or_default(),
                move_opts: relation_options(lang, move_rel),
                sex: sex_label(lang, p.sex),
                masked_id: mask_id(&p.resident_id),
                move_open: typed.is_some(),
                move_to: typed
                    .map(|(_, f, _)| f.to_number.clone())
                    .unwrap_or_default(),
                errs: typed.map(|(_, _, e)| e.clone()).unwrap_or_default(),
                id: p.id,
                name: p.name,
                birth_date: p.birth_date,
                version: p.version,
            }
        })
        .collect();
    let (edit_version, edit_address, edit_flags, edit_errs, edit_open) = match x.edit {
        Some((f, errs)) => (
            version_of(&f.version),
            f.address.clone(),
            flag_opts(tr, &f.flags()),
            errs,
            true,
        ),
        None => (
            h.version,
            h.address.clone(),
            flag_opts(tr, &h.flags),
            Errors::default(),
            false,
        ),
    };
    let (add, add_errs) = x.add.unwrap_or_default();
    let view = HouseholdPage {
        tr,
        me: Some(me.me()),
        other_lang: other_lang(lang),
        csrf: me.csrf.clone(),
        can_write: me.scope.can(Permission::WriteRegister),
        village: names(&units)
            .get(&h.village_code)
            .cloned()
            .unwrap_or_else(|| h.village_code.clone()),
        flags: flag_labels(tr, &h.flags),
        id: h.id,
        number: h.number,
        address: h.address,
        notice: x.notice,
        edit_version,
        edit_address,
        edit_flags,
        edit_errs,
        edit_open: edit_open || !x.conflict.is_empty(),
        conflict: x.conflict,
        members,
        add_resident_id: add.resident_id,
        add_opts: relation_options(lang, &add.relation),
        add_errs,
    };
    Ok(render(&view, x.status.unwrap_or(StatusCode::OK)))
}

/// `GET /households/{id}`.
pub async fn show(State(st): State<AppState>, me: SignedIn, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id).page(&me)?;
    show_household(&st, &me, id, HouseholdExtras::default()).await
}

/// `GET` on a household's form-only paths: back to the household page
/// (404 for a household outside the scope).
pub async fn back_to_household(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    back(&st, &me, &id).await
}

/// `GET` on a member's form-only paths: back to the household page.
pub async fn back_to_household_member(
    State(st): State<AppState>,
    me: SignedIn,
    Path((id, _pid)): Path<(String, String)>,
) -> PageResult {
    back(&st, &me, &id).await
}

/// 404 unless the household lies inside the caller's scope; reads nothing
/// else and audits nothing.
async fn visible(st: &AppState, me: &SignedIn, id: &str) -> Result<(), PageFail> {
    let hid = id.to_string();
    me.run(st, move |db, scope| {
        register::version_in_scope(db, scope, ScreenEntity::Household, &hid)
    })
    .await?;
    Ok(())
}

async fn back(st: &AppState, me: &SignedIn, id: &str) -> PageResult {
    let id = path_id(id).page(me)?;
    visible(st, me, id).await?;
    Ok(see_other(&format!("/households/{id}")))
}

/// The common start of a household POST: CSRF, a well-formed id, a role
/// that writes, and a household inside the scope (404 otherwise).
async fn start(st: &AppState, me: &SignedIn, csrf: &str, id: &str) -> Result<String, PageFail> {
    me.check_csrf(csrf).page(me)?;
    let id = path_id(id).page(me)?.to_string();
    me.require(Permission::WriteRegister)?;
    visible(st, me, &id).await?;
    Ok(id)
}

/// `POST /households/{id}/edit`: address and flags, version-checked.
pub async fn edit(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<HouseholdForm>,
) -> PageResult {
    let id = start(&st, &me, &f.csrf, &id).await?;
    let lang = me.ctx.lang;
    let tr = me.ctx.tr();
    let hid = id.clone();
    let (version, address, flags) = (version_of(&f.version), f.address.clone(), f.flags());
    // Refused fields and a stale version come back to the page.
    let res = me
        .run(&st, move |db, scope| {
            Ok(register::update_household(
                db, scope, &hid, version, &address, flags,
            ))
        })
        .await?;
    match res {
        Ok(_) => Ok(see_other(&format!("/households/{id}"))),
        Err(StoreError::Invalid(fields)) => {
            let errs = Errors::from_fields(&fields, lang, &["address"], &[]);
            let x = HouseholdExtras {
                edit: Some((f, errs)),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..HouseholdExtras::default()
            };
            show_household(&st, &me, &id, x).await
        }
        Err(StoreError::Conflict { current }) => {
            // The record as it is now, beside what was typed; the form keeps
            // the typed values with the new version.
            let hid = id.clone();
            let now = me
                .run(&st, move |db, scope| {
                    register::get_household(db, scope, &hid)
                })
                .await?
                .household;
            let yes_no = |b: bool| tx(lang, if b { "screens.yes" } else { "screens.no" });
            let typed = f.flags();
            let mut conflict = vec![DiffRow::new(
                tx(lang, "screens.household.address"),
                now.address.clone(),
                f.address.trim().to_string(),
            )];
            for (_, key, get) in FLAGS {
                conflict.push(DiffRow::new(
                    tr.t(key).to_string(),
                    yes_no(get(&now.flags)),
                    yes_no(get(&typed)),
                ));
            }
            let mut f = f;
            f.version = now.version.max(current).to_string();
            let x = HouseholdExtras {
                notice: Some(tx(lang, "screens.conflict.household")),
                edit: Some((f, Errors::default())),
                conflict,
                status: Some(StatusCode::CONFLICT),
                ..HouseholdExtras::default()
            };
            show_household(&st, &me, &id, x).await
        }
        Err(e) => Err(me.fail(e)),
    }
}

/// A member form: add (resident ID + relation), move (household number +
/// relation + the person's version) or remove (version).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    resident_id: String,
    #[serde(default)]
    to_number: String,
    #[serde(default)]
    relation: String,
}

/// A member form's store error as the page shows it: field errors beside
/// their fields (with clearer words for the cases a member form meets), a
/// stale version as a notice.
enum MemberOutcome {
    Fields(Errors),
    Stale,
    Fail(StoreError),
}

fn member_outcome(me: &SignedIn, e: StoreError, known: &[&str]) -> MemberOutcome {
    let lang = me.ctx.lang;
    match e {
        StoreError::Invalid(fields) => {
            let mut errs = Errors::default();
            for f in &fields {
                let special = match (f.field.as_str(), f.reason.code()) {
                    ("resident_id", "unknown_value") => Some("screens.member.not_found"),
                    ("resident_id", "org_parent_mismatch") => Some("screens.member.other_village"),
                    ("resident_id", "duplicate") => Some("screens.member.already_here"),
                    ("resident_id", "bad_transition") => Some("screens.member.elsewhere"),
                    ("to_number", "unknown_value") => Some("screens.member.no_such_household"),
                    ("to_number", "duplicate") => Some("screens.member.same_household"),
                    ("relation", "duplicate") => Some("screens.member.has_head"),
                    _ => None,
                };
                match special {
                    Some(key) => errs.add(&f.field, tx(lang, key)),
                    None => {
                        let one = Errors::from_fields(std::slice::from_ref(f), lang, known, &[]);
                        match one.get(&f.field) {
                            Some(m) => errs.add(&f.field, m.to_string()),
                            None => errs.general.extend(one.general),
                        }
                    }
                }
            }
            MemberOutcome::Fields(errs)
        }
        StoreError::Conflict { .. } => MemberOutcome::Stale,
        other => MemberOutcome::Fail(other),
    }
}

fn parse_relation(me: &SignedIn, s: &str) -> Result<Relation, Errors> {
    Relation::parse(s).map_err(|r| {
        let mut e = Errors::default();
        e.add("relation", r.message(me.ctx.lang));
        e
    })
}

/// `POST /households/{id}/members/add`: an existing person, by resident ID.
pub async fn add_member(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<MemberForm>,
) -> PageResult {
    let id = start(&st, &me, &f.csrf, &id).await?;
    let back = |f: MemberForm, errs: Errors| HouseholdExtras {
        add: Some((f, errs)),
        status: Some(StatusCode::UNPROCESSABLE_ENTITY),
        ..HouseholdExtras::default()
    };
    let relation = match parse_relation(&me, &f.relation) {
        Ok(r) => r,
        Err(errs) => return show_household(&st, &me, &id, back(f, errs)).await,
    };
    let (hid, rid) = (id.clone(), f.resident_id.clone());
    let res = me
        .run(&st, move |db, scope| {
            Ok(register::household_add_member(
                db, scope, &hid, &rid, relation,
            ))
        })
        .await?;
    match res {
        Ok(_) => Ok(see_other(&format!("/households/{id}"))),
        Err(e) => match member_outcome(&me, e, &["resident_id", "relation"]) {
            MemberOutcome::Fields(errs) => show_household(&st, &me, &id, back(f, errs)).await,
            MemberOutcome::Stale => stale(&st, &me, &id).await,
            MemberOutcome::Fail(e) => Err(me.fail(e)),
        },
    }
}

/// The household page again after a member changed under the form.
async fn stale(st: &AppState, me: &SignedIn, id: &str) -> PageResult {
    let x = HouseholdExtras {
        notice: Some(tx(me.ctx.lang, "screens.conflict.member")),
        status: Some(StatusCode::CONFLICT),
        ..HouseholdExtras::default()
    };
    show_household(st, me, id, x).await
}

/// `POST /households/{id}/members/{pid}/move`: to another household of the
/// same village, by its number.
pub async fn move_member(
    State(st): State<AppState>,
    me: SignedIn,
    Path((id, pid)): Path<(String, String)>,
    Form(f): Form<MemberForm>,
) -> PageResult {
    let id = start(&st, &me, &f.csrf, &id).await?;
    let pid = path_id(&pid).page(&me)?.to_string();
    let back = |pid: String, f: MemberForm, errs: Errors| HouseholdExtras {
        member: Some((pid, f, errs)),
        status: Some(StatusCode::UNPROCESSABLE_ENTITY),
        ..HouseholdExtras::default()
    };
    let relation = match parse_relation(&me, &f.relation) {
        Ok(r) => r,
        Err(errs) => return show_household(&st, &me, &id, back(pid, f, errs)).await,
    };
    let (hid, p2, to) = (id.clone(), pid.clone(), f.to_number.clone());
    let version = version_of(&f.version);
    let res = me
        .run(&st, move |db, scope| {
            Ok(register::household_move_member(
                db, scope, &hid, &p2, version, &to, relation,
            ))
        })
        .await?;
    match res {
        Ok(_) => Ok(see_other(&format!("/households/{id}"))),
        Err(e) => match member_outcome(&me, e, &["to_number", "relation"]) {
            MemberOutcome::Fields(errs) => show_household(&st, &me, &id, back(pid, f, errs)).await,
            MemberOutcome::Stale => stale(&st, &me, &id).await,
            MemberOutcome::Fail(e) => Err(me.fail(e)),
        },
    }
}

/// `POST /households/{id}/members/{pid}/remove`: the person stays in the
/// register without a household.
pub async fn remove_member(
    State(st): State<AppState>,
    me: SignedIn,
    Path((id, pid)): Path<(String, String)>,
    Form(f): Form<MemberForm>,
) -> PageResult {
    let id = start(&st, &me, &f.csrf, &id).await?;
    let pid = path_id(&pid).page(&me)?.to_string();
    let hid = id.clone();
    let version = version_of(&f.version);
    let res = me
        .run(&st, move |db, scope| {
            Ok(register::household_remove_member(
                db, scope, &hid, &pid, version,
            ))
        })
        .await?;
    match res {
        Ok(_) => Ok(see_other(&format!("/households/{id}"))),
        Err(e) => match member_outcome(&me, e, &[]) {
            MemberOutcome::Fields(errs) => {
                let x = HouseholdExtras {
                    notice: errs.general.first().cloned(),
                    status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                    ..HouseholdExtras::default()
                };
                show_household(&st, &me, &id, x).await
            }
            MemberOutcome::Stale => stale(&st, &me, &id).await,
            MemberOutcome::Fail(e) => Err(me.fail(e)),
        },
    }
}

// ---- new household ------------------------------------------------------------

#[derive(Template)]
#[template(path = "register/household_new.html")]
struct NewHouseholdPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    client_id: String,
    number: String,
    address: String,
    village_opts: Vec<Opt>,
    flags: Vec<FlagOpt>,
    errs: Errors,
}

async fn new_page(
    st: &AppState,
    me: &SignedIn,
    f: HouseholdForm,
    errs: Errors,
    status: StatusCode,
) -> PageResult {
    let units = units(st, me).await?;
    let tr = me.ctx.tr();
    let view = NewHouseholdPage {
        tr,
        me: Some(me.me()),
        other_lang: other_lang(me.ctx.lang),
        csrf: me.csrf.clone(),
        village_opts: village_options(me, &units, &f.village_code),
        flags: flag_opts(tr, &f.flags()),
        client_id: f.client_id,
        number: f.number,
        address: f.address,
        errs,
    };
    Ok(render(&view, status))
}

#[derive(Deserialize)]
pub struct NewParams {
    village: Option<String>,
}

/// `GET /households/new`.
pub async fn new_form(
    State(st): State<AppState>,
    me: SignedIn,
    Query(q): Query<NewParams>,
) -> PageResult {
    me.require(Permission::WriteRegister)?;
    let village = q
        .village
        .filter(|v| me.scope.covers(v.trim()))
        .or_else(|| (me.scope.org_prefix.len() == 12).then(|| me.scope.org_prefix.clone()))
        .unwrap_or_default();
    let f = HouseholdForm {
        client_id: hearth_store::new_id(),
        village_code: village,
        ..HouseholdForm::default()
    };
    new_page(&st, &me, f, Errors::default(), StatusCode::OK).await
}

/// `POST /households/new`.
pub async fn create(
    State(st): State<AppState>,
    me: SignedIn,
    Form(f): Form<HouseholdForm>,
) -> PageResult {
    me.change_allowed(&f.csrf, Permission::WriteRegister)?;
    let lang = me.ctx.lang;
    let known = ["village_code", "number", "address"];
    let valid = match NewHousehold::validate(&f.village_code, &f.number, &f.address, f.flags()) {
        Ok(v) => v,
        Err(fields) => {
            let errs = Errors::from_fields(&fields, lang, &known, &[]);
            return new_page(&st, &me, f, errs, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let cid = client_id(&f.client_id);
    // The store checks the client id (a retry answers the first record);
    // refused fields come back to the form.
    let res = me
        .run(&st, move |db, scope| {
            Ok(register::create_household(
                db,
                scope,
                cid.as_deref(),
                &valid,
            ))
        })
        .await?;
    match res {
        Ok((h, _)) => Ok(see_other(&format!("/households/{}", h.id))),
        Err(StoreError::Invalid(fields)) => {
            let errs = Errors::from_fields(&fields, lang, &known, &[]);
            new_page(&st, &me, f, errs, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(me.fail(e)),
    }
}

// ---- a village's households ---------------------------------------------------------

pub(crate) struct HouseholdRowV {
    id: String,
    number: String,
    address: String,
    flags: String,
}

#[derive(Template)]
#[template(path = "register/households.html")]
struct HouseholdListPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    can_write: bool,
    village: String,
    village_name: String,
    rows: Vec<HouseholdRowV>,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct ListParams {
    village: Option<String>,
    page: Option<String>,
}

const LIST_PAGE: i64 = 50;

/// `GET /households?village=&page=`: households by number (no person is
/// named, so nothing to mask and nothing audited).
pub async fn list(
    State(st): State<AppState>,
    me: SignedIn,
    Query(q): Query<ListParams>,
) -> PageResult {
    let tr = me.ctx.tr();
    let page = page_number(q.page.as_deref());
    let village = q
        .village
        .map(|v| v.trim().chars().take(12).collect::<String>())
        .filter(|v| !v.is_empty());
    let v = village.clone();
    let (units, mut rows) = me
        .run(&st, move |db, scope| {
            let units = hearth_store::orgs::list(db, scope)?;
            let rows = register::list_households(
                db,
                scope,
                &ListFilter {
                    village_code: v,
                    limit: LIST_PAGE + 1,
                    offset: (page - 1) * LIST_PAGE,
                },
            )?;
            Ok((units, rows))
        })
        .await?;
    let more = rows.len() as i64 > LIST_PAGE;
    rows.truncate(LIST_PAGE as usize);
    let village = village.unwrap_or_default();
    let link = |n: i64| format!("/households?village={}&page={n}", encode(&village));
    let view = HouseholdListPage {
        tr,
        me: Some(me.me()),
        other_lang: other_lang(me.ctx.lang),
        can_write: me.scope.can(Permission::WriteRegister),
        village_name: names(&units).get(&village).cloned().unwrap_or_default(),
        rows: rows
            .into_iter()
            .map(|h| HouseholdRowV {
                flags: flag_labels(tr, &h.flags).join("、"),
                id: h.id,
                number: h.number,
                address: h.address,
            })
            .collect(),
        prev: (page > 1).then(|| link(page - 1)),
        next: more.then(|| link(page + 1)),
        village,
    };
    Ok(render(&view, StatusCode::OK))
}
