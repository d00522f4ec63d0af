//! Atom feeds (RFC 4287), so that journalists, citizens and the province's aggregation can
//! follow what is published: the whole portal (`/feed.atom`), a unit with the units below it
//! (`/units/{code}/feed.atom`), a column (`/units/{code}/columns/{slug}/feed.atom`) and a
//! search (`/search.atom?q=`, newest first). Every address in a feed is absolute, from the
//! portal's public address.

use super::error::{AppError, PageError};
use super::search::{resolve, run, SearchParams};
use super::AppState;
use crate::db::catalog::{self, Entry, Filter, Sort};
use crate::db::columns;
use crate::db::units;
use crate::service::Error;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{FixedOffset, NaiveDate, TimeZone};
use sunshine_core::page::Page;
use sunshine_core::unit::UnitCode;

/// Entries in a feed: the latest.
pub const FEED_SIZE: u32 = 20;

pub struct FeedEntry {
    pub href: String,
    pub title: String,
    pub summary: String,
    pub published: String,
    pub updated: String,
    pub author: String,
    pub category: String,
}

#[derive(Template)]
#[template(path = "feed.xml", escape = "html")]
struct Feed {
    title: String,
    self_href: String,
    page_href: String,
    updated: String,
    author: String,
    entries: Vec<FeedEntry>,
}

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"))
}

fn day_start(d: Option<NaiveDate>) -> i64 {
    d.and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| china().from_local_datetime(&t).single())
        .map_or(0, |t| t.timestamp())
}

fn rfc3339(t: i64) -> String {
    china()
        .timestamp_opt(t, 0)
        .single()
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
        .unwrap_or_else(|| "1970-01-01T08:00:00+08:00".into())
}

/// When a feed last changed: its latest entry's update (now, for an empty feed).
fn latest(entries: &[FeedEntry]) -> String {
    entries
        .iter()
        .map(|e| e.updated.clone())
        .max()
        .unwrap_or_else(|| rfc3339(crate::db::now()))
}

/// Text as XML 1.0 may carry it: control characters other than tab and line ends dropped.
fn xml_safe(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

fn respond(mut feed: Feed) -> Result<Response, PageError> {
    feed.title = xml_safe(&feed.title);
    for e in &mut feed.entries {
        e.title = xml_safe(&e.title);
        e.summary = xml_safe(&e.summary);
        e.author = xml_safe(&e.author);
        e.category = xml_safe(&e.category);
    }
    let xml = feed.render().map_err(|e| Error::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/atom+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        xml,
    )
        .into_response())
}

