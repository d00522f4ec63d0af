//! Accounts in the back office: a unit's administrator adds people, grants and removes their
//! roles on the unit, disables and enables them, and resets their passwords. A new or reset
//! password is a one-time password, shown once to the administrator; its holder must choose
//! their own at the next sign-in. Every change is audited in the same transaction.
//!
//! The rules hold inside the transaction, which holds the account's row: an administrator acts
//! on accounts of their own unit only; an account that also holds roles elsewhere is disabled or
//! reset only by someone who administers every unit it holds roles on; nobody changes their own
//! account's roles or disables or resets it here (the CLI remains for the first administrator);
//! logins are unique whatever their case (creations are one at a time); the same creation sent
//! twice is said as such; 监督员 is not granted here.

use super::{Actor, Error};
use crate::app::App;
use crate::db::audit::{self, Entry};
use crate::db::users;
use sunshine_core::role::Role;
use sunshine_core::FieldError;

/// One account as the unit's page lists it.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub login: String,
    pub name: String,
    /// The roles held on this unit, in words.
    pub roles: String,
    pub disabled: bool,
    pub must_change: bool,
    /// Whether the account also holds roles on another unit.
    pub elsewhere: bool,
}

/// The roles an administrator may grant, in the order the page offers them. Not 监督员: a
/// supervisor oversees the units below, which a unit's own administrator cannot hand out (the
/// city's supervisors are made with the CLI).
pub const GRANTABLE: [Role; 5] = [
    Role::Editor,
    Role::Director,
    Role::Leader,
    Role::Principal,
    Role::Admin,
];

/// A login: letters, digits and `- _ . @`, 2 to 40 characters (the CLI holds logins to the same).
pub fn valid_login(login: &str) -> bool {
    (2..=40).contains(&login.len())
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c))
}

/// A one-time password: 12 characters that are easy to read out (no 0/O, 1/l/I).
fn one_time_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..12)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

async fn hashed(app: &App, password: String) -> Result<String, Error> {
    Ok(app
        .cpu
        .run(move || crate::auth::hash_password(&password))
        .await??)
}

fn must_admin(actor: &Actor<'_>, unit_id: i64) -> Result<(), Error> {
    actor.grants.can_manage_unit(unit_id).map_err(Error::from)
}

pub async fn list(app: &App, actor: &Actor<'_>, unit_id: i64) -> Result<Vec<Account>, Error> {
    must_admin(actor, unit_id)?;
    let mut conn = app.db.pool.acquire().await?;
    let rows = users::of_unit(&mut conn, unit_id).await?;
    let mut out: Vec<Account> = Vec::new();
    for r in rows {
        let label = Role::parse(&r.role).map(Role::label).unwrap_or("其他");
        match out.last_mut() {
            Some(a) if a.id == r.id => {
                a.roles.push('、');
                a.roles.push_str(label);
            }
            _ => out.push(Account {
                id: r.id,
                login: r.login,
                name: r.display_name,
                roles: label.to_owned(),
                disabled: r.disabled != 0,
                must_change: r.must_change != 0,
                elsewhere: r.elsewhere > 0,
            }),
        }
    }
    Ok(out)
}

pub struct NewAccount<'a> {
    pub login: &'a str,
    pub display_name: &'a str,
    pub roles: &'a [Role],
}

/// Adds an account with roles on the unit; returns its one-time password.
pub async fn create(
    app: &App,
    actor: &Actor<'_>,
    unit_id: i64,
    a: &NewAccount<'_>,
) -> Result<String, Error> {
    must_admin(actor, unit_id)?;
    let login = a.login.trim();
    let name = sunshine_core::text::clean_text(a.display_name);
    let mut errs = Vec::new();
    if !valid_login(login) {
        errs.push(FieldError::new(
            "login",
            "登录名只能由字母、数字和 - _ . @ 组成，2至40个字符，例如 zhang.san",
        ));
    }
    if sunshine_core::text::visible_len(&name) == 0 || name.chars().count() > 50 {
        errs.push(FieldError::new(
            "display_name",
            "请填写使用人的姓名（不超过50个字符）",
        ));
    }
    if a.roles.is_empty() {
        errs.push(FieldError::new("roles", "请至少选择一个岗位"));
    }
    if !errs.is_empty() {
        return Err(Error::Invalid(errs));
    }
    let password = one_time_password();
    let hash = hashed(app, password.clone()).await?;
    let mut tx = app.db.begin().await?;
    users::lock_logins(&mut tx).await?;
    let inserted = match users::login_taken(&mut tx, login).await? {
        // The same administrator's same form again within minutes (a double click, a reload):
        // the account is there, its one-time password was shown once and is not shown again.
        Some((Some(by), at, made_login, made_name))
            if by == actor.user_id
                && made_login == login
                && made_name == name
                && crate::db::now() - at < 600 =>
        {
            return Err(Error::Conflict(
                "account_just_made",
                format!("账号“{login}”刚才已由您建立，一次性密码已在上一页显示（只显示一次）。如未记下，请在列表中为它点“重设密码”。"),
            ));
        }
        Some(_) => None,
        None => users::insert_new(&mut tx, login, &name, &hash, actor.user_id).await?,
    };
    let Some(id) = inserted else {
        return Err(FieldError::new(
            "login",
            format!("登录名“{login}”已被使用（不分大小写），请换一个（如在名字后加数字）"),
        )
        .into());
    };
    for r in a.roles {
        users::grant(&mut tx, id, unit_id, *r).await?;
    }
    let roles: Vec<&str> = a.roles.iter().map(|r| r.label()).collect();
    audit::append(
        &mut tx,
        &entry(actor, "user.add", unit_id, login, roles.join("、")),
    )
    .await?;
    tx.commit().await?;
    Ok(password)
}

