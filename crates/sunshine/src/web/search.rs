//! 站内搜索: `/search` (a page) and `/api/v1/search` (JSON), one
//! reading of the parameters for all three. Nothing a person types makes a search fail: an
//! unreadable filter is dropped and the page says so (the API answers 422 naming the field).

use super::error::{AppError, PageError};
use super::frame::{Frame, Visitor};
use super::public::render;
use super::views::crumb;
use super::AppState;
use crate::db::columns::{self, Column};
use crate::db::items::{self, Summary};
use crate::db::units::{self, Unit};
use crate::db::Conn;
use crate::search::query::{Answer, Request, MAX_OFFSET};
use crate::search::SearchError;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use sunshine_core::item::Validity;
use sunshine_core::page::Page;
use sunshine_core::search::{parse, Snippet, MAX_QUERY_CHARS, MAX_WORDS};
use sunshine_core::FieldError;

/// Results on a page of the portal's search.
pub const PAGE_SIZE: usize = 10;

/// The parameters of a search, as given (every one optional, every one text).
#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to look for: words (all required), "a phrase", -excluded, a OR b
    pub q: Option<String>,
    /// Unit code: that unit and the units below it
    pub unit: Option<String>,
    /// Column slug (with unit)
    pub column: Option<String>,
    /// 主题分类, exactly
    pub topic: Option<String>,
    /// Year of publication
    pub year: Option<String>,
    /// 有效性: valid, expired or repealed
    pub validity: Option<String>,
    /// Part of a 发文字号
    pub doc_no: Option<String>,
    /// relevance (the default with words) or newest (the default without)
    pub sort: Option<String>,
    /// Page number, from 1
    pub page: Option<String>,
}

