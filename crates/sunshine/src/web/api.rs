//! The JSON API (`/api/v1`), described in `/api/openapi.json`. Public reads show only
//! published 主动公开 items; staff calls carry `Authorization: Bearer TOKEN` and obey the same
//! rules as the back office (they call the same services).

use super::error::{ApiError, AppError};
use super::extract::{parse_id, ClientIp};
use super::AppState;
use crate::db::items::{self, Filter, Item};
use crate::db::{attachments, columns, units, users, Scope};
use crate::service::Error;
use crate::service::{self, review, Actor};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sunshine_core::item::ItemInput;
use sunshine_core::item::{Disclosure, ItemState, Validity};
use sunshine_core::page::Page;
use sunshine_core::policy::Grants;
use sunshine_core::review::Importance;
use sunshine_core::unit::UnitCode;
use sunshine_core::FieldError;

pub const OPENAPI: &str = include_str!("../../openapi.json");

pub async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
        .into_response()
}

/// A staff member authenticated by API token.
pub struct ApiStaff {
    pub user_id: i64,
    pub login: String,
    pub grants: Grants,
    pub ip: String,
}

impl ApiStaff {
    pub fn actor(&self) -> Actor<'_> {
        Actor {
            user_id: self.user_id,
            login: &self.login,
            ip: &self.ip,
            grants: &self.grants,
        }
    }
}

async fn staff_from(parts: &mut Parts, state: &AppState) -> Result<Option<ApiStaff>, ApiError> {
    let Some(h) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = h
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(AppError::Unauthorized)?;
    let mut conn = state.db.pool.acquire().await.map_err(AppError::from)?;
    let user = users::by_token_hash(&mut conn, &crate::auth::token_hash(token))
        .await?
        .filter(|u| !u.disabled.is_set())
        .ok_or(AppError::Unauthorized)?;
    let grants = users::grants(&mut conn, user.id).await?;
    let ClientIp(ip) = ClientIp::from_request_parts(parts, state)
        .await
        .unwrap_or(ClientIp("unknown".into()));
    Ok(Some(ApiStaff {
        user_id: user.id,
        login: user.login,
        grants,
        ip,
    }))
}

impl FromRequestParts<AppState> for ApiStaff {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        staff_from(parts, state)
            .await?
            .ok_or(ApiError(AppError::Unauthorized))
    }
}

/// Staff if a token was sent; public otherwise. A bad token is still refused.
pub struct MaybeStaff(pub Option<ApiStaff>);

impl FromRequestParts<AppState> for MaybeStaff {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(MaybeStaff(staff_from(parts, state).await?))
    }
}

/// JSON bodies whose syntax errors come back as our JSON error, naming the problem.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json_type = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
            .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
        if !json_type {
            return Err(ApiError::from(Error::Unsupported(
                "请求体须为 JSON：请加上请求头 Content-Type: application/json。".into(),
            )));
        }
        let bytes = match axum::body::Bytes::from_request(req, state).await {
            Ok(b) => b,
            Err(rej) if rej.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::from(Error::TooLarge(
                    "请求体太大：请缩短正文，或把大段内容作为附件上传。".into(),
                )))
            }
            Err(_) => {
                return Err(ApiError::from(Error::Invalid(vec![FieldError::new(
                    "body",
                    "请求体没有读完整（网络太慢或连接中断），请重试。",
                )])))
            }
        };
        json_body(&bytes)
            .map(ApiJson)
            .map_err(|e| ApiError(e.into()))
    }
}

/// A JSON value already read into its type; a problem named by its field, in Chinese.
pub fn json_value<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize::<_, T>(v).map_err(|e| {
        let path = e.path().to_string();
        let problem = sunshine_core::text::json_problem_zh(&e.into_inner().to_string());
        FieldError::new("body", format!("字段“{path}”：{problem}"))
    })
}

