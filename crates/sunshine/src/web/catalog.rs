//! 政府信息公开目录 (Art. 12): every published 主动公开 item with 索引号, 名称, 内容概述, 生成日期,
//! 发布机构, 发文字号, 主题分类 and 有效性, for one unit (`/units/{code}/catalog`, with the units
//! below it) or the whole city (`/catalog`), as a page, `.csv` and `.json`. Filters are the
//! search's (one reading of them, `search::resolve`); sorting and paging are plain links and a
//! GET form, so nothing needs JavaScript. `/topics` lists the 主题分类 in use.

use super::error::{ApiError, AppError, PageError};
use super::frame::{Frame, Visitor};
use super::public::render;
use super::search::{given, resolve, Resolved, SearchParams};
use super::views::{cn_date, crumb, Crumb};
use super::AppState;
use crate::db::catalog::{self, Entry, Filter, Sort, SortKey};
use crate::db::columns::{self, Column};
use crate::db::units::{self, Unit};
use crate::service::Error;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sunshine_core::item::Validity;
use sunshine_core::page::Page;
use sunshine_core::unit::UnitCode;
use sunshine_core::FieldError;

/// Lines on a page of the catalog.
pub const PAGE_SIZE: u32 = 20;
/// Lines in a page of `.json`.
pub const JSON_PAGE_SIZE: u32 = 100;
/// The deepest line a page reaches (narrow the filters to go further, or download the CSV).
pub const MAX_OFFSET: i64 = 10_000;
/// The most lines one CSV download holds.
pub const CSV_MAX: i64 = 50_000;
/// Characters of 内容概述.
const SUMMARY_CHARS: usize = 100;

#[derive(Deserialize, Default, Clone)]
pub struct CatalogParams {
    pub unit: Option<String>,
    pub column: Option<String>,
    pub topic: Option<String>,
    pub year: Option<String>,
    pub validity: Option<String>,
    pub doc_no: Option<String>,
    /// published (default), written, index_no or title
    pub sort: Option<String>,
    /// desc (default) or asc
    pub order: Option<String>,
    pub page: Option<String>,
}

/// A unit and every unit below it, by id.
pub fn subtree_of(all: &[Unit], id: i64) -> Vec<i64> {
    let parents: Vec<(i64, Option<i64>)> = all.iter().map(|u| (u.id, u.parent_id)).collect();
    sunshine_core::policy::subtree(&[id], &parents)
}

/// The parameters read: the filter, the order, the page, and what was dropped and why.
struct Reading {
    resolved: Resolved,
    filter: Filter,
    sort: Sort,
    page: Page,
    /// The unit whose catalog this is, if one.
    unit: Option<Unit>,
    /// The path of this catalog (`/catalog` or `/units/{code}/catalog`).
    base: String,
    problems: Vec<FieldError>,
}

