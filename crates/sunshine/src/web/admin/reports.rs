//! The annual report in the back office: the year's records (training, inspections, counts kept
//! elsewhere, sections 五 and 六), the generated report with its checks, and turning it into a
//! draft item of the 政府信息公开年报 column, which then goes through the review workflow.

use super::auth::FlashQuery;
use super::{flash_message, CsrfForm, Errors, InUnit, Layout, Staff, UnitEditor, UnitReader};
use crate::db::report::{self as rdb, Inspection, Training, YearRow};
use crate::db::units::Unit;
use crate::service::Error;
use crate::web::error::{AppError, PageError};
use crate::web::public::render;
use crate::web::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use serde::Deserialize;
use sunshine_core::report::Breach;
use sunshine_core::FieldError;

fn parse_year(s: &str) -> Result<i32, Error> {
    s.parse::<i32>()
        .ok()
        .filter(|y| (2008..=2100).contains(y))
        .ok_or(Error::NotFound)
}

#[derive(Template)]
#[template(path = "admin/report.html")]
struct ReportPage {
    layout: Layout,
    unit: Unit,
    year: i32,
    trainings: Vec<Training>,
    inspections: Vec<Inspection>,
    yr: YearRow,
    body_html: String,
    breaches: Vec<Breach>,
    errors: Errors,
    /// The year has not ended: drafting asks for confirmation.
    year_open: bool,
}

async fn page(
    state: &AppState,
    staff: &Staff,
    unit: Unit,
    year: i32,
    flash: Option<String>,
    errors: Vec<FieldError>,
) -> Result<ReportPage, AppError> {
    let mut conn = state.db.pool.acquire().await?;
    let (r, rule_making) = crate::service::report::generate(&mut conn, &unit.code, year).await?;
    let breaches = sunshine_core::report::check(&r, None, rule_making);
    Ok(ReportPage {
        layout: Layout::new(state, staff, flash).await?,
        trainings: rdb::trainings(&mut conn, unit.id, year).await?,
        inspections: rdb::inspections(&mut conn, unit.id, year).await?,
        yr: rdb::year(&mut conn, unit.id, year).await?,
        body_html: crate::service::report::to_html(&r)?,
        breaches,
        unit,
        year,
        errors: Errors(errors),
        year_open: year >= state.today().year(),
    })
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    done: Option<String>,
}

pub async fn show(
    InUnit { staff, unit, .. }: UnitReader,
    State(state): State<AppState>,
    Path((_, year)): Path<(String, String)>,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let year = parse_year(&year)?;
    render(
        &page(
            &state,
            &staff,
            unit,
            year,
            flash_message(q.done.as_deref()),
            vec![],
        )
        .await?,
    )
}

