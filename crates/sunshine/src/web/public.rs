//! The public portal: server-rendered pages that need no JavaScript and do no writes.
//! Only published 主动公开 items in visible columns appear; everything else is a 404.

use super::cache::{cached, mark, Cacheable, Tag};
use super::error::{AppError, PageError};
use super::extract::parse_id;
use super::frame::{Frame, Visitor};
use super::views::{cn_date, crumb, file_size, Crumb, Pager};
use super::AppState;
use crate::db::columns::Column;
use crate::db::items::{self, Filter, Item, Summary};
use crate::db::units::{self, Unit};
use crate::db::{attachments, columns, Conn};
use crate::service::Error;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use sunshine_core::page::Page;
use sunshine_core::unit::{Section, UnitCode};

pub const PAGE_SIZE: u32 = 20;

pub fn render(t: &impl Template) -> Result<Response, PageError> {
    let html = t.render().map_err(|e| Error::Internal(e.into()))?;
    let mut r = Html(html).into_response();
    // Pages differ by language and display preferences (the cookie) and caches must know it.
    r.headers_mut().insert(
        header::VARY,
        axum::http::HeaderValue::from_static("Accept-Language, Cookie"),
    );
    Ok(r)
}

fn cached_all(r: Result<Response, PageError>) -> Result<Response, PageError> {
    cached(r, vec![Tag::All])
}

/// What the portal is called before any unit exists.
pub const UNNAMED_SITE: &str = "政府信息公开平台";

/// The portal's name: the root unit's (the city government's).
pub fn site_name(units: &[Unit]) -> String {
    units
        .iter()
        .find(|u| u.parent_id.is_none())
        .map(|u| u.name.clone())
        .unwrap_or_else(|| UNNAMED_SITE.into())
}

pub async fn site_name_of(conn: &mut Conn) -> Result<String, AppError> {
    Ok(units::root(conn)
        .await?
        .map(|u| u.name)
        .unwrap_or_else(|| UNNAMED_SITE.into()))
}

pub struct SectionView {
    pub label: &'static str,
    pub slug: &'static str,
    pub units: Vec<Unit>,
    /// How many units the section has in all (the home page shows the first [`HOME_UNITS`]).
    pub total: usize,
}

/// Units shown in each section of the home page; the section's own page lists them all (a
/// province has a thousand townships).
pub const HOME_UNITS: usize = 60;

fn sections(units: &[Unit]) -> Vec<SectionView> {
    [Section::City, Section::Townships, Section::Departments]
        .into_iter()
        .map(|s| {
            let units: Vec<Unit> = units
                .iter()
                .filter(|u| u.kind().section() == s)
                .cloned()
                .collect();
            SectionView {
                label: s.label(),
                slug: s.slug(),
                total: units.len(),
                units,
            }
        })
        .filter(|s| !s.units.is_empty())
        .collect()
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    frame: Frame,
    sections: Vec<SectionView>,
    latest: Vec<Summary>,
}

pub async fn home(State(app): State<AppState>, visitor: Visitor) -> Result<Response, PageError> {
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    // A unit's own host name: its home page is the unit's.
    if let Some(unit) = visitor.site_unit(&mut conn).await? {
        return unit_page(conn, &visitor, unit).await;
    }
    let all = units::all(&mut conn).await?;
    let latest = items::latest_public(
        &mut conn,
        Filter::default(),
        Page {
            number: 1,
            size: 12,
        },
    )
    .await?;
    cached(
        render(&HomePage {
            frame: Frame::of(&mut conn, &visitor, None, vec![]).await?,
            sections: sections(&all)
                .into_iter()
                .map(|mut s| {
                    s.units.truncate(HOME_UNITS);
                    s
                })
                .collect(),
            latest,
        }),
        vec![Tag::All],
    )
}

#[derive(Template)]
#[template(path = "open_data.html")]
struct OpenDataPage {
    frame: Frame,
    base: String,
    example_unit: String,
    example_unit_name: String,
    example_item: Option<i64>,
    last_year: i32,
}

