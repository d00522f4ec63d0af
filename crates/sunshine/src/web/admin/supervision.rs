//! The city's supervision view: for each unit and year, items published per month, the share
//! published within 20 working days of 成文日期 (Art. 26), review turnaround, applications received
//! and overdue, reply times, and the annual report's state; server-rendered SVG charts and CSV.

use super::{Layout, Supervisor};
use crate::db::supervision as sup;
use crate::web::error::{AppError, PageError};
use crate::web::public::render;
use crate::web::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use serde::Deserialize;
use std::collections::HashMap;
use sunshine_core::application::Outcome;
use sunshine_core::item::ItemState;

pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub by_month: [i64; 12],
    pub items: i64,
    pub items_last_year: i64,
    pub timely_pct: String,
    pub review_hours: String,
    pub received: i64,
    pub overdue: i64,
    pub reply_median: String,
    pub reply_avg: String,
    pub reply_fastest: String,
    pub reply_slowest: String,
    pub report_state: String,
}

pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub h: i64,
    pub label: String,
    pub value: i64,
}

pub struct OldCase {
    pub id: i64,
    pub unit: String,
    pub tracking_no: String,
    pub received_on: String,
}

#[derive(Template)]
#[template(path = "admin/supervision_view.html")]
struct View {
    layout: Layout,
    year: i32,
    rows: Vec<UnitRow>,
    month_bars: Vec<Bar>,
    outcome_bars: Vec<(String, i64, i64)>,
    oldest: Vec<OldCase>,
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    year: Option<String>,
}

fn median(v: &mut [i64]) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    Some(v[v.len() / 2])
}

fn opt(v: Option<i64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_else(|| "—".into())
}

/// The figures of the units a supervisor covers (`scope`), for `year`. The rows are read with
/// the connection held and worked out on the CPU pool after it is given back; each kind of row
/// is grouped by unit once (a province has thousands of units and hundreds of thousands of
/// items a year).
async fn gather(
    state: &AppState,
    year: i32,
    scope: &[i64],
) -> Result<(Vec<UnitRow>, Vec<(Outcome, i64)>, Vec<OldCase>), AppError> {
    let today = state.today();
    let (cal, units) = {
        let mut conn = state.db.pool.acquire().await?;
        let cal = crate::db::calendar::effective(&mut conn).await?;
        let units: Vec<_> = crate::db::units::all(&mut conn)
            .await?
            .into_iter()
            .filter(|u| scope.binary_search(&u.id).is_ok())
            .collect();
        (cal, units)
    };
    let ids: Vec<i64> = units.iter().map(|u| u.id).collect();
    // The items, the largest read, on a connection of their own alongside the rest (each read
    // takes one connection and holds no other while it waits for it).
    let items = async {
        let mut conn = state.db.pool.acquire().await?;
        sup::published(&mut conn, &ids, year - 1, year).await
    };
    let rest = async {
        let mut conn = state.db.pool.acquire().await?;
        let events = sup::review_events(&mut conn, &ids, year).await?;
        let apps = sup::cases(&mut conn, &ids, year).await?;
        let reports = sup::report_states(&mut conn, &ids, year).await?;
        Ok::<_, sqlx::Error>((events, apps, reports))
    };
    let (items, rest) = tokio::join!(items, rest);
    let (items, (events, apps, reports)) = (items?, rest?);
    Ok(state
        .cpu
        .run(move || figures(year, today, &cal, &units, &items, &events, &apps, &reports))
        .await?)
}

