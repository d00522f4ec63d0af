//! The back office (`/admin`): staff sign in with a password; sessions live in the database;
//! every form carries a CSRF token bound to the session.

pub mod accounts;
pub mod applications;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod csrf;
pub mod items;
pub mod letters;
pub mod reports;
pub mod rights;
pub mod supervision;
pub mod units;
pub mod words;

use super::error::{AppError, PageError};
use super::extract::ClientIp;
use super::AppState;
use crate::db::units::Unit;
use crate::db::users::{self, User};
use crate::service::Actor;
use crate::service::Error;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
pub use csrf::{csrf_token, verify_csrf, CsrfForm, Submitted};
pub use rights::*;
use serde::Serialize;
use sunshine_core::policy::Grants;
use sunshine_core::FieldError;
use tower_sessions::Session;

pub const SESSION_COOKIE: &str = "sunshine_session";
const UID: &str = "uid";
pub(crate) const CSRF: &str = "csrf";
/// The user's credential epoch at sign-in: a password change, disabling or a forced sign-out
/// moves the user's epoch on, which ends every session signed in before.
const EPOCH: &str = "epoch";
/// When the session signed in (Unix seconds): it ends after the absolute lifetime, active or not.
const SINCE: &str = "since";
/// When the session last slid its idle expiry forward (at most once a minute: one write).
const SEEN: &str = "seen";

/// A signed-in staff member, with their roles. Handlers that take `Staff` cannot be reached
/// without signing in; the rights for each action are checked by the services.
pub struct Staff {
    pub user: User,
    pub grants: Grants,
    pub session: Session,
    pub csrf: String,
    pub ip: String,
}

impl Staff {
    pub fn actor(&self) -> Actor<'_> {
        Actor {
            user_id: self.user.id,
            login: &self.user.login,
            ip: &self.ip,
            grants: &self.grants,
        }
    }
    /// An audit entry for a change to a unit's settings by this user.
    pub fn unit_entry(
        &self,
        action: &'static str,
        unit_id: i64,
        detail: String,
    ) -> crate::db::audit::Entry<'_> {
        crate::db::audit::Entry {
            actor_id: Some(self.user.id),
            actor: &self.user.login,
            ip: &self.ip,
            action,
            unit_id: Some(unit_id),
            target: format!("unit:{unit_id}"),
            detail,
        }
    }
}

fn login_redirect(parts: &Parts) -> Response {
    let had_cookie = parts
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains(SESSION_COOKIE));
    let next = parts.uri.path();
    let next = if next.starts_with("/admin") && parts.method == axum::http::Method::GET {
        next
    } else {
        "/admin"
    };
    let enc: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    let expired = if had_cookie { "&expired=1" } else { "" };
    Redirect::to(&format!("/admin/login?next={enc}{expired}")).into_response()
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|e| e.into_response())?;
        let uid: Option<i64> = session
            .get(UID)
            .await
            .map_err(|e| PageError::from(Error::Internal(e.into())).into_response())?;
        let Some(uid) = uid else {
            return Err(login_redirect(parts));
        };
        let load = async {
            let mut conn = state.db.pool.acquire().await?;
            let user = users::by_id(&mut conn, uid).await?;
            let grants = users::grants(&mut conn, uid).await?;
            Ok::<_, sqlx::Error>((user, grants))
        };
        let (user, grants) = load
            .await
            .map_err(|e| PageError(e.into()).into_response())?;
        let epoch: Option<i64> = session.get(EPOCH).await.ok().flatten();
        let since: Option<i64> = session.get(SINCE).await.ok().flatten();
        let now = crate::db::now();
        let lifetime = state.config.session_max_hours * 3600;
        let Some(user) = user.filter(|u| {
            !u.disabled.is_set()
                && epoch == Some(u.session_epoch)
                && since.is_some_and(|s| now - s <= lifetime)
        }) else {
            let _ = session.flush().await;
            return Err(login_redirect(parts));
        };
        // A one-time password opens only the page where its holder chooses their own.
        let path = parts.uri.path();
        if user.must_change.is_set() && path != "/admin/password" && path != "/admin/logout" {
            return Err(Redirect::to("/admin/password?done=first").into_response());
        }
        // The idle timeout slides with activity: the session's expiry moves on when it is used
        // (stored at most once a minute).
        let seen: i64 = session.get(SEEN).await.ok().flatten().unwrap_or(0);
        if now - seen >= 60 {
            session
                .insert(SEEN, now)
                .await
                .map_err(|e| PageError::from(Error::Internal(e.into())).into_response())?;
        }
        let csrf = csrf_token(&session)
            .await
            .map_err(|e| PageError(e).into_response())?;
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state)
            .await
            .unwrap_or(ClientIp("unknown".into()));
        Ok(Staff {
            user,
            grants,
            session,
            csrf,
            ip,
        })
    }
}

