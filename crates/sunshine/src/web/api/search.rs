//! `/api/v1/search`: the portal's search as JSON, in the shape of `/api/v1/items`.

use super::ApiErrorJson;
use crate::web::error::{ApiError, AppError};
use crate::web::search::{resolve, run, SearchParams};
use crate::web::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::Serialize;

/// Results per page of the API's search.
const PAGE_SIZE: usize = 20;

/// A found item.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    id: i64,
    index_no: Option<String>,
    title: String,
    /// Unit code
    unit: String,
    /// Column slug
    column: String,
    published_on: Option<NaiveDate>,
    /// A passage of the text around the first match
    snippet: String,
    /// Where the words matched in `snippet`: [start, end) in characters
    highlights: Vec<[usize; 2]>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UnitCount {
    /// Unit code
    unit: String,
    name: String,
    count: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct YearCount {
    year: i32,
    count: u64,
}

/// Counts of all results (not just this page), per unit and per year.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Facets {
    units: Vec<UnitCount>,
    years: Vec<YearCount>,
}

/// A page of search results.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    items: Vec<SearchHit>,
    total: usize,
    page: usize,
    page_size: usize,
    facets: Facets,
    /// The query as it was read (words, "phrases", -excluded, a OR b)
    query: String,
}

#[utoipa::path(get, path = "/api/v1/search", tag = "public",
    summary = "Full-text search over published 主动公开 items",
    description = "Words are all required; \"…\" keeps a phrase; -word excludes; a OR b accepts either. Without q, the filters alone list items newest first. An unreadable parameter answers 422 naming it. While the index is first being built the answer is 503 with Retry-After.",
    params(SearchParams),
    responses(
        (status = 200, body = SearchResults, description = "A page of results"),
        (status = 422, body = ApiErrorJson, description = "A parameter to correct"),
        (status = 503, body = ApiErrorJson, description = "The index is being built; retry")))]
pub async fn search(
    State(app): State<AppState>,
    Query(p): Query<SearchParams>,
) -> Result<Response, ApiError> {
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let all = crate::db::units::all(&mut conn).await?;
    let r = resolve(&mut conn, &all, &p, PAGE_SIZE).await?;
    drop(conn);
    if !r.problems.is_empty() {
        return Err(AppError::from(crate::service::Error::Invalid(r.problems)).into());
    }
    let o = match run(&app, &r, all).await? {
        Ok(o) => o,
        Err(_) => {
            let body = serde_json::json!({"error": {"code": "index_building",
                "message": "搜索索引正在建立，请稍后再试"}});
            let mut resp = (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
            return Ok(resp);
        }
    };
    let facets = Facets {
        units: o
            .answer
            .units
            .iter()
            .filter_map(|(id, n)| {
                let u = o.units.get(id)?;
                Some(UnitCount {
                    unit: u.code.clone(),
                    name: u.name.clone(),
                    count: *n,
                })
            })
            .collect(),
        years: o
            .answer
            .years
            .iter()
            .map(|(y, n)| YearCount {
                year: *y,
                count: *n,
            })
            .collect(),
    };
    let items = o
        .found
        .into_iter()
        .map(|f| SearchHit {
            id: f.item.id,
            index_no: f.item.index_no,
            title: f.item.title,
            unit: f.item.unit_code,
            column: f.item.column_slug,
            published_on: f.item.published_on,
            snippet: f.snippet.text,
            highlights: f.snippet.marks.iter().map(|(a, b)| [*a, *b]).collect(),
        })
        .collect();
    Ok(Json(SearchResults {
        items,
        total: o.answer.total,
        page: r.page,
        page_size: PAGE_SIZE,
        facets,
        query: r.request.parsed.display(),
    })
    .into_response())
}
