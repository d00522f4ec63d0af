//! `/api/v1/reports`: published annual reports (年报) as data.

use crate::db::units;
use crate::service::Error;
use crate::web::error::{ApiError, AppError};
use crate::web::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use sunshine_core::unit::UnitCode;
use sunshine_core::FieldError;
/// `GET /api/v1/reports/{unit}/{year}`: a published annual report as JSON (the domain shape).
pub async fn get_report(
    State(app): State<AppState>,
    Path((unit, year)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let year: i64 = year.parse().map_err(|_| Error::NotFound)?;
    let mut conn = app.db.pool.acquire().await.map_err(AppError::from)?;
    let code = UnitCode::parse(&unit).map_err(|_| Error::NotFound)?;
    let u = units::by_code(&mut conn, code.as_str())
        .await?
        .ok_or(Error::NotFound)?;
    let mut reports = crate::db::report::published_reports(&mut conn, Some(u.id), year).await?;
    reports
        .pop()
        .map(Json)
        .ok_or(ApiError::from(Error::NotFound))
}

#[derive(Deserialize)]
pub struct ReportsQuery {
    year: Option<String>,
}

/// `GET /api/v1/reports?year=Y`: every published report of that year in the city.
pub async fn list_reports(
    State(app): State<AppState>,
    Query(q): Query<ReportsQuery>,
) -> Result<Json<Vec<serde_json::Value>>, ApiError> {
    let year: i64 = q
        .year
        .as_deref()
        .and_then(|y| y.parse().ok())
        .ok_or_else(|| FieldError::new("year", "请给出年份 year，例如 ?year=2025"))?;
    let mut conn = app.db.pool.acquire().await.map_err(AppError::from)?;
    Ok(Json(
        crate::db::report::published_reports(&mut conn, None, year).await?,
    ))
}
