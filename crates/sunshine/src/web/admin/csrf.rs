//! Every back-office form carries the session's CSRF token; [`CsrfForm`] checks it for every
//! url-encoded form, so no handler checks it by hand. (The one multipart form, the upload, reads
//! its token from the stream and checks it with [`verify_csrf`].)

use super::CSRF;
use crate::service::Error;
use crate::web::error::{AppError, PageError};
use crate::web::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use sunshine_core::FieldError;
use tower_sessions::Session;

/// The CSRF token of this session, created on first use.
pub async fn csrf_token(session: &Session) -> Result<String, AppError> {
    let existing: Option<String> = session
        .get(CSRF)
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    match existing {
        Some(t) => Ok(t),
        None => {
            let t = crate::auth::random_hex(32);
            session
                .insert(CSRF, &t)
                .await
                .map_err(|e| Error::Internal(e.into()))?;
            Ok(t)
        }
    }
}

/// Checks a submitted token against the session's; absent or different is refused.
pub async fn verify_csrf(session: &Session, submitted: &str) -> Result<(), AppError> {
    let expected: Option<String> = session
        .get(CSRF)
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    match expected {
        Some(e) if !submitted.is_empty() && crate::auth::constant_time_eq(&e, submitted) => Ok(()),
        _ => Err(AppError::Csrf),
    }
}

/// A form whose token matched the session's. A stale or missing token is refused (403) before
/// the handler runs.
pub struct CsrfForm<T>(pub T);

/// A form kept whatever its token: a form with a stale token (a page left open past sign-in)
/// is shown again with what was typed, never lost. The handler must match both arms.
pub enum Submitted<T> {
    Fresh(T),
    Stale(T),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Token {
    csrf: String,
}

/// Reads an url-encoded body as `T` (fields default, so a missing field is a message from the
/// domain) and says whether its token is the session's.
async fn read<T: DeserializeOwned + Send>(
    req: Request,
    state: &AppState,
) -> Result<(T, bool), PageError> {
    let (mut parts, body) = req.into_parts();
    let session = Session::from_request_parts(&mut parts, state)
        .await
        .map_err(|_| PageError::from(Error::Internal(anyhow::anyhow!("no session layer"))))?;
    let unreadable = || {
        PageError::from(Error::Invalid(vec![FieldError::new(
            "form",
            "表单无法读取，请返回刷新页面后重新提交。",
        )]))
    };
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let req = Request::from_parts(parts, body);
    let bytes = match Bytes::from_request(req, state).await {
        Ok(b) => b,
        Err(rej) if rej.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(PageError::from(Error::TooLarge(
                "提交的内容太大，请缩短正文或把大段内容作为附件上传。".into(),
            )))
        }
        Err(_) => return Err(unreadable()),
    };
    if !is_form {
        return Err(unreadable());
    }
    let form: T = serde_urlencoded::from_bytes(&bytes).map_err(|_| unreadable())?;
    let token: Token = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let fresh = verify_csrf(&session, &token.csrf).await.is_ok();
    Ok((form, fresh))
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match read(req, state).await? {
            (form, true) => Ok(CsrfForm(form)),
            (_, false) => Err(PageError(AppError::Csrf)),
        }
    }
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for Submitted<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match read(req, state).await? {
            (form, true) => Ok(Submitted::Fresh(form)),
            (form, false) => Ok(Submitted::Stale(form)),
        }
    }
}
