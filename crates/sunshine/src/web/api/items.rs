//! `/api/v1/items`: published items for everyone; drafts and edits for staff.

use super::ApiErrorJson;
use super::{ApiJson, ApiStaff, MaybeStaff};
use crate::db::items::{self, Filter, Item};
use crate::db::{attachments, columns, Scope};
use crate::service::Error;
use crate::service::{self};
use crate::web::error::{ApiError, AppError};
use crate::web::extract::parse_id;
use crate::web::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sunshine_core::item::ItemInput;
use sunshine_core::item::{Disclosure, ItemState, Validity};
use sunshine_core::page::Page;
use sunshine_core::review::Importance;
use sunshine_core::FieldError;
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemsQuery {
    /// Unit code
    unit: Option<String>,
    /// Column slug (requires unit)
    column: Option<String>,
    /// Page number, from 1 (20 items a page)
    page: Option<String>,
}

/// A new draft: the unit it belongs to, beside the item's fields.
#[derive(utoipa::ToSchema)]
#[allow(
    dead_code,
    reason = "describes the request body, which is read field by field"
)]
pub struct NewItem {
    /// Unit code
    unit: String,
    #[schema(inline)]
    #[serde(flatten)]
    fields: ItemInput,
}

/// One line of a listing.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ItemSummary)]
pub struct ItemLine {
    id: i64,
    index_no: Option<String>,
    title: String,
    unit: String,
    column: String,
    published_on: Option<NaiveDate>,
}

/// A page of items.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ItemList {
    items: Vec<ItemLine>,
    /// How many items the filter leaves, counted up to 10,000 (then 10000 with `total_exact` false).
    total: i64,
    /// Whether `total` is the exact count (false: there are more than 10,000).
    total_exact: bool,
    page: u32,
    page_size: u32,
}

#[utoipa::path(get, path = "/api/v1/items", tag = "public", summary = "Published 主动公开 items, newest first, 20 per page", params(ItemsQuery), responses((status = 200, body = ItemList, description = "A page of items"), (status = 422, body = ApiErrorJson, description = "A filter to correct")))]
pub async fn list_items(
    State(app): State<AppState>,
    Query(q): Query<ItemsQuery>,
) -> Result<axum::response::Response, ApiError> {
    let page = Page::parse(q.page.as_deref(), crate::web::public::PAGE_SIZE)
        .ok_or_else(|| FieldError::new("page", "page 应为不小于 1 的整数"))?;
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let mut filter = Filter::default();
    if let Some(code) = q.unit.as_deref().filter(|s| !s.is_empty()) {
        let unit = super::units::unit_by_code(&mut conn, code, "unit").await?;
        filter.unit_id = Some(unit.id);
        if let Some(slug) = q.column.as_deref().filter(|s| !s.is_empty()) {
            let col = columns::by_slug(&mut conn, unit.id, slug)
                .await?
                .filter(|c| !c.hidden.is_set())
                .ok_or_else(|| {
                    FieldError::new("column", format!("单位“{code}”没有栏目“{slug}”"))
                })?;
            filter.column_id = Some(col.id);
        }
    } else if q.column.as_deref().is_some_and(|s| !s.is_empty()) {
        return Err(FieldError::new("column", "按栏目查询时必须同时给出 unit").into());
    }
    let (rows, total) = items::list_public(&mut conn, filter, page).await?;
    let answer = Json(ItemList {
        items: rows
            .into_iter()
            .map(|s| ItemLine {
                id: s.id,
                index_no: s.index_no,
                title: s.title,
                unit: s.unit_code,
                column: s.column_slug,
                published_on: s.published_on,
            })
            .collect(),
        total: total.shown,
        total_exact: !total.more,
        page: page.number,
        page_size: page.size,
    });
    Ok(crate::web::cache::mark(
        axum::response::IntoResponse::into_response(answer),
        crate::web::cache::Cacheable::of(vec![crate::web::cache::Tag::All]),
    ))
}

/// A file attached to an item.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Attachment)]
pub struct AttachmentJson {
    id: i64,
    file_name: String,
    mime: String,
    size_bytes: i64,
    sha256: String,
    url: String,
}

/// An item (政府信息) with its catalog metadata.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Item)]
pub struct ItemJson {
    id: i64,
    index_no: Option<String>,
    title: String,
    unit: String,
    unit_name: String,
    column: String,
    column_name: String,
    publisher: String,
    author: String,
    source: String,
    doc_no: Option<String>,
    written_on: Option<NaiveDate>,
    published_on: Option<NaiveDate>,
    topic: String,
    validity: Validity,
    disclosure: Disclosure,
    state: ItemState,
    importance: Importance,
    body_html: String,
    attachments: Vec<AttachmentJson>,
    hits: i64,
}

async fn item_json(
    app: &AppState,
    conn: &mut crate::db::Conn,
    i: Item,
) -> Result<ItemJson, AppError> {
    let atts = attachments::of_item(conn, i.id).await?;
    Ok(ItemJson {
        hits: i.hits + app.clicks.pending(i.id),
        attachments: atts
            .into_iter()
            .map(|a| AttachmentJson {
                url: format!("/attachments/{}", a.id),
                id: a.id,
                file_name: a.file_name,
                mime: a.mime,
                size_bytes: a.size_bytes,
                sha256: a.sha256,
            })
            .collect(),
        id: i.id,
        index_no: i.index_no,
        title: i.title,
        unit: i.unit_code,
        unit_name: i.unit_name,
        column: i.column_slug,
        column_name: i.column_name,
        publisher: i.publisher,
        author: i.author,
        source: i.source,
        doc_no: i.doc_no,
        written_on: i.written_on,
        published_on: i.published_on,
        topic: i.topic,
        validity: i.validity,
        disclosure: i.disclosure,
        state: i.state,
        importance: i.importance,
        body_html: i.body_html,
    })
}

