//! One error type for the web layer, shown as an HTML page on browser routes (`PageError`) and
//! as `{"error": {"code", "message", "field"?}}` on the API (`ApiError`). Internal causes are
//! logged once here and never shown.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use sunshine_core::policy::Denied;
use sunshine_core::FieldError;

pub use crate::service::Error;

/// Why a request was not answered: a service's refusal, or what only the web layer knows
/// (no valid token, a stale form, sign-in paused).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Service(#[from] Error),
    #[error("unauthorized")]
    Unauthorized,
    #[error("csrf token missing or stale")]
    Csrf,
    /// Sign-in paused after too many failures: minutes to wait.
    #[error("too many attempts")]
    Throttled(i64),
    /// An `/api/...` address that is no endpoint (told apart from a missing record).
    #[error("no such endpoint")]
    NoSuchEndpoint,
}

macro_rules! via_service {
    ($($t:ty),*) => {$(
        impl From<$t> for AppError {
            fn from(e: $t) -> Self {
                AppError::Service(e.into())
            }
        }
    )*};
}
via_service!(
    crate::blobs::Unavailable,
    crate::cpu::JobFailed,
    sqlx::Error,
    Denied,
    sunshine_core::review::ReviewRefusal,
    FieldError,
    crate::db::items::SaveError,
    anyhow::Error
);

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Service(e) => match e {
                Error::NotFound => StatusCode::NOT_FOUND,
                Error::Gone(_) => StatusCode::GONE,
                Error::Denied(_) | Error::Refused(..) => StatusCode::FORBIDDEN,
                Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                Error::Conflict(..) => StatusCode::CONFLICT,
                Error::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
                Error::Unsupported(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Error::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
                Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
            AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::NoSuchEndpoint => StatusCode::NOT_FOUND,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Service(e) => e.code(),
            AppError::Unauthorized => "unauthorized",
            AppError::Csrf => "csrf",
            AppError::Throttled(_) => "too_many_attempts",
            AppError::NoSuchEndpoint => "no_such_endpoint",
        }
    }

    pub fn message(&self) -> String {
        match self {
            AppError::Service(e) => e.message(),
            AppError::Unauthorized => "需要登录：请提供有效的 API 令牌（Authorization: Bearer …）。".into(),
            AppError::Csrf => "页面已过期，安全校验未通过。请返回上一页，刷新后重新提交（您填写的内容可用浏览器“后退”找回）。".into(),
            AppError::Throttled(m) => format!("登录失败次数过多，为保护账号安全已暂停登录。请{m}分钟后再试，或联系管理员。"),
            AppError::NoSuchEndpoint => "没有这个接口：请对照 /api/openapi.json 检查地址和方法。".into(),
        }
    }

    fn log(&self) {
        if let AppError::Service(Error::Internal(e)) = self {
            tracing::error!(error = format!("{e:#}"), "request failed");
        }
    }

    fn fields(&self) -> &[FieldError] {
        match self {
            AppError::Service(Error::Invalid(f)) => f.as_slice(),
            _ => &[],
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

/// The same error inside the back office's frame: its navigation, and a way back to the page
/// the person came from.
#[derive(Template)]
#[template(path = "admin/error.html")]
struct StaffErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
    fields: &'a [FieldError],
    /// The back-office page the person came from (same site only), if any.
    back: Option<String>,
}

/// What an error page said, kept with the response so that the back office can say it again
/// in its own frame.
#[derive(Debug, Clone)]
struct Shown {
    title: &'static str,
    message: String,
    fields: Vec<FieldError>,
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
        let fields = e.fields();
        // Field by field, the messages are listed; the field keys are ours and never shown.
        let message = if fields.is_empty() {
            e.message()
        } else {
            "请按下面的提示修改后重新提交：".into()
        };
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            message: message.clone(),
            fields,
        };
        let mut resp = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, e.message()).into_response(),
        };
        resp.extensions_mut().insert(Shown {
            title,
            message,
            fields: fields.to_vec(),
        });
        with_retry_after(&e, resp)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        e.log();
        let mut body = serde_json::json!({"error": {"code": e.code(), "message": e.message()}});
        let fields = e.fields();
        if !fields.is_empty() {
            body["error"]["fields"] = serde_json::to_value(fields).unwrap_or_default();
            body["error"]["field"] = fields[0].field.into();
        }
        with_retry_after(&e, (e.status(), Json(body)).into_response())
    }
}

