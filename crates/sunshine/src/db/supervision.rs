//! What the city's supervision view reads: each query limited to the units the supervisor
//! covers, so no other unit's rows are loaded.

use super::{placeholders, BindIds, Conn};

/// A proactively published item's dates.
#[derive(Debug, sqlx::FromRow)]
pub struct Published {
    pub unit_id: i64,
    pub published_on: Option<String>,
    pub written_on: Option<String>,
}

/// Items of `units` published (and still public, or withdrawn since) in the years `first` to
/// `last`, both included.
pub async fn published(
    conn: &mut Conn,
    units: &[i64],
    first: i32,
    last: i32,
) -> sqlx::Result<Vec<Published>> {
    let (from, _) = super::year_range(first);
    let (_, until) = super::year_range(last);
    sqlx::query_as(&format!(
        "SELECT unit_id, published_on, written_on FROM items WHERE state IN ('published', 'withdrawn') \
         AND disclosure = 'active' AND published_on >= $1 AND published_on < $2 AND unit_id IN ({})",
        placeholders(3, units.len())
    ))
    .bind(from)
    .bind(until)
    .bind_ids(units)
    .fetch_all(conn)
    .await
}

/// A submission or publication of an item, in the order they happened.
#[derive(Debug, sqlx::FromRow)]
pub struct ReviewEvent {
    pub item_id: i64,
    pub unit_id: i64,
    pub action: String,
    pub at: i64,
}

pub async fn review_events(conn: &mut Conn, units: &[i64]) -> sqlx::Result<Vec<ReviewEvent>> {
    sqlx::query_as(&format!(
        "SELECT item_id, unit_id, action, at FROM item_events WHERE action IN ('item.submit', 'item.publish') \
         AND unit_id IN ({}) ORDER BY id",
        placeholders(1, units.len())
    ))
    .bind_ids(units)
    .fetch_all(conn)
    .await
}

/// An application's dates and outcome, as the supervision figures count them.
#[derive(Debug, sqlx::FromRow)]
pub struct Case {
    pub id: i64,
    pub unit_id: i64,
    pub tracking_no: String,
    pub received_on: String,
    pub replied_on: Option<String>,
    pub due_on: Option<String>,
    pub overdue: i64,
    pub outcome: Option<String>,
}

/// Applications to `units`, oldest first.
pub async fn cases(conn: &mut Conn, units: &[i64]) -> sqlx::Result<Vec<Case>> {
    sqlx::query_as(&format!(
        "SELECT id, unit_id, tracking_no, received_on, replied_on, due_on, overdue, outcome FROM applications \
         WHERE unit_id IN ({}) ORDER BY received_on, id",
        placeholders(1, units.len())
    ))
    .bind_ids(units)
    .fetch_all(conn)
    .await
}

/// The state of each unit's annual report for a year: the report item's state and date.
#[derive(Debug, sqlx::FromRow)]
pub struct ReportState {
    pub unit_id: i64,
    pub state: Option<String>,
    pub published_on: Option<String>,
}

pub async fn report_states(
    conn: &mut Conn,
    units: &[i64],
    year: i32,
) -> sqlx::Result<Vec<ReportState>> {
    sqlx::query_as(&format!(
        "SELECT r.unit_id, i.state, i.published_on FROM report_years r LEFT JOIN items i ON i.id = r.item_id \
         WHERE r.year = $1 AND r.unit_id IN ({})",
        placeholders(2, units.len())
    ))
    .bind(i64::from(year))
    .bind_ids(units)
    .fetch_all(conn)
    .await
}
