//! Unit settings and catalog columns, for the unit's administrator.

use super::auth::FlashQuery;
use super::{
    flash_message, ColumnAdmin, CsrfForm, Errors, InUnit, Layout, On, Submitted, UnitAdmin,
};
use crate::db::audit;
use crate::db::columns::{self, Column};
use crate::db::units::{self, Unit};
use crate::service::Error;
use crate::web::error::{AppError, PageError};
use crate::web::public::render;
use crate::web::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sunshine_core::catalog::validate_column_name;
use sunshine_core::index_no::IndexPattern;
use sunshine_core::unit::{is_slug, OfficeContact, SiteSettings};
use sunshine_core::FieldError;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsForm {
    name: String,
    org_code: String,
    office_address: String,
    office_hours: String,
    office_phone: String,
    office_fax: String,
    office_email: String,
    index_pattern: String,
    /// MM-DD in the year after the report's year; empty for the default.
    report_due: String,
    host_org: String,
    site_code: String,
    icp_no: String,
    police_no: String,
    host: String,
}

impl SettingsForm {
    fn of(u: &Unit) -> Self {
        SettingsForm {
            name: u.name.clone(),
            org_code: u.org_code.clone(),
            office_address: u.office_address.clone(),
            office_hours: u.office_hours.clone(),
            office_phone: u.office_phone.clone(),
            office_fax: u.office_fax.clone(),
            office_email: u.office_email.clone(),
            index_pattern: u.index_pattern.clone(),
            report_due: u.report_due.clone(),
            host_org: u.host_org.clone(),
            site_code: u.site_code.clone(),
            icp_no: u.icp_no.clone(),
            police_no: u.police_no.clone(),
            host: u.host.clone().unwrap_or_default(),
        }
    }
    fn site(&self) -> SiteSettings {
        SiteSettings {
            host_org: self.host_org.clone(),
            site_code: self.site_code.clone(),
            icp_no: self.icp_no.clone(),
            police_no: self.police_no.clone(),
            host: self.host.clone(),
        }
    }
    fn contact(&self) -> OfficeContact {
        OfficeContact {
            address: self.office_address.trim().into(),
            hours: self.office_hours.trim().into(),
            phone: self.office_phone.trim().into(),
            fax: self.office_fax.trim().into(),
            email: self.office_email.trim().into(),
        }
    }
    fn validate(&self) -> Result<(IndexPattern, OfficeContact, SiteSettings), Vec<FieldError>> {
        let mut errs = Vec::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 50 {
            errs.push(FieldError::new("name", "请填写单位名称（不超过50个字符）"));
        }
        let org = self.org_code.trim();
        if org.is_empty()
            || org.len() > 30
            || !org.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            errs.push(FieldError::new(
                "org_code",
                "组织机构代码只能由字母、数字和连字符组成，不超过30位",
            ));
        }
        let contact = self.contact();
        errs.extend(contact.validate());
        let due = self.report_due.trim();
        let valid_due = due.is_empty()
            || due
                .split_once('-')
                .and_then(|(m, d)| Some((m.parse::<u32>().ok()?, d.parse::<u32>().ok()?)))
                .is_some_and(|(m, d)| {
                    chrono::NaiveDate::from_ymd_opt(2025, m, d).is_some() && due.len() == 5
                });
        if !valid_due {
            errs.push(FieldError::new(
                "report_due",
                "年报截止日期应为“月-日”，如 01-31；留空按默认",
            ));
        }
        let pattern = IndexPattern::parse(&self.index_pattern)
            .map_err(|e| errs.push(e))
            .ok();
        let site = self.site().validate().map_err(|e| errs.extend(e)).ok();
        match (pattern, site) {
            (Some(p), Some(site)) if errs.is_empty() => Ok((p, contact, site)),
            _ => Err(errs),
        }
    }
}

