//! Staff accounts, their roles per unit, and API tokens.

use super::Conn;
use sunshine_core::policy::{Grant, Grants};
use sunshine_core::role::Role;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub password_hash: String,
    #[sqlx(try_from = "i64")]
    pub disabled: super::Flag,
    /// Moves on with every password change, disabling or forced sign-out; sessions signed in
    /// under an older epoch are over.
    pub session_epoch: i64,
    /// Signed in with a one-time password: must choose their own before anything else.
    #[sqlx(try_from = "i64")]
    pub must_change: super::Flag,
}

pub async fn by_login(conn: &mut Conn, login: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as(
        "SELECT id, login, display_name, password_hash, disabled, session_epoch, must_change FROM users WHERE login = $1",
    )
    .bind(login)
    .fetch_optional(conn)
    .await
}

pub async fn by_id(conn: &mut Conn, id: i64) -> sqlx::Result<Option<User>> {
    sqlx::query_as(
        "SELECT id, login, display_name, password_hash, disabled, session_epoch, must_change FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Creates the user, or updates the password and name of an existing one.
pub async fn upsert(
    conn: &mut Conn,
    login: &str,
    display_name: &str,
    password_hash: &str,
) -> sqlx::Result<i64> {
    if let Some(u) = by_login(conn, login).await? {
        sqlx::query(
            "UPDATE users SET display_name = $1, password_hash = $2, session_epoch = session_epoch + 1 WHERE id = $3",
        )
            .bind(display_name)
            .bind(password_hash)
            .bind(u.id)
            .execute(conn)
            .await?;
        return Ok(u.id);
    }
    sqlx::query_scalar(
        "INSERT INTO users (login, display_name, password_hash, created_at) VALUES ($1,$2,$3,$4) RETURNING id",
    )
    .bind(login)
    .bind(display_name)
    .bind(password_hash)
    .bind(super::now())
    .fetch_one(conn)
    .await
}

pub async fn grant(conn: &mut Conn, user_id: i64, unit_id: i64, role: Role) -> sqlx::Result<()> {
    grant_new(conn, user_id, unit_id, role).await.map(|_| ())
}

/// A user's roles, with the units their supervisor grants cover (the unit tree is read only
/// for users who hold such a grant).
pub async fn grants(conn: &mut Conn, user_id: i64) -> sqlx::Result<Grants> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT unit_id, role FROM user_roles WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
    let grants: Vec<Grant> = rows
        .into_iter()
        .filter_map(|(unit_id, r)| Role::parse(&r).map(|role| Grant { unit_id, role }))
        .collect();
    let tree: Vec<(i64, Option<i64>)> = if grants.iter().any(|g| g.role == Role::Supervisor) {
        sqlx::query_as("SELECT id, parent_id FROM units")
            .fetch_all(conn)
            .await?
    } else {
        Vec::new()
    };
    Ok(Grants::new(user_id, grants, &tree))
}

/// Stores a new API token (its hash) valid until `expires_at`. Returns its id.
pub async fn insert_token(
    conn: &mut Conn,
    user_id: i64,
    token_hash: &str,
    label: &str,
    expires_at: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, token_hash, label, created_at, expires_at) VALUES ($1,$2,$3,$4,$5) RETURNING id",
    )
    .bind(user_id)
    .bind(token_hash)
    .bind(label)
    .bind(super::now())
    .bind(expires_at)
    .fetch_one(conn)
    .await
}

/// The user a token belongs to, while the token is neither expired nor revoked.
pub async fn by_token_hash(conn: &mut Conn, token_hash: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as(
        "SELECT u.id, u.login, u.display_name, u.password_hash, u.disabled, u.session_epoch, u.must_change FROM api_tokens t \
         JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2",
    )
    .bind(token_hash)
    .bind(super::now())
    .fetch_optional(conn)
    .await
}

/// One API token as `sunshine token list` shows it (never the token itself).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub login: String,
    pub label: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

pub async fn tokens(conn: &mut Conn, login: Option<&str>) -> sqlx::Result<Vec<TokenRow>> {
    sqlx::query_as(
        "SELECT t.id, u.login, t.label, t.created_at, t.expires_at, t.revoked_at FROM api_tokens t \
         JOIN users u ON u.id = t.user_id WHERE ($1 = '' OR u.login = $1) ORDER BY t.id",
    )
    .bind(login.unwrap_or(""))
    .fetch_all(conn)
    .await
}

/// Revokes a token; false when there is no such token or it was revoked already.
pub async fn revoke_token(conn: &mut Conn, id: i64) -> sqlx::Result<bool> {
    let n =
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(super::now())
            .bind(id)
            .execute(conn)
            .await?
            .rows_affected();
    Ok(n == 1)
}

/// Sets a new password (the account's own from now on) and ends every session signed in with
/// the old one.
pub async fn set_password(conn: &mut Conn, user_id: i64, password_hash: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "UPDATE users SET password_hash = $1, session_epoch = session_epoch + 1, must_change = 0 WHERE id = $2 RETURNING session_epoch",
    )
    .bind(password_hash)
    .bind(user_id)
    .fetch_one(conn)
    .await
}

/// Disables or enables an account. Disabling ends its sessions and revokes its tokens for good
/// (enabling the account again does not bring back a token that may have been stolen).
pub async fn set_disabled(conn: &mut Conn, login: &str, disabled: bool) -> sqlx::Result<bool> {
    let n = sqlx::query(
        "UPDATE users SET disabled = $1, session_epoch = session_epoch + $1 WHERE login = $2",
    )
    .bind(i64::from(disabled))
    .bind(login)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if disabled && n == 1 {
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE revoked_at IS NULL AND user_id = (SELECT id FROM users WHERE login = $2)",
        )
        .bind(super::now())
        .bind(login)
        .execute(conn)
        .await?;
    }
    Ok(n == 1)
}