pub async fn sign_in(session: &Session, user: &User) -> Result<(), AppError> {
    let e = |e: tower_sessions::session::Error| Error::Internal(e.into());
    // A new session id on sign-in defeats session fixation.
    session.cycle_id().await.map_err(e)?;
    let now = crate::db::now();
    session.insert(UID, user.id).await.map_err(e)?;
    session.insert(EPOCH, user.session_epoch).await.map_err(e)?;
    session.insert(SINCE, now).await.map_err(e)?;
    session.insert(SEEN, now).await.map_err(e)?;
    session
        .insert(CSRF, crate::auth::random_hex(32))
        .await
        .map_err(e)?;
    Ok(())
}

/// After the user changed their own password: this session stays signed in under the new epoch
/// (every other session of theirs has ended).
pub async fn keep_signed_in(session: &Session, epoch: i64) -> Result<(), AppError> {
    let e = |e: tower_sessions::session::Error| Error::Internal(e.into());
    session.cycle_id().await.map_err(e)?;
    session.insert(EPOCH, epoch).await.map_err(e)?;
    Ok(())
}

/// What every back-office page shows around its content.
#[derive(Serialize)]
pub struct Layout {
    pub site: String,
    pub user_name: String,
    pub csrf: String,
    pub units: Vec<(String, String)>,
    pub flash: Option<String>,
}

impl Layout {
    pub async fn new(
        state: &AppState,
        staff: &Staff,
        flash: Option<String>,
    ) -> Result<Layout, AppError> {
        let mut conn = state.db.pool.acquire().await?;
        let all = crate::db::units::all(&mut conn).await?;
        Ok(Layout {
            site: super::public::site_name(&all),
            user_name: staff.user.display_name.clone(),
            csrf: staff.csrf.clone(),
            units: visible_units(&all, &staff.grants)
                .into_iter()
                .map(|u| (u.code.clone(), u.name.clone()))
                .collect(),
            flash,
        })
    }
}

/// The units a user works in, or every unit for a supervisor.
pub fn visible_units<'a>(all: &'a [Unit], grants: &Grants) -> Vec<&'a Unit> {
    all.iter()
        .filter(|u| grants.can_read_unit(u.id).is_ok())
        .collect()
}

/// Field errors of a form, looked up by field name in templates.
#[derive(Debug, Default, Serialize)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn all(&self) -> &[FieldError] {
        &self.0
    }
}

/// Messages shown once after a redirect, chosen by a fixed key (never text from the URL).
pub fn flash_message(key: Option<&str>) -> Option<String> {
    let m = match key? {
        "saved" => "已保存。",
        "mourning" => "全站哀悼模式设置已保存，公开页面立即生效。",
        "mourning-scheduled" => "全站哀悼模式已安排，到开始时间公开页面自动置灰。",
        "password" => "密码已修改，您在其他地方的登录已全部退出。",
        "first" => "您正在使用管理员发给您的一次性密码：请先设置自己的密码（“当前密码”填一次性密码），之后才能使用其他功能。",
        "created" => "草稿已创建。",
        "published" => "已发布，公众现在可以看到这条信息。",
        "submitted" => "已送审，等待第一步审核。",
        "approved" => "审核意见已记录。",
        "rejected" => "已退回作者修改。",
        "scheduled" => "已设定定时发布。",
        "withdrawn" => "已撤回，公开页面将显示撤回说明。",
        "overridden" => "已书面放行阻止性筛查结果。",
        "raised" => "重要程度已提高，审核链相应延长。",
        "lowered" => "重要程度已降低，理由已记入审计日志。",
        "unchanged" => "重要程度没有变化。",
        "consulted" => "会商情况已记录。",
        "masked" => "已遮盖，内容已修改，审核需重新开始。",
        "uploaded" => "附件已上传。",
        "deleted" => "附件已删除。",
        "column-added" => "栏目已添加。",
        "column-saved" => "栏目已保存。",
        "moved" => "栏目顺序已调整。",
        _ => return None,
    };
    Some(m.into())
}