async fn read(
    app: &AppState,
    path_unit: Option<&str>,
    p: &CatalogParams,
    size: u32,
) -> Result<(Reading, Vec<Unit>), AppError> {
    let mut conn = app.db.read().acquire().await?;
    let all = units::all(&mut conn).await?;
    let unit = match path_unit {
        Some(code) => {
            let code = UnitCode::parse(code).map_err(|_| Error::NotFound)?;
            Some(
                all.iter()
                    .find(|u| u.code == code.as_str())
                    .cloned()
                    .ok_or(Error::NotFound)?,
            )
        }
        None => None,
    };
    let sp = SearchParams {
        unit: unit.as_ref().map(|u| u.code.clone()).or(p.unit.clone()),
        column: p.column.clone(),
        topic: p.topic.clone(),
        year: p.year.clone(),
        validity: p.validity.clone(),
        doc_no: p.doc_no.clone(),
        ..SearchParams::default()
    };
    // (The search's page size is not used: the catalog pages by its own.)
    let mut resolved = resolve(&mut conn, &all, &sp, size as usize).await?;
    // A column with the columns under it (法定主动公开内容 holds 政策文件, …).
    let column_ids = match &resolved.column {
        Some(c) => {
            let mut ids = vec![c.id];
            ids.extend(
                columns::of_unit(&mut conn, c.unit_id)
                    .await?
                    .into_iter()
                    .filter(|x| x.parent_id == Some(c.id) && !x.hidden.is_set())
                    .map(|x| x.id),
            );
            Some(ids)
        }
        None => None,
    };
    drop(conn);
    let mut problems = std::mem::take(&mut resolved.problems);
    let filter = Filter {
        units: resolved.request.unit.map(|id| subtree_of(&all, id)),
        columns: column_ids,
        topic: resolved.request.topic.clone(),
        year: resolved.request.year,
        validity: resolved.request.validity,
        doc_no: resolved.request.doc_no.clone(),
    };
    let key = match given(&p.sort) {
        None => SortKey::Published,
        Some(s) => SortKey::parse(s).unwrap_or_else(|| {
            problems.push(FieldError::new(
                "sort",
                "排序方式只能选 发布日期、生成日期、索引号 或 名称，已按发布日期排序",
            ));
            SortKey::Published
        }),
    };
    let ascending = match given(&p.order) {
        None | Some("desc") => false,
        Some("asc") => true,
        Some(_) => {
            problems.push(FieldError::new(
                "order",
                "顺序只能选 从新到旧 或 从旧到新，已按从新到旧排列",
            ));
            false
        }
    };
    let raw_page = p.page.as_deref().map(str::trim);
    let page = match Page::parse(raw_page, size) {
        Some(page) if page.offset() <= MAX_OFFSET => page,
        too_far
            if too_far.is_some()
                || raw_page.is_some_and(|s| s.parse::<u64>().is_ok_and(|n| n > 0)) =>
        {
            problems.push(FieldError::new(
                "page",
                format!(
                    "最多翻到第 {} 页，请按年份、栏目等条件缩小范围，或下载 CSV 查看全部",
                    MAX_OFFSET / i64::from(size) + 1
                ),
            ));
            Page { number: 1, size }
        }
        _ => {
            problems.push(FieldError::new(
                "page",
                "页码应为不小于 1 的整数，已显示第 1 页",
            ));
            Page { number: 1, size }
        }
    };
    let base = match &unit {
        Some(u) => format!("/units/{}/catalog", u.code),
        None => "/catalog".into(),
    };
    Ok((
        Reading {
            resolved,
            filter,
            sort: Sort { key, ascending },
            page,
            unit,
            base,
            problems,
        },
        all,
    ))
}

impl Reading {
    /// The filters kept, as link parameters (the unit only where it is not in the path).
    fn pairs(&self) -> Vec<(&'static str, String)> {
        self.resolved
            .kept
            .iter()
            .filter(|(k, _)| !(self.unit.is_some() && *k == "unit"))
            .cloned()
            .collect()
    }

    /// This catalog at `path` (the page, `.csv`, `.json`), with the filters, the given order
    /// and page.
    fn href(&self, path: &str, sort: Option<Sort>, page: u32) -> String {
        self.link(path, self.pairs(), sort.unwrap_or(self.sort), page)
    }

    /// This catalog's first page without the filter `key` (nor a column, without the unit).
    fn without(&self, key: &str) -> String {
        let pairs = self
            .pairs()
            .into_iter()
            .filter(|(k, _)| *k != key && !(key == "unit" && *k == "column"))
            .collect();
        self.link(&self.base, pairs, self.sort, 1)
    }

    fn link(
        &self,
        path: &str,
        mut pairs: Vec<(&'static str, String)>,
        sort: Sort,
        page: u32,
    ) -> String {
        if sort.key != SortKey::Published {
            pairs.push(("sort", sort.key.as_str().into()));
        }
        if sort.ascending {
            pairs.push(("order", "asc".into()));
        }
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        if pairs.is_empty() {
            return path.to_string();
        }
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &pairs {
            s.append_pair(k, v);
        }
        format!("{path}?{}", s.finish())
    }
}

/// One line as the page and the downloads show it.
#[derive(Serialize, Clone)]
pub struct Line {
    pub id: i64,
    pub index_no: String,
    pub title: String,
    pub summary: String,
    pub written_on: Option<chrono::NaiveDate>,
    pub published_on: Option<chrono::NaiveDate>,
    pub publisher: String,
    pub doc_no: String,
    pub topic: String,
    pub validity: &'static str,
    pub unit: String,
    pub unit_name: String,
    pub column: String,
    pub column_name: String,
}

impl Line {
    pub fn written(&self) -> String {
        cn_date(self.written_on)
    }
    pub fn published(&self) -> String {
        cn_date(self.published_on)
    }
    pub fn validity_label(&self) -> &'static str {
        Validity::parse(self.validity).map_or("", Validity::label)
    }
}

fn line_of(e: Entry) -> Line {
    Line {
        summary: sunshine_core::html::summary(&e.body_html, SUMMARY_CHARS),
        id: e.id,
        index_no: e.index_no,
        title: e.title,
        written_on: e.written_on,
        published_on: e.published_on,
        publisher: e.publisher,
        doc_no: e.doc_no,
        topic: e.topic,
        validity: e.validity.as_str(),
        unit: e.unit_code,
        unit_name: e.unit_name,
        column: e.column_slug,
        column_name: e.column_name,
    }
}

