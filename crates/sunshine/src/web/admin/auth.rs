//! Signing in and out, login throttling, and the dashboard.

use super::{csrf_token, flash_message, sign_in, verify_csrf, Layout, Staff};
use crate::db::audit::{self, Entry};
use crate::db::{throttle, users};
use crate::web::error::{AppError, PageError};
use crate::web::extract::{ClientIp, WebForm};
use crate::web::public::render;
use crate::web::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    site: String,
    csrf: String,
    login: String,
    next: String,
    error: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    bye: Option<String>,
}

/// Only local back-office paths are followed after login (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/admin") && !n.starts_with("//") && !n.contains('\\') => {
            n.to_owned()
        }
        _ => "/admin".into(),
    }
}

async fn site(state: &AppState) -> Result<String, AppError> {
    let mut conn = state.db.pool.acquire().await?;
    crate::web::public::site_name_of(&mut conn).await
}

pub async fn login_form(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<LoginQuery>,
) -> Result<Response, PageError> {
    let notice = if q.expired.is_some() {
        Some("登录已超时或已失效，请重新登录。")
    } else if q.bye.is_some() {
        Some("您已安全退出。")
    } else {
        None
    };
    render(&LoginPage {
        site: site(&state).await?,
        csrf: csrf_token(&session).await?,
        login: String::new(),
        next: safe_next(q.next.as_deref()),
        error: None,
        notice,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    csrf: String,
    login: String,
    password: String,
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    WebForm(form): WebForm<LoginForm>,
) -> Result<Response, PageError> {
    verify_csrf(&session, &form.csrf).await?;
    let login = form.login.trim().to_owned();
    let cfg = &state.config;
    let mut conn = state.db.pool.acquire().await.map_err(AppError::from)?;
    let since = crate::db::now() - cfg.login_window_minutes * 60;
    let (by_login, by_ip) = throttle::recent_failures(&mut conn, &login, &ip, since).await?;
    if by_login >= cfg.login_max_failures || by_ip >= cfg.login_max_failures * 4 {
        return Err(AppError::Throttled(cfg.login_window_minutes).into());
    }
    let user = users::by_login(&mut conn, &login).await?;
    let ok = match &user {
        Some(u) if u.disabled == 0 => {
            crate::auth::verify_password(&form.password, &u.password_hash)
        }
        _ => {
            crate::auth::dummy_verify(&form.password);
            false
        }
    };
    let mut tx = state.db.begin().await?;
    match (ok, user) {
        (true, Some(u)) => {
            throttle::clear(&mut tx, &login).await?;
            audit::append(
                &mut tx,
                &Entry {
                    actor_id: Some(u.id),
                    actor: &u.login,
                    ip: &ip,
                    action: "login.success",
                    ..Default::default()
                },
            )
            .await?;
            tx.commit().await?;
            sign_in(&session, u.id).await?;
            tracing::info!(user_id = u.id, "staff signed in");
            Ok(Redirect::to(&safe_next(Some(&form.next))).into_response())
        }
        (_, user) => {
            throttle::record_failure(&mut tx, &login, &ip).await?;
            audit::append(
                &mut tx,
                &Entry {
                    actor_id: user.map(|u| u.id),
                    actor: &login,
                    ip: &ip,
                    action: "login.failure",
                    ..Default::default()
                },
            )
            .await?;
            tx.commit().await?;
            let page = LoginPage {
                site: site(&state).await?,
                csrf: csrf_token(&session).await?,
                login,
                next: safe_next(Some(&form.next)),
                error: Some(
                    "用户名或密码不正确。请检查后重试；多次失败后将暂停登录一段时间。".into(),
                ),
                notice: None,
            };
            let mut resp = render(&page)?;
            *resp.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(resp)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfOnly {
    pub csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    staff: Staff,
    WebForm(form): WebForm<CsrfOnly>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf).await?;
    let mut tx = state.db.begin().await?;
    audit::append(
        &mut tx,
        &Entry {
            actor_id: Some(staff.user.id),
            actor: &staff.user.login,
            ip: &staff.ip,
            action: "logout",
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    staff
        .session
        .flush()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(Redirect::to("/admin/login?bye=1").into_response())
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct Dashboard {
    layout: Layout,
    roles: Vec<(String, &'static str)>,
}

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    pub done: Option<String>,
}

pub async fn dashboard(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<FlashQuery>,
) -> Result<Response, PageError> {
    let layout = Layout::new(&state, &staff, flash_message(q.done.as_deref())).await?;
    let mut conn = state.db.pool.acquire().await.map_err(AppError::from)?;
    let all = crate::db::units::all(&mut conn).await?;
    let roles = staff
        .grants
        .grants
        .iter()
        .map(|g| {
            (
                all.iter()
                    .find(|u| u.id == g.unit_id)
                    .map(|u| u.name.clone())
                    .unwrap_or_default(),
                g.role.label(),
            )
        })
        .collect();
    render(&Dashboard { layout, roles })
}
