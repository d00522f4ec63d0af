//! Signing in and out, login throttling, and the dashboard.

use super::{flash_message, sign_in, CsrfForm, Layout, Staff, Visitor};
use crate::db::audit::{self, Entry};
use crate::db::throttle::{self, Bucket};
use crate::db::users;
use crate::service::Error;
use crate::web::error::{AppError, PageError};
use crate::web::extract::{ClientIp, WebForm};
use crate::web::public::render;
use crate::web::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
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

/// The sign-in form's cookie: a random value the form's CSRF token is bound to (HMAC under a key
/// of its own). Anonymous visitors get no server-side state: the sign-in page stores nothing.
const LOGIN_COOKIE: &str = "sunshine_login";

/// The longest login name and password looked at; longer ones are refused unread and unstored.
const MAX_LOGIN_CHARS: usize = 64;
const MAX_PASSWORD_CHARS: usize = 1024;

fn login_cookie_of(headers: &HeaderMap) -> Option<String> {
    crate::web::frame::cookie(headers, LOGIN_COOKIE)
        .map(str::to_owned)
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn login_csrf(state: &AppState, cookie: &str) -> String {
    state
        .data_key
        .mac(crate::crypto::Purpose::LoginForm, cookie)
}

/// Renders the sign-in page, setting the form cookie when the visitor has none.
fn login_page(
    state: &AppState,
    cookie: Option<String>,
    page: impl FnOnce(String) -> LoginPage,
) -> Result<Response, PageError> {
    let (value, fresh) = match cookie {
        Some(c) => (c, false),
        None => (crate::auth::random_hex(16), true),
    };
    let mut resp = render(&page(login_csrf(state, &value)))?;
    if fresh {
        let secure = if state.config.cookie_secure {
            "; Secure"
        } else {
            ""
        };
        let set = format!(
            "{LOGIN_COOKIE}={value}; Path=/admin/login; HttpOnly; SameSite=Strict; Max-Age=86400{secure}"
        );
        if let Ok(v) = HeaderValue::from_str(&set) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(resp)
}

pub async fn login_form(
    _: Visitor,
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Result<Response, PageError> {
    let notice = if q.expired.is_some() {
        Some("登录已超时或已失效，请重新登录。")
    } else if q.bye.is_some() {
        Some("您已安全退出。")
    } else {
        None
    };
    let site = site(&state).await?;
    login_page(&state, login_cookie_of(&headers), |csrf| LoginPage {
        site,
        csrf,
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

/// Signing in. Every attempt is counted per login name and per address *before* the password
/// is checked, in one atomic step, so simultaneous attempts cannot slip past the limit; a
/// success takes its counts back. The password is verified on the CPU pool with no database
/// connection held.
pub async fn login(
    _: Visitor,
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    WebForm(form): WebForm<LoginForm>,
) -> Result<Response, PageError> {
    let cookie = login_cookie_of(&headers).ok_or(AppError::Csrf)?;
    if !crate::auth::constant_time_eq(&login_csrf(&state, &cookie), &form.csrf) {
        return Err(AppError::Csrf.into());
    }
    // Bounded before anything is stored or echoed.
    let login: String = sunshine_core::text::fold_width(form.login.trim())
        .chars()
        .take(MAX_LOGIN_CHARS)
        .collect();
    let oversized = form.login.chars().count() > MAX_LOGIN_CHARS
        || form.password.chars().count() > MAX_PASSWORD_CHARS;
    let cfg = &state.config;
    let window = cfg.login_window_minutes * 60;
    let pair = format!("{login}\n{ip}");
    // The address first: an address over its limit adds no counter for yet another name.
    let allowed = {
        let mut tx = state.db.begin().await?;
        let by_ip = throttle::hit(&mut tx, Bucket::LoginAddress, &ip, window).await?;
        let ok = if by_ip > cfg.login_max_failures * 4 {
            false
        } else {
            let from = throttle::hit(&mut tx, Bucket::LoginFrom, &pair, window).await?;
            let all = throttle::hit(&mut tx, Bucket::Login, &login, window).await?;
            from <= cfg.login_max_failures && all <= cfg.login_max_failures * 10
        };
        tx.commit().await?;
        ok
    };
    if !allowed {
        tracing::warn!(%ip, "sign-in paused by the throttle");
        return Err(AppError::Throttled(cfg.login_window_minutes).into());
    }
    let user = {
        let mut conn = state.db.pool.acquire().await.map_err(AppError::from)?;
        users::by_login(&mut conn, &login).await?
    };
    let password = form.password;
    let hash = user
        .as_ref()
        .filter(|u| !u.disabled.is_set() && !oversized)
        .map(|u| u.password_hash.clone());
    let ok = state
        .cpu
        .run(move || match hash {
            Some(h) => crate::auth::verify_password(&password, &h),
            None => {
                crate::auth::dummy_verify(&password);
                false
            }
        })
        .await?;
    let mut tx = state.db.begin().await?;
    match (ok, user) {
        (true, Some(u)) => {
            throttle::clear(&mut tx, Bucket::LoginFrom, &pair).await?;
            throttle::undo(&mut tx, Bucket::Login, &login).await?;
            throttle::undo(&mut tx, Bucket::LoginAddress, &ip).await?;
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
            sign_in(&session, &u).await?;
            tracing::info!(user_id = u.id, "staff signed in");
            Ok(Redirect::to(&safe_next(Some(&form.next))).into_response())
        }
        (_, user) => {
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
            let site = site(&state).await?;
            let mut resp = login_page(&state, Some(cookie), |csrf| LoginPage {
                site,
                csrf,
                login,
                next: safe_next(Some(&form.next)),
                error: Some(
                    "用户名或密码不正确。请检查后重试；多次失败后将暂停登录一段时间。".into(),
                ),
                notice: None,
            })?;
            *resp.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(resp)
        }
    }
}

/// A form of nothing but its token (which [`CsrfForm`] checks).
#[derive(Deserialize, Default)]
pub struct TokenOnly {}

pub async fn logout(
    staff: Staff,
    State(state): State<AppState>,
    CsrfForm(_): CsrfForm<TokenOnly>,
) -> Result<Response, PageError> {
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
        .map_err(|e| Error::Internal(e.into()))?;
    Ok(Redirect::to("/admin/login?bye=1").into_response())
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct Dashboard {
    layout: Layout,
    roles: Vec<(String, &'static str)>,
    /// The units the user reaches, and whether they administer each.
    units: Vec<DashUnit>,
    auditor: bool,
    supervisor: bool,
    /// Units of the user's own whose review chains have steps nobody can take: unit name, code,
    /// whether the user may change the chain, and the steps in words.
    unstaffed: Vec<(String, String, bool, Vec<String>)>,
    /// Drafts of the user's that a reviewer sent back (已退回), with the comments.
    returned: Vec<crate::db::items::Returned>,
}

struct DashUnit {
    code: String,
    name: String,
    admin: bool,
}

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    pub done: Option<String>,
}

pub async fn dashboard(
    staff: Staff,
    State(state): State<AppState>,
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
    let g = &staff.grants;
    let mut unstaffed = Vec::new();
    let mut own = g.staff_units();
    own.sort_unstable();
    own.dedup();
    // Each unit's chains and the roles its people hold, for all the user's units at once.
    let mut policies = crate::db::review::policies(&mut conn, &own).await?;
    let held = crate::db::users::roles_held_in(&mut conn, &own).await?;
    for unit_id in own {
        let Some(u) = all.iter().find(|u| u.id == unit_id) else {
            continue;
        };
        let policy = policies.remove(&unit_id).unwrap_or_default();
        let roles = held.get(&unit_id).map(Vec::as_slice).unwrap_or_default();
        let words = super::units::unstaffed_words(&policy, roles);
        if !words.is_empty() {
            unstaffed.push((
                u.name.clone(),
                u.code.clone(),
                g.can_manage_unit(unit_id).is_ok(),
                words,
            ));
        }
    }
    let returned = crate::db::items::returned_to(&mut conn, staff.user.id).await?;
    drop(conn);
    let units = super::visible_units(&all, g)
        .into_iter()
        .map(|u| DashUnit {
            code: u.code.clone(),
            name: u.name.clone(),
            admin: g.can_manage_unit(u.id).is_ok(),
        })
        .collect();
    render(&Dashboard {
        layout,
        roles,
        units,
        auditor: g.audited_units().is_ok(),
        supervisor: g.can_supervise().is_ok(),
        unstaffed,
        returned,
    })
}

#[derive(Template)]
#[template(path = "admin/password.html")]
struct PasswordPage {
    layout: Layout,
    errors: super::Errors,
}

pub async fn password_form(
    staff: Staff,
    State(state): State<AppState>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, PageError> {
    render(&PasswordPage {
        layout: Layout::new(&state, &staff, flash_message(q.done.as_deref())).await?,
        errors: super::Errors::default(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current: String,
    new: String,
    again: String,
}

/// Changes one's own password: the current one is checked (on the CPU pool, counted like a
/// sign-in attempt), then every other session of the user ends; this one stays signed in.
pub async fn change_password(
    staff: Staff,
    State(state): State<AppState>,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> Result<Response, PageError> {
    let mut errors = Vec::new();
    if f.new.chars().count() > MAX_PASSWORD_CHARS {
        errors.push(sunshine_core::FieldError::new("new", "新密码太长"));
    } else if let Err(m) = crate::auth::check_password_strength(&f.new) {
        errors.push(sunshine_core::FieldError::new("new", m));
    }
    if f.new != f.again {
        errors.push(sunshine_core::FieldError::new(
            "again",
            "两次输入的新密码不一致",
        ));
    }
    if !f.new.is_empty() && f.new == f.current {
        // Above all for a one-time password: whoever issued it must no longer know it.
        errors.push(sunshine_core::FieldError::new(
            "new",
            "新密码不能与当前密码相同，请另设一个只有您自己知道的密码",
        ));
    }
    let window = state.config.login_window_minutes * 60;
    let pair = format!("{}\n{}", staff.user.login, staff.ip);
    let tries = {
        let mut tx = state.db.begin().await?;
        let n = throttle::hit(&mut tx, Bucket::LoginFrom, &pair, window).await?;
        tx.commit().await?;
        n
    };
    if tries > state.config.login_max_failures {
        return Err(AppError::Throttled(state.config.login_window_minutes).into());
    }
    let (current, stored) = (f.current.clone(), staff.user.password_hash.clone());
    let right = f.current.chars().count() <= MAX_PASSWORD_CHARS
        && state
            .cpu
            .run(move || crate::auth::verify_password(&current, &stored))
            .await?;
    if right {
        // The right current password is no guess: it does not count against the limit.
        let mut tx = state.db.begin().await?;
        throttle::undo(&mut tx, Bucket::LoginFrom, &pair).await?;
        tx.commit().await?;
    } else {
        errors.insert(
            0,
            sunshine_core::FieldError::new("current", "当前密码不正确"),
        );
    }
    if !errors.is_empty() {
        let mut r = render(&PasswordPage {
            layout: Layout::new(&state, &staff, None).await?,
            errors: super::Errors(errors),
        })?;
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    let new = f.new.clone();
    let hash = state
        .cpu
        .run(move || crate::auth::hash_password(&new))
        .await??;
    let mut tx = state.db.begin().await?;
    let epoch = users::set_password(&mut tx, staff.user.id, &hash).await?;
    audit::append(
        &mut tx,
        &Entry {
            actor_id: Some(staff.user.id),
            actor: &staff.user.login,
            ip: &staff.ip,
            action: "user.password",
            target: format!("user:{}", staff.user.login),
            detail: "本人修改密码，其他会话已退出".into(),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    super::keep_signed_in(&staff.session, epoch).await?;
    Ok(Redirect::to("/admin/password?done=password").into_response())
}