/// The lines of entries, their 内容概述 taken from the bodies on the CPU pool.
async fn lines(app: &AppState, entries: Vec<Entry>) -> Result<Vec<Line>, AppError> {
    app.cpu
        .run(move || entries.into_iter().map(line_of).collect())
        .await
        .map_err(|e| Error::Internal(e.into()).into())
}

/// A sortable column's heading: its link and its current state.
pub struct Heading {
    pub label: &'static str,
    pub href: String,
    /// `ascending`/`descending` when the catalog is sorted by it.
    pub aria: &'static str,
}

pub struct Option_ {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "catalog.html")]
struct CatalogPage {
    frame: Frame,
    /// The unit whose catalog this is (empty for the city's).
    unit_name: String,
    base: String,
    /// Units to choose from (the city-wide catalog only).
    units: Vec<Option_>,
    /// Columns to choose from (a unit's catalog only).
    columns: Vec<Option_>,
    topic: String,
    year: String,
    doc_no: String,
    validities: Vec<Option_>,
    sorts: Vec<Option_>,
    ascending: bool,
    notices: Vec<String>,
    headings: Vec<Heading>,
    lines: Vec<Line>,
    total: String,
    page: u32,
    pages: u32,
    prev: Option<String>,
    next: Option<String>,
    csv: String,
    json: String,
    csv_capped: bool,
    csv_max: i64,
    clear: String,
    chips: Vec<(String, String)>,
}

impl CatalogPage {
    fn heading(&self) -> String {
        let name = self.frame.both("政府信息公开目录");
        match (self.unit_name.is_empty(), self.frame.en()) {
            (true, _) => name,
            (false, true) => format!("{} {name}", self.unit_name),
            (false, false) => format!("{}{name}", self.unit_name),
        }
    }
}

fn kept<'a>(r: &'a Reading, key: &str) -> &'a str {
    r.resolved
        .kept
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("", |(_, v)| v.as_str())
}

fn sort_label(k: SortKey) -> &'static str {
    match k {
        SortKey::Published => "发布日期",
        SortKey::Written => "生成日期",
        SortKey::IndexNo => "索引号",
        SortKey::Title => "名称",
    }
}

/// The filters in force, each with the link that drops it.
fn chips(r: &Reading) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if r.unit.is_none() {
        if let Some(u) = &r.resolved.unit {
            out.push((format!("单位：{}", u.name), r.without("unit")));
        }
    }
    if let Some(c) = &r.resolved.column {
        out.push((format!("栏目：{}", c.name), r.without("column")));
    }
    for (key, label) in [
        ("topic", "主题分类"),
        ("year", "年份"),
        ("doc_no", "发文字号"),
    ] {
        let v = kept(r, key);
        if !v.is_empty() {
            out.push((format!("{label}：{v}"), r.without(key)));
        }
    }
    if let Some(v) = r.filter.validity {
        out.push((format!("有效性：{}", v.label()), r.without("validity")));
    }
    out
}