fn by_unit<T>(rows: &[T], unit: impl Fn(&T) -> i64) -> HashMap<i64, Vec<&T>> {
    let mut out: HashMap<i64, Vec<&T>> = HashMap::new();
    for r in rows {
        out.entry(unit(r)).or_default().push(r);
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn figures(
    year: i32,
    today: chrono::NaiveDate,
    cal: &sunshine_core::calendar::Calendar,
    units: &[crate::db::units::Unit],
    items: &[sup::Published],
    events: &[sup::ReviewEvent],
    apps: &[sup::Case],
    reports: &[sup::ReportState],
) -> (Vec<UnitRow>, Vec<(Outcome, i64)>, Vec<OldCase>) {
    let mut submitted: HashMap<i64, i64> = HashMap::new();
    let mut review: HashMap<i64, Vec<i64>> = HashMap::new();
    for e in events {
        if e.action == "item.submit" {
            submitted.entry(e.item_id).or_insert(e.at);
        } else if let Some(s) = submitted.get(&e.item_id) {
            let published_year = chrono::DateTime::from_timestamp(e.at, 0)
                .map(|t| t.year())
                .unwrap_or(0);
            if published_year == year {
                review.entry(e.unit_id).or_default().push((e.at - s) / 3600);
            }
        }
    }
    let items_of: HashMap<i64, &sup::Published> = items.iter().map(|p| (p.unit_id, p)).collect();
    // Published in time: before the 21st working day after the 成文日期 (Art. 26's 20), found
    // once for each date.
    let mut limits: HashMap<chrono::NaiveDate, chrono::NaiveDate> = HashMap::new();
    let apps_of = by_unit(apps, |a| a.unit_id);
    let reports_of = by_unit(reports, |r| r.unit_id);
    let names: HashMap<i64, &str> = units.iter().map(|u| (u.id, u.name.as_str())).collect();
    let (no_items, no_apps) = (sup::Published::default(), Vec::new());
    let mut outcomes: HashMap<Outcome, i64> = HashMap::new();
    let mut rows = Vec::new();
    for u in units {
        let mut by_month = [0i64; 12];
        let (mut timely, mut dated, mut last_year) = (0, 0, 0);
        for &(p, written) in &items_of.get(&u.id).copied().unwrap_or(&no_items).dates {
            if p.year() == year - 1 {
                last_year += 1;
                continue;
            }
            by_month[p.month0() as usize] += 1;
            if let Some(w) = written {
                dated += 1;
                if p < *limits.entry(w).or_insert_with(|| cal.beyond(w, 20)) {
                    timely += 1;
                }
            }
        }
        let mut replies = Vec::new();
        let (mut received, mut overdue) = (0, 0);
        for sup::Case {
            received_on: rec,
            replied_on: replied,
            due_on: due,
            overdue: od,
            outcome,
            ..
        } in apps_of.get(&u.id).unwrap_or(&no_apps).iter().copied()
        {
            let r = *rec;
            if r.year() == year {
                received += 1;
            }
            // Only what the year holds: a case received later, or concluded before, is not a
            // figure of this year, whatever today's date.
            let (replied_on, due_on) = (*replied, *due);
            let late = sunshine_core::report::late_in_year(year, today, r, due_on, replied_on)
                || (*od && replied_on.is_some_and(|p| p.year() == year));
            if late {
                overdue += 1;
            }
            if let (Some(rep), Some(o)) = (replied_on, outcome) {
                if rep.year() == year {
                    if let Ok(n) = cal.count(r, rep) {
                        replies.push(i64::from(n));
                    }
                    *outcomes.entry(*o).or_insert(0) += 1;
                }
            }
        }
        let avg = (!replies.is_empty()).then(|| replies.iter().sum::<i64>() / replies.len() as i64);
        let (fastest, slowest) = (replies.iter().min().copied(), replies.iter().max().copied());
        let due = u.report_due_on(year);
        let report = reports_of.get(&u.id).and_then(|r| r.first());
        let report_state = match report.map(|r| (r.state, r.published_on)) {
            Some((Some(ItemState::Published), on)) => {
                let late = on.zip(due).is_some_and(|(p, due)| p > due);
                format!("已发布{}", if late { "（逾期）" } else { "" })
            }
            Some((Some(ItemState::InReview | ItemState::Approved), _)) => "审核中".into(),
            Some((Some(_), _)) => "草稿".into(),
            _ => "未开始".into(),
        };
        let report_state =
            if !report_state.starts_with("已发布") && due.is_some_and(|due| today > due) {
                format!("{report_state}（已逾期）")
            } else {
                report_state
            };
        rows.push(UnitRow {
            code: u.code.clone(),
            name: u.name.clone(),
            items: by_month.iter().sum(),
            by_month,
            items_last_year: last_year,
            timely_pct: if dated == 0 {
                "—".into()
            } else {
                format!("{}%", timely * 100 / dated)
            },
            review_hours: opt(review.get_mut(&u.id).and_then(|v| median(v))),
            received,
            overdue,
            reply_median: opt(median(&mut replies.clone())),
            reply_avg: opt(avg),
            reply_fastest: opt(fastest),
            reply_slowest: opt(slowest),
            report_state,
        });
    }
    let end = sunshine_core::report::year_end(year).unwrap_or(today);
    let oldest = apps
        .iter()
        .filter(|a| a.received_on <= end)
        .filter(|a| a.replied_on.is_none_or(|p| p > end))
        .take(10)
        .map(|a| OldCase {
            id: a.id,
            unit: names.get(&a.unit_id).unwrap_or(&"").to_string(),
            tracking_no: a.tracking_no.clone(),
            received_on: a.received_on.to_string(),
        })
        .collect();
    let mut outcome_list: Vec<(Outcome, i64)> = outcomes.into_iter().collect();
    outcome_list.sort_by_key(|(o, n)| (std::cmp::Reverse(*n), o.as_str()));
    (rows, outcome_list, oldest)
}

fn year_of(state: &AppState, q: &YearQuery) -> Result<i32, AppError> {
    match q.year.as_deref() {
        None | Some("") => Ok(state.today().year()),
        Some(y) => y
            .parse()
            .ok()
            .filter(|y| (2008..=2100).contains(y))
            .ok_or_else(|| {
                sunshine_core::FieldError::new(
                    "year",
                    "年份不正确：请选择2008年至2100年之间的年份（《条例》自2008年起施行）。",
                )
                .into()
            }),
    }
}

pub async fn page(
    Supervisor { staff, units }: Supervisor,
    State(state): State<AppState>,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let scope = &units[..];
    let year = year_of(&state, &q)?;
    let (rows, outcomes, oldest) = gather(&state, year, scope).await?;
    let mut months = [0i64; 12];
    for r in &rows {
        for (m, n) in r.by_month.iter().enumerate() {
            months[m] += n;
        }
    }
    let max = months.iter().copied().max().unwrap_or(0).max(1);
    let month_bars = months
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let h = n * 120 / max;
            Bar {
                x: 40 + i as i64 * 50,
                y: 140 - h,
                h,
                label: format!("{}月", i + 1),
                value: *n,
            }
        })
        .collect();
    let total: i64 = outcomes.iter().map(|o| o.1).sum::<i64>().max(1);
    let outcome_bars = outcomes
        .iter()
        .map(|(k, n)| (k.label().to_owned(), *n, n * 400 / total))
        .collect();
    render(&View {
        layout: Layout::new(&state, &staff, None).await?,
        year,
        rows,
        month_bars,
        outcome_bars,
        oldest,
    })
}

