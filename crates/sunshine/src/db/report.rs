//! Records kept through the year for the annual report.

use super::{placeholders, BindIds, Conn};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;
use sunshine_core::application::{ApplicantKind, Outcome};
use sunshine_core::report::{AppRecord, RemedyRecord};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Training {
    #[serde(skip)]
    pub unit_id: i64,
    pub id: i64,
    pub held_on: String,
    pub topic: String,
    pub attendance: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Inspection {
    #[serde(skip)]
    #[sqlx(default)]
    pub unit_id: i64,
    pub id: i64,
    pub held_on: String,
    pub inspector: String,
    pub findings: String,
    pub rectification: String,
    pub rectified_on: Option<String>,
}

#[derive(Debug, Clone, Default, sqlx::FromRow, Serialize)]
pub struct YearRow {
    #[serde(skip)]
    pub unit_id: i64,
    pub licensing: i64,
    pub penalty: i64,
    pub coercion: i64,
    pub fees_wan_yuan: String,
    pub section_five: String,
    pub section_six: String,
    pub report_json: Option<String>,
    pub item_id: Option<i64>,
}

/// Units' rows by unit, read in statements of at most this many units.
pub const UNITS_AT_ONCE: usize = 500;

fn by_unit<T>(rows: impl IntoIterator<Item = T>, unit: impl Fn(&T) -> i64) -> HashMap<i64, Vec<T>> {
    let mut out: HashMap<i64, Vec<T>> = HashMap::new();
    for r in rows {
        out.entry(unit(&r)).or_default().push(r);
    }
    out
}

/// The one unit's share of what was read for several.
fn one<T>(mut m: HashMap<i64, Vec<T>>, unit_id: i64) -> Vec<T> {
    m.remove(&unit_id).unwrap_or_default()
}

pub async fn trainings(conn: &mut Conn, unit_id: i64, year: i32) -> sqlx::Result<Vec<Training>> {
    Ok(one(trainings_of(conn, &[unit_id], year).await?, unit_id))
}

/// The trainings of `units` held in `year`, by unit, in the order held.
pub async fn trainings_of(
    conn: &mut Conn,
    units: &[i64],
    year: i32,
) -> sqlx::Result<HashMap<i64, Vec<Training>>> {
    held_in(
        conn,
        "report_trainings",
        "id, held_on, topic, attendance",
        units,
        year,
        |r: &Training| r.unit_id,
    )
    .await
}

/// The rows of `table` (with `unit_id` and the columns `cols`) of `units` held in `year`, by
/// unit, in the order held.
async fn held_in<T>(
    conn: &mut Conn,
    table: &str,
    cols: &str,
    units: &[i64],
    year: i32,
    unit: impl Fn(&T) -> i64,
) -> sqlx::Result<HashMap<i64, Vec<T>>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let (from, until) = super::year_range(year);
    let rows: Vec<T> = sqlx::query_as(&format!(
        "SELECT unit_id, {cols} FROM {table} \
         WHERE held_on >= $1 AND held_on < $2 AND unit_id IN ({}) ORDER BY held_on, id",
        placeholders(3, units.len())
    ))
    .bind(from)
    .bind(until)
    .bind_ids(units)
    .fetch_all(conn)
    .await?;
    Ok(by_unit(rows, unit))
}