async fn page_of(
    app: AppState,
    visitor: Visitor,
    path_unit: Option<String>,
    p: CatalogParams,
) -> Result<Response, PageError> {
    let (r, all) = read(&app, path_unit.as_deref(), &p, PAGE_SIZE).await?;
    let mut r = r;
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let total = catalog::count(&mut conn, &r.filter).await?;
    let pages = r.page.count(total.shown);
    if r.page.number > pages {
        r.problems.push(FieldError::new(
            "page",
            format!(
                "第 {} 页超出了目录的范围（共 {pages} 页），已显示第 1 页",
                r.page.number
            ),
        ));
        r.page.number = 1;
    }
    let entries = catalog::page(&mut conn, &r.filter, r.sort, r.page).await?;
    let cols: Vec<Column> = match &r.unit {
        Some(u) => columns::of_unit(&mut conn, u.id)
            .await?
            .into_iter()
            .filter(|c| !c.hidden.is_set())
            .collect(),
        None => vec![],
    };
    let mut crumbs: Vec<Crumb> = vec![crumb("/", "首页")];
    if let Some(u) = &r.unit {
        let s = u.kind().section();
        crumbs.push(crumb(format!("/sections/{}", s.slug()), s.label()));
        crumbs.push(crumb(format!("/units/{}", u.code), &u.name));
    }
    crumbs.push(crumb(r.base.clone(), "政府信息公开目录"));
    let frame = Frame::of(&mut conn, &visitor, r.unit.as_ref(), crumbs).await?;
    drop(conn);
    let lines = lines(&app, entries).await?;
    let chosen_unit = r.resolved.unit.as_ref().map(|u| u.id);
    let chosen_column = r.resolved.column.as_ref().map(|c| c.id);
    let headings = [
        SortKey::IndexNo,
        SortKey::Title,
        SortKey::Written,
        SortKey::Published,
    ]
    .into_iter()
    .map(|key| {
        let current = r.sort.key == key;
        // A click on the current column turns its order round; on another, newest (or Z) first
        // for dates, A first for names and numbers.
        let ascending = if current {
            !r.sort.ascending
        } else {
            matches!(key, SortKey::IndexNo | SortKey::Title)
        };
        Heading {
            label: sort_label(key),
            href: r.href(&r.base, Some(Sort { key, ascending }), 1),
            aria: match (current, r.sort.ascending) {
                (false, _) => "",
                (true, true) => "ascending",
                (true, false) => "descending",
            },
        }
    })
    .collect();
    let mut notices: Vec<String> = r.problems.iter().map(|f| f.message.clone()).collect();
    if total.more {
        notices.push(format!(
            "共 {} 条以上；CSV 每次最多导出 {CSV_MAX} 条，条目更多时请按年份等条件分次下载",
            total.shown
        ));
    }
    render(&CatalogPage {
        frame,
        unit_name: r.unit.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
        base: r.base.clone(),
        units: if r.unit.is_some() {
            vec![]
        } else {
            all.iter()
                .map(|u| Option_ {
                    value: u.code.clone(),
                    label: u.name.clone(),
                    selected: chosen_unit == Some(u.id),
                })
                .collect()
        },
        columns: cols
            .iter()
            .map(|c| Option_ {
                value: c.slug.clone(),
                label: if c.parent_id.is_some() {
                    format!("　{}", c.name)
                } else {
                    c.name.clone()
                },
                selected: chosen_column == Some(c.id),
            })
            .collect(),
        topic: kept(&r, "topic").into(),
        year: kept(&r, "year").into(),
        doc_no: kept(&r, "doc_no").into(),
        validities: Validity::ALL
            .into_iter()
            .map(|v| Option_ {
                value: v.as_str().into(),
                label: v.label().into(),
                selected: r.filter.validity == Some(v),
            })
            .collect(),
        sorts: SortKey::ALL
            .into_iter()
            .map(|k| Option_ {
                value: k.as_str().into(),
                label: sort_label(k).into(),
                selected: r.sort.key == k,
            })
            .collect(),
        ascending: r.sort.ascending,
        notices,
        headings,
        lines,
        total: total.to_string(),
        page: r.page.number,
        pages,
        prev: (r.page.number > 1).then(|| r.href(&r.base, None, r.page.number - 1)),
        next: (r.page.number < pages
            && i64::from(r.page.number) * i64::from(PAGE_SIZE) <= MAX_OFFSET)
            .then(|| r.href(&r.base, None, r.page.number + 1)),
        csv: r.href(&format!("{}.csv", r.base), None, 1),
        json: r.href(&format!("{}.json", r.base), None, 1),
        csv_capped: total.more,
        csv_max: CSV_MAX,
        clear: r.base.clone(),
        chips: chips(&r),
    })
}

/// `GET /catalog`: the whole city's catalog.
pub async fn city(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(p): Query<CatalogParams>,
) -> Result<Response, PageError> {
    super::cache::cached(
        page_of(app, visitor, None, p).await,
        vec![super::cache::Tag::All],
    )
}

/// `GET /units/{code}/catalog`: a unit's catalog (with the units below it).
pub async fn of_unit(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(code): Path<String>,
    Query(p): Query<CatalogParams>,
) -> Result<Response, PageError> {
    super::cache::cached(
        page_of(app, visitor, Some(code), p).await,
        vec![super::cache::Tag::All],
    )
}

#[derive(Serialize)]
struct JsonAnswer {
    items: Vec<Line>,
    /// Counted up to 10,000; `total_exact` is false when there are more.
    total: i64,
    total_exact: bool,
    page: u32,
    pages: u32,
}

