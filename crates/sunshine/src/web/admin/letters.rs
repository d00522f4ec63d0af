//! Per-unit settings for application work: reply letter templates by outcome (告知书), the
//! fee-pause setting, and the log of complaints and reports (信访、举报) about disclosure work.

use super::auth::FlashQuery;
use super::{flash_message, CsrfForm, Errors, InUnit, Layout, Staff, UnitAdmin, UnitEditor};
use crate::db::applications as adb;
use crate::db::units::Unit;
use crate::web::error::{AppError, PageError};
use crate::web::public::render;
use crate::web::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sunshine_core::application::Outcome;
use sunshine_core::FieldError;

pub struct TemplateRow {
    pub outcome: &'static str,
    pub label: &'static str,
    pub body: String,
}

#[derive(Template)]
#[template(path = "admin/letters.html")]
struct LettersPage {
    layout: Layout,
    unit: Unit,
    rows: Vec<TemplateRow>,
    pause: bool,
    complaints: Vec<adb::Complaint>,
    errors: Errors,
}

async fn letters_page(
    state: &AppState,
    staff: &Staff,
    unit: Unit,
    flash: Option<String>,
    errors: Vec<FieldError>,
) -> Result<LettersPage, AppError> {
    let mut conn = state.db.pool.acquire().await?;
    let mut saved = adb::reply_templates(&mut conn, unit.id).await?;
    let rows: Vec<TemplateRow> = Outcome::ALL
        .iter()
        .map(|o| TemplateRow {
            outcome: o.as_str(),
            label: o.label(),
            body: saved.remove(o.as_str()).unwrap_or_default(),
        })
        .collect();
    let pause = crate::db::units::fee_pause(&mut conn, unit.id).await?;
    let complaints = adb::complaints(&mut conn, unit.id).await?;
    Ok(LettersPage {
        layout: Layout::new(state, staff, flash).await?,
        unit,
        rows,
        pause,
        complaints,
        errors: Errors(errors),
    })
}

pub async fn page(
    InUnit { staff, unit, .. }: UnitEditor,
    State(state): State<AppState>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, PageError> {
    render(
        &letters_page(
            &state,
            &staff,
            unit,
            flash_message(q.done.as_deref()),
            vec![],
        )
        .await?,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TemplateForm {
    outcome: String,
    body: String,
}

/// Saves the letter template of one outcome; `{决定}` `{依据}` `{内容}` `{救济}` are filled in.
pub async fn save_template(
    InUnit { staff, unit, .. }: UnitAdmin,
    State(state): State<AppState>,
    CsrfForm(f): CsrfForm<TemplateForm>,
) -> Result<Response, PageError> {
    let outcome =
        Outcome::parse(&f.outcome).ok_or_else(|| FieldError::new("outcome", "答复结果不存在"))?;
    if f.body.chars().count() > 10_000 {
        return Err(AppError::from(FieldError::new("body", "模板不能超过10000个字符")).into());
    }
    let mut tx = state.db.begin().await?;
    adb::set_reply_template(&mut tx, unit.id, outcome.as_str(), f.body.trim()).await?;
    crate::db::audit::append(
        &mut tx,
        &staff.unit_entry("unit.reply_template", unit.id, outcome.as_str().to_owned()),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/admin/units/{}/letters?done=saved", unit.code)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PauseForm {
    pause: String,
}

pub async fn save_pause(
    InUnit { staff, unit, .. }: UnitAdmin,
    State(state): State<AppState>,
    CsrfForm(f): CsrfForm<PauseForm>,
) -> Result<Response, PageError> {
    let pause = f.pause == "1";
    let mut tx = state.db.begin().await?;
    crate::db::units::set_fee_pause(&mut tx, unit.id, pause).await?;
    crate::db::audit::append(
        &mut tx,
        &staff.unit_entry("unit.fee_pause", unit.id, i64::from(pause).to_string()),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/admin/units/{}/letters?done=saved", unit.code)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ComplaintForm {
    kind: String,
    received_on: String,
    summary: String,
    outcome: String,
}

/// Logs a complaint or report about disclosure work (reported in the annual report).
pub async fn add_complaint(
    InUnit { staff, unit, .. }: UnitEditor,
    State(state): State<AppState>,
    CsrfForm(f): CsrfForm<ComplaintForm>,
) -> Result<Response, PageError> {
    let mut errs = Vec::new();
    if !["petition", "report", "complaint"].contains(&f.kind.as_str()) {
        errs.push(FieldError::new("kind", "类型应为信访、举报或投诉"));
    }
    match chrono::NaiveDate::parse_from_str(f.received_on.trim(), "%Y-%m-%d") {
        Ok(d) if d > state.today() => {
            errs.push(FieldError::new("received_on", "收到日期不能在将来"))
        }
        Ok(_) => {}
        Err(_) => errs.push(FieldError::new(
            "received_on",
            "收到日期格式应为 YYYY-MM-DD",
        )),
    }
    if f.summary.trim().is_empty() || f.summary.chars().count() > 2000 {
        errs.push(FieldError::new(
            "summary",
            "请填写事由摘要（不超过2000个字符）",
        ));
    }
    if !errs.is_empty() {
        let mut r = render(&letters_page(&state, &staff, unit, None, errs).await?)?;
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    let c = adb::Complaint {
        id: 0,
        kind: f.kind,
        received_on: f.received_on.trim().into(),
        summary: f.summary.trim().into(),
        outcome: f.outcome.trim().into(),
    };
    let mut tx = state.db.begin().await?;
    adb::add_complaint(&mut tx, unit.id, &c).await?;
    crate::db::audit::append(
        &mut tx,
        &staff.unit_entry("complaint.add", unit.id, c.kind.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/admin/units/{}/letters?done=saved", unit.code)).into_response())
}