/// `/admin/units/{code}/reports`: last year's report (the one being written now).
pub async fn latest(
    InUnit { staff: _, unit, .. }: UnitReader,
    State(state): State<AppState>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, PageError> {
    let _ = q;
    Ok(Redirect::to(&format!(
        "/admin/units/{}/reports/{}",
        unit.code,
        state.today().year() - 1
    ))
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RecordForm {
    held_on: String,
    topic: String,
    attendance: String,
    inspector: String,
    findings: String,
    rectification: String,
    rectified_on: String,
    licensing: String,
    penalty: String,
    coercion: String,
    fees_wan_yuan: String,
    section_five: String,
    section_six: String,
}

fn date_in(
    field: &'static str,
    s: &str,
    year: i32,
    today: chrono::NaiveDate,
) -> Result<String, FieldError> {
    match chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        Ok(d) if d > today => Err(FieldError::new(field, "日期不能在将来")),
        Ok(d) if d.year() != year => Err(FieldError::new(field, format!("日期应在{year}年内"))),
        Ok(d) => Ok(d.to_string()),
        Err(_) => Err(FieldError::new(field, "日期格式应为 年-月-日")),
    }
}

fn count(field: &'static str, s: &str) -> Result<i64, FieldError> {
    match s.trim() {
        "" => Ok(0),
        v => v
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| FieldError::new(field, format!("“{v}”应为不小于0的整数"))),
    }
}

/// Saves one kind of record: `training`, `inspection` or `counts` (counts and sections 五, 六).
pub async fn save(
    InUnit { staff, unit, .. }: UnitEditor,
    State(state): State<AppState>,
    Path((_, year, what)): Path<(String, String, String)>,
    CsrfForm(f): CsrfForm<RecordForm>,
) -> Result<Response, PageError> {
    let year = parse_year(&year)?;
    let today = state.today();
    let mut errs = Vec::new();
    let mut tx = state.db.begin().await?;
    match what.as_str() {
        "training" => {
            let held = date_in("held_on", &f.held_on, year, today)
                .map_err(|e| errs.push(e))
                .ok();
            let people = count("attendance", &f.attendance)
                .map_err(|e| errs.push(e))
                .ok();
            if f.topic.trim().is_empty() {
                errs.push(FieldError::new("topic", "请填写培训主题"));
            }
            if let (Some(h), Some(p), true) = (held, people, errs.is_empty()) {
                rdb::add_training(&mut tx, unit.id, &h, f.topic.trim(), p).await?;
            }
        }
        "inspection" => {
            let held = date_in("held_on", &f.held_on, year, today)
                .map_err(|e| errs.push(e))
                .ok();
            if f.inspector.trim().is_empty() || f.findings.trim().is_empty() {
                errs.push(FieldError::new("findings", "请填写检查单位和发现的问题"));
            }
            let rectified = match f.rectified_on.trim() {
                "" => None,
                s => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .ok()
                    .map(|d| d.to_string())
                    .or_else(|| {
                        errs.push(FieldError::new("rectified_on", "整改日期格式应为 年-月-日"));
                        None
                    }),
            };
            if let (Some(h), true) = (held, errs.is_empty()) {
                let i = Inspection {
                    unit_id: unit.id,
                    id: 0,
                    held_on: h,
                    inspector: f.inspector.trim().into(),
                    findings: f.findings.trim().into(),
                    rectification: f.rectification.trim().into(),
                    rectified_on: rectified,
                };
                rdb::add_inspection(&mut tx, unit.id, &i).await?;
            }
        }
        "counts" => {
            let mut y = rdb::year(&mut tx, unit.id, year).await?;
            for (field, v, slot) in [
                ("licensing", &f.licensing, &mut y.licensing),
                ("penalty", &f.penalty, &mut y.penalty),
                ("coercion", &f.coercion, &mut y.coercion),
            ] {
                match count(field, v) {
                    Ok(n) => *slot = n,
                    Err(e) => errs.push(e),
                }
            }
            match f.fees_wan_yuan.trim() {
                "" => y.fees_wan_yuan = "0".into(),
                v if v.parse::<f64>().is_ok_and(|x| x >= 0.0 && x.is_finite()) => {
                    y.fees_wan_yuan = v.into()
                }
                v => errs.push(FieldError::new(
                    "fees_wan_yuan",
                    format!("收费金额“{v}”应为不小于0的数字（单位：万元）"),
                )),
            }
            y.section_five = f.section_five.trim().into();
            y.section_six = f.section_six.trim().into();
            if errs.is_empty() {
                rdb::save_year(&mut tx, unit.id, year, &y).await?;
            }
        }
        _ => return Err(Error::NotFound.into()),
    }
    if !errs.is_empty() {
        drop(tx);
        let mut r = render(&page(&state, &staff, unit, year, None, errs).await?)?;
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    crate::db::audit::append(
        &mut tx,
        &staff.unit_entry("report.record", unit.id, format!("{year} {what}")),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/admin/units/{}/reports/{year}?done=saved",
        unit.code
    ))
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DraftForm {
    /// `1`: draft a report for a year that has not ended, knowingly.
    confirm: String,
}

/// Generates the report, checks it, and writes it as a draft item of the 政府信息公开年报 column
/// (a new one, or the existing draft updated), for the review workflow to take over.
pub async fn draft(
    InUnit { staff, unit, .. }: UnitEditor,
    State(state): State<AppState>,
    Path((_, year)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<DraftForm>,
) -> Result<Response, PageError> {
    let year = parse_year(&year)?;
    // A year that has not ended has figures that will still change: only when asked twice.
    if year >= state.today().year() && f.confirm != "1" {
        let errs = vec![FieldError::new(
            "confirm",
            format!(
                "{year}年尚未结束，现在生成的年报只包含截至今天的记录，年底前还会变化。确需现在生成草稿的，请勾选“确认生成”后再提交。"
            ),
        )];
        let mut r = render(&page(&state, &staff, unit, year, None, errs).await?)?;
        *r.status_mut() = StatusCode::CONFLICT;
        return Ok(r);
    }
    let item_id = crate::service::report::draft_item(&state, &staff.actor(), &unit, year).await?;
    Ok(Redirect::to(&format!("/admin/items/{item_id}?done=saved")).into_response())
}

/// Downloads the generated report: `json`, `csv`, `docx` or `html`.
pub async fn download(
    InUnit { staff: _, unit, .. }: UnitReader,
    State(state): State<AppState>,
    Path((_, year, format)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let year = parse_year(&year)?;
    let (r, _) = {
        let mut conn = state.db.pool.acquire().await.map_err(AppError::from)?;
        crate::service::report::generate(&mut conn, &unit.code, year).await?
    };
    let (mime, bytes): (&str, Vec<u8>) = match format.as_str() {
        "json" => (
            "application/json",
            serde_json::to_vec_pretty(&r).map_err(|e| Error::Internal(e.into()))?,
        ),
        "csv" => (
            "text/csv; charset=utf-8",
            format!("\u{feff}{}", crate::service::report::to_csv(&r)).into_bytes(),
        ),
        "docx" => (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            // Document building is CPU work: on the CPU pool, no connection held.
            state
                .cpu
                .run(move || crate::service::docx::to_docx(&r))
                .await??,
        ),
        "html" => (
            "text/html; charset=utf-8",
            crate::service::report::to_html(&r)?.into_bytes(),
        ),
        _ => return Err(Error::NotFound.into()),
    };
    let name: String = url::form_urlencoded::byte_serialize(
        format!("{}{year}年政府信息公开工作年度报告.{format}", unit.name).as_bytes(),
    )
    .collect::<String>()
    .replace('+', "%20");
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, mime.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"report-{year}.{format}\"; filename*=UTF-8''{name}"),
            ),
        ],
        bytes,
    )
        .into_response())
}