/// `GET /open-data` (开放数据): what the portal offers as data, in which formats, and how to
/// read it, with examples at the portal's own address (the OpenAPI document is for programs).
pub async fn open_data(
    State(app): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let all = units::all(&mut conn).await?;
    let latest =
        items::latest_public(&mut conn, Filter::default(), Page { number: 1, size: 1 }).await?;
    let example = latest.first();
    let unit = example
        .map(|s| (s.unit_code.clone(), s.unit_name.clone()))
        .or_else(|| all.first().map(|u| (u.code.clone(), u.name.clone())))
        .unwrap_or_default();
    let crumbs = vec![crumb("/", "首页"), crumb("/open-data", "开放数据")];
    cached_all(render(&OpenDataPage {
        frame: Frame::of(&mut conn, &visitor, None, crumbs).await?,
        base: app.config.base_url(),
        example_unit: unit.0,
        example_unit_name: unit.1,
        example_item: example.map(|s| s.id),
        last_year: chrono::Datelike::year(&app.today()) - 1,
    }))
}

#[derive(Template)]
#[template(path = "section.html")]
struct SectionPage {
    frame: Frame,
    section: SectionView,
}

pub async fn section(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let all = units::all(&mut conn).await?;
    let section = sections(&all)
        .into_iter()
        .find(|s| s.slug == slug)
        .ok_or(Error::NotFound)?;
    let crumbs = vec![
        crumb("/", "首页"),
        crumb(format!("/sections/{}", section.slug), section.label),
    ];
    cached(
        render(&SectionPage {
            frame: Frame::of(&mut conn, &visitor, None, crumbs).await?,
            section,
        }),
        vec![Tag::All],
    )
}

/// A unit's public page finds the unit by code, or 404 for a malformed or unknown code.
async fn find_unit(conn: &mut Conn, code: &str) -> Result<Unit, Error> {
    let code = UnitCode::parse(code).map_err(|_| Error::NotFound)?;
    units::by_code(conn, code.as_str())
        .await?
        .ok_or(Error::NotFound)
}

fn unit_crumbs(unit: &Unit) -> Vec<Crumb> {
    let s = unit.kind().section();
    vec![
        crumb("/", "首页"),
        crumb(format!("/sections/{}", s.slug()), s.label()),
        crumb(format!("/units/{}", unit.code), &unit.name),
    ]
}

pub struct ColumnBlock {
    pub column: Column,
    pub items: Vec<Summary>,
    pub children: Vec<ColumnBlock>,
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    frame: Frame,
    unit: Unit,
    blocks: Vec<ColumnBlock>,
}

pub async fn unit(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let unit = find_unit(&mut conn, &code).await?;
    unit_page(conn, &visitor, unit).await
}

async fn unit_page(
    mut conn: sqlx::pool::PoolConnection<sqlx::Any>,
    visitor: &Visitor,
    unit: Unit,
) -> Result<Response, PageError> {
    let cols: Vec<Column> = columns::of_unit(&mut conn, unit.id)
        .await?
        .into_iter()
        .filter(|c| !c.hidden.is_set())
        .collect();
    let ids: Vec<i64> = cols.iter().map(|c| c.id).collect();
    let mut latest = items::latest_by_column(&mut conn, &ids, 5).await?;
    let mut take = |id: i64| -> Vec<Summary> {
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut latest)
            .into_iter()
            .partition(|(c, _)| *c == id);
        latest = rest;
        mine.into_iter().map(|(_, s)| s).collect()
    };
    let mut blocks = Vec::new();
    for top in cols.iter().filter(|c| c.parent_id.is_none()) {
        let children = cols
            .iter()
            .filter(|c| c.parent_id == Some(top.id))
            .map(|c| ColumnBlock {
                column: c.clone(),
                items: take(c.id),
                children: vec![],
            })
            .collect();
        blocks.push(ColumnBlock {
            column: top.clone(),
            items: take(top.id),
            children,
        });
    }
    let frame = Frame::of(&mut conn, visitor, Some(&unit), unit_crumbs(&unit))
        .await?
        .with_feed(
            format!("/units/{}/feed.atom", unit.code),
            format!("{}最新公开信息", unit.name),
        );
    let tags = vec![Tag::Unit(unit.id)];
    cached(
        render(&UnitPage {
            frame,
            unit,
            blocks,
        }),
        tags,
    )
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "column.html")]
struct ColumnPage {
    frame: Frame,
    unit: Unit,
    column: Column,
    children: Vec<Column>,
    items: Vec<Summary>,
    pager: Pager,
}

