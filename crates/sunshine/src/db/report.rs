//! Records kept through the year for the annual report.

use super::Conn;
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Training {
    pub id: i64,
    pub held_on: String,
    pub topic: String,
    pub attendance: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Inspection {
    pub id: i64,
    pub held_on: String,
    pub inspector: String,
    pub findings: String,
    pub rectification: String,
    pub rectified_on: Option<String>,
}

#[derive(Debug, Clone, Default, sqlx::FromRow, Serialize)]
pub struct YearRow {
    pub licensing: i64,
    pub penalty: i64,
    pub coercion: i64,
    pub fees_wan_yuan: String,
    pub section_five: String,
    pub section_six: String,
    pub report_json: Option<String>,
    pub item_id: Option<i64>,
}

pub async fn trainings(conn: &mut Conn, unit_id: i64, year: i32) -> sqlx::Result<Vec<Training>> {
    sqlx::query_as("SELECT id, held_on, topic, attendance FROM report_trainings WHERE unit_id = $1 AND substr(held_on, 1, 4) = $2 ORDER BY held_on")
        .bind(unit_id)
        .bind(year.to_string())
        .fetch_all(conn)
        .await
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
    sqlx::query_as(
        "SELECT id, held_on, inspector, findings, rectification, rectified_on FROM report_inspections \
         WHERE unit_id = $1 AND substr(held_on, 1, 4) = $2 ORDER BY held_on",
    )
    .bind(unit_id)
    .bind(year.to_string())
    .fetch_all(conn)
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
    Ok(sqlx::query_as(
        "SELECT licensing, penalty, coercion, fees_wan_yuan, section_five, section_six, report_json, item_id \
         FROM report_years WHERE unit_id = $1 AND year = $2",
    )
    .bind(unit_id)
    .bind(i64::from(year))
    .fetch_optional(conn)
    .await?
    .unwrap_or_default())
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
    let y = year.to_string();
    let end = format!("{year}-12-31");
    let row: (i64, i64, i64) = sqlx::query_as(
        "SELECT \
           CAST(COALESCE(SUM(CASE WHEN substr(COALESCE(written_on, published_on), 1, 4) = $3 THEN 1 ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN substr(COALESCE(repealed_on, ''), 1, 4) = $3 THEN 1 ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN COALESCE(written_on, published_on) <= $4 AND (repealed_on IS NULL OR repealed_on > $4) THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM items WHERE unit_id = $1 AND doc_type = $2 AND state IN ('published', 'withdrawn')",
    )
    .bind(unit_id)
    .bind(doc_type)
    .bind(&y)
    .bind(&end)
    .fetch_one(conn)
    .await?;
    Ok(row)
}