/// Whether `host` is the whole portal's (its public address, an address by number, or the
/// machine itself): a unit given it would take over every visitor's portal.
fn portal_host(state: &AppState, host: &str) -> bool {
    if host.is_empty() {
        return false;
    }
    let name = host.rsplit_once(':').map_or(host, |(n, _)| n);
    let public = url::Url::parse(&state.config.public_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    name == "localhost"
        || name.parse::<std::net::Ipv4Addr>().is_ok()
        || public.as_deref() == Some(name)
}

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage {
    layout: Layout,
    unit: Unit,
    form: SettingsForm,
    errors: Errors,
    /// The site-wide mourning mode, on the root unit's page only.
    mourning: Option<MourningView>,
}

/// The mourning mode as its form shows it (times in China Standard Time).
pub struct MourningView {
    pub status: String,
    pub from: String,
    pub until: String,
}

fn local_input(t: Option<i64>) -> String {
    t.and_then(|t| chrono::DateTime::from_timestamp(t + 8 * 3600, 0))
        .map(|d| d.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

fn local_text(t: i64) -> String {
    chrono::DateTime::from_timestamp(t + 8 * 3600, 0)
        .map(|d| d.format("%Y年%m月%d日 %H:%M").to_string())
        .unwrap_or_default()
}

fn mourning_view(unit: &Unit) -> Option<MourningView> {
    if unit.parent_id.is_some() {
        return None;
    }
    let now = crate::db::now();
    let status = match (unit.mourning_from, unit.mourning_until) {
        (None, _) => "未开启".to_string(),
        (Some(_), Some(until)) if until <= now => "已结束".to_string(),
        (Some(from), until) if from <= now => match until {
            Some(u) => format!("正在置灰，到 {} 自动恢复", local_text(u)),
            None => "正在置灰，直到手动关闭".to_string(),
        },
        (Some(from), until) => match until {
            Some(u) => format!("已安排：{} 至 {}", local_text(from), local_text(u)),
            None => format!("已安排：{} 起，直到手动关闭", local_text(from)),
        },
    };
    Some(MourningView {
        status,
        from: local_input(unit.mourning_from),
        until: local_input(unit.mourning_until),
    })
}

pub async fn settings_form(
    InUnit { staff, unit, .. }: UnitAdmin,
    State(state): State<AppState>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, PageError> {
    let form = SettingsForm::of(&unit);
    render(&SettingsPage {
        layout: Layout::new(&state, &staff, flash_message(q.done.as_deref())).await?,
        mourning: mourning_view(&unit),
        unit,
        form,
        errors: Errors::default(),
    })
}

pub async fn save_settings(
    InUnit { staff, unit, .. }: UnitAdmin,
    State(state): State<AppState>,
    form: Submitted<SettingsForm>,
) -> Result<Response, PageError> {
    let (form, csrf_ok) = match form {
        Submitted::Fresh(form) => (form, true),
        Submitted::Stale(form) => (form, false),
    };
    let result = if csrf_ok {
        form.validate()
    } else {
        Err(vec![FieldError::new("form", AppError::Csrf.message())])
    };
    match result {
        Ok((_, _, site)) if portal_host(&state, &site.host) => {
            let mut r = render(&SettingsPage {
                layout: Layout::new(&state, &staff, None).await?,
                errors: Errors(vec![FieldError::new(
                    "host",
                    format!(
                        "{} 是整个平台的地址，不能作为一个单位的独立域名；请填写本单位自己的域名，如 tuoan.luquan.gov.cn",
                        site.host
                    ),
                )]),
                mourning: mourning_view(&unit),
                unit,
                form,
            })?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Ok((pattern, contact, site)) => {
            let mut tx = state.db.begin().await?;
            let host = (!site.host.is_empty()).then_some(site.host.as_str());
            let taken = match host {
                Some(h) => units::by_host(&mut tx, h)
                    .await?
                    .filter(|u| u.id != unit.id)
                    .map(|u| u.name),
                None => None,
            };
            let saved: Result<(), String> = match taken {
                Some(name) => Err(name),
                None => match units::set_site(
                    &mut tx,
                    unit.id,
                    &units::SiteRow {
                        host_org: &site.host_org,
                        site_code: &site.site_code,
                        icp_no: &site.icp_no,
                        police_no: &site.police_no,
                        host,
                    },
                )
                .await
                {
                    Ok(()) => Ok(()),
                    // Taken by another unit in the same moment: the unique index decides.
                    Err(e) if crate::db::is_unique_violation(&e) => Err("另一个单位".into()),
                    Err(e) => return Err(AppError::from(e).into()),
                },
            };
            if let Err(other) = saved {
                drop(tx);
                let mut r = render(&SettingsPage {
                    layout: Layout::new(&state, &staff, None).await?,
                    errors: Errors(vec![FieldError::new(
                        "host",
                        format!("域名 {} 已是{other}的独立站点，请换一个", site.host),
                    )]),
                    mourning: mourning_view(&unit),
                    unit,
                    form,
                })?;
                *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                return Ok(r);
            }
            units::update_settings(
                &mut tx,
                unit.id,
                form.name.trim(),
                form.org_code.trim(),
                &contact,
                pattern.as_str(),
            )
            .await?;
            units::set_report_due(&mut tx, unit.id, form.report_due.trim()).await?;
            audit::append(
                &mut tx,
                &staff.unit_entry(
                    "unit.settings",
                    unit.id,
                    format!(
                        "index_pattern={} site_code={} host={}",
                        pattern.as_str(),
                        site.site_code,
                        site.host
                    ),
                ),
            )
            .await?;
            tx.commit().await?;
            Ok(
                Redirect::to(&format!("/admin/units/{}/settings?done=saved", unit.code))
                    .into_response(),
            )
        }
        Err(errs) => {
            let status = if csrf_ok {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::FORBIDDEN
            };
            let mut r = render(&SettingsPage {
                layout: Layout::new(&state, &staff, None).await?,
                mourning: mourning_view(&unit),
                unit,
                form,
                errors: Errors(errs),
            })?;
            *r.status_mut() = status;
            Ok(r)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MourningForm {
    /// `on` (now, until switched off), `off`, or `schedule` (from `from` until `until`).
    action: String,
    from: String,
    until: String,
}

/// A `datetime-local` value (China Standard Time) as Unix seconds.
fn parse_local(s: &str) -> Option<i64> {
    let s = s.trim();
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
    .map(|t| t.and_utc().timestamp() - 8 * 3600)
}

/// `POST /admin/units/{code}/mourning`: the city administrator switches the site-wide
/// mourning mode (哀悼日置灰) on or off, or schedules it; no deployment, audited.
pub async fn save_mourning(
    InUnit { staff, unit, .. }: UnitAdmin,
    State(state): State<AppState>,
    CsrfForm(form): CsrfForm<MourningForm>,
) -> Result<Response, PageError> {
    if unit.parent_id.is_some() {
        crate::service::audit_denial_code(
            &state,
            &staff.actor(),
            Some(unit.id),
            format!("mourning {}", unit.code),
            "mourning_city_only",
        )
        .await;
        return Err(AppError::from(Error::Refused(
            "mourning_city_only",
            "全站哀悼模式由市级（最上级）单位的管理员设置，请联系市政府信息公开管理员".into(),
        ))
        .into());
    }
    let now = crate::db::now();
    let (from, until) = match form.action.as_str() {
        "on" => (Some(now), None),
        "off" => (None, None),
        "schedule" => {
            let mut errs = Vec::new();
            let from = parse_local(&form.from);
            if from.is_none() {
                errs.push(FieldError::new(
                    "from",
                    if form.from.trim().is_empty() {
                        "请填写置灰开始时间（年-月-日 时:分，北京时间）"
                    } else {
                        "置灰开始时间应为 年-月-日 时:分（北京时间），如 2027-04-04 00:00"
                    },
                ));
            }
            let until = if form.until.trim().is_empty() {
                None
            } else {
                let u = parse_local(&form.until);
                if u.is_none() {
                    errs.push(FieldError::new(
                        "until",
                        "置灰结束时间应为 年-月-日 时:分（北京时间），不结束请留空",
                    ));
                }
                u
            };
            if let (Some(f), Some(u)) = (from, until) {
                if u <= f {
                    errs.push(FieldError::new("until", "结束时间应晚于开始时间"));
                } else if u <= now {
                    errs.push(FieldError::new(
                        "until",
                        "结束时间已经过去，这样安排不会置灰；请改为以后的时间，或留空",
                    ));
                }
            }
            if !errs.is_empty() {
                return Err(AppError::from(Error::Invalid(errs)).into());
            }
            (from, until)
        }
        _ => {
            return Err(AppError::from(FieldError::new(
                "action",
                "请选择开启、关闭或按时间安排哀悼模式",
            ))
            .into())
        }
    };
    let mut tx = state.db.begin().await?;
    units::set_mourning(&mut tx, unit.id, from, until).await?;
    audit::append(
        &mut tx,
        &staff.unit_entry(
            "site.mourning",
            unit.id,
            match (from, until) {
                (None, _) => "关闭".to_string(),
                (Some(f), None) => format!("{} 起，直到手动关闭", local_text(f)),
                (Some(f), Some(u)) => format!("{} 至 {}", local_text(f), local_text(u)),
            },
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/admin/units/{}/settings?done=mourning",
        unit.code
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "admin/columns.html")]
struct ColumnsPage {
    layout: Layout,
    unit: Unit,
    columns: Vec<Column>,
    errors: Errors,
    new_name: String,
    new_slug: String,
}

impl ColumnsPage {
    fn parent_name(&self, id: &Option<i64>) -> String {
        id.and_then(|id| self.columns.iter().find(|c| c.id == id))
            .map(|c| c.name.clone())
            .unwrap_or_default()
    }
}

pub async fn columns_page(
    InUnit { staff, unit, .. }: UnitAdmin,
    State(state): State<AppState>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, PageError> {
    let mut conn = state.db.pool.acquire().await.map_err(AppError::from)?;
    let columns = columns::of_unit(&mut conn, unit.id).await?;
    render(&ColumnsPage {
        layout: Layout::new(&state, &staff, flash_message(q.done.as_deref())).await?,
        unit,
        columns,
        errors: Errors::default(),
        new_name: String::new(),
        new_slug: String::new(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewColumnForm {
    name: String,
    slug: String,
    parent: String,
}

pub async fn add_column(
    InUnit { staff, unit, .. }: UnitAdmin,
    State(state): State<AppState>,
    CsrfForm(form): CsrfForm<NewColumnForm>,
) -> Result<Response, PageError> {
    let mut conn = state.db.pool.acquire().await.map_err(AppError::from)?;
    let existing = columns::of_unit(&mut conn, unit.id).await?;
    let mut errs = Vec::new();
    let name = validate_column_name(&form.name)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let slug = form.slug.trim().to_owned();
    if !is_slug(&slug, 40) {
        errs.push(FieldError::new(
            "slug",
            "栏目代码只能由小写字母、数字和连字符组成，以字母开头，2至40个字符（用于网址）",
        ));
    } else if existing.iter().any(|c| c.slug == slug) {
        errs.push(FieldError::new("slug", "本单位已有这个栏目代码，请换一个"));
    }
    let parent = match form.parent.trim() {
        "" => None,
        p => match p.parse::<i64>().ok().and_then(|id| {
            existing
                .iter()
                .find(|c| c.id == id && c.parent_id.is_none())
        }) {
            Some(c) => Some(c.id),
            None => {
                errs.push(FieldError::new(
                    "parent",
                    "上级栏目不存在（只能放在一级栏目下）",
                ));
                None
            }
        },
    };
    if !errs.is_empty() {
        let mut r = render(&ColumnsPage {
            layout: Layout::new(&state, &staff, None).await?,
            unit,
            columns: existing,
            errors: Errors(errs),
            new_name: form.name,
            new_slug: form.slug,
        })?;
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    let order = existing.iter().map(|c| c.sort_order).max().unwrap_or(0) + 10;
    let mut tx = state.db.begin().await?;
    columns::insert(&mut tx, unit.id, parent, &slug, &name, order).await?;
    audit::append(
        &mut tx,
        &staff.unit_entry("column.add", unit.id, format!("{slug} {name}")),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/admin/units/{}/columns?done=column-added",
        unit.code
    ))
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ColumnForm {
    name: String,
    hidden: String,
    direction: String,
    empty_note: String,
}

/// The column the path names, read within its unit.
async fn column_in(state: &AppState, unit_id: i64, id: i64) -> Result<Column, AppError> {
    let mut conn = state.db.pool.acquire().await?;
    Ok(columns::by_id_in_unit(&mut conn, unit_id, id)
        .await?
        .ok_or(Error::NotFound)?)
}

pub async fn save_column(
    On {
        staff, id, unit, ..
    }: ColumnAdmin,
    State(state): State<AppState>,
    CsrfForm(form): CsrfForm<ColumnForm>,
) -> Result<Response, PageError> {
    let col = column_in(&state, unit.id, id).await?;
    let name = validate_column_name(&form.name)?;
    let note: String = form
        .empty_note
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_owned();
    if note.chars().count() > 300 {
        return Err(AppError::from(FieldError::new(
            "empty_note",
            "暂无信息时的说明不能超过300个字",
        ))
        .into());
    }
    let hidden = form.hidden == "1" || form.hidden == "on";
    let mut tx = state.db.begin().await?;
    columns::rename(&mut tx, col.id, &name, hidden).await?;
    columns::set_empty_note(&mut tx, col.id, &note).await?;
    audit::append(
        &mut tx,
        &staff.unit_entry(
            "column.save",
            unit.id,
            format!("{} {} hidden={hidden}", col.slug, name),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/admin/units/{}/columns?done=column-saved",
        unit.code
    ))
    .into_response())
}

pub async fn move_column(
    On {
        staff, id, unit, ..
    }: ColumnAdmin,
    State(state): State<AppState>,
    CsrfForm(form): CsrfForm<ColumnForm>,
) -> Result<Response, PageError> {
    let col = column_in(&state, unit.id, id).await?;
    let up = match form.direction.as_str() {
        "up" => true,
        "down" => false,
        _ => {
            return Err(
                AppError::from(FieldError::new("direction", "移动方向只能是上移或下移")).into(),
            )
        }
    };
    let mut tx = state.db.begin().await?;
    columns::move_by(&mut tx, &col, up).await?;
    audit::append(
        &mut tx,
        &staff.unit_entry(
            "column.move",
            unit.id,
            format!("{} {}", col.slug, form.direction),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/admin/units/{}/columns?done=moved", unit.code)).into_response())
}

#[derive(Template)]
#[template(path = "admin/review_policy.html")]
struct PolicyPage {
    layout: Layout,
    unit: Unit,
    /// Each chain: its form name, its name in words, and its steps' chosen roles (codes, ""
    /// for none), as many as the form offers.
    chains: Vec<(&'static str, &'static str, Vec<String>)>,
    /// The roles a step may take: code and name.
    roles: Vec<(&'static str, &'static str)>,
    /// Steps no enabled account of the unit can take, in words.
    unstaffed: Vec<String>,
    errors: Errors,
}

/// How many steps the form offers per chain: as many as a chain may have.
const STEPS: usize = 6;
const CHAINS: [(&str, &str); 3] = [
    ("general", "一般信息"),
    ("important", "重要信息"),
    ("critical", "特别重要信息"),
];

fn steps_of(roles: &[sunshine_core::role::Role]) -> Vec<String> {
    (0..STEPS)
        .map(|i| {
            roles
                .get(i)
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default()
        })
        .collect()
}

/// The steps no enabled account of the unit holds, as the page and the dashboard say them.
pub fn unstaffed_words(
    p: &sunshine_core::review::ReviewPolicy,
    held: &[sunshine_core::role::Role],
) -> Vec<String> {
    p.unstaffed(held)
        .into_iter()
        .map(|(chain, step, role)| {
            format!(
                "{chain}第{step}步“{}”：本单位没有启用的账号担任这个岗位，{chain}送审后到这一步将无人审核。",
                role.label()
            )
        })
        .collect()
}

async fn policy_view(
    state: &AppState,
    staff: &super::Staff,
    unit: Unit,
    chains: [Vec<String>; 3],
    errors: Vec<sunshine_core::FieldError>,
    flash: Option<String>,
) -> Result<PolicyPage, AppError> {
    use sunshine_core::review::{ReviewPolicy, REVIEW_ROLES};
    let mut conn = state.db.pool.acquire().await?;
    let held = crate::db::users::roles_held(&mut conn, unit.id).await?;
    let saved = crate::db::review::policy(&mut conn, unit.id).await?;
    drop(conn);
    // The warning is about the chains as they are shown (saved, or as just submitted).
    let shown = |v: &Vec<String>, fallback: &[sunshine_core::role::Role]| {
        ReviewPolicy::parse_chain("x", &v.join(",")).unwrap_or_else(|_| fallback.to_vec())
    };
    let policy = ReviewPolicy {
        general: shown(&chains[0], &saved.general),
        important: shown(&chains[1], &saved.important),
        critical: shown(&chains[2], &saved.critical),
    };
    let [general, important, critical] = chains;
    Ok(PolicyPage {
        layout: Layout::new(state, staff, flash).await?,
        unstaffed: unstaffed_words(&policy, &held),
        unit,
        chains: vec![
            (CHAINS[0].0, CHAINS[0].1, general),
            (CHAINS[1].0, CHAINS[1].1, important),
            (CHAINS[2].0, CHAINS[2].1, critical),
        ],
        roles: REVIEW_ROLES
            .iter()
            .map(|r| (r.as_str(), r.label()))
            .collect(),
        errors: Errors(errors),
    })
}

pub async fn policy_page(
    InUnit { staff, unit, .. }: UnitAdmin,
    State(state): State<AppState>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, PageError> {
    let mut conn = state.db.pool.acquire().await.map_err(AppError::from)?;
    let p = crate::db::review::policy(&mut conn, unit.id).await?;
    drop(conn);
    let chains = [
        steps_of(&p.general),
        steps_of(&p.important),
        steps_of(&p.critical),
    ];
    render(
        &policy_view(
            &state,
            &staff,
            unit,
            chains,
            vec![],
            flash_message(q.done.as_deref()),
        )
        .await?,
    )
}

/// Each chain's steps as the form sends them: `general_1` … `general_6` and so on, each a
/// role's code or empty, read in step order with the empty ones dropped. (The older single
/// fields `general`, `important`, `critical`, with codes separated by commas, are still read
/// when a chain has no numbered steps.)
fn chains_of(fields: &[(String, String)]) -> [Vec<String>; 3] {
    CHAINS.map(|(chain, _)| {
        let mut steps: Vec<(usize, &str)> = fields
            .iter()
            .filter_map(|(k, v)| {
                let n = k.strip_prefix(chain)?.strip_prefix('_')?.parse().ok()?;
                (1..=STEPS).contains(&n).then_some((n, v.trim()))
            })
            .filter(|(_, v)| !v.is_empty())
            .collect();
        steps.sort_by_key(|(n, _)| *n);
        if !steps.is_empty() {
            return steps.into_iter().map(|(_, v)| v.to_owned()).collect();
        }
        fields
            .iter()
            .filter(|(k, _)| k == chain)
            .flat_map(|(_, v)| v.split([',', '，']))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    })
}

/// The review chains are the unit's policy, kept as data and changed only by its administrator.
pub async fn save_policy(
    InUnit { staff, unit, .. }: UnitAdmin,
    State(state): State<AppState>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    use sunshine_core::review::ReviewPolicy;
    let chains = chains_of(&fields);
    let parsed = (
        ReviewPolicy::parse_chain("general", &chains[0].join(",")),
        ReviewPolicy::parse_chain("important", &chains[1].join(",")),
        ReviewPolicy::parse_chain("critical", &chains[2].join(",")),
    );
    let result = match parsed {
        (Ok(general), Ok(important), Ok(critical)) => {
            let p = ReviewPolicy {
                general,
                important,
                critical,
            };
            p.validate().map(|_| p).map_err(|e| vec![e])
        }
        (a, b, c) => Err([a.err(), b.err(), c.err()].into_iter().flatten().collect()),
    };
    match result {
        Ok(p) => {
            let mut tx = state.db.begin().await?;
            crate::db::review::set_policy(&mut tx, unit.id, &p).await?;
            // Items under review follow the new chains: approvals that no longer fit are void.
            crate::service::review::policy_changed(&mut tx, unit.id, &p).await?;
            audit::append(
                &mut tx,
                &staff.unit_entry(
                    "unit.review_policy",
                    unit.id,
                    p.chains()
                        .iter()
                        .map(|(name, chain)| {
                            let steps: Vec<&str> = chain.iter().map(|r| r.label()).collect();
                            format!("{name}：{}", steps.join("→"))
                        })
                        .collect::<Vec<_>>()
                        .join("；"),
                ),
            )
            .await?;
            tx.commit().await?;
            Ok(Redirect::to(&format!(
                "/admin/units/{}/review-policy?done=saved",
                unit.code
            ))
            .into_response())
        }
        Err(errs) => {
            let shown = chains.map(|mut c| {
                c.resize(STEPS.max(c.len()), String::new());
                c
            });
            let mut r = render(&policy_view(&state, &staff, unit, shown, errs, None).await?)?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn chains_are_read_in_step_order_and_the_old_fields_still_count() {
        let f = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let [g, i, c] = super::chains_of(&f(&[
            ("general_1", "director"),
            ("important_3", "leader"),
            ("important_1", "director"),
            ("important_2", ""),
            ("critical", "director,leader，principal"),
            ("critical_7", "admin"),
            ("generalx_1", "admin"),
            ("csrf", "t"),
        ]));
        assert_eq!(g, ["director"]);
        assert_eq!(i, ["director", "leader"], "by step number, gaps dropped");
        assert_eq!(
            c,
            ["director", "leader", "principal"],
            "no numbered step in range: the old field"
        );
    }
}
