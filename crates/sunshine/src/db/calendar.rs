//! Holiday arrangements loaded at run time, over the shipped data.

use super::Conn;
use sunshine_core::calendar::{Calendar, YearData};

/// The shipped calendar with every loaded year applied over it.
pub async fn effective(conn: &mut Conn) -> sqlx::Result<Calendar> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT year, data FROM calendar_years ORDER BY year")
            .fetch_all(conn)
            .await?;
    let mut cal = Calendar::shipped();
    for (year, json) in rows {
        // A loaded year that no longer reads is an error, never a quiet return to the shipped
        // data: deadlines counted on the wrong days are worse than none.
        let y = YearData::parse(&json).map_err(|e| {
            sqlx::Error::Protocol(format!(
                "数据库中{year}年的节假日安排无法读取（{e}）；请管理员用 sunshine calendar load 重新载入该年安排"
            ))
        })?;
        cal.set_year(y);
    }
    Ok(cal)
}

pub async fn store(conn: &mut Conn, data: &YearData, json: &str, by: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO calendar_years (year, data, loaded_at, loaded_by) VALUES ($1,$2,$3,$4) \
         ON CONFLICT (year) DO UPDATE SET data = excluded.data, loaded_at = excluded.loaded_at, loaded_by = excluded.loaded_by",
    )
    .bind(i64::from(data.year))
    .bind(json)
    .bind(super::now())
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Loaded years with when and by whom (for the admin page).
pub async fn loaded(conn: &mut Conn) -> sqlx::Result<Vec<(i64, i64, String)>> {
    sqlx::query_as("SELECT year, loaded_at, loaded_by FROM calendar_years ORDER BY year")
        .fetch_all(conn)
        .await
}