pub async fn add_training(
    conn: &mut Conn,
    unit_id: i64,
    held_on: &str,
    topic: &str,
    attendance: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO report_trainings (unit_id, held_on, topic, attendance, created_at) VALUES ($1,$2,$3,$4,$5)")
        .bind(unit_id)
        .bind(held_on)
        .bind(topic)
        .bind(attendance)
        .bind(super::now())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn inspections(
    conn: &mut Conn,
    unit_id: i64,
    year: i32,
) -> sqlx::Result<Vec<Inspection>> {
    Ok(one(inspections_of(conn, &[unit_id], year).await?, unit_id))
}

/// The inspections of `units` held in `year`, by unit, in the order held.
pub async fn inspections_of(
    conn: &mut Conn,
    units: &[i64],
    year: i32,
) -> sqlx::Result<HashMap<i64, Vec<Inspection>>> {
    let cols = "id, held_on, inspector, findings, rectification, rectified_on";
    held_in(
        conn,
        "report_inspections",
        cols,
        units,
        year,
        |r: &Inspection| r.unit_id,
    )
    .await
}

pub async fn add_inspection(conn: &mut Conn, unit_id: i64, i: &Inspection) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO report_inspections (unit_id, held_on, inspector, findings, rectification, rectified_on, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7)",
    )
    .bind(unit_id)
    .bind(&i.held_on)
    .bind(&i.inspector)
    .bind(&i.findings)
    .bind(&i.rectification)
    .bind(i.rectified_on.as_deref())
    .bind(super::now())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn year(conn: &mut Conn, unit_id: i64, year: i32) -> sqlx::Result<YearRow> {
    Ok(years_of(conn, &[unit_id], year)
        .await?
        .remove(&unit_id)
        .unwrap_or_default())
}

/// The year's figures and texts of `units` (a unit with none entered has no entry).
pub async fn years_of(
    conn: &mut Conn,
    units: &[i64],
    year: i32,
) -> sqlx::Result<HashMap<i64, YearRow>> {
    let rows: Vec<YearRow> = sqlx::query_as(&format!(
        "SELECT unit_id, licensing, penalty, coercion, fees_wan_yuan, section_five, section_six, report_json, item_id \
         FROM report_years WHERE year = $1 AND unit_id IN ({})",
        placeholders(2, units.len())
    ))
    .bind(i64::from(year))
    .bind_ids(units)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.unit_id, r)).collect())
}

pub async fn save_year(conn: &mut Conn, unit_id: i64, year: i32, y: &YearRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO report_years (unit_id, year, licensing, penalty, coercion, fees_wan_yuan, section_five, section_six, report_json, item_id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (unit_id, year) DO UPDATE SET licensing = excluded.licensing, \
         penalty = excluded.penalty, coercion = excluded.coercion, fees_wan_yuan = excluded.fees_wan_yuan, \
         section_five = excluded.section_five, section_six = excluded.section_six, report_json = excluded.report_json, \
         item_id = excluded.item_id",
    )
    .bind(unit_id)
    .bind(i64::from(year))
    .bind(y.licensing)
    .bind(y.penalty)
    .bind(y.coercion)
    .bind(&y.fees_wan_yuan)
    .bind(&y.section_five)
    .bind(&y.section_six)
    .bind(y.report_json.as_deref())
    .bind(y.item_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Table 二 (一) for a document type: issued in the year, repealed in the year, in force at its end.
pub async fn doc_counts(
    conn: &mut Conn,
    unit_id: i64,
    doc_type: &str,
    year: i32,
) -> sqlx::Result<(i64, i64, i64)> {
    Ok(doc_counts_of(conn, &[unit_id], year)
        .await?
        .remove(&(unit_id, doc_type.to_string()))
        .unwrap_or_default())
}

/// [`doc_counts`] of `units` for every document type they have (`rule`, `normative`), by unit
/// and type.
pub async fn doc_counts_of(
    conn: &mut Conn,
    units: &[i64],
    year: i32,
) -> sqlx::Result<HashMap<(i64, String), (i64, i64, i64)>> {
    let (from, until) = super::year_range(year);
    let end = format!("{year}-12-31");
    let rows: Vec<(i64, String, i64, i64, i64)> = sqlx::query_as(&format!(
        "SELECT unit_id, doc_type, \
           CAST(COALESCE(SUM(CASE WHEN COALESCE(written_on, published_on) >= $1 AND COALESCE(written_on, published_on) < $3 THEN 1 ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN repealed_on >= $1 AND repealed_on < $3 THEN 1 ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN COALESCE(written_on, published_on) <= $2 AND (repealed_on IS NULL OR repealed_on > $2) THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM items WHERE doc_type IN ('rule', 'normative') AND state IN ('published', 'withdrawn') AND unit_id IN ({}) \
         GROUP BY unit_id, doc_type",
        placeholders(4, units.len())
    ))
    .bind(&from)
    .bind(&end)
    .bind(&until)
    .bind_ids(units)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(u, t, a, b, c)| ((u, t), (a, b, c)))
        .collect())
}

