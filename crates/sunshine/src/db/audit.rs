//! The audit log: append-only, each entry's hash covering the previous entry's hash, so an
//! edited, deleted or reordered entry breaks the chain.
//!
//! Appending first updates the single `audit_head` row, which serialises appenders on every
//! node (a row lock on PostgreSQL, the write lock on SQLite) so the chain never forks.

use super::Conn;
use sha2::{Digest, Sha256};

/// What happened, by whom, from where. Never personal data of applicants, never secrets.
#[derive(Debug, Clone, Default)]
pub struct Entry<'a> {
    pub actor_id: Option<i64>,
    pub actor: &'a str,
    pub ip: &'a str,
    pub action: &'a str,
    pub unit_id: Option<i64>,
    pub target: String,
    pub detail: String,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Logged {
    pub id: i64,
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub ip: String,
    pub action: String,
    pub unit_id: Option<i64>,
    pub target: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry: SHA-256 over the previous hash and every field, length-prefixed so
/// that no two different entries serialise alike.
#[expect(
    clippy::too_many_arguments,
    reason = "every field of the entry is hashed; a struct would only rename them"
)]
pub fn entry_hash(
    prev: &str,
    seq: i64,
    at: i64,
    actor_id: Option<i64>,
    actor: &str,
    ip: &str,
    action: &str,
    unit_id: Option<i64>,
    target: &str,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &seq.to_string(),
        &at.to_string(),
        &actor_id.map(|v| v.to_string()).unwrap_or_default(),
        actor,
        ip,
        action,
        &unit_id.map(|v| v.to_string()).unwrap_or_default(),
        target,
        detail,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends an entry in the caller's transaction.
pub async fn append(conn: &mut Conn, e: &Entry<'_>) -> sqlx::Result<()> {
    let (seq, prev): (i64, String) =
        sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *conn)
            .await?;
    let at = super::now();
    let hash = entry_hash(
        &prev, seq, at, e.actor_id, e.actor, e.ip, e.action, e.unit_id, &e.target, &e.detail,
    );
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_id, actor, ip, action, unit_id, target, detail, prev_hash, hash) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
    )
    .bind(seq)
    .bind(at)
    .bind(e.actor_id)
    .bind(e.actor)
    .bind(e.ip)
    .bind(e.action)
    .bind(e.unit_id)
    .bind(&e.target)
    .bind(&e.detail)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn recent(conn: &mut Conn, limit: i64) -> sqlx::Result<Vec<Logged>> {
    sqlx::query_as(
        "SELECT id, seq, at, actor_id, actor, ip, action, unit_id, target, detail, prev_hash, hash \
         FROM audit_log ORDER BY seq DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}
