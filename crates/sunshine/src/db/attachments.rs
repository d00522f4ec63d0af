//! Attachment records; the bytes live in the blob store under `storage_key`.

use super::{BindIds, Conn, Scope};
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Attachment {
    pub id: i64,
    pub item_id: i64,
    pub unit_id: i64,
    pub file_name: String,
    pub mime: String,
    pub size_bytes: i64,
    pub sha256: String,
    #[serde(skip)]
    pub storage_key: String,
}

const COLS: &str = "id, item_id, unit_id, file_name, mime, size_bytes, sha256, storage_key";

pub struct NewAttachment<'a> {
    pub item_id: i64,
    pub unit_id: i64,
    pub file_name: &'a str,
    pub mime: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub storage_key: &'a str,
    pub created_by: i64,
    /// The file's text, for search; `None` when it cannot be read.
    pub text: Option<&'a str>,
}

pub async fn insert(conn: &mut Conn, a: &NewAttachment<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO attachments (item_id, unit_id, file_name, mime, size_bytes, sha256, storage_key, created_by, created_at, text) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id",
    )
    .bind(a.item_id)
    .bind(a.unit_id)
    .bind(a.file_name)
    .bind(a.mime)
    .bind(a.size_bytes)
    .bind(a.sha256)
    .bind(a.storage_key)
    .bind(a.created_by)
    .bind(super::now())
    .bind(a.text)
    .fetch_one(conn)
    .await
}

pub async fn of_item(conn: &mut Conn, item_id: i64) -> sqlx::Result<Vec<Attachment>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM attachments WHERE item_id = $1 ORDER BY id"
    ))
    .bind(item_id)
    .fetch_all(conn)
    .await
}

/// An attachment by id within the scope: another unit's is not found.
pub async fn get(conn: &mut Conn, scope: &Scope, id: i64) -> sqlx::Result<Option<Attachment>> {
    let sql = format!(
        "SELECT {COLS} FROM attachments WHERE id = $1 AND {}",
        scope.condition("unit_id", 2)
    );
    sqlx::query_as(&sql)
        .bind(id)
        .bind_ids(scope.ids())
        .fetch_optional(conn)
        .await
}

/// An attachment of a public item (the public rules of [`super::items`]), or none.
pub async fn get_public(conn: &mut Conn, id: i64) -> sqlx::Result<Option<Attachment>> {
    sqlx::query_as(&format!(
        "SELECT a.id, a.item_id, a.unit_id, a.file_name, a.mime, a.size_bytes, a.sha256, \
         a.storage_key FROM attachments a JOIN items i ON i.id = a.item_id \
         JOIN columns c ON c.id = i.column_id WHERE a.id = $1 AND {}",
        super::items::PUBLIC
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn delete(conn: &mut Conn, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM attachments WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
