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
    pub disabled: i64,
}

pub async fn by_login(conn: &mut Conn, login: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as(
        "SELECT id, login, display_name, password_hash, disabled FROM users WHERE login = $1",
    )
    .bind(login)
    .fetch_optional(conn)
    .await
}

pub async fn by_id(conn: &mut Conn, id: i64) -> sqlx::Result<Option<User>> {
    sqlx::query_as(
        "SELECT id, login, display_name, password_hash, disabled FROM users WHERE id = $1",
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
        sqlx::query("UPDATE users SET display_name = $1, password_hash = $2 WHERE id = $3")
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
    sqlx::query(
        "INSERT INTO user_roles (user_id, unit_id, role) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(unit_id)
    .bind(role.as_str())
    .execute(conn)
    .await?;
    Ok(())
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

pub async fn insert_token(conn: &mut Conn, user_id: i64, token_hash: &str) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES ($1,$2,$3)")
        .bind(user_id)
        .bind(token_hash)
        .bind(super::now())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn by_token_hash(conn: &mut Conn, token_hash: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as(
        "SELECT u.id, u.login, u.display_name, u.password_hash, u.disabled FROM api_tokens t \
         JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await
}