/// An application's unit, id, kind, received date, reply date and outcome as stored.
type DatedRow = (i64, i64, String, String, Option<String>, Option<String>);
/// A remedy's unit, id, kind, filing date, outcome and decision date as stored.
type RemedyRow = (i64, i64, String, String, String, Option<String>);

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Every application of a unit as the report counts it (table 三): who applied, when, and how
/// it was concluded. A row whose kind or date does not read is an error, not a silent skip.
pub async fn application_records(conn: &mut Conn, unit_id: i64) -> anyhow::Result<Vec<AppRecord>> {
    Ok(one(
        application_records_of(conn, &[unit_id]).await?,
        unit_id,
    ))
}

/// [`application_records`] of `units`, by unit.
pub async fn application_records_of(
    conn: &mut Conn,
    units: &[i64],
) -> anyhow::Result<HashMap<i64, Vec<AppRecord>>> {
    let rows: Vec<DatedRow> = sqlx::query_as(&format!(
        "SELECT unit_id, id, applicant_kind, received_on, replied_on, outcome FROM applications \
         WHERE unit_id IN ({}) ORDER BY id",
        placeholders(1, units.len())
    ))
    .bind_ids(units)
    .fetch_all(conn)
    .await?;
    let mut out: HashMap<i64, Vec<AppRecord>> = HashMap::new();
    for (unit, id, kind, received, replied, outcome) in rows {
        let bad = |what: &str| anyhow::anyhow!("application {id}: unreadable {what}");
        out.entry(unit).or_default().push(AppRecord {
            kind: ApplicantKind::parse(&kind).ok_or_else(|| bad("applicant_kind"))?,
            received_on: date(&received).ok_or_else(|| bad("received_on"))?,
            concluded: match (replied, outcome) {
                (Some(d), Some(o)) => Some((
                    date(&d).ok_or_else(|| bad("replied_on"))?,
                    Outcome::parse(&o).ok_or_else(|| bad("outcome"))?,
                )),
                _ => None,
            },
        });
    }
    Ok(out)
}

/// Every remedy (复议, 诉讼) against a unit, for table 四.
pub async fn remedy_records(conn: &mut Conn, unit_id: i64) -> anyhow::Result<Vec<RemedyRecord>> {
    Ok(one(remedy_records_of(conn, &[unit_id]).await?, unit_id))
}

/// [`remedy_records`] of `units`, by unit.
pub async fn remedy_records_of(
    conn: &mut Conn,
    units: &[i64],
) -> anyhow::Result<HashMap<i64, Vec<RemedyRecord>>> {
    let rows: Vec<RemedyRow> = sqlx::query_as(&format!(
        "SELECT unit_id, id, kind, filed_on, outcome, decided_on FROM remedies WHERE unit_id IN ({}) ORDER BY id",
        placeholders(1, units.len())
    ))
    .bind_ids(units)
    .fetch_all(conn)
    .await?;
    let mut out: HashMap<i64, Vec<RemedyRecord>> = HashMap::new();
    for (unit, id, kind, filed, outcome, decided) in rows {
        let bad = |what: &str| anyhow::anyhow!("remedy {id}: unreadable {what}");
        out.entry(unit).or_default().push(RemedyRecord {
            kind,
            filed_on: date(&filed).ok_or_else(|| bad("filed_on"))?,
            outcome,
            decided_on: match decided {
                Some(d) => Some(date(&d).ok_or_else(|| bad("decided_on"))?),
                None => None,
            },
        });
    }
    Ok(out)
}