pub async fn csv(
    Supervisor { staff: _, units }: Supervisor,
    State(state): State<AppState>,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let scope = &units[..];
    let year = year_of(&state, &q)?;
    let (rows, _, _) = gather(&state, year, scope).await?;
    let mut w = crate::csvout::Writer::new();
    let mut header: Vec<String> = vec!["unit".into(), "name".into()];
    header.extend((1..=12).map(|m| format!("m{m:02}")));
    header.extend(
        [
            "items",
            "items_last_year",
            "timely_pct",
            "review_median_hours",
            "applications_received",
            "overdue",
            "reply_median_wd",
            "reply_avg_wd",
            "reply_fastest_wd",
            "reply_slowest_wd",
            "report_state",
        ]
        .map(String::from),
    );
    w.row(&header);
    for r in rows {
        let mut cells = vec![r.code, r.name];
        cells.extend(r.by_month.iter().map(|n| n.to_string()));
        cells.extend([
            r.items.to_string(),
            r.items_last_year.to_string(),
            r.timely_pct,
            r.review_hours,
            r.received.to_string(),
            r.overdue.to_string(),
            r.reply_median,
            r.reply_avg,
            r.reply_fastest,
            r.reply_slowest,
            r.report_state,
        ]);
        w.row(&cells);
    }
    let out = format!("\u{feff}{}", w.finish());
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"supervision-{year}.csv\""),
            ),
        ],
        out,
    )
        .into_response())
}
