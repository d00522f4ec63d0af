//! One error type for the web layer, shown as an HTML page on browser routes (`PageError`) and
//! as `{"error": {"code", "message", "field"?}}` on the API (`ApiError`). Internal causes are
//! logged once here and never shown.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use sunshine_core::policy::Denied;
use sunshine_core::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("gone")]
    Gone(String),
    #[error("forbidden: {}", .0.code())]
    Forbidden(Denied),
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("conflict: {0}")]
    Conflict(&'static str, String),
    /// A rule of the workflow forbids this action for this person (403).
    #[error("refused: {0}")]
    Refused(&'static str, String),
    #[error("payload too large")]
    TooLarge(String),
    #[error("unsupported media type")]
    Unsupported(String),
    #[error("unauthorized")]
    Unauthorized,
    #[error("csrf token missing or stale")]
    Csrf,
    #[error("too many attempts")]
    Throttled(i64),
    /// Too many requests from one address; the message says what and when to retry.
    #[error("rate limited")]
    RateLimited(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::cpu::JobFailed> for AppError {
    fn from(e: crate::cpu::JobFailed) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}
impl From<Denied> for AppError {
    fn from(d: Denied) -> Self {
        AppError::Forbidden(d)
    }
}
impl From<sunshine_core::review::ReviewRefusal> for AppError {
    fn from(r: sunshine_core::review::ReviewRefusal) -> Self {
        use sunshine_core::review::ReviewRefusal as R;
        match r {
            R::ContentChanged => AppError::Conflict(r.code(), r.message()),
            R::ConsultationMissing => AppError::Conflict(r.code(), r.message()),
            _ => AppError::Refused(r.code(), r.message()),
        }
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Invalid(vec![e])
    }
}
impl From<crate::db::items::SaveError> for AppError {
    fn from(e: crate::db::items::SaveError) -> Self {
        match e {
            crate::db::items::SaveError::Field(f) => AppError::Invalid(vec![f]),
            crate::db::items::SaveError::Db(d) => d.into(),
        }
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::Forbidden(_) | AppError::Csrf | AppError::Refused(..) => {
                StatusCode::FORBIDDEN
            }
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict("no_such_endpoint", _) => StatusCode::NOT_FOUND,
            AppError::Conflict(..) => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unsupported(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Throttled(_) | AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Gone(_) => "withdrawn",
            AppError::Forbidden(d) => d.code(),
            AppError::Invalid(_) => "invalid",
            AppError::Conflict(code, _) | AppError::Refused(code, _) => code,
            AppError::TooLarge(_) => "too_large",
            AppError::Unsupported(_) => "unsupported_type",
            AppError::Unauthorized => "unauthorized",
            AppError::Csrf => "csrf",
            AppError::Throttled(_) | AppError::RateLimited(_) => "too_many_attempts",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn message(&self) -> String {
        match self {
            AppError::NotFound => "您访问的页面或信息不存在，或尚未公开。请检查地址，或回到首页查找。".into(),
            AppError::Gone(reason) => format!("该信息已撤回，不再公开。{reason}"),
            AppError::Forbidden(d) => d.message().into(),
            AppError::Invalid(errs) => errs.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("；"),
            AppError::Conflict(_, m)
            | AppError::Refused(_, m)
            | AppError::TooLarge(m)
            | AppError::Unsupported(m)
            | AppError::RateLimited(m) => m.clone(),
            AppError::Unauthorized => "需要登录：请提供有效的 API 令牌（Authorization: Bearer …）。".into(),
            AppError::Csrf => "页面已过期，安全校验未通过。请返回上一页，刷新后重新提交（您填写的内容可用浏览器“后退”找回）。".into(),
            AppError::Throttled(m) => format!("登录失败次数过多，为保护账号安全已暂停登录。请{m}分钟后再试，或联系管理员。"),
            AppError::Internal(_) => "服务器内部错误，操作没有完成。请稍后重试；如果仍然出错，请联系管理员。".into(),
        }
    }

    fn log(&self) {
        if let AppError::Internal(e) = self {
            tracing::error!(error = format!("{e:#}"), "request failed");
        }
    }
}

/// An error answered with an HTML page.
#[derive(Debug)]
pub struct PageError(pub AppError);

/// An error answered with JSON.
#[derive(Debug)]
pub struct ApiError(pub AppError);

macro_rules! wrap_from {
    ($t:ident) => {
        impl<E: Into<AppError>> From<E> for $t {
            fn from(e: E) -> Self {
                $t(e.into())
            }
        }
    };
}
wrap_from!(PageError);
wrap_from!(ApiError);

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: String,
    fields: &'a [FieldError],
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        page_with_status(self.0, status)
    }
}

/// The error page of `e`, answered with `status` (which the page names).
fn page_with_status(e: AppError, status: StatusCode) -> Response {
    {
        e.log();
        let title = match status {
            StatusCode::NOT_FOUND => "页面不存在",
            StatusCode::GONE => "信息已撤回",
            StatusCode::FORBIDDEN => "没有权限",
            StatusCode::TOO_MANY_REQUESTS => "请稍后再试",
            StatusCode::PAYLOAD_TOO_LARGE => "文件太大",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "文件类型不支持",
            StatusCode::UNPROCESSABLE_ENTITY => "填写有误",
            StatusCode::BAD_REQUEST => "地址或请求无法识别",
            StatusCode::METHOD_NOT_ALLOWED => "不能这样打开",
            _ if status.is_server_error() => "出错了",
            _ => "无法完成操作",
        };
        let fields = match &e {
            AppError::Invalid(f) => f.as_slice(),
            _ => &[],
        };
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            message: e.message(),
            fields,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, e.message()).into_response(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        e.log();
        let mut body = serde_json::json!({"error": {"code": e.code(), "message": e.message()}});
        if let AppError::Invalid(fields) = &e {
            body["error"]["fields"] = serde_json::to_value(fields).unwrap_or_default();
            if let Some(first) = fields.first() {
                body["error"]["field"] = first.field.into();
            }
        }
        (e.status(), Json(body)).into_response()
    }
}

/// An error answer that is not ours (a method not allowed, an undecodable path, a body over the
/// limit, as the framework answers them: plain English text or nothing): what it means, in
/// Chinese, by its status. `api`: worded for API clients, else for people on the site.
fn plain_error(status: StatusCode, api: bool) -> AppError {
    match status {
        StatusCode::NOT_FOUND => AppError::NotFound,
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge(
            "提交的内容太大：请缩短正文，或把大段内容作为附件上传（附件另有大小上限）。".into(),
        ),
        StatusCode::METHOD_NOT_ALLOWED if api => AppError::Conflict(
            "method_not_allowed",
            "这个地址不接受这种请求方法：请对照 /api/openapi.json 检查方法（GET、POST、PUT）。"
                .into(),
        ),
        StatusCode::METHOD_NOT_ALLOWED => AppError::Conflict(
            "method_not_allowed",
            "这个页面不能这样打开。请回到首页，从页面上的链接或按钮进入。".into(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::Unsupported(
            "请求的内容类型不对：JSON 接口需要 Content-Type: application/json。".into(),
        ),
        StatusCode::UNAUTHORIZED => AppError::Unauthorized,
        StatusCode::FORBIDDEN => AppError::Refused(
            "forbidden",
            "没有权限进行这个操作。如需办理，请联系本单位管理员。".into(),
        ),
        StatusCode::REQUEST_TIMEOUT => AppError::Invalid(vec![FieldError::new(
            "request",
            "请求超时：网络太慢或连接中断，请稍后重试。",
        )]),
        s if s.is_server_error() => AppError::Internal(anyhow::anyhow!("{s} from a layer")),
        _ => AppError::Invalid(vec![FieldError::new(
            "request",
            if api {
                "请求无法识别：地址、参数或请求体的格式不对，请检查后重试。"
            } else {
                "这个地址无法识别，请检查后重试，或回到首页查找。"
            },
        )]),
    }
}

fn is(resp: &Response, prefix: &str) -> bool {
    resp.headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(prefix))
}

/// `resp` with its body (and the headers describing the body) replaced by `body`'s; its status
/// and every other header (`Allow`, `Retry-After`, `Set-Cookie` …) kept.
fn with_body_of(resp: Response, body: Response) -> Response {
    use axum::http::header;
    let (mut parts, _) = resp.into_parts();
    let (new_parts, new_body) = body.into_parts();
    for h in [
        header::CONTENT_TYPE,
        header::CONTENT_LENGTH,
        header::CONTENT_ENCODING,
    ] {
        parts.headers.remove(&h);
    }
    for (name, value) in new_parts.headers.iter() {
        if name == header::CONTENT_TYPE || name == header::CONTENT_LENGTH {
            parts.headers.insert(name.clone(), value.clone());
        }
    }
    Response::from_parts(parts, new_body)
}

fn is_error(resp: &Response) -> bool {
    resp.status().is_client_error() || resp.status().is_server_error()
}

/// For the API: every error answer is our JSON error (its status and headers kept).
pub async fn json_errors(resp: Response) -> Response {
    if is_error(&resp) && !is(&resp, "application/json") {
        let body = ApiError(plain_error(resp.status(), true)).into_response();
        return with_body_of(resp, body);
    }
    resp
}

/// For pages: every error answer is an error page in Chinese (its status and headers kept). The
/// health check's plain answer is left as it is, for the monitors that read it.
pub async fn page_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let health = req.uri().path() == "/healthz";
    let resp = next.run(req).await;
    if !health && is_error(&resp) && !is(&resp, "text/html") && !is(&resp, "application/json") {
        let status = resp.status();
        let body = page_with_status(plain_error(status, false), status);
        return with_body_of(resp, body);
    }
    resp
}
