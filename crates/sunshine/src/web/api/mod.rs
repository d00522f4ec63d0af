//! The JSON API (`/api/v1`), described in `/api/openapi.json`. Public reads show only
//! published 主动公开 items; staff calls carry `Authorization: Bearer TOKEN` and obey the same
//! rules as the back office (they call the same services).

use super::error::{ApiError, AppError};
use super::extract::ClientIp;
use super::AppState;
use crate::db::users;
use crate::service::Actor;
use crate::service::Error;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sunshine_core::policy::Grants;
use sunshine_core::FieldError;

pub mod applications;
pub mod items;
pub mod reports;
pub mod review;
pub mod search;
pub mod units;

/// The API's description, generated from the handlers and their types: a route is served only
/// through [`routes`], whose `routes!` takes each handler's `#[utoipa::path]`, so a route without
/// a description does not compile.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Sunshine 阳光政务公开平台 API",
        version = "1.0.0",
        description = "Public open-data API of the disclosure portal, and the staff API (bearer token from `sunshine token create`). Public reads show only published 主动公开 items. Errors are `{\"error\": {\"code\", \"message\", \"field\"?, \"fields\"?}}`. Paths and fields are a contract; changes come with a migration note."
    ),
    paths(crate::web::public::healthz),
    components(schemas(ApiErrorJson)),
    modifiers(&Bearer),
    tags(
        (name = "public", description = "Open data: anyone may read"),
        (name = "staff", description = "The review workflow, with a staff token"),
        (name = "applications", description = "依申请公开: intake, tracking, cases")
    )
)]
pub struct ApiDoc;

/// The staff token scheme.
struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Token from `sunshine token create --login NAME`"))
                    .build(),
            ),
        );
    }
}

/// Every error answer of the API.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ApiErrorJson {
    error: ApiErrorBody,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    /// A stable code: `not_found`, `invalid`, `unauthorized`, `not_your_unit`, `own_item`,
    /// `wrong_state`, `withdrawn`, …
    code: String,
    /// What went wrong and what to do, in Chinese.
    message: String,
    /// The first field in error.
    field: Option<String>,
    /// Every field in error, with its message.
    fields: Option<Vec<ApiFieldError>>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ApiFieldError {
    field: String,
    message: String,
}

/// The API's routes, each registered with its description.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa::OpenApi;
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(units::list_units))
        .routes(routes!(search::search))
        .routes(routes!(units::list_columns))
        .routes(routes!(items::list_items, items::create_item))
        .routes(routes!(items::get_item, items::update_item))
        .routes(routes!(review::submit_item))
        .routes(routes!(review::approve_item))
        .routes(routes!(review::reject_item))
        .routes(routes!(review::publish_item))
        .routes(routes!(review::withdraw_item))
        .routes(routes!(review::override_item))
        .routes(routes!(review::raise_importance))
        .routes(routes!(review::add_consultation))
        .routes(routes!(review::mask_finding))
        .routes(routes!(review::get_review))
        .routes(routes!(reports::list_reports))
        .routes(routes!(reports::get_report))
        .routes(routes!(applications::list, applications::create))
        .routes(routes!(applications::track))
        .routes(routes!(applications::get))
        .routes(routes!(applications::id_number))
        .routes(routes!(applications::step))
}

/// The description as JSON, made once.
pub fn openapi_json() -> &'static str {
    static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    JSON.get_or_init(|| {
        let (_, api) = routes().split_for_parts();
        api.to_pretty_json().unwrap_or_else(|_| "{}".into())
    })
}

/// `GET /api/openapi.json`.
pub async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi_json(),
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

/// Parses an optional JSON body (steps like publish may be sent without one).
pub(crate) fn optional_body<T: serde::de::DeserializeOwned + Default>(
    body: &[u8],
) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    json_body(body).map_err(|e| ApiError(e.into()))
}

/// Any `/api/...` path that is not an endpoint: a distinct code, so a client (and the OpenAPI
/// test) can tell a wrong address from a missing record.
pub async fn not_found() -> ApiError {
    ApiError(AppError::NoSuchEndpoint)
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
