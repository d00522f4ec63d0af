//! Catalog columns per unit.

use super::BindIds;
use super::Conn;
use serde::Serialize;
use sunshine_core::catalog::default_columns;
use sunshine_core::unit::UnitKind;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Column {
    pub id: i64,
    pub unit_id: i64,
    pub parent_id: Option<i64>,
    pub slug: String,
    pub name: String,
    pub sort_order: i64,
    #[sqlx(try_from = "i64")]
    pub hidden: super::Flag,
    /// What the column's page says while it holds nothing (empty: only 本栏目暂无信息).
    pub empty_note: String,
}

const COLS: &str = "id, unit_id, parent_id, slug, name, sort_order, hidden, empty_note";

/// Creates a new unit's columns from the default template.
pub async fn create_defaults(conn: &mut Conn, unit_id: i64, kind: UnitKind) -> sqlx::Result<()> {
    let mut ids: Vec<(&str, i64)> = Vec::new();
    for (i, c) in default_columns(kind).into_iter().enumerate() {
        let parent = c
            .parent
            .and_then(|p| ids.iter().find(|(s, _)| *s == p).map(|(_, id)| *id));
        let id = insert(conn, unit_id, parent, c.slug, c.name, (i as i64 + 1) * 10).await?;
        ids.push((c.slug, id));
    }
    Ok(())
}

pub async fn insert(
    conn: &mut Conn,
    unit_id: i64,
    parent_id: Option<i64>,
    slug: &str,
    name: &str,
    sort_order: i64,
) -> sqlx::Result<i64> {
    let id = sqlx::query_scalar(
        "INSERT INTO columns (unit_id, parent_id, slug, name, sort_order) VALUES ($1,$2,$3,$4,$5) RETURNING id",
    )
    .bind(unit_id)
    .bind(parent_id)
    .bind(slug)
    .bind(name)
    .bind(sort_order)
    .fetch_one(&mut *conn)
    .await?;
    super::items::log_site_change(conn, unit_id, "column").await?;
    Ok(id)
}

/// All columns of a unit, in display order (hidden ones included: the back office shows them).
pub async fn of_unit(conn: &mut Conn, unit_id: i64) -> sqlx::Result<Vec<Column>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM columns WHERE unit_id = $1 ORDER BY sort_order, id"
    ))
    .bind(unit_id)
    .fetch_all(conn)
    .await
}

/// The columns of `units`, each unit's in its order.
pub async fn of_units(conn: &mut Conn, units: &[i64]) -> sqlx::Result<Vec<Column>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM columns WHERE unit_id IN ({}) ORDER BY unit_id, sort_order, id",
        super::placeholders(1, units.len())
    ))
    .bind_ids(units)
    .fetch_all(conn)
    .await
}

pub async fn by_slug(conn: &mut Conn, unit_id: i64, slug: &str) -> sqlx::Result<Option<Column>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM columns WHERE unit_id = $1 AND slug = $2"
    ))
    .bind(unit_id)
    .bind(slug)
    .fetch_optional(conn)
    .await
}

/// A column looked up within a unit: an id from another unit is simply not found.
pub async fn by_id_in_unit(conn: &mut Conn, unit_id: i64, id: i64) -> sqlx::Result<Option<Column>> {
    sqlx::query_as(&format!(
        "SELECT {COLS} FROM columns WHERE unit_id = $1 AND id = $2"
    ))
    .bind(unit_id)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Renames a column and shows or hides it. Hiding or showing changes what the public sees of
/// every published item in it: each gets a change-log entry, in the same transaction.
pub async fn rename(conn: &mut Conn, id: i64, name: &str, hidden: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE columns SET name = $1 WHERE id = $2")
        .bind(name)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    // Whether visibility changed is decided by the update itself, not by an earlier read: two
    // toggles at once still leave the log saying so whenever the column really changed.
    let toggled = sqlx::query("UPDATE columns SET hidden = $1 WHERE id = $2 AND hidden <> $1")
        .bind(i64::from(hidden))
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if toggled > 0 {
        sqlx::query(
            "INSERT INTO change_log (item_id, unit_id, op, at) SELECT id, unit_id, 'column', $2 \
             FROM items WHERE column_id = $1 AND state = 'published'",
        )
        .bind(id)
        .bind(super::now())
        .execute(&mut *conn)
        .await?;
    }
    log_column_change(conn, id).await
}

/// Sets what the column's page says while it holds nothing.
pub async fn set_empty_note(conn: &mut Conn, id: i64, note: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE columns SET empty_note = $1 WHERE id = $2")
        .bind(note)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    log_column_change(conn, id).await
}

/// A column's name, place or note changed: the unit's navigation is on its every page.
async fn log_column_change(conn: &mut Conn, id: i64) -> sqlx::Result<()> {
    let unit: Option<i64> = sqlx::query_scalar("SELECT unit_id FROM columns WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    match unit {
        Some(u) => super::items::log_site_change(conn, u, "column").await,
        None => Ok(()),
    }
}

/// Holds a column's row until the transaction ends (an update that changes nothing takes the
/// row's lock on PostgreSQL; SQLite has one writer at a time anyway).
pub async fn hold(conn: &mut Conn, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE columns SET hidden = hidden WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves a column one place up or down among its siblings by swapping sort orders.
pub async fn move_by(conn: &mut Conn, col: &Column, up: bool) -> sqlx::Result<()> {
    let siblings: Vec<Column> = of_unit(conn, col.unit_id)
        .await?
        .into_iter()
        .filter(|c| c.parent_id == col.parent_id)
        .collect();
    let Some(pos) = siblings.iter().position(|c| c.id == col.id) else {
        return Ok(());
    };
    let other = if up {
        pos.checked_sub(1)
    } else {
        Some(pos + 1).filter(|p| *p < siblings.len())
    };
    let Some(other) = other.map(|p| &siblings[p]) else {
        return Ok(());
    };
    // Equal sort orders (possible after manual edits) would make a swap a no-op; spread them.
    let (a, b) = if other.sort_order == col.sort_order {
        if up {
            (col.sort_order - 1, col.sort_order)
        } else {
            (col.sort_order + 1, col.sort_order)
        }
    } else {
        (other.sort_order, col.sort_order)
    };
    for (id, order) in [(col.id, a), (other.id, b)] {
        sqlx::query("UPDATE columns SET sort_order = $1 WHERE id = $2")
            .bind(order)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    super::items::log_site_change(conn, col.unit_id, "column").await
}

/// Every visible column of every unit, as `(unit code, column slug)`, in one query.
pub async fn all_visible(conn: &mut Conn) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT u.code, c.slug FROM columns c JOIN units u ON u.id = c.unit_id \
         WHERE c.hidden = 0 ORDER BY u.sort_order, u.id, c.sort_order, c.id",
    )
    .fetch_all(conn)
    .await
}