/// The parameters read: the request for the index, what was kept (for links), and what was
/// dropped and why.
pub struct Resolved {
    pub request: Request,
    pub q: String,
    pub unit: Option<Unit>,
    pub column: Option<Column>,
    pub page: usize,
    /// (parameter, value) kept, in a fixed order, for building links.
    pub kept: Vec<(&'static str, String)>,
    pub problems: Vec<FieldError>,
}

/// A parameter's value, trimmed, if it says anything.
pub fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Reads the parameters against the portal's units. Unknown values become problems, never
/// errors.
pub async fn resolve(
    conn: &mut Conn,
    all: &[Unit],
    p: &SearchParams,
    size: usize,
) -> Result<Resolved, AppError> {
    let mut problems = Vec::new();
    let mut kept: Vec<(&'static str, String)> = Vec::new();
    let raw_q = p.q.as_deref().unwrap_or("");
    let parsed = parse(raw_q);
    if parsed.truncated {
        problems.push(FieldError::new(
            "q",
            format!("搜索词太长，只按前 {MAX_QUERY_CHARS} 个字和前 {MAX_WORDS} 个词查找"),
        ));
    }
    if parsed.is_empty() && !parsed.none.is_empty() {
        problems.push(FieldError::new(
            "q",
            "只写了要排除的词（前面带 - 的词），请再写上要找的词",
        ));
    }
    let q: String = raw_q
        .chars()
        .take(MAX_QUERY_CHARS)
        .filter(|c| !c.is_control())
        .collect();
    let q = q.trim().to_string();
    if !q.is_empty() {
        kept.push(("q", q.clone()));
    }
    let mut request = Request {
        parsed,
        limit: size,
        ..Request::default()
    };
    let mut unit = None;
    if let Some(code) = given(&p.unit) {
        let found = all.iter().find(|u| u.code == code).cloned();
        match found {
            Some(u) => {
                request.unit = Some(u.id);
                kept.push(("unit", u.code.clone()));
                unit = Some(u);
            }
            None => problems.push(FieldError::new(
                "unit",
                format!("没有代码为“{}”的单位，已在全部单位中查找", clip(code)),
            )),
        }
    }
    let mut column = None;
    if let Some(slug) = given(&p.column) {
        match &unit {
            Some(u) => match columns::by_slug(conn, u.id, slug)
                .await?
                .filter(|c| !c.hidden.is_set())
            {
                Some(c) => {
                    request.column = Some(c.id);
                    kept.push(("column", c.slug.clone()));
                    column = Some(c);
                }
                None => problems.push(FieldError::new(
                    "column",
                    format!(
                        "{}没有栏目“{}”，已在该单位全部栏目中查找",
                        u.name,
                        clip(slug)
                    ),
                )),
            },
            None => problems.push(FieldError::new(
                "column",
                "按栏目查找须先选定单位，已在全部栏目中查找",
            )),
        }
    }
    if let Some(topic) = given(&p.topic) {
        let topic = clip(topic);
        request.topic = Some(topic.clone());
        kept.push(("topic", topic));
    }
    if let Some(year) = given(&p.year) {
        match year
            .parse::<i32>()
            .ok()
            .filter(|y| (1949..=2100).contains(y))
        {
            Some(y) => {
                request.year = Some(y);
                kept.push(("year", y.to_string()));
            }
            None => problems.push(FieldError::new(
                "year",
                format!("“{}”不是年份（如 2017），已按全部年份查找", clip(year)),
            )),
        }
    }
    if let Some(v) = given(&p.validity) {
        match Validity::parse(v).or_else(|| Validity::ALL.into_iter().find(|x| x.label() == v)) {
            Some(v) => {
                request.validity = Some(v);
                kept.push(("validity", v.as_str().to_string()));
            }
            None => problems.push(FieldError::new(
                "validity",
                "有效性只能选 有效、失效 或 废止，已不限有效性",
            )),
        }
    }
    if let Some(no) = given(&p.doc_no) {
        let no = clip(no);
        if no.chars().any(sunshine_core::search::is_word_char) {
            request.doc_no = Some(no.clone());
            kept.push(("doc_no", no));
        } else {
            problems.push(FieldError::new(
                "doc_no",
                "发文字号里没有文字或数字（如 禄政发〔2017〕12号），已不限发文字号",
            ));
        }
    }
    let default_order = request.parsed.is_empty();
    request.newest = match given(&p.sort) {
        None => default_order,
        Some(chosen @ ("newest" | "relevance")) => {
            kept.push(("sort", chosen.to_string()));
            chosen == "newest"
        }
        Some(_) => {
            problems.push(FieldError::new(
                "sort",
                "排序方式只能选 按相关度 或 按时间，已按默认顺序排序",
            ));
            default_order
        }
    };
    let raw_page = p.page.as_deref().map(str::trim);
    let page = match Page::parse(raw_page, size as u32) {
        Some(page) if page.offset() as usize <= MAX_OFFSET => page.number as usize,
        // A whole number, only too far: say how far one may go.
        too_far
            if too_far.is_some()
                || raw_page.is_some_and(|s| s.parse::<u64>().is_ok_and(|n| n > 0)) =>
        {
            problems.push(FieldError::new(
                "page",
                format!(
                    "最多翻到第 {} 页，请加上条件缩小范围",
                    MAX_OFFSET / size + 1
                ),
            ));
            1
        }
        _ => {
            problems.push(FieldError::new(
                "page",
                "页码应为不小于 1 的整数，已显示第 1 页",
            ));
            1
        }
    };
    request.offset = (page - 1) * size;
    Ok(Resolved {
        request,
        q,
        unit,
        column,
        page,
        kept,
        problems,
    })
}

/// At most 50 characters of a filter value (what the page echoes back).
fn clip(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(50).collect()
}

impl Resolved {
    /// `/search?...` with the kept parameters, one replaced or dropped (`None`), page reset.
    pub fn href(&self, path: &str, key: &str, value: Option<&str>) -> String {
        let mut pairs: Vec<(&str, &str)> = self
            .kept
            .iter()
            .filter(|(k, _)| *k != key && !(key == "unit" && *k == "column"))
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        if let Some(v) = value {
            pairs.push((key, v));
        }
        link(path, &pairs)
    }

    /// The current search at another page.
    pub fn page_href(&self, page: usize) -> String {
        let number = page.to_string();
        self.href("/search", "page", (page > 1).then_some(number.as_str()))
    }
}

fn link(path: &str, pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return path.to_string();
    }
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    format!("{path}?{}", s.finish())
}

/// A result, read from the database (the index gives ids and snippets).
pub struct Found {
    pub item: Summary,
    pub snippet: Snippet,
}

pub struct Outcome {
    pub answer: Answer,
    pub found: Vec<Found>,
    pub units: HashMap<i64, Unit>,
}

/// Runs the search and reads its results' lines in one query; `all` names the units of the
/// counts.
pub async fn run(
    app: &AppState,
    r: &Resolved,
    all: Vec<Unit>,
) -> Result<Result<Outcome, (u64, u64)>, AppError> {
    let answer = match app.search.search(r.request.clone()).await {
        Ok(a) => a,
        Err(SearchError::Building(done, total)) => return Ok(Err((done, total))),
        Err(e) => return Err(anyhow::Error::from(e).into()),
    };
    let ids: Vec<i64> = answer.hits.iter().map(|h| h.id).collect();
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let lines = items::public_by_ids(&mut conn, &ids).await?;
    drop(conn);
    let units: HashMap<i64, Unit> = all.into_iter().map(|u| (u.id, u)).collect();
    let found = answer
        .hits
        .iter()
        .filter_map(|h| {
            let item = lines.iter().find(|s| s.id == h.id)?.clone();
            Some(Found {
                item,
                snippet: h.snippet.clone(),
            })
        })
        .collect();
    Ok(Ok(Outcome {
        answer,
        found,
        units,
    }))
}

pub struct FacetLink {
    pub label: String,
    pub count: u64,
    pub href: String,
    pub current: bool,
}

pub struct Chip {
    /// The parameter it stands for.
    pub key: &'static str,
    pub label: String,
    pub remove: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    frame: Frame,
    q: String,
    searched: bool,
    notices: Vec<String>,
    chips: Vec<Chip>,
    hidden: Vec<(&'static str, String)>,
    newest: bool,
    sort_relevance: String,
    sort_newest: String,
    total: usize,
    results: Vec<Found>,
    unit_facets: Vec<FacetLink>,
    year_facets: Vec<FacetLink>,
    prev: Option<String>,
    next: Option<String>,
    page: usize,
    pages: usize,
    /// The number of the page's first result.
    first_number: usize,
    beyond: bool,
    first_page: String,
    suggestions: Vec<(String, String)>,
    building: Option<String>,
}

fn chips(r: &Resolved) -> Vec<Chip> {
    let mut out = Vec::new();
    if let Some(u) = &r.unit {
        out.push(Chip {
            key: "unit",
            label: format!("单位：{}", u.name),
            remove: r.href("/search", "unit", None),
        });
    }
    if let Some(c) = &r.column {
        out.push(Chip {
            key: "column",
            label: format!("栏目：{}", c.name),
            remove: r.href("/search", "column", None),
        });
    }
    for (key, label) in [
        ("topic", "主题分类"),
        ("year", "年份"),
        ("doc_no", "发文字号"),
    ] {
        if let Some((_, v)) = r.kept.iter().find(|(k, _)| *k == key) {
            out.push(Chip {
                key,
                label: format!("{label}：{v}"),
                remove: r.href("/search", key, None),
            });
        }
    }
    if let Some(v) = r.request.validity {
        out.push(Chip {
            key: "validity",
            label: format!("有效性：{}", v.label()),
            remove: r.href("/search", "validity", None),
        });
    }
    out
}

/// What to try when nothing is found: without each filter, everywhere, shorter words.
fn suggestions(r: &Resolved) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = chips(r)
        .into_iter()
        .map(|c| (format!("去掉“{}”再找", c.label), c.remove))
        .collect();
    if r.unit.is_some() && !r.q.is_empty() {
        out.push(("在全部单位中查找".into(), link("/search", &[("q", &r.q)])));
    }
    // Shorter words: what the query's words are made of.
    let mut words: Vec<String> = Vec::new();
    for w in r.request.parsed.all.iter().flatten() {
        for part in crate::search::schema::jieba_words(&w.text) {
            if part.chars().count() >= 2 && part != w.text && !words.contains(&part) {
                words.push(part);
            }
        }
    }
    if r.request.parsed.all.len() > 1 {
        for w in r.request.parsed.all.iter().filter_map(|g| g.first()) {
            if !words.contains(&w.text) {
                words.push(w.text.clone());
            }
        }
    }
    for w in words.into_iter().take(6) {
        out.push((format!("只找“{w}”"), link("/search", &[("q", &w)])));
    }
    out
}

fn facets(r: &Resolved, o: &Outcome) -> (Vec<FacetLink>, Vec<FacetLink>) {
    let units = o
        .answer
        .units
        .iter()
        .filter_map(|(id, n)| {
            let u = o.units.get(id)?;
            Some(FacetLink {
                label: u.name.clone(),
                count: *n,
                href: r.href("/search", "unit", Some(&u.code)),
                current: r.unit.as_ref().is_some_and(|x| x.id == u.id),
            })
        })
        .take(20)
        .collect();
    let mut years: Vec<FacetLink> = o
        .answer
        .years
        .iter()
        .map(|(y, n)| FacetLink {
            label: format!("{y}年"),
            count: *n,
            href: r.href("/search", "year", Some(&y.to_string())),
            current: r.request.year == Some(*y),
        })
        .collect();
    years.sort_by(|a, b| b.label.cmp(&a.label));
    (units, years)
}

/// `GET /search`: the search page. Without words or filters it shows only the form.
pub async fn page(
    state: State<AppState>,
    visitor: Visitor,
    query: Query<SearchParams>,
) -> Result<Response, PageError> {
    super::cache::cached(
        page_of(state, visitor, query).await,
        vec![super::cache::Tag::All],
    )
}

async fn page_of(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(mut p): Query<SearchParams>,
) -> Result<Response, PageError> {
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let all = units::all(&mut conn).await?;
    // On a unit's own site, search is that unit's (and its sub-units') unless another is named.
    let site_unit = visitor.site_unit_in(&all).cloned();
    let asked = [&p.q, &p.column, &p.topic, &p.year, &p.validity, &p.doc_no]
        .into_iter()
        .any(|v| given(v).is_some());
    let mut scoped = false;
    if let (Some(u), None, true) = (&site_unit, given(&p.unit), asked) {
        p.unit = Some(u.code.clone());
        scoped = true;
    }
    let r = resolve(&mut conn, &all, &p, PAGE_SIZE).await?;
    let crumbs = vec![crumb("/", "首页"), crumb("/search", "站内搜索")];
    let mut frame = Frame::of(&mut conn, &visitor, None, crumbs).await?;
    frame.q = r.q.clone();
    if !r.request.is_empty() {
        let feed = r.href("/search.atom", "page", None);
        frame = frame.with_feed(feed, format!("搜索“{}”的结果", r.q));
    }
    drop(conn);
    let searched = !r.request.is_empty();
    let mut page = SearchPage {
        frame,
        first_number: r.request.offset + 1,
        q: r.q.clone(),
        searched,
        notices: r.problems.iter().map(|f| f.message.clone()).collect(),
        // On a unit's own site its scope is the site, not a filter to remove.
        chips: chips(&r)
            .into_iter()
            .filter(|c| !(scoped && c.key == "unit"))
            .collect(),
        hidden: r
            .kept
            .iter()
            .filter(|(k, _)| *k != "q" && *k != "sort")
            .cloned()
            .collect(),
        newest: r.request.newest,
        sort_relevance: r.href("/search", "sort", Some("relevance")),
        sort_newest: r.href("/search", "sort", Some("newest")),
        total: 0,
        results: vec![],
        unit_facets: vec![],
        year_facets: vec![],
        prev: None,
        next: None,
        page: r.page,
        pages: 1,
        beyond: false,
        first_page: r.page_href(1),
        suggestions: vec![],
        building: None,
    };
    if !searched {
        return render(&page);
    }
    match run(&app, &r, all).await? {
        Err((done, total)) => {
            page.building = Some(if total > 0 {
                format!("搜索索引正在建立（已完成 {done} / {total} 条），请稍后再试。")
            } else {
                "搜索索引正在建立，请稍后再试。".into()
            });
            let mut resp = render(&page)?;
            *resp.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            resp.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("10"));
            Ok(resp)
        }
        Ok(o) => {
            page.total = o.answer.total;
            page.pages = Page {
                number: 1,
                size: PAGE_SIZE as u32,
            }
            .count(o.answer.total as i64) as usize;
            page.beyond = o.answer.total > 0 && r.page > page.pages;
            page.prev = (r.page > 1 && !page.beyond).then(|| r.page_href(r.page - 1));
            page.next = (r.page < page.pages && r.page * PAGE_SIZE <= MAX_OFFSET)
                .then(|| r.page_href(r.page + 1));
            let (u, y) = facets(&r, &o);
            page.unit_facets = u;
            page.year_facets = y;
            if o.answer.total == 0 {
                page.suggestions = suggestions(&r);
            }
            page.results = o.found;
            render(&page)
        }
    }
}
