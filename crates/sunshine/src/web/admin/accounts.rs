//! `/admin/units/{code}/users`: the unit administrator's page of accounts and roles (see
//! [`crate::service::accounts`] for the rules).

use super::auth::FlashQuery;
use super::{flash_message, CsrfForm, Errors, InUnit, Layout, Staff, UnitAdmin};
use crate::db::units::Unit;
use crate::service::accounts::{self as svc, Account, NewAccount, GRANTABLE};
use crate::service::Error;
use crate::web::error::{AppError, PageError};
use crate::web::public::render;
use crate::web::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sunshine_core::role::Role;
use sunshine_core::FieldError;

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    layout: Layout,
    unit: Unit,
    rows: Vec<Account>,
    roles: Vec<(&'static str, &'static str)>,
    me: i64,
    form: NewForm,
    errors: Errors,
    /// A one-time password just issued: what happened, the login, the password.
    issued: Option<(&'static str, String, String)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewForm {
    login: String,
    display_name: String,
    role_editor: String,
    role_director: String,
    role_leader: String,
    role_principal: String,
    role_admin: String,
}

impl NewForm {
    fn has(&self, code: &str) -> bool {
        let v = match code {
            "editor" => &self.role_editor,
            "director" => &self.role_director,
            "leader" => &self.role_leader,
            "principal" => &self.role_principal,
            "admin" => &self.role_admin,
            _ => return false,
        };
        !v.is_empty()
    }
    fn roles(&self) -> Vec<Role> {
        GRANTABLE
            .iter()
            .copied()
            .filter(|r| self.has(r.as_str()))
            .collect()
    }
}

