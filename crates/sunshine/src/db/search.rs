//! What the search index reads: published items as the index needs them, and the change log it
//! follows.

use super::items::{date, unknown, PUBLIC, PUBLIC_BY_ID};
use super::{placeholders, BindIds, Conn};
use chrono::NaiveDate;
use sunshine_core::item::Validity;

/// A published 主动公开 item in a visible column, with the text of its attachments.
#[derive(Debug, Clone)]
pub struct Source {
    pub id: i64,
    pub unit_id: i64,
    pub column_id: i64,
    pub title: String,
    pub body_html: String,
    pub publisher: String,
    pub doc_no: Option<String>,
    pub index_no: Option<String>,
    pub topic: String,
    pub validity: Validity,
    pub published_on: NaiveDate,
    pub files: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    unit_id: i64,
    column_id: i64,
    title: String,
    body_html: String,
    publisher: String,
    doc_no: Option<String>,
    index_no: Option<String>,
    topic: String,
    validity: String,
    published_on: Option<String>,
}

const SOURCE: &str = "SELECT i.id, i.unit_id, i.column_id, i.title, i.body_html, i.publisher, i.doc_no, \
    i.index_no, i.topic, i.validity, i.published_on FROM items i JOIN columns c ON c.id = i.column_id";

async fn with_files(conn: &mut Conn, rows: Vec<Row>) -> sqlx::Result<Vec<Source>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let files: Vec<(i64, String)> = sqlx::query_as(&format!(
        "SELECT item_id, text FROM attachments WHERE text IS NOT NULL AND item_id IN ({}) ORDER BY id",
        placeholders(1, ids.len())
    ))
    .bind_ids(&ids)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_item: std::collections::HashMap<i64, Vec<String>> = Default::default();
    for (item, text) in files {
        by_item.entry(item).or_default().push(text);
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let validity = Validity::parse(&r.validity)
            .ok_or_else(|| unknown("items", r.id, "validity", &r.validity))?;
        let Some(published_on) = date("items", r.id, "published_on", r.published_on)? else {
            return Err(unknown("items", r.id, "published_on", ""));
        };
        out.push(Source {
            files: by_item.remove(&r.id).unwrap_or_default(),
            id: r.id,
            unit_id: r.unit_id,
            column_id: r.column_id,
            title: r.title,
            body_html: r.body_html,
            publisher: r.publisher,
            doc_no: r.doc_no,
            index_no: r.index_no,
            topic: r.topic,
            validity,
            published_on,
        });
    }
    Ok(out)
}

/// Those of the given items that the public sees now; the others are to leave the index.
pub async fn public_of(conn: &mut Conn, ids: &[i64]) -> sqlx::Result<Vec<Source>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SOURCE} WHERE {PUBLIC_BY_ID} AND i.id IN ({}) ORDER BY i.id",
        placeholders(1, ids.len())
    ))
    .bind_ids(ids)
    .fetch_all(&mut *conn)
    .await?;
    with_files(conn, rows).await
}

/// The next `limit` public items after `after`, by id: a full build walks the table with this.
pub async fn public_after(conn: &mut Conn, after: i64, limit: i64) -> sqlx::Result<Vec<Source>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SOURCE} WHERE {PUBLIC_BY_ID} AND i.id > $1 ORDER BY i.id LIMIT $2"
    ))
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    with_files(conn, rows).await
}

/// How many items a full build will read (for its progress bar).
pub async fn public_count(conn: &mut Conn) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM items i JOIN columns c ON c.id = i.column_id WHERE {PUBLIC}"
    ))
    .fetch_one(conn)
    .await
}

/// The last entry of the change log written before `at` (0 when none): a full build starts
/// following from here.
pub async fn log_end_before(conn: &mut Conn, at: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM change_log WHERE at < $1")
        .bind(at)
        .fetch_one(conn)
        .await
}

/// An entry of the change log: an item changed, or (no item) what a unit's pages show around
/// their items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Change {
    pub id: i64,
    pub item_id: Option<i64>,
    pub unit_id: i64,
}

/// The last entry of the change log (0 when none).
pub async fn log_end(conn: &mut Conn) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM change_log")
        .fetch_one(conn)
        .await
}

/// Entries of the change log after `after`, oldest first.
pub async fn log_after(conn: &mut Conn, after: i64, limit: i64) -> sqlx::Result<Vec<Change>> {
    sqlx::query_as("SELECT id, item_id, unit_id FROM change_log WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after)
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// The entries among `ids` that exist now (a gap the follower looks for again).
pub async fn log_among(conn: &mut Conn, ids: &[i64]) -> sqlx::Result<Vec<Change>> {
    sqlx::query_as(&format!(
        "SELECT id, item_id, unit_id FROM change_log WHERE id IN ({}) ORDER BY id",
        placeholders(1, ids.len())
    ))
    .bind_ids(ids)
    .fetch_all(conn)
    .await
}