pub async fn column(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((code, slug)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    let page = Page::parse(q.page.as_deref(), PAGE_SIZE).ok_or(Error::NotFound)?;
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let unit = find_unit(&mut conn, &code).await?;
    let column = columns::by_slug(&mut conn, unit.id, &slug)
        .await?
        .filter(|c| !c.hidden.is_set())
        .ok_or(Error::NotFound)?;
    let children = columns::of_unit(&mut conn, unit.id)
        .await?
        .into_iter()
        .filter(|c| c.parent_id == Some(column.id) && !c.hidden.is_set())
        .collect();
    let (list, total) = items::list_public(
        &mut conn,
        Filter {
            unit_id: Some(unit.id),
            column_id: Some(column.id),
        },
        page,
    )
    .await?;
    let pager = Pager {
        current: page.number,
        pages: page.count(total.shown),
        total: total.to_string(),
        base: format!("/units/{}/columns/{}", unit.code, column.slug),
    };
    if page.number > pager.pages {
        return Err(Error::NotFound.into());
    }
    let mut crumbs = unit_crumbs(&unit);
    crumbs.push(crumb(pager.base.clone(), &column.name));
    let frame = Frame::of(&mut conn, &visitor, Some(&unit), crumbs)
        .await?
        .with_feed(
            format!("{}/feed.atom", pager.base),
            format!("“{}”栏目", column.name),
        );
    let tags = vec![Tag::Unit(unit.id)];
    cached(
        render(&ColumnPage {
            frame,
            unit,
            column,
            children,
            items: list,
            pager,
        }),
        tags,
    )
}

pub struct AttachmentView {
    pub id: i64,
    pub name: String,
    pub size: String,
}

#[derive(Template)]
#[template(path = "item.html")]
pub struct ItemPage {
    pub frame: Frame,
    pub item: Item,
    pub date: String,
    pub written: String,
    pub published: String,
    pub validity: &'static str,
    pub hits: i64,
    pub attachments: Vec<AttachmentView>,
    pub prev: Option<Summary>,
    pub next: Option<Summary>,
    pub preview: bool,
    pub meta: ArticleMeta,
}

/// What an item page says of itself in its head: its address, a description, and the meta tags
/// of the national standard for government sites (网站名称、域名、栏目、标题、发布时间、来源).
pub struct ArticleMeta {
    pub canonical: String,
    pub description: String,
    pub domain: String,
    pub pub_date: String,
    pub source: String,
}

impl ArticleMeta {
    /// `public_url`: the portal's public address; without one, no canonical address or domain
    /// is claimed (the bind address is no address for the public).
    pub fn of(public_url: &str, item: &Item) -> ArticleMeta {
        let domain = url::Url::parse(public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        ArticleMeta {
            canonical: if public_url.is_empty() {
                String::new()
            } else {
                format!("{public_url}/items/{}", item.id)
            },
            description: sunshine_core::html::summary(&item.body_html, 120),
            domain,
            pub_date: item.published(),
            source: if item.source.trim().is_empty() {
                item.publisher.clone()
            } else {
                item.source.clone()
            },
        }
    }
}

/// Builds the item page (shared with the back office's preview).
pub async fn item_page(
    conn: &mut Conn,
    visitor: &Visitor,
    public_url: &str,
    item: Item,
    hits: i64,
    preview: bool,
) -> Result<ItemPage, AppError> {
    let meta = ArticleMeta::of(public_url, &item);
    let atts = attachments::of_item(conn, item.id).await?;
    let (prev, next) = if preview {
        (None, None)
    } else {
        items::neighbours(conn, &item).await?
    };
    let section = item.unit_kind.section();
    let crumbs = vec![
        crumb("/", "首页"),
        crumb(format!("/sections/{}", section.slug()), section.label()),
        crumb(format!("/units/{}", item.unit_code), &item.unit_name),
        crumb(
            format!("/units/{}/columns/{}", item.unit_code, item.column_slug),
            &item.column_name,
        ),
    ];
    Ok(ItemPage {
        frame: Frame::of_unit_id(conn, visitor, Some(item.unit_id), crumbs).await?,
        date: cn_date(item.published_on),
        written: cn_date(item.written_on),
        published: cn_date(item.published_on),
        validity: item.validity.label(),
        hits,
        attachments: atts
            .into_iter()
            .map(|a| AttachmentView {
                id: a.id,
                name: a.file_name,
                size: file_size(a.size_bytes),
            })
            .collect(),
        prev,
        next,
        preview,
        meta,
        item,
    })
}

pub async fn item(
    State(app): State<AppState>,
    visitor: Visitor,
    method: axum::http::Method,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let Some(item) = items::get_public(&mut conn, id).await? else {
        return Err(not_public(&mut conn, id).await.into());
    };
    // Counted in memory; written in batches (no database write per view).
    let pending = if method == axum::http::Method::HEAD {
        app.clicks.pending(item.id)
    } else {
        app.clicks.hit(item.id)
    };
    let hits = item.hits + pending;
    let public = app.config.public_url.clone();
    let keep = Cacheable {
        tags: vec![Tag::Item(item.id), Tag::Unit(item.unit_id)],
        hits_of: Some(item.id),
    };
    render(&item_page(&mut conn, &visitor, &public, item, hits, false).await?)
        .map(|r| mark(r, keep))
}

/// Why an item is not shown: withdrawn items answer 410 with a notice, anything else 404.
pub async fn not_public(conn: &mut Conn, id: i64) -> Error {
    match items::get_withdrawn(conn, id).await {
        Ok(Some(i)) => {
            let when = i
                .withdrawn_at
                .map(crate::service::review::fmt_time)
                .unwrap_or_default();
            Error::Gone(format!(
                "“{}”（索引号 {}）已于 {} 由{}撤回。",
                i.title,
                i.index_no.unwrap_or_default(),
                when.get(..10).unwrap_or(""),
                i.unit_name
            ))
        }
        Ok(_) => Error::NotFound,
        Err(e) => e.into(),
    }
}

pub async fn attachment(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let att = attachments::get_public(&mut conn, id)
        .await?
        .ok_or(Error::NotFound)?;
    drop(conn);
    let bytes = app.blobs.get(&att.storage_key).await?;
    Ok(download(&att, bytes))
}

/// A download response: stored type, the safe display name, never rendered inline as HTML.
pub fn download(att: &attachments::Attachment, bytes: bytes::Bytes) -> Response {
    let encoded: String = url::form_urlencoded::byte_serialize(att.file_name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let inline = att.mime == "application/pdf" || att.mime.starts_with("image/");
    let disposition = format!(
        "{}; filename=\"attachment.{}\"; filename*=UTF-8''{encoded}",
        if inline { "inline" } else { "attachment" },
        att.file_name.rsplit('.').next().unwrap_or("bin")
    );
    (
        [
            (header::CONTENT_TYPE, att.mime.clone()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "public, max-age=3600".into()),
        ],
        bytes,
    )
        .into_response()
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../static/site.css"),
    )
        .into_response()
}

pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../static/site.js"),
    )
        .into_response()
}