#[utoipa::path(get, path = "/api/v1/items/{id}", tag = "public", summary = "One item: published for everyone; staff (with a token) also see their own units' drafts", params(("id" = i64, Path, minimum = 1, description = "Item id")), responses((status = 200, body = ItemJson, description = "The item"), (status = 401, body = ApiErrorJson, description = "Bad token"), (status = 404, body = ApiErrorJson, description = "Not found"), (status = 410, body = ApiErrorJson, description = "Withdrawn")), security((), ("bearer" = [])))]
pub async fn get_item(
    State(app): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path(id): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    let id = parse_id(&id)?;
    // Staff see their own writes at once; the public may be answered by a replica.
    let pool = if staff.is_some() {
        &app.db.pool
    } else {
        app.db.read()
    };
    let mut conn = pool.acquire().await.map_err(AppError::from)?;
    let item = match &staff {
        Some(s) => items::get(&mut conn, &Scope::of(&s.grants), id).await?,
        None => None,
    };
    let item = match item {
        Some(i) => i,
        None => match items::get_public(&mut conn, id).await? {
            Some(i) => i,
            None => return Err(crate::web::public::not_public(&mut conn, id).await.into()),
        },
    };
    let tags = vec![
        crate::web::cache::Tag::Item(item.id),
        crate::web::cache::Tag::Unit(item.unit_id),
    ];
    let answer =
        axum::response::IntoResponse::into_response(Json(item_json(&app, &mut conn, item).await?));
    // What staff see with a token (drafts among it) is never kept.
    Ok(match staff {
        None => crate::web::cache::mark(answer, crate::web::cache::Cacheable::of(tags)),
        Some(_) => answer,
    })
}

#[utoipa::path(post, path = "/api/v1/items", tag = "staff", summary = "Create a draft (staff); `unit` beside the item's fields", request_body(content = NewItem, description = "The item's fields, and `unit` (unit code)"), responses((status = 201, body = ItemJson, description = "The draft"), (status = 401, body = ApiErrorJson, description = "No or bad token"), (status = 403, body = ApiErrorJson, description = "Not allowed for this unit or step"), (status = 404, body = ApiErrorJson, description = "No such item"), (status = 409, body = ApiErrorJson, description = "The item's state does not allow it"), (status = 422, body = ApiErrorJson, description = "A field to correct")), security(("bearer" = [])))]
pub async fn create_item(
    State(app): State<AppState>,
    staff: ApiStaff,
    ApiJson(mut body): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> Result<Response, ApiError> {
    // `unit` beside the item's fields; the fields read so that a misshapen one is named.
    let unit = match body.remove("unit") {
        Some(serde_json::Value::String(u)) if !u.trim().is_empty() => u,
        _ => return Err(FieldError::new("unit", "请给出单位代码 unit").into()),
    };
    let input: ItemInput = serde_path_to_error::deserialize(serde_json::Value::Object(body))
        .map_err(|e| {
            let path = e.path().to_string();
            let problem = sunshine_core::text::json_problem_zh(&e.into_inner().to_string());
            FieldError::new("body", format!("字段“{path}”：{problem}"))
        })?;
    let id = service::create_item(&app, &staff.actor(), &unit, &input).await?;
    let mut conn = app.db.pool.acquire().await.map_err(AppError::from)?;
    let item = items::get(&mut conn, &Scope::of(&staff.grants), id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((
        StatusCode::CREATED,
        Json(item_json(&app, &mut conn, item).await?),
    )
        .into_response())
}

#[utoipa::path(put, path = "/api/v1/items/{id}", tag = "staff", summary = "Edit a draft or an item under review (staff); review restarts", params(("id" = i64, Path, minimum = 1, description = "Item id")), request_body = ItemInput, responses((status = 200, body = ItemJson, description = "The item"), (status = 401, body = ApiErrorJson, description = "No or bad token"), (status = 403, body = ApiErrorJson, description = "Not allowed for this unit or step"), (status = 404, body = ApiErrorJson, description = "No such item"), (status = 409, body = ApiErrorJson, description = "The item's state does not allow it"), (status = 422, body = ApiErrorJson, description = "A field to correct")), security(("bearer" = [])))]
pub async fn update_item(
    State(app): State<AppState>,
    staff: ApiStaff,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ItemInput>,
) -> Result<Json<ItemJson>, ApiError> {
    let id = parse_id(&id)?;
    service::update_item(&app, &staff.actor(), id, &input).await?;
    let mut conn = app.db.pool.acquire().await.map_err(AppError::from)?;
    let item = items::get(&mut conn, &Scope::of(&staff.grants), id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Json(item_json(&app, &mut conn, item).await?))
}

/// The item as JSON after a workflow step.
pub(super) async fn item_after(
    app: &AppState,
    staff: &ApiStaff,
    id: i64,
) -> Result<Json<ItemJson>, ApiError> {
    let mut conn = app.db.pool.acquire().await.map_err(AppError::from)?;
    let item = items::get(&mut conn, &Scope::of(&staff.grants), id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Json(item_json(app, &mut conn, item).await?))
}
