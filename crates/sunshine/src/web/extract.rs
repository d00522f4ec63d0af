//! Extractors that turn raw request parts into checked values before any database access:
//! a malformed id is a 404, a malformed form a clear 422, never a 500.

use super::error::{AppError, PageError};
use super::AppState;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use sunshine_core::FieldError;

/// Parses a record id from a path segment: a positive whole number, or "not found".
pub fn parse_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(AppError::NotFound)
}

/// The client's address, for throttling and the audit log. Taken from `X-Forwarded-For` only
/// when configured to trust a reverse proxy.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.config.trust_forwarded_for {
            if let Some(ip) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(str::trim)
                .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
            {
                return Ok(ClientIp(ip.to_owned()));
            }
        }
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientIp(ip))
    }
}

/// An url-encoded form whose fields all default, so a missing field becomes a validation
/// message from the domain rather than a bare rejection.
pub struct WebForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for WebForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(WebForm(v)),
            Err(rej) => {
                let status = rej.status();
                if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    Err(PageError(AppError::TooLarge(
                        "提交的内容太大，请缩短正文或把大段内容作为附件上传。".into(),
                    )))
                } else {
                    Err(PageError(AppError::Invalid(vec![FieldError::new(
                        "form",
                        "表单无法读取，请返回刷新页面后重新提交。",
                    )])))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn ids() {
        assert_eq!(parse_id("42").unwrap(), 42);
        for bad in ["0", "-3", "abc", "1e3", "99999999999999999999", ""] {
            assert!(matches!(parse_id(bad), Err(AppError::NotFound)), "{bad}");
        }
    }
}
