//! `/api/v1/reports`: published annual reports (年报) as data.

use super::ApiErrorJson;
use crate::db::units;
use crate::service::Error;
use crate::web::error::{ApiError, AppError};
use crate::web::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use sunshine_core::unit::UnitCode;
use sunshine_core::FieldError;
#[utoipa::path(get, path = "/api/v1/reports/{unit}/{year}", tag = "public", summary = "A published annual report (年报) as data", params(("unit" = String, Path, description = "Unit code"), ("year" = i32, Path, description = "Year reported on")), responses((status = 200, body = sunshine_core::report::Report, description = "The report in the domain's shape: the statutory tables (25 rows × 7 columns of applications), remedies, fees and sections"), (status = 404, body = ApiErrorJson, description = "No published report")))]
/// `GET /api/v1/reports/{unit}/{year}`: a published annual report as JSON (the domain shape).
pub async fn get_report(
    State(app): State<AppState>,
    Path((unit, year)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let year: i64 = year.parse().map_err(|_| Error::NotFound)?;
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
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

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportsQuery {
    /// The year reported on, e.g. 2025
    #[param(required = true, value_type = i32)]
    year: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/reports", tag = "public", summary = "Every published annual report of a year in the city", params(ReportsQuery), responses((status = 200, body = [sunshine_core::report::Report], description = "The reports"), (status = 422, body = ApiErrorJson, description = "No year given")))]
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
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    Ok(Json(
        crate::db::report::published_reports(&mut conn, None, year).await?,
    ))
}