pub async fn not_found() -> PageError {
    PageError::from(Error::NotFound)
}

/// The health check for load balancers: the database answers.
#[utoipa::path(get, path = "/healthz", tag = "public", summary = "Health check: the database answers", responses((status = 200, description = "ok", content_type = "text/plain", body = String), (status = 503, description = "database unavailable", content_type = "text/plain", body = String)))]
pub async fn healthz(State(app): State<AppState>) -> Response {
    if app.db.ping().await {
        (axum::http::StatusCode::OK, "ok").into_response()
    } else {
        (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "database unavailable",
        )
            .into_response()
    }
}

#[derive(Template)]
#[template(path = "guide.html")]
struct GuidePage {
    frame: Frame,
    unit: Unit,
    columns: Vec<Column>,
}

/// 政府信息公开指南 (Art. 12), generated from the unit's live settings and columns so that it is
/// never stale (Art. 53).
pub async fn guide(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let unit = find_unit(&mut conn, &code).await?;
    let columns = columns::of_unit(&mut conn, unit.id)
        .await?
        .into_iter()
        .filter(|c| !c.hidden.is_set())
        .collect();
    let mut crumbs = unit_crumbs(&unit);
    crumbs.push(crumb(
        format!("/units/{}/guide", unit.code),
        "政府信息公开指南",
    ));
    let frame = Frame::of(&mut conn, &visitor, Some(&unit), crumbs).await?;
    let tags = vec![Tag::Unit(unit.id)];
    cached(
        render(&GuidePage {
            frame,
            unit,
            columns,
        }),
        tags,
    )
}
