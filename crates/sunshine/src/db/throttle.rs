//! Login throttling, shared by every node through the database.

use super::Conn;

pub async fn record_failure(conn: &mut Conn, login: &str, ip: &str) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO login_failures (login, ip, at) VALUES ($1,$2,$3)")
        .bind(login)
        .bind(ip)
        .bind(super::now())
        .execute(conn)
        .await?;
    Ok(())
}

/// Failures since `since` for this login and from this address.
pub async fn recent_failures(
    conn: &mut Conn,
    login: &str,
    ip: &str,
    since: i64,
) -> sqlx::Result<(i64, i64)> {
    let by_login: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE login = $1 AND at >= $2")
            .bind(login)
            .bind(since)
            .fetch_one(&mut *conn)
            .await?;
    let by_ip: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE ip = $1 AND at >= $2")
            .bind(ip)
            .bind(since)
            .fetch_one(conn)
            .await?;
    Ok((by_login, by_ip))
}

pub async fn clear(conn: &mut Conn, login: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE login = $1")
        .bind(login)
        .execute(conn)
        .await?;
    Ok(())
}

/// Housekeeping: forget failures and sessions that no longer matter.
pub async fn purge_before(conn: &mut Conn, before: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE at < $1")
        .bind(before)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(super::now())
        .execute(conn)
        .await?;
    Ok(())
}
