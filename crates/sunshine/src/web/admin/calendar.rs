//! The working-day calendar as administrators see it: which years are covered, from where, and
//! whether next year's arrangement is still missing.

use super::{Layout, Staff};
use crate::web::error::{AppError, PageError};
use crate::web::public::render;
use crate::web::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::Datelike;

pub struct YearRow {
    pub year: i32,
    pub source: String,
    pub days: usize,
    pub papers: String,
}

#[derive(Template)]
#[template(path = "admin/calendar.html")]
struct CalendarPage {
    layout: Layout,
    rows: Vec<YearRow>,
    missing_next: Option<i32>,
}

pub async fn page(staff: Staff, State(state): State<AppState>) -> Result<Response, PageError> {
    let mut conn = state.db.pool.acquire().await.map_err(AppError::from)?;
    let cal = crate::db::calendar::effective(&mut conn).await?;
    let loaded = crate::db::calendar::loaded(&mut conn).await?;
    let rows = cal
        .years()
        .into_iter()
        .rev()
        .filter_map(|y| cal.year(y).map(|d| (y, d)))
        .map(|(y, d)| YearRow {
            year: y,
            source: match loaded.iter().find(|(ly, _, _)| *ly == i64::from(y)) {
                Some((_, at, by)) => format!(
                    "已载入（{}，{}）",
                    crate::service::review::fmt_time(*at),
                    by
                ),
                None => "随版本发布".into(),
            },
            days: d.days.len(),
            papers: d.papers.join("；"),
        })
        .collect();
    let next = state.today().year() + 1;
    let missing_next = (!cal.years().contains(&next)).then_some(next);
    render(&CalendarPage {
        layout: Layout::new(&state, &staff, None).await?,
        rows,
        missing_next,
    })
}