/// A JSON body into its type; a problem named by its field and position, in Chinese.
pub fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, FieldError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = serde_path_to_error::deserialize::<_, T>(&mut de);
    if parsed.is_ok() {
        if let Err(e) = de.end() {
            return Err(FieldError::new(
                "body",
                format!(
                    "请求体不是有效的 JSON：JSON 之后还有多余的字符（第 {} 行第 {} 列附近）",
                    e.line(),
                    e.column()
                ),
            ));
        }
    }
    parsed.map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let (line, column) = (inner.line(), inner.column());
        let problem = inner.to_string();
        let problem = problem
            .rsplit_once(" at line ")
            .map(|(p, _)| p.to_owned())
            .unwrap_or(problem);
        let problem = sunshine_core::text::json_problem_zh(&problem);
        match inner.classify() {
            serde_json::error::Category::Data if path != "." => FieldError::new(
                "body",
                format!("字段“{path}”：{problem}（第 {line} 行第 {column} 列）"),
            ),
            serde_json::error::Category::Data => {
                FieldError::new("body", format!("请求体的结构不对：{problem}"))
            }
            _ => FieldError::new(
                "body",
                format!("请求体不是有效的 JSON：{problem}（第 {line} 行第 {column} 列附近）"),
            ),
        }
    })
}

#[derive(Serialize)]
pub struct UnitJson {
    code: String,
    name: String,
    kind: String,
    parent: Option<String>,
    org_code: String,
}