/// Removes one role on one unit; true when the user held it.
pub async fn revoke_role(
    conn: &mut Conn,
    user_id: i64,
    unit_id: i64,
    role: Role,
) -> sqlx::Result<bool> {
    let n = sqlx::query("DELETE FROM user_roles WHERE user_id = $1 AND unit_id = $2 AND role = $3")
        .bind(user_id)
        .bind(unit_id)
        .bind(role.as_str())
        .execute(conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// The roles that enabled accounts hold on a unit (who can take a review step there).
pub async fn roles_held(conn: &mut Conn, unit_id: i64) -> sqlx::Result<Vec<Role>> {
    Ok(roles_held_in(conn, &[unit_id])
        .await?
        .remove(&unit_id)
        .unwrap_or_default())
}

/// The same for several units in one statement, by unit.
pub async fn roles_held_in(
    conn: &mut Conn,
    unit_ids: &[i64],
) -> sqlx::Result<std::collections::HashMap<i64, Vec<Role>>> {
    use super::BindIds;
    if unit_ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
        "SELECT DISTINCT r.unit_id, r.role FROM user_roles r JOIN users u ON u.id = r.user_id \
         WHERE r.unit_id IN ({}) AND u.disabled = 0",
        super::placeholders(1, unit_ids.len())
    ))
    .bind_ids(unit_ids)
    .fetch_all(conn)
    .await?;
    let mut out: std::collections::HashMap<i64, Vec<Role>> = Default::default();
    for (unit, r) in rows {
        if let Some(role) = Role::parse(&r) {
            out.entry(unit).or_default().push(role);
        }
    }
    Ok(out)
}

/// One role of an account on a unit, as the unit's accounts page reads them (one row per role,
/// ordered by login).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitAccountRow {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub disabled: i64,
    pub must_change: i64,
    pub role: String,
    /// How many roles the account holds on other units.
    pub elsewhere: i64,
}

pub async fn of_unit(conn: &mut Conn, unit_id: i64) -> sqlx::Result<Vec<UnitAccountRow>> {
    sqlx::query_as(
        "SELECT u.id, u.login, u.display_name, u.disabled, u.must_change, r.role, \
         (SELECT COUNT(*) FROM user_roles o WHERE o.user_id = u.id AND o.unit_id <> $1) AS elsewhere \
         FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.unit_id = $1 ORDER BY u.login, r.role",
    )
    .bind(unit_id)
    .fetch_all(conn)
    .await
}

/// Creates an account that must choose its own password at first sign-in, made by
/// `created_by`; `None` when the login is taken exactly.
pub async fn insert_new(
    conn: &mut Conn,
    login: &str,
    display_name: &str,
    password_hash: &str,
    created_by: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO users (login, display_name, password_hash, must_change, created_at, created_by) \
         VALUES ($1, $2, $3, 1, $4, $5) ON CONFLICT (login) DO NOTHING RETURNING id",
    )
    .bind(login)
    .bind(display_name)
    .bind(password_hash)
    .bind(super::now())
    .bind(created_by)
    .fetch_optional(conn)
    .await
}

/// Makes account creations one at a time until the transaction ends, so that a login taken
/// in another case (`Zhang`, `zhang`) is seen by the second of two simultaneous creations.
/// SQLite's write transactions are one at a time already.
pub async fn lock_logins(conn: &mut Conn) -> sqlx::Result<()> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT pg_advisory_xact_lock(7233101)")
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Whether the account holds any role on the unit.
pub async fn holds_any(conn: &mut Conn, user_id: i64, unit_id: i64) -> sqlx::Result<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM user_roles WHERE user_id = $1 AND unit_id = $2")
            .bind(user_id)
            .bind(unit_id)
            .fetch_one(conn)
            .await?;
    Ok(n > 0)
}

/// The units an account holds roles on.
pub async fn units_of(conn: &mut Conn, user_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT DISTINCT unit_id FROM user_roles WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(conn)
        .await
}

/// Grants a role; true when the account did not hold it before.
pub async fn grant_new(
    conn: &mut Conn,
    user_id: i64,
    unit_id: i64,
    role: Role,
) -> sqlx::Result<bool> {
    let n = sqlx::query(
        "INSERT INTO user_roles (user_id, unit_id, role) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(unit_id)
    .bind(role.as_str())
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn set_must_change(conn: &mut Conn, user_id: i64, must: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET must_change = $1 WHERE id = $2")
        .bind(i64::from(must))
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Holds the account's row until the transaction ends, so that two administrators' changes to
/// one account (its last roles, its units) are decided one after the other. SQLite's write
/// transactions are already one at a time (`Db::begin` takes the write lock first).
pub async fn lock(conn: &mut Conn, user_id: i64) -> sqlx::Result<()> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind(user_id)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Who made the account holding a login, whatever its letters' case (`Zhang` and `zhang` would
/// read alike in every list and log), when, and as what (login and name): `None` when the
/// login is free; the maker is none for accounts made with the CLI.
pub async fn login_taken(
    conn: &mut Conn,
    login: &str,
) -> sqlx::Result<Option<(Option<i64>, i64, String, String)>> {
    sqlx::query_as(
        "SELECT created_by, created_at, login, display_name FROM users WHERE lower(login) = lower($1) LIMIT 1",
    )
    .bind(login)
    .fetch_optional(conn)
    .await
}

/// Revokes every live API token of the account (a reset password must not leave them working).
pub async fn revoke_tokens(conn: &mut Conn, user_id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE revoked_at IS NULL AND user_id = $2")
        .bind(super::now())
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}