/// Proactively published items of a unit in a year, per column id (withdrawn ones count: they
/// were public in the year).
pub async fn published_by_column(
    conn: &mut Conn,
    unit_id: i64,
    year: i32,
) -> sqlx::Result<Vec<(i64, i64)>> {
    Ok(one(
        published_by_column_of(conn, &[unit_id], year).await?,
        unit_id,
    ))
}

/// [`published_by_column`] of `units`, by unit. Read through `items_unit_public`.
pub async fn published_by_column_of(
    conn: &mut Conn,
    units: &[i64],
    year: i32,
) -> sqlx::Result<HashMap<i64, Vec<(i64, i64)>>> {
    let (from, until) = super::year_range(year);
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(&format!(
        "SELECT unit_id, column_id, COUNT(*) FROM items WHERE disclosure = 'active' \
         AND state IN ('published', 'withdrawn') AND published_on >= $1 AND published_on < $2 \
         AND unit_id IN ({}) GROUP BY unit_id, column_id",
        placeholders(3, units.len())
    ))
    .bind(from)
    .bind(until)
    .bind_ids(units)
    .fetch_all(conn)
    .await?;
    let mut out: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for (u, c, n) in rows {
        out.entry(u).or_default().push((c, n));
    }
    Ok(out)
}

/// Proactively published items of a unit in a year, all columns.
pub async fn published_count(conn: &mut Conn, unit_id: i64, year: i32) -> sqlx::Result<i64> {
    Ok(published_by_column(conn, unit_id, year)
        .await?
        .iter()
        .map(|(_, n)| n)
        .sum())
}

/// Fees (yuan) of the unit's applications whose fee was paid in the year.
pub async fn fees_paid(conn: &mut Conn, unit_id: i64, year: i32) -> sqlx::Result<i64> {
    Ok(fees_paid_of(conn, &[unit_id], year)
        .await?
        .remove(&unit_id)
        .unwrap_or(0))
}

/// [`fees_paid`] of `units`, by unit (a unit that was paid nothing has no entry).
pub async fn fees_paid_of(
    conn: &mut Conn,
    units: &[i64],
    year: i32,
) -> sqlx::Result<HashMap<i64, i64>> {
    let (from, until) = super::year_range(year);
    let rows: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT a.unit_id, CAST(COALESCE(SUM(a.fee_yuan), 0) AS BIGINT) FROM applications a WHERE a.unit_id IN ({}) AND EXISTS \
         (SELECT 1 FROM application_events e WHERE e.application_id = a.id AND e.kind = 'fee-paid' \
          AND e.on_date >= $1 AND e.on_date < $2) GROUP BY a.unit_id",
        placeholders(3, units.len())
    ))
    .bind(from)
    .bind(until)
    .bind_ids(units)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// The JSON of the published annual reports of a year (one unit's, or every unit's), each as
/// the report item published in the 年报 column carries it; a copy that does not read is an
/// error.
pub async fn published_reports(
    conn: &mut Conn,
    unit_id: Option<i64>,
    year: i64,
) -> anyhow::Result<Vec<serde_json::Value>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT r.unit_id, r.report_json FROM report_years r JOIN items i ON i.id = r.item_id \
         WHERE r.year = $1 AND ($2 = 0 OR r.unit_id = $2) AND i.state = 'published' AND r.report_json IS NOT NULL ORDER BY r.unit_id",
    )
    .bind(year)
    .bind(unit_id.unwrap_or(0))
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(unit, j)| {
            serde_json::from_str(&j)
                .map_err(|e| anyhow::anyhow!("report of unit {unit} for {year} unreadable: {e}"))
        })
        .collect()
}