/// The feed of the latest items a catalog filter leaves.
async fn of_filter(
    app: &AppState,
    filter: Filter,
    title: String,
    path: String,
    page_path: String,
) -> Result<Response, PageError> {
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let entries: Vec<Entry> = catalog::page(
        &mut conn,
        &filter,
        Sort::default(),
        Page {
            number: 1,
            size: FEED_SIZE,
        },
    )
    .await?;
    let author = super::public::site_name_of(&mut conn).await?;
    drop(conn);
    let base = app.config.base_url();
    let base2 = base.clone();
    let entries = app
        .cpu
        .run(move || {
            entries
                .into_iter()
                .map(|e| {
                    let published = day_start(e.published_on);
                    FeedEntry {
                        href: format!("{base2}/items/{}", e.id),
                        summary: sunshine_core::html::summary(&e.body_html, 200),
                        published: rfc3339(published),
                        updated: rfc3339(e.updated_at.max(published)),
                        author: if e.publisher.trim().is_empty() {
                            e.unit_name.clone()
                        } else {
                            e.publisher.clone()
                        },
                        category: e.column_name,
                        title: e.title,
                    }
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    respond(Feed {
        updated: latest(&entries),
        title,
        self_href: format!("{base}{path}"),
        page_href: format!("{base}{page_path}"),
        author,
        entries,
    })
}

/// `GET /feed.atom`: the latest published items of the whole portal.
pub async fn city(State(app): State<AppState>) -> Result<Response, PageError> {
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let site = super::public::site_name_of(&mut conn).await?;
    drop(conn);
    of_filter(
        &app,
        Filter::default(),
        format!("{site} · 最新公开信息"),
        "/feed.atom".into(),
        "/".into(),
    )
    .await
}

async fn unit_of(app: &AppState, code: &str) -> Result<(units::Unit, Vec<i64>), AppError> {
    let code = UnitCode::parse(code).map_err(|_| Error::NotFound)?;
    let mut conn = app.db.read().acquire().await?;
    let all = units::all(&mut conn).await?;
    let unit = all
        .iter()
        .find(|u| u.code == code.as_str())
        .cloned()
        .ok_or(Error::NotFound)?;
    let ids = super::catalog::subtree_of(&all, unit.id);
    Ok((unit, ids))
}

/// `GET /units/{code}/feed.atom`: a unit's latest (with the units below it).
pub async fn unit(
    State(app): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let (unit, ids) = unit_of(&app, &code).await?;
    of_filter(
        &app,
        Filter {
            units: Some(ids),
            ..Filter::default()
        },
        format!("{} · 政府信息公开", unit.name),
        format!("/units/{}/feed.atom", unit.code),
        format!("/units/{}", unit.code),
    )
    .await
}

/// `GET /units/{code}/columns/{slug}/feed.atom`: a column's latest.
pub async fn column(
    State(app): State<AppState>,
    Path((code, slug)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (unit, _) = unit_of(&app, &code).await?;
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let column = columns::by_slug(&mut conn, unit.id, &slug)
        .await?
        .filter(|c| !c.hidden.is_set())
        .ok_or(Error::NotFound)?;
    drop(conn);
    of_filter(
        &app,
        Filter {
            units: Some(vec![unit.id]),
            columns: Some(vec![column.id]),
            ..Filter::default()
        },
        format!("{} · {}", unit.name, column.name),
        format!("/units/{}/columns/{}/feed.atom", unit.code, column.slug),
        format!("/units/{}/columns/{}", unit.code, column.slug),
    )
    .await
}

/// `GET /search.atom?q=…`: a search's newest results (the search's parameters; the order is
/// always newest first, the page always the first).
pub async fn search(
    State(app): State<AppState>,
    Query(mut p): Query<SearchParams>,
) -> Result<Response, PageError> {
    p.sort = Some("newest".into());
    p.page = None;
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let all = units::all(&mut conn).await?;
    let r = resolve(&mut conn, &all, &p, FEED_SIZE as usize).await?;
    let site = super::public::site_name_of(&mut conn).await?;
    drop(conn);
    if !r.problems.is_empty() {
        return Err(Error::Invalid(r.problems).into());
    }
    if r.request.is_empty() {
        return Err(Error::Invalid(vec![sunshine_core::FieldError::new(
            "q",
            "请写上要订阅的搜索词，如 /search.atom?q=保密审查",
        )])
        .into());
    }
    let outcome = match run(&app, &r, all).await? {
        Ok(o) => o,
        Err(_) => {
            let mut resp = (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "10")],
                "搜索索引正在建立，请稍后再试。",
            )
                .into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            return Ok(resp);
        }
    };
    let base = app.config.base_url();
    let entries: Vec<FeedEntry> = outcome
        .found
        .iter()
        .map(|f| {
            let t = rfc3339(day_start(f.item.published_on));
            FeedEntry {
                href: format!("{base}/items/{}", f.item.id),
                title: f.item.title.clone(),
                summary: f.snippet.text.clone(),
                published: t.clone(),
                updated: t,
                author: f.item.unit_name.clone(),
                category: f.item.column_name.clone(),
            }
        })
        .collect();
    let query = r.href("/search", "page", None);
    let query = query.strip_prefix("/search").unwrap_or("");
    respond(Feed {
        updated: latest(&entries),
        title: format!("{site} · 搜索“{}”", r.q),
        self_href: format!("{base}/search.atom{query}"),
        page_href: format!("{base}/search{query}"),
        author: site,
        entries,
    })
}
