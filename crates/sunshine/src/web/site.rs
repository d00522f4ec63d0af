//! What search engines and browsers ask of a site besides its pages: `robots.txt`, the sitemap
//! (an index of bounded pages, so it stays small at a province's size) and the icon. Absolute
//! addresses come from the `public_url` setting.

use super::error::{AppError, PageError};
use super::AppState;
use crate::db::{columns, items, units};
use crate::service::Error;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use std::fmt::Write;

/// Items per sitemap page, by id range (the protocol allows 50,000 addresses a file).
pub const ITEMS_PER_PAGE: i64 = 10_000;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn xml(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// `GET /robots.txt`: the portal is open to crawlers; the back office and the API are not pages.
pub async fn robots(State(app): State<AppState>) -> Response {
    let base = app.config.base_url();
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        format!(
            "User-agent: *\nDisallow: /admin\nDisallow: /api/\nDisallow: /track\nDisallow: /prefs\nAllow: /\n\nSitemap: {base}/sitemap.xml\n"
        ),
    )
        .into_response()
}

/// `GET /sitemap.xml`: the index of the sitemap's pages: the units and columns, then the items
/// by id range.
pub async fn index(State(app): State<AppState>) -> Result<Response, PageError> {
    let base = escape(&app.config.base_url());
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let max = items::max_id(&mut conn).await?;
    let pages = (max + ITEMS_PER_PAGE - 1) / ITEMS_PER_PAGE;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let _ = writeln!(
        out,
        "<sitemap><loc>{base}/sitemap-units.xml</loc></sitemap>"
    );
    for n in 1..=pages {
        let _ = writeln!(
            out,
            "<sitemap><loc>{base}/sitemap-items-{n}.xml</loc></sitemap>"
        );
    }
    out.push_str("</sitemapindex>\n");
    Ok(xml(out))
}

fn url(out: &mut String, loc: &str, lastmod: Option<&str>) {
    let _ = match lastmod {
        Some(d) => writeln!(
            out,
            "<url><loc>{loc}</loc><lastmod>{}</lastmod></url>",
            escape(d)
        ),
        None => writeln!(out, "<url><loc>{loc}</loc></url>"),
    };
}

fn urlset(body: String) -> Response {
    xml(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n{body}</urlset>\n"
    ))
}

/// `GET /sitemap-units.xml`: the home page, the sections, every unit with its guide and its
/// visible columns (two queries whatever the number of units).
pub async fn units_page(State(app): State<AppState>) -> Result<Response, PageError> {
    let base = escape(&app.config.base_url());
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let all = units::all(&mut conn).await?;
    let cols = columns::all_visible(&mut conn).await?;
    let mut out = String::new();
    url(&mut out, &format!("{base}/"), None);
    // The sections the home page shows: those with units.
    let mut sections: Vec<&str> = all.iter().map(|u| u.kind().section().slug()).collect();
    sections.sort_unstable();
    sections.dedup();
    for s in sections {
        url(&mut out, &format!("{base}/sections/{s}"), None);
    }
    for u in &all {
        let code = escape(&u.code);
        url(&mut out, &format!("{base}/units/{code}"), None);
        url(&mut out, &format!("{base}/units/{code}/guide"), None);
    }
    for (code, slug) in &cols {
        let (code, slug) = (escape(code), escape(slug));
        url(
            &mut out,
            &format!("{base}/units/{code}/columns/{slug}"),
            None,
        );
    }
    url(&mut out, &format!("{base}/apply"), None);
    url(&mut out, &format!("{base}/open-data"), None);
    Ok(urlset(out))
}

/// `GET /sitemap-items-{n}.xml`: the public items with ids in the n-th range, with the day each
/// was published.
pub async fn items_page(
    State(app): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, PageError> {
    let n: i64 = file
        .strip_suffix(".xml")
        .filter(|n| !n.starts_with(['0', '+']) && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse().ok())
        .filter(|n| *n >= 1)
        .ok_or(Error::NotFound)?;
    let base = escape(&app.config.base_url());
    let mut conn = app.db.read().acquire().await.map_err(AppError::from)?;
    let max = items::max_id(&mut conn).await?;
    if n > (max + ITEMS_PER_PAGE - 1) / ITEMS_PER_PAGE {
        return Err(Error::NotFound.into());
    }
    let rows =
        items::public_in_range(&mut conn, (n - 1) * ITEMS_PER_PAGE, n * ITEMS_PER_PAGE).await?;
    let mut out = String::new();
    for (id, published_on) in rows {
        url(
            &mut out,
            &format!("{base}/items/{id}"),
            published_on.as_deref(),
        );
    }
    Ok(urlset(out))
}

/// The site's icon: a sun over the portal's initial, as an SVG every current browser shows.
pub async fn icon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=604800"),
        ],
        include_str!("../../static/favicon.svg"),
    )
        .into_response()
}

/// `GET /favicon.ico`, which browsers ask for by habit: the SVG icon.
pub async fn favicon() -> Redirect {
    Redirect::permanent("/static/favicon.svg")
}