pub async fn list_units(State(app): State<AppState>) -> Result<Json<Vec<UnitJson>>, ApiError> {
    let mut conn = app.db.pool.acquire().await.map_err(AppError::from)?;
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

async fn unit_by_code(
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

#[derive(Serialize)]
pub struct ColumnJson {
    slug: String,
    name: String,
    parent: Option<String>,
}

pub async fn list_columns(
    State(app): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Vec<ColumnJson>>, ApiError> {
    let mut conn = app.db.pool.acquire().await.map_err(AppError::from)?;
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

#[derive(Deserialize)]
pub struct ItemsQuery {
    unit: Option<String>,
    column: Option<String>,
    page: Option<String>,
}

#[derive(Serialize)]
pub struct ItemLine {
    id: i64,
    index_no: Option<String>,
    title: String,
    unit: String,
    column: String,
    published_on: Option<NaiveDate>,
}

#[derive(Serialize)]
pub struct ItemList {
    items: Vec<ItemLine>,
    total: i64,
    page: u32,
    page_size: u32,
}

pub async fn list_items(
    State(app): State<AppState>,
    Query(q): Query<ItemsQuery>,
) -> Result<Json<ItemList>, ApiError> {
    let page = Page::parse(q.page.as_deref(), super::public::PAGE_SIZE)
        .ok_or_else(|| FieldError::new("page", "page 应为不小于 1 的整数"))?;
    let mut conn = app.db.pool.acquire().await.map_err(AppError::from)?;
    let mut filter = Filter::default();
    if let Some(code) = q.unit.as_deref().filter(|s| !s.is_empty()) {
        let unit = unit_by_code(&mut conn, code, "unit").await?;
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
    Ok(Json(ItemList {
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
        total,
        page: page.number,
        page_size: page.size,
    }))
}

#[derive(Serialize)]
pub struct AttachmentJson {
    id: i64,
    file_name: String,
    mime: String,
    size_bytes: i64,
    sha256: String,
    url: String,
}

#[derive(Serialize)]
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

pub async fn get_item(
    State(app): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path(id): Path<String>,
) -> Result<Json<ItemJson>, ApiError> {
    let id = parse_id(&id)?;
    let mut conn = app.db.pool.acquire().await.map_err(AppError::from)?;
    let item = match &staff {
        Some(s) => items::get(&mut conn, &Scope::of(&s.grants), id).await?,
        None => None,
    };
    let item = match item {
        Some(i) => i,
        None => match items::get_public(&mut conn, id).await? {
            Some(i) => i,
            None => return Err(super::public::not_public(&mut conn, id).await.into()),
        },
    };
    Ok(Json(item_json(&app, &mut conn, item).await?))
}

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
async fn item_after(app: &AppState, staff: &ApiStaff, id: i64) -> Result<Json<ItemJson>, ApiError> {
    let mut conn = app.db.pool.acquire().await.map_err(AppError::from)?;
    let item = items::get(&mut conn, &Scope::of(&staff.grants), id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Json(item_json(app, &mut conn, item).await?))
}

/// Parses an optional JSON body (steps like publish may be sent without one).
fn optional_body<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    json_body(body).map_err(|e| ApiError(e.into()))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CommentBody {
    comment: String,
    digest: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReasonBody {
    reason: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PublishBody {
    /// RFC 3339 time, or `YYYY-MM-DDTHH:MM` in China Standard Time; absent or past: now.
    at: Option<String>,
}

/// Parses a publication time; a time without an offset is China Standard Time.
pub fn parse_time(s: &str) -> Result<i64, FieldError> {
    let folded = sunshine_core::text::fold_width(s);
    let s = folded.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp());
    }
    for f in ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Ok(t.and_utc().timestamp() - 8 * 3600);
        }
    }
    Err(FieldError::new(
        "at",
        "发布时间格式应为 2026-12-01T09:00（北京时间）或带时区的 RFC 3339 时间",
    ))
}

pub async fn publish_item(
    State(app): State<AppState>,
    staff: ApiStaff,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<ItemJson>, ApiError> {
    let id = parse_id(&id)?;
    let b: PublishBody = optional_body(&body)?;
    let at =
        b.at.as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(parse_time)
            .transpose()?;
    review::publish(&app, &staff.actor(), id, at).await?;
    item_after(&app, &staff, id).await
}

/// One workflow step of the API: parse the id and the (optional) JSON body, call the review
/// service as the token's user, answer with the item.
macro_rules! workflow_step {
    ($(#[$doc:meta])* $name:ident, $body:ty, |$app:ident, $actor:ident, $id:ident, $b:ident| $call:expr) => {
        $(#[$doc])*
        pub async fn $name(
            State($app): State<AppState>,
            staff: ApiStaff,
            Path(id): Path<String>,
            body: axum::body::Bytes,
        ) -> Result<Json<ItemJson>, ApiError> {
            let $id = parse_id(&id)?;
            let $b: $body = optional_body(&body)?;
            let $actor = staff.actor();
            $call.await?;
            item_after(&$app, &staff, $id).await
        }
    };
}

workflow_step!(
    /// 送审.
    submit_item, ReasonBody, |app, actor, id, _b| review::submit(&app, &actor, id)
);
workflow_step!(
    /// Approves the step now waiting, for the digest seen (when given).
    approve_item, CommentBody, |app, actor, id, b| review::approve(&app, &actor, id, &b.comment, b.digest.as_deref())
);
workflow_step!(
    /// Returns the item to its author with comments.
    reject_item, CommentBody, |app, actor, id, b| review::reject(&app, &actor, id, &b.comment)
);
workflow_step!(
    /// Withdraws a published item.
    withdraw_item, ReasonBody, |app, actor, id, b| review::withdraw(&app, &actor, id, &b.reason)
);
workflow_step!(
    /// The last reviewer overrides blocking screening findings in writing.
    override_item, ReasonBody, |app, actor, id, b| review::override_findings(&app, &actor, id, &b.reason)
);

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ImportanceBody {
    importance: String,
    /// Required when lowering (only the last reviewer of the chain may).
    reason: String,
}

pub async fn raise_importance(
    State(app): State<AppState>,
    staff: ApiStaff,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ImportanceBody>,
) -> Result<Json<ItemJson>, ApiError> {
    let id = parse_id(&id)?;
    review::set_importance(&app, &staff.actor(), id, &b.importance, &b.reason).await?;
    item_after(&app, &staff, id).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ConsultationBody {
    department: String,
    contact: String,
    held_on: String,
    outcome: String,
}

pub async fn add_consultation(
    State(app): State<AppState>,
    staff: ApiStaff,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ConsultationBody>,
) -> Result<Json<ReviewJson>, ApiError> {
    let id = parse_id(&id)?;
    let c = review::ConsultationInput {
        department: &b.department,
        contact: &b.contact,
        held_on: &b.held_on,
        outcome: &b.outcome,
    };
    review::consult(&app, &staff.actor(), id, &c).await?;
    review_of(&app, &staff, id).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MaskBody {
    index: usize,
    masked: String,
}

pub async fn mask_finding(
    State(app): State<AppState>,
    staff: ApiStaff,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MaskBody>,
) -> Result<Json<ItemJson>, ApiError> {
    let id = parse_id(&id)?;
    review::mask(&app, &staff.actor(), id, b.index, &b.masked).await?;
    item_after(&app, &staff, id).await
}

#[derive(Serialize)]
pub struct StepJson {
    step: usize,
    role: &'static str,
    role_label: &'static str,
    status: &'static str,
    by: Option<String>,
    at: Option<i64>,
    comment: Option<String>,
}

#[derive(Serialize)]
pub struct ReviewJson {
    item_id: i64,
    state: ItemState,
    importance: &'static str,
    chain: Vec<StepJson>,
    current_step: Option<usize>,
    waiting_for: Option<&'static str>,
    digest: String,
    findings: Vec<sunshine_core::screening::Finding>,
    blocking: bool,
    override_in_force: bool,
    overrides: Vec<crate::db::review::OverrideRow>,
    prereview: sunshine_core::review::PreReview,
    consultations: Vec<crate::db::review::Consultation>,
    events: Vec<crate::db::review::Event>,
    review_comment: String,
    publish_at: Option<i64>,
}

pub fn review_json(item_id: i64, st: review::ReviewState) -> ReviewJson {
    let chain = st
        .chain
        .iter()
        .enumerate()
        .map(|(i, role)| {
            let a = st.approvals.iter().find(|a| a.step as usize == i);
            StepJson {
                step: i + 1,
                role: role.as_str(),
                role_label: role.label(),
                status: if a.is_some() {
                    "approved"
                } else if st.step == Some(i) {
                    "waiting"
                } else {
                    "pending"
                },
                by: a.map(|a| a.user_name.clone()),
                at: a.map(|a| a.at),
                comment: a.map(|a| a.comment.clone()),
            }
        })
        .collect();
    ReviewJson {
        item_id,
        importance: st.importance.as_str(),
        current_step: st.step.map(|s| s + 1),
        waiting_for: st.step.map(|s| st.chain[s].as_str()),
        state: st.state,
        chain,
        digest: st.digest,
        blocking: st.blocking,
        findings: st.findings,
        override_in_force: st.override_in_force,
        overrides: st.overrides,
        prereview: st.prereview,
        consultations: st.consultations,
        events: st.events,
        review_comment: st.review_comment,
        publish_at: st.publish_at,
    }
}

pub async fn get_review(
    State(app): State<AppState>,
    staff: ApiStaff,
    Path(id): Path<String>,
) -> Result<Json<ReviewJson>, ApiError> {
    review_of(&app, &staff, parse_id(&id)?).await
}

/// The review state the caller may see, as the API shows it.
async fn review_of(
    app: &super::App,
    staff: &ApiStaff,
    id: i64,
) -> Result<Json<ReviewJson>, ApiError> {
    let item = crate::service::item_for(app, &staff.actor(), id).await?;
    let st = review::load(app, &item).await?;
    Ok(Json(review_json(id, st)))
}

/// Any `/api/...` path that is not an endpoint: a distinct code, so a client (and the OpenAPI
/// test) can tell a wrong address from a missing record.
pub async fn not_found() -> ApiError {
    ApiError(AppError::NoSuchEndpoint)
}

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
