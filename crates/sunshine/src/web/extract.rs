//! Extractors that turn raw request parts into checked values before any database access:
//! a malformed id is a 404, a malformed form a clear 422, never a 500.

use super::error::PageError;
use super::AppState;
use crate::service::Error;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::net::{IpAddr, SocketAddr};
use sunshine_core::FieldError;

/// Parses a record id from a path segment: a positive whole number, or "not found".
pub fn parse_id(raw: &str) -> Result<i64, Error> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(Error::NotFound)
}

/// The client's address, for throttling and the audit log. Taken from `X-Forwarded-For` only
/// when configured to trust a reverse proxy (see [`client_address`]).
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

/// Who the client is. Without `trust_forwarded_for`: the connection's peer. With it, and the peer
/// one of our proxies (any peer when no proxy is listed): `X-Forwarded-For` read from the right,
/// skipping the listed proxies; the first other address is the client. The left part of the
/// header is whatever the client wrote and is never taken on trust; a malformed entry ends the
/// walk.
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded: &[&str],
    trust: bool,
    proxies: &[ipnet::IpNet],
) -> Option<IpAddr> {
    let trusted = |ip: &IpAddr| proxies.iter().any(|n| n.contains(ip));
    if !trust || peer.is_some_and(|p| !proxies.is_empty() && !trusted(&p)) {
        return peer;
    }
    let mut nearest_proxy = None;
    for entry in forwarded.iter().rev().flat_map(|h| h.rsplit(',')) {
        let Ok(ip) = entry.trim().parse::<IpAddr>() else {
            break;
        };
        if trusted(&ip) {
            nearest_proxy = Some(ip);
            continue;
        }
        return Some(ip);
    }
    nearest_proxy.or(peer)
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let ip = client_address(
            peer,
            &forwarded,
            state.config.trust_forwarded_for,
            &state.config.trusted_proxies,
        );
        Ok(ClientIp(
            ip.map(|i| i.to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
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
                    Err(PageError::from(Error::TooLarge(
                        "提交的内容太大，请缩短正文或把大段内容作为附件上传。".into(),
                    )))
                } else {
                    Err(PageError::from(Error::Invalid(vec![FieldError::new(
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
    fn the_client_is_the_right_most_address_that_is_not_a_proxy() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let net = |s: &str| s.parse::<ipnet::IpNet>().unwrap();
        let peer = Some(ip("10.0.0.2"));
        let proxies = [net("10.0.0.0/8")];
        // The client wrote "6.6.6.6"; our proxy appended the address it saw.
        let h = ["6.6.6.6, 203.0.113.7"];
        assert_eq!(
            client_address(peer, &h, true, &proxies),
            Some(ip("203.0.113.7"))
        );
        // Two proxies of ours in a row are skipped.
        let h = ["6.6.6.6, 203.0.113.7, 10.1.1.1"];
        assert_eq!(
            client_address(peer, &h, true, &proxies),
            Some(ip("203.0.113.7"))
        );
        // Several headers read as one list, in order.
        let h = ["6.6.6.6", "203.0.113.7"];
        assert_eq!(
            client_address(peer, &h, true, &proxies),
            Some(ip("203.0.113.7"))
        );
        // Not trusted: the peer. A peer that is not our proxy: the peer.
        assert_eq!(client_address(peer, &h, false, &proxies), peer);
        let stranger = Some(ip("198.51.100.1"));
        assert_eq!(client_address(stranger, &h, true, &proxies), stranger);
        // Garbage stops the walk; only proxies before it: the nearest proxy's view.
        let h = ["junk, 10.1.1.1"];
        assert_eq!(
            client_address(peer, &h, true, &proxies),
            Some(ip("10.1.1.1"))
        );
        // No proxies listed: the peer is the proxy, the right-most entry the client.
        let h = ["6.6.6.6, 203.0.113.7"];
        assert_eq!(client_address(peer, &h, true, &[]), Some(ip("203.0.113.7")));
        assert_eq!(client_address(peer, &[], true, &[]), peer);
    }

    #[test]
    fn ids() {
        assert_eq!(parse_id("42").unwrap(), 42);
        for bad in ["0", "-3", "abc", "1e3", "99999999999999999999", ""] {
            assert!(matches!(parse_id(bad), Err(Error::NotFound)), "{bad}");
        }
    }
}
