//! What the city's supervision view reads: each query limited to the units the supervisor
//! covers, so no other unit's rows are loaded.

use super::items::{date, unknown};
use super::{placeholders, BindIds, Conn};
use chrono::NaiveDate;
use sunshine_core::application::Outcome;
use sunshine_core::item::ItemState;

/// The items a unit published proactively (still public, or withdrawn since): each one's
/// publication date and 成文日期.
#[derive(Debug, Default)]
pub struct Published {
    pub unit_id: i64,
    pub dates: Vec<(NaiveDate, Option<NaiveDate>)>,
}

/// Items of `units` published in the years `first` to `last`, both included: one row per unit
/// comes back, its items' dates joined in the database (`group_concat`, `string_agg`), as a
/// province's 200,000 rows of a year one by one took a second to pass from SQLite.
pub async fn published(
    conn: &mut Conn,
    units: &[i64],
    first: i32,
    last: i32,
) -> sqlx::Result<Vec<Published>> {
    let (from, _) = super::year_range(first);
    let (_, until) = super::year_range(last);
    let dates = "published_on || '/' || COALESCE(written_on, '')";
    let joined = if conn.backend_name() == "PostgreSQL" {
        format!("string_agg({dates}, ',')")
    } else {
        format!("group_concat({dates}, ',')")
    };
    let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
        "SELECT unit_id, {joined} FROM items WHERE state IN ('published', 'withdrawn') \
         AND disclosure = 'active' AND published_on >= $1 AND published_on < $2 AND unit_id IN ({}) \
         GROUP BY unit_id",
        placeholders(3, units.len())
    ))
    .bind(from)
    .bind(until)
    .bind_ids(units)
    .fetch_all(conn)
    .await?;
    let day = |s: &str| s.parse::<NaiveDate>().ok();
    rows.into_iter()
        .map(|(unit_id, joined)| {
            let dates = joined
                .split(',')
                .map(|pair| {
                    let (p, w) = pair.split_once('/').unwrap_or((pair, ""));
                    let bad = || unknown("items", 0, "published_on", pair);
                    let p = day(p).ok_or_else(bad)?;
                    let w = if w.is_empty() {
                        None
                    } else {
                        Some(day(w).ok_or_else(bad)?)
                    };
                    Ok((p, w))
                })
                .collect::<sqlx::Result<_>>()?;
            Ok(Published { unit_id, dates })
        })
        .collect()
}

/// A submission or publication of an item, in the order they happened.
#[derive(Debug, sqlx::FromRow)]
pub struct ReviewEvent {
    pub item_id: i64,
    pub unit_id: i64,
    pub action: String,
    pub at: i64,
}

/// Those of `units` from the start of the year before `year` to the end of `year` (a
/// publication in `year` is matched with its submission; one submitted more than a year before
/// is left out of the turnaround). Read through `item_events_unit_at`.
pub async fn review_events(
    conn: &mut Conn,
    units: &[i64],
    year: i32,
) -> sqlx::Result<Vec<ReviewEvent>> {
    let start = |y: i32| {
        chrono::NaiveDate::from_ymd_opt(y, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map_or(0, |t| t.and_utc().timestamp())
    };
    sqlx::query_as(&format!(
        "SELECT item_id, unit_id, action, at FROM item_events WHERE action IN ('item.submit', 'item.publish') \
         AND unit_id IN ({}) AND at >= $1 AND at < $2 ORDER BY at, id",
        placeholders(3, units.len())
    ))
    .bind(start(year - 1))
    .bind(start(year + 1))
    .bind_ids(units)
    .fetch_all(conn)
    .await
}

#[derive(Debug, sqlx::FromRow)]
struct CaseRow {
    id: i64,
    unit_id: i64,
    tracking_no: String,
    received_on: String,
    replied_on: Option<String>,
    due_on: Option<String>,
    overdue: i64,
    outcome: Option<String>,
}

/// An application's dates and outcome, as the supervision figures count them.
#[derive(Debug)]
pub struct Case {
    pub id: i64,
    pub unit_id: i64,
    pub tracking_no: String,
    pub received_on: NaiveDate,
    pub replied_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub overdue: bool,
    pub outcome: Option<Outcome>,
}

impl TryFrom<CaseRow> for Case {
    type Error = sqlx::Error;

    fn try_from(r: CaseRow) -> sqlx::Result<Case> {
        let t = "applications";
        Ok(Case {
            received_on: date(t, r.id, "received_on", Some(r.received_on.clone()))?
                .ok_or_else(|| unknown(t, r.id, "received_on", &r.received_on))?,
            replied_on: date(t, r.id, "replied_on", r.replied_on)?,
            due_on: date(t, r.id, "due_on", r.due_on)?,
            overdue: r.overdue != 0,
            outcome: match r.outcome.as_deref() {
                None | Some("") => None,
                Some(o) => Some(Outcome::parse(o).ok_or_else(|| unknown(t, r.id, "outcome", o))?),
            },
            id: r.id,
            unit_id: r.unit_id,
            tracking_no: r.tracking_no,
        })
    }
}

/// Applications to `units` that were open at some time in `year` (received by its end, not
/// replied before its start), oldest first.
pub async fn cases(conn: &mut Conn, units: &[i64], year: i32) -> sqlx::Result<Vec<Case>> {
    let (from, until) = super::year_range(year);
    let rows: Vec<CaseRow> = sqlx::query_as(&format!(
        "SELECT id, unit_id, tracking_no, received_on, replied_on, due_on, overdue, outcome FROM applications \
         WHERE unit_id IN ({}) AND received_on < $1 AND (replied_on IS NULL OR replied_on >= $2) \
         ORDER BY received_on, id",
        placeholders(3, units.len())
    ))
    .bind(until)
    .bind(from)
    .bind_ids(units)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Case::try_from).collect()
}

#[derive(Debug, sqlx::FromRow)]
struct ReportRow {
    unit_id: i64,
    item_id: Option<i64>,
    state: Option<String>,
    published_on: Option<String>,
}

/// The state of each unit's annual report for a year: the report item's state and date (none
/// while no report item exists).
#[derive(Debug)]
pub struct ReportState {
    pub unit_id: i64,
    pub state: Option<ItemState>,
    pub published_on: Option<NaiveDate>,
}

impl TryFrom<ReportRow> for ReportState {
    type Error = sqlx::Error;

    fn try_from(r: ReportRow) -> sqlx::Result<ReportState> {
        let id = r.item_id.unwrap_or(0);
        Ok(ReportState {
            unit_id: r.unit_id,
            state: match r.state.as_deref() {
                None => None,
                Some(s) => Some(
                    ItemState::parse(s)
                        .ok_or_else(|| super::items::unknown("items", id, "state", s))?,
                ),
            },
            published_on: super::items::date("items", id, "published_on", r.published_on)?,
        })
    }
}

pub async fn report_states(
    conn: &mut Conn,
    units: &[i64],
    year: i32,
) -> sqlx::Result<Vec<ReportState>> {
    let rows: Vec<ReportRow> = sqlx::query_as(&format!(
        "SELECT r.unit_id, i.id AS item_id, i.state, i.published_on FROM report_years r \
         LEFT JOIN items i ON i.id = r.item_id WHERE r.year = $1 AND r.unit_id IN ({})",
        placeholders(2, units.len())
    ))
    .bind(i64::from(year))
    .bind_ids(units)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(ReportState::try_from).collect()
}