fn entry<'a>(
    actor: &'a Actor<'_>,
    action: &'a str,
    unit_id: i64,
    login: &str,
    detail: String,
) -> Entry<'a> {
    Entry {
        actor_id: Some(actor.user_id),
        actor: actor.login,
        ip: actor.ip,
        action,
        unit_id: Some(unit_id),
        target: format!("user:{login}"),
        detail,
    }
}

/// The account, if it holds a role on the unit (others are not this administrator's to see).
async fn member(
    conn: &mut crate::db::Conn,
    unit_id: i64,
    user_id: i64,
) -> Result<users::User, Error> {
    users::lock(conn, user_id).await?;
    if !users::holds_any(conn, user_id, unit_id).await? {
        return Err(Error::NotFound);
    }
    users::by_id(conn, user_id).await?.ok_or(Error::NotFound)
}

/// Disabling and resetting reach every unit the account works in: the actor must administer
/// all of them.
async fn whole_account(
    conn: &mut crate::db::Conn,
    actor: &Actor<'_>,
    user: &users::User,
) -> Result<(), Error> {
    if user.id == actor.user_id {
        return Err(Error::Refused(
            "own_account",
            "不能在这里停用或重设自己的账号：修改自己的密码请用“修改密码”。".into(),
        ));
    }
    let units = users::units_of(conn, user.id).await?;
    if units
        .iter()
        .any(|u| actor.grants.can_manage_unit(*u).is_err())
    {
        return Err(Error::Refused(
            "other_units",
            "该账号在其他单位也有岗位，停用或重设密码会影响那些单位：请由上级单位管理员处理，或先请其他单位收回岗位。".into(),
        ));
    }
    Ok(())
}

/// Grants (`grant`) or removes a role on the unit.
pub async fn set_role(
    app: &App,
    actor: &Actor<'_>,
    unit_id: i64,
    user_id: i64,
    role: Role,
    grant: bool,
) -> Result<&'static str, Error> {
    must_admin(actor, unit_id)?;
    let mut tx = app.db.begin().await?;
    let user = member(&mut tx, unit_id, user_id).await?;
    if user.id == actor.user_id {
        return Err(Error::Refused(
            "own_roles",
            "不能给自己分配或取消岗位（包括自己的管理员岗位）：请由本单位另一位管理员操作。".into(),
        ));
    }
    let changed = if grant {
        users::grant_new(&mut tx, user_id, unit_id, role).await?
    } else {
        users::revoke_role(&mut tx, user_id, unit_id, role).await?
    };
    if !changed {
        return Ok(if grant { "role_held" } else { "role_absent" });
    }
    if !grant && !users::holds_any(&mut tx, user_id, unit_id).await? {
        return Err(Error::Refused(
            "last_role",
            "这是此人在本单位的最后一个岗位：如不再在本单位工作，请停用账号或先分配其他岗位。"
                .into(),
        ));
    }
    let (action, done) = if grant {
        ("user.grant", "granted")
    } else {
        ("user.revoke", "revoked")
    };
    audit::append(
        &mut tx,
        &entry(actor, action, unit_id, &user.login, role.label().into()),
    )
    .await?;
    tx.commit().await?;
    Ok(done)
}

/// Disables (ending its sessions and tokens) or enables an account.
pub async fn set_disabled(
    app: &App,
    actor: &Actor<'_>,
    unit_id: i64,
    user_id: i64,
    disabled: bool,
) -> Result<(), Error> {
    must_admin(actor, unit_id)?;
    let mut tx = app.db.begin().await?;
    let user = member(&mut tx, unit_id, user_id).await?;
    whole_account(&mut tx, actor, &user).await?;
    if user.disabled.is_set() == disabled {
        return Ok(());
    }
    users::set_disabled(&mut tx, &user.login, disabled).await?;
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    audit::append(
        &mut tx,
        &entry(actor, action, unit_id, &user.login, String::new()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Gives the account a one-time password (its sessions end and its API tokens are revoked);
/// returns its login and the password.
pub async fn reset_password(
    app: &App,
    actor: &Actor<'_>,
    unit_id: i64,
    user_id: i64,
) -> Result<(String, String), Error> {
    must_admin(actor, unit_id)?;
    let password = one_time_password();
    let hash = hashed(app, password.clone()).await?;
    let mut tx = app.db.begin().await?;
    let user = member(&mut tx, unit_id, user_id).await?;
    whole_account(&mut tx, actor, &user).await?;
    users::set_password(&mut tx, user.id, &hash).await?;
    users::set_must_change(&mut tx, user.id, true).await?;
    users::revoke_tokens(&mut tx, user.id).await?;
    audit::append(
        &mut tx,
        &entry(actor, "user.reset", unit_id, &user.login, String::new()),
    )
    .await?;
    tx.commit().await?;
    Ok((user.login, password))
}