/// A paused sign-in says when to retry in the header clients and proxies read, too.
fn with_retry_after(e: &AppError, mut resp: Response) -> Response {
    if let AppError::Throttled(minutes) = e {
        if let Ok(v) = axum::http::HeaderValue::from_str(&(minutes * 60).to_string()) {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
    }
    resp
}

/// An error answer that is not ours (a method not allowed, an undecodable path, a body over the
/// limit, as the framework answers them: plain English text or nothing): what it means, in
/// Chinese, by its status. `api`: worded for API clients, else for people on the site.
fn plain_error(status: StatusCode, api: bool) -> AppError {
    if status == StatusCode::UNAUTHORIZED {
        return AppError::Unauthorized;
    }
    AppError::Service(match status {
        StatusCode::NOT_FOUND => Error::NotFound,
        StatusCode::PAYLOAD_TOO_LARGE => Error::TooLarge(
            "提交的内容太大：请缩短正文，或把大段内容作为附件上传（附件另有大小上限）。".into(),
        ),
        StatusCode::METHOD_NOT_ALLOWED if api => Error::Conflict(
            "method_not_allowed",
            "这个地址不接受这种请求方法：它接受的方法见响应头 Allow，也可对照 /api/openapi.json 检查。"
                .into(),
        ),
        StatusCode::METHOD_NOT_ALLOWED => Error::Conflict(
            "method_not_allowed",
            "这个页面不能这样打开。请回到首页，从页面上的链接或按钮进入。".into(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Error::Unsupported(
            "请求的内容类型不对：JSON 接口需要 Content-Type: application/json。".into(),
        ),
        StatusCode::FORBIDDEN => Error::Refused(
            "forbidden",
            "没有权限进行这个操作。如需办理，请联系本单位管理员。".into(),
        ),
        StatusCode::REQUEST_TIMEOUT => Error::Invalid(vec![FieldError::new(
            "request",
            "请求超时：网络太慢或连接中断，请稍后重试。",
        )]),
        s if s.is_server_error() => Error::Internal(anyhow::anyhow!("{s} from a layer")),
        _ => Error::Invalid(vec![FieldError::new(
            "request",
            if api {
                "请求无法识别：地址、参数或请求体的格式不对，请检查后重试。"
            } else {
                "这个地址无法识别，请检查后重试，或回到首页查找。"
            },
        )]),
    })
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
    let path = req.uri().path();
    let health = path == "/healthz";
    let staff = path == "/admin" || path.starts_with("/admin/");
    let back = staff.then(|| came_from(&req)).flatten();
    let mut resp = next.run(req).await;
    if !health && is_error(&resp) && !is(&resp, "text/html") && !is(&resp, "application/json") {
        let status = resp.status();
        let body = page_with_status(plain_error(status, false), status);
        let shown = body.extensions().get::<Shown>().cloned();
        resp = with_body_of(resp, body);
        if let Some(shown) = shown {
            resp.extensions_mut().insert(shown);
        }
    }
    if staff && is_error(&resp) {
        if let Some(shown) = resp.extensions().get::<Shown>().cloned() {
            let page = StaffErrorPage {
                status: resp.status().as_u16(),
                title: shown.title,
                message: &shown.message,
                fields: &shown.fields,
                back,
            };
            if let Ok(html) = page.render() {
                return with_body_of(resp, Html(html).into_response());
            }
        }
    }
    resp
}

/// The back-office page a request came from, by its `Referer`: only a path of ours under
/// `/admin` (never another site's address), and not the page that failed.
fn came_from(req: &axum::extract::Request) -> Option<String> {
    let referer = req
        .headers()
        .get(axum::http::header::REFERER)?
        .to_str()
        .ok()?;
    let host = req.headers().get(axum::http::header::HOST)?.to_str().ok()?;
    let rest = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))?;
    let path = rest.strip_prefix(host)?;
    let here = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("");
    (path.starts_with("/admin")
        && path != here
        && path.len() <= 500
        && !path.contains(['"', '<', '>']))
    .then(|| path.to_owned())
}
