//! `/api/v1/units`: the units and their columns.

use super::ApiErrorJson;
use crate::db::{columns, units};
use crate::service::Error;
use crate::web::error::{ApiError, AppError};
use crate::web::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use sunshine_core::unit::UnitCode;
use sunshine_core::FieldError;
/// A unit (单位): the city government, a township, a department.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Unit)]
pub struct UnitJson {
    code: String,
    name: String,
    kind: String,
    parent: Option<String>,
    org_code: String,
}

#[utoipa::path(get, path = "/api/v1/units", tag = "public", summary = "Every unit, with its parent", responses((status = 200, body = [UnitJson], description = "The units")))]
pub async fn list_units(State(app): State<AppState>) -> Result<Json<Vec<UnitJson>>, ApiError> {
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let all = units::all(&mut conn).await?;
    let code_of = |id: Option<i64>| {
        id.and_then(|id| all.iter().find(|u| u.id == id))
            .map(|u| u.code.clone())
    };
    Ok(Json(
        all.iter()
            .map(|u| UnitJson {
                code: u.code.clone(),
                name: u.name.clone(),
                kind: u.kind.clone(),
                parent: code_of(u.parent_id),
                org_code: u.org_code.clone(),
            })
            .collect(),
    ))
}

pub(super) async fn unit_by_code(
    conn: &mut crate::db::Conn,
    code: &str,
    field: &'static str,
) -> Result<units::Unit, Error> {
    let not_found = || Error::Invalid(vec![FieldError::new(field, format!("单位“{code}”不存在"))]);
    let code = UnitCode::parse(code).map_err(|_| not_found())?;
    units::by_code(conn, code.as_str())
        .await?
        .ok_or_else(not_found)
}

/// A column (栏目) of a unit's catalog.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Column)]
pub struct ColumnJson {
    slug: String,
    name: String,
    parent: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/units/{code}/columns", tag = "public", summary = "A unit's visible columns", params(("code" = String, Path, description = "Unit code")), responses((status = 200, body = [ColumnJson], description = "The columns"), (status = 404, body = ApiErrorJson, description = "No such unit")))]
pub async fn list_columns(
    State(app): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Vec<ColumnJson>>, ApiError> {
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let code = UnitCode::parse(&code).map_err(|_| Error::NotFound)?;
    let unit = units::by_code(&mut conn, code.as_str())
        .await?
        .ok_or(Error::NotFound)?;
    let cols: Vec<_> = columns::of_unit(&mut conn, unit.id)
        .await?
        .into_iter()
        .filter(|c| !c.hidden.is_set())
        .collect();
    let slug_of = |id: Option<i64>| {
        id.and_then(|id| cols.iter().find(|c| c.id == id))
            .map(|c| c.slug.clone())
    };
    Ok(Json(
        cols.iter()
            .map(|c| ColumnJson {
                slug: c.slug.clone(),
                name: c.name.clone(),
                parent: slug_of(c.parent_id),
            })
            .collect(),
    ))
}