async fn page(
    state: &AppState,
    staff: &Staff,
    unit: Unit,
    form: NewForm,
    errors: Vec<FieldError>,
    issued: Option<(&'static str, String, String)>,
    flash: Option<String>,
) -> Result<UsersPage, AppError> {
    let rows = svc::list(state, &staff.actor(), unit.id).await?;
    Ok(UsersPage {
        layout: Layout::new(state, staff, flash).await?,
        unit,
        rows,
        roles: GRANTABLE.iter().map(|r| (r.as_str(), r.label())).collect(),
        me: staff.user.id,
        form,
        errors: Errors(errors),
        issued,
    })
}

fn accounts_flash(key: Option<&str>) -> Option<String> {
    let m = match key? {
        "granted" => "岗位已分配。",
        "revoked" => "岗位已取消。",
        "role_held" => "此人已有这个岗位，未作改动。",
        "role_absent" => "此人没有这个岗位，未作改动。",
        "disabled" => "账号已停用：不能再登录，已登录的会话已结束。",
        "enabled" => "账号已启用。",
        other => return flash_message(Some(other)),
    };
    Some(m.into())
}

pub async fn list(
    InUnit { staff, unit, .. }: UnitAdmin,
    State(state): State<AppState>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, PageError> {
    let flash = accounts_flash(q.done.as_deref());
    render(
        &page(
            &state,
            &staff,
            unit,
            NewForm::default(),
            vec![],
            None,
            flash,
        )
        .await?,
    )
}

/// A refusal or a wrong field shown on the page itself, with what was typed.
async fn again(
    state: &AppState,
    staff: &Staff,
    unit: Unit,
    form: NewForm,
    e: Error,
) -> Result<Response, PageError> {
    let (status, errors) = match e {
        Error::Invalid(errs) => (StatusCode::UNPROCESSABLE_ENTITY, errs),
        Error::Refused(_, m) => (StatusCode::FORBIDDEN, vec![FieldError::new("form", m)]),
        Error::Conflict(_, m) => (StatusCode::CONFLICT, vec![FieldError::new("form", m)]),
        Error::NotFound => (
            StatusCode::NOT_FOUND,
            vec![FieldError::new(
                "form",
                "没有找到这个账号：它可能已不在本单位。请刷新页面后重试。",
            )],
        ),
        other => return Err(other.into()),
    };
    let mut r = render(&page(state, staff, unit, form, errors, None, None).await?)?;
    *r.status_mut() = status;
    Ok(r)
}

/// After a change: back to the page with what was done said, or the refusal on the page.
async fn finish(
    state: &AppState,
    staff: &Staff,
    unit: Unit,
    result: Result<&'static str, Error>,
) -> Result<Response, PageError> {
    match result {
        Ok(done) => Ok(
            Redirect::to(&format!("/admin/units/{}/users?done={done}", unit.code)).into_response(),
        ),
        Err(e) => again(state, staff, unit, NewForm::default(), e).await,
    }
}

/// A one-time password just issued: shown in this answer only (back-office answers are never
/// cached), or the refusal on the page.
async fn issued(
    state: &AppState,
    staff: &Staff,
    unit: Unit,
    what: &'static str,
    result: Result<(String, String), Error>,
    form: NewForm,
) -> Result<Response, PageError> {
    match result {
        Ok((login, password)) => {
            let shown = Some((what, login, password));
            render(&page(state, staff, unit, NewForm::default(), vec![], shown, None).await?)
        }
        Err(e) => again(state, staff, unit, form, e).await,
    }
}

pub async fn create(
    InUnit { staff, unit, .. }: UnitAdmin,
    State(state): State<AppState>,
    CsrfForm(f): CsrfForm<NewForm>,
) -> Result<Response, PageError> {
    let roles = f.roles();
    let new = NewAccount {
        login: &f.login,
        display_name: &f.display_name,
        roles: &roles,
    };
    let result = svc::create(&state, &staff.actor(), unit.id, &new)
        .await
        .map(|password| (f.login.trim().to_owned(), password));
    issued(&state, &staff, unit, "账号已建立", result, f).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AccountForm {
    user: String,
    role: String,
    op: String,
}

fn user_id(f: &AccountForm) -> Result<i64, Error> {
    crate::web::extract::parse_id(f.user.trim())
}

pub async fn roles(
    InUnit { staff, unit, .. }: UnitAdmin,
    State(state): State<AppState>,
    CsrfForm(f): CsrfForm<AccountForm>,
) -> Result<Response, PageError> {
    let Some(role) = Role::parse(f.role.trim()).filter(|r| GRANTABLE.contains(r)) else {
        let e = FieldError::new("form", "请从列表中选择岗位。");
        return finish(&state, &staff, unit, Err(e.into())).await;
    };
    let grant = match f.op.as_str() {
        "grant" => true,
        "revoke" => false,
        _ => {
            let e = FieldError::new("form", "请点“分配”或“取消”。");
            return finish(&state, &staff, unit, Err(e.into())).await;
        }
    };
    let result = match user_id(&f) {
        Ok(id) => svc::set_role(&state, &staff.actor(), unit.id, id, role, grant).await,
        Err(e) => Err(e),
    };
    finish(&state, &staff, unit, result).await
}

pub async fn status(
    InUnit { staff, unit, .. }: UnitAdmin,
    State(state): State<AppState>,
    CsrfForm(f): CsrfForm<AccountForm>,
) -> Result<Response, PageError> {
    let disabled = match f.op.as_str() {
        "disable" => true,
        "enable" => false,
        _ => {
            let e = FieldError::new("form", "请点“停用”或“启用”。");
            return finish(&state, &staff, unit, Err(e.into())).await;
        }
    };
    let result = match user_id(&f) {
        Ok(id) => svc::set_disabled(&state, &staff.actor(), unit.id, id, disabled)
            .await
            .map(|()| if disabled { "disabled" } else { "enabled" }),
        Err(e) => Err(e),
    };
    finish(&state, &staff, unit, result).await
}

pub async fn reset(
    InUnit { staff, unit, .. }: UnitAdmin,
    State(state): State<AppState>,
    CsrfForm(f): CsrfForm<AccountForm>,
) -> Result<Response, PageError> {
    let result = match user_id(&f) {
        Ok(id) => svc::reset_password(&state, &staff.actor(), unit.id, id).await,
        Err(e) => Err(e),
    };
    issued(
        &state,
        &staff,
        unit,
        "密码已重设",
        result,
        NewForm::default(),
    )
    .await
}