async fn json_of(
    app: AppState,
    path_unit: Option<String>,
    p: CatalogParams,
) -> Result<Response, ApiError> {
    let (r, _) = read(&app, path_unit.as_deref(), &p, JSON_PAGE_SIZE).await?;
    if !r.problems.is_empty() {
        return Err(AppError::from(Error::Invalid(r.problems)).into());
    }
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let total = catalog::count(&mut conn, &r.filter).await?;
    let pages = r.page.count(total.shown);
    let entries = if r.page.number <= pages {
        catalog::page(&mut conn, &r.filter, r.sort, r.page).await?
    } else {
        vec![]
    };
    drop(conn);
    let answer = JsonAnswer {
        items: lines(&app, entries).await?,
        total: total.shown,
        total_exact: !total.more,
        page: r.page.number,
        pages,
    };
    let body =
        serde_json::to_string(&answer).map_err(|e| AppError::from(Error::Internal(e.into())))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=60"),
        ],
        body,
    )
        .into_response())
}

pub async fn city_json(
    State(app): State<AppState>,
    Query(p): Query<CatalogParams>,
) -> Result<Response, ApiError> {
    super::cache::cached(json_of(app, None, p).await, vec![super::cache::Tag::All])
}

pub async fn unit_json(
    State(app): State<AppState>,
    Path(code): Path<String>,
    Query(p): Query<CatalogParams>,
) -> Result<Response, ApiError> {
    super::cache::cached(
        json_of(app, Some(code), p).await,
        vec![super::cache::Tag::All],
    )
}

/// The CSV: every line the filters leave (up to [`CSV_MAX`]), read a thousand at a time, each
/// batch's 内容概述 made on the CPU pool with no connection held.
async fn csv_of(
    app: AppState,
    path_unit: Option<String>,
    p: CatalogParams,
) -> Result<Response, PageError> {
    let (r, _) = read(&app, path_unit.as_deref(), &p, 1000).await?;
    if !r.problems.is_empty() {
        return Err(AppError::from(Error::Invalid(r.problems)).into());
    }
    let base = app.config.base_url();
    let mut w = crate::csvout::Writer::new();
    w.row([
        "索引号",
        "名称",
        "内容概述",
        "生成日期",
        "发布日期",
        "发布机构",
        "发文字号",
        "主题分类",
        "有效性",
        "单位",
        "栏目",
        "网址",
    ]);
    let mut number = 1;
    loop {
        let page = Page { number, size: 1000 };
        if page.offset() >= CSV_MAX {
            break;
        }
        let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
        let entries = catalog::page(&mut conn, &r.filter, r.sort, page).await?;
        drop(conn);
        let done = entries.len() < 1000;
        let base = base.clone();
        w = app
            .cpu
            .run(move || {
                let day =
                    |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
                for l in entries.into_iter().map(line_of) {
                    w.row([
                        l.index_no.as_str(),
                        &l.title,
                        &l.summary,
                        &day(l.written_on),
                        &day(l.published_on),
                        &l.publisher,
                        &l.doc_no,
                        &l.topic,
                        l.validity_label(),
                        &l.unit_name,
                        &l.column_name,
                        &format!("{base}/items/{}", l.id),
                    ]);
                }
                w
            })
            .await
            .map_err(|e| AppError::from(Error::Internal(e.into())))?;
        if done {
            break;
        }
        number += 1;
    }
    let name = match &r.unit {
        Some(u) => format!("{}-政府信息公开目录.csv", u.name),
        None => "政府信息公开目录.csv".into(),
    };
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let mut body = String::from("\u{feff}");
    body.push_str(&w.finish());
    let mut resp = ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"catalog.csv\"; filename*=UTF-8''{encoded}"
    )) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

pub async fn city_csv(
    State(app): State<AppState>,
    Query(p): Query<CatalogParams>,
) -> Result<Response, PageError> {
    csv_of(app, None, p).await
}

pub async fn unit_csv(
    State(app): State<AppState>,
    Path(code): Path<String>,
    Query(p): Query<CatalogParams>,
) -> Result<Response, PageError> {
    csv_of(app, Some(code), p).await
}

#[derive(Template)]
#[template(path = "topics.html")]
struct TopicsPage {
    frame: Frame,
    topics: Vec<(String, i64, String)>,
}

/// `GET /topics`: browse by 主题分类, each with how many items it holds, into the catalog.
pub async fn topics(State(app): State<AppState>, visitor: Visitor) -> Result<Response, PageError> {
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let found = catalog::topics(&mut conn, None).await?;
    let crumbs = vec![crumb("/", "首页"), crumb("/topics", "按主题浏览")];
    let frame = Frame::of(&mut conn, &visitor, None, crumbs).await?;
    render(&TopicsPage {
        frame,
        topics: found
            .into_iter()
            .map(|(t, n)| {
                let href = format!(
                    "/catalog?{}",
                    url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("topic", &t)
                        .finish()
                );
                (t, n, href)
            })
            .collect(),
    })
}
