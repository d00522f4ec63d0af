//! What every public page wears: the header with the site's name, a search box and the
//! navigation by the four statutory parts (指南、制度、法定主动公开内容、年报) and 依申请公开; the
//! breadcrumb; the footer from the unit's settings (主办单位, contact, 网站标识码, ICP 备案号,
//! 公网安备, 我为政府网站找错); the visitor's display preferences (大字, 高对比度, kept in a
//! cookie and set by plain links, no JavaScript); and the site-wide mourning mode.

use super::error::AppError;
use super::i18n::{self, Lang};
use super::views::Crumb;
use crate::db::columns;
use crate::db::units::{self, Unit};
use crate::db::Conn;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The cookie that remembers the display preferences.
pub const PREFS_COOKIE: &str = "sunshine_prefs";

/// The visitor's display preferences (适老化).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prefs {
    pub large: bool,
    pub contrast: bool,
    /// The language chosen with the switch (None: as the browser asks).
    pub lang: Option<Lang>,
}

impl Prefs {
    /// Reads the cookie's value (`large`, `contrast`, joined by `-`); anything else is ignored.
    pub fn parse(value: &str) -> Prefs {
        let mut p = Prefs::default();
        for part in value.split(['-', ',']) {
            match part.trim() {
                "large" => p.large = true,
                "contrast" => p.contrast = true,
                "en" => p.lang = Some(Lang::En),
                "zh" => p.lang = Some(Lang::Zh),
                _ => {}
            }
        }
        p
    }

    pub fn value(&self) -> String {
        let mut parts = Vec::new();
        if self.large {
            parts.push("large");
        }
        if self.contrast {
            parts.push("contrast");
        }
        match self.lang {
            Some(Lang::En) => parts.push("en"),
            Some(Lang::Zh) => parts.push("zh"),
            None => {}
        }
        // (A comma is not allowed in a cookie's value.)
        parts.join("-")
    }
}

/// Who is asking, as far as a page's frame cares: their preferences and where they are (for
/// the links that change a preference and come back).
#[derive(Debug, Clone, Default)]
pub struct Visitor {
    pub prefs: Prefs,
    /// The path and query of this page.
    pub here: String,
    /// The host name asked for (normalized), which may be a unit's own site.
    pub host: Option<String>,
    /// The page's language: as chosen, else as the browser asks.
    pub lang: Lang,
}

impl Visitor {
    /// The unit among `all` whose own site this request is for, if the host is one.
    pub fn site_unit_in<'a>(&self, all: &'a [Unit]) -> Option<&'a Unit> {
        let host = self.host.as_deref()?;
        all.iter().find(|u| u.host.as_deref() == Some(host))
    }

    /// The unit whose own site this request is for, if the host is one.
    pub async fn site_unit(&self, conn: &mut Conn) -> Result<Option<Unit>, AppError> {
        Ok(match &self.host {
            Some(h) => units::by_host(conn, h).await?,
            None => None,
        })
    }
}

impl Visitor {
    /// The visitor a request's headers describe (no database needed: the page cache keys on it).
    pub fn of_headers(headers: &axum::http::HeaderMap, uri: &axum::http::Uri) -> Visitor {
        let prefs = cookie(headers, PREFS_COOKIE)
            .map(Prefs::parse)
            .unwrap_or_default();
        let lang = prefs.lang.unwrap_or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(Lang::from_accept)
                .unwrap_or_default()
        });
        Visitor {
            prefs,
            lang,
            here: uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".into()),
            host: headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .and_then(sunshine_core::unit::normalize_host),
        }
    }
}

/// A cookie's value from the request's `Cookie` headers.
pub(crate) fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Visitor::of_headers(&parts.headers, &parts.uri))
    }
}

pub struct NavLink {
    pub href: String,
    pub label: String,
}

/// The footer: who runs the site and the registrations a government site must show.
#[derive(Default)]
pub struct Footer {
    pub host_org: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub site_code: String,
    pub icp_no: String,
    pub police_no: String,
}

impl Footer {
    /// The unit's settings, each empty one taken from the root unit's. Without a 主办单位 set
    /// anywhere, the site's owner is named: `owner` (the unit whose own site this is), else the
    /// city.
    pub fn of(unit: Option<&Unit>, root: Option<&Unit>, owner: Option<&Unit>) -> Footer {
        let pick = |f: fn(&Unit) -> &str| -> String {
            unit.map(f)
                .filter(|v| !v.trim().is_empty())
                .or_else(|| root.map(f))
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        let host = pick(|u| &u.host_org);
        Footer {
            host_org: if host.is_empty() {
                owner
                    .or(root)
                    .or(unit)
                    .map(|u| u.name.clone())
                    .unwrap_or_default()
            } else {
                host
            },
            phone: pick(|u| &u.office_phone),
            email: pick(|u| &u.office_email),
            address: pick(|u| &u.office_address),
            site_code: pick(|u| &u.site_code),
            icp_no: pick(|u| &u.icp_no),
            police_no: pick(|u| &u.police_no),
        }
    }

    /// The national register's page for the 公网安备 number (its digits).
    pub fn police_href(&self) -> String {
        let digits: String = self
            .police_no
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        format!("https://www.beian.gov.cn/portal/registerSystemInfo?recordcode={digits}")
    }

    /// 我为政府网站找错: the State Council's error-report desk, for this site when its code is set.
    pub fn report_error_href(&self) -> String {
        if self.site_code.is_empty() {
            "https://zfwzzc.www.gov.cn/".into()
        } else {
            let code: String =
                url::form_urlencoded::byte_serialize(self.site_code.as_bytes()).collect();
            format!("https://zfwzzc.www.gov.cn/check_web/errorInfo/jcInfoNew?sitecode={code}")
        }
    }
}

/// The frame of a public page.
pub struct Frame {
    pub site: String,
    pub crumbs: Vec<Crumb>,
    pub nav: Vec<NavLink>,
    pub footer: Footer,
    pub mourning: bool,
    pub prefs: Prefs,
    /// The page's address, form-encoded, for the preference links.
    pub back: String,
    /// What the header's search box holds.
    pub q: String,
    /// The Atom feed of what the page lists: its address and title.
    pub feed: (String, String),
    pub lang: Lang,
    /// The catalog of the site (the city's, or the unit's on its own site).
    pub catalog: String,
}

/// The statutory parts in the navigation, by the slug the default template gives them.
const STATUTORY_NAV: [&str; 4] = ["guide", "system", "statutory", "annual-report"];

impl Frame {
    /// The frame of a page about `unit` (or of the whole portal): reads the root unit and the
    /// navigation unit's columns.
    pub async fn of(
        conn: &mut Conn,
        visitor: &Visitor,
        unit: Option<&Unit>,
        crumbs: Vec<Crumb>,
    ) -> Result<Frame, AppError> {
        let id = unit.map(|u| u.id);
        Frame::of_unit_id(conn, visitor, id, crumbs).await
    }

    /// [`Frame::of`] for a page that knows its unit only by id (an item's): the root, the unit
    /// and a host's own unit, each read by its key (never the whole unit tree: an item page at
    /// province size read 2,000 units for three).
    pub async fn of_unit_id(
        conn: &mut Conn,
        visitor: &Visitor,
        unit_id: Option<i64>,
        crumbs: Vec<Crumb>,
    ) -> Result<Frame, AppError> {
        let root = units::root(conn).await?;
        // On a unit's own site, the site is the unit: its name, navigation and footer.
        let site_unit = visitor.site_unit(conn).await?;
        let own = match unit_id {
            Some(id) if root.as_ref().is_some_and(|r| r.id == id) => root.clone(),
            Some(id) => units::by_id(conn, id).await?,
            None => None,
        };
        let unit = own.as_ref().or(site_unit.as_ref());
        let nav_unit = unit.or(root.as_ref());
        let cols = match nav_unit {
            Some(u) => columns::of_unit(conn, u.id).await?,
            None => vec![],
        };
        let mut nav = Vec::new();
        if let Some(u) = nav_unit {
            for slug in STATUTORY_NAV {
                let Some(c) = cols
                    .iter()
                    .find(|c| c.slug == slug && c.parent_id.is_none() && !c.hidden.is_set())
                else {
                    continue;
                };
                let href = if slug == "guide" {
                    format!("/units/{}/guide", u.code)
                } else {
                    format!("/units/{}/columns/{}", u.code, c.slug)
                };
                nav.push(NavLink {
                    href,
                    label: c.name.clone(),
                });
            }
        }
        nav.push(NavLink {
            href: "/apply".into(),
            label: "依申请公开".into(),
        });
        nav.push(NavLink {
            href: match nav_unit {
                Some(u) if unit.is_some() => format!("/units/{}/catalog", u.code),
                _ => "/catalog".into(),
            },
            label: "信息公开目录".into(),
        });
        let now = crate::db::now();
        Ok(Frame {
            site: site_unit
                .as_ref()
                .or(root.as_ref())
                .map(|u| u.name.clone())
                .unwrap_or_else(|| super::public::UNNAMED_SITE.into()),
            crumbs,
            nav,
            footer: Footer::of(unit, root.as_ref(), site_unit.as_ref()),
            mourning: root.as_ref().is_some_and(|r| r.mourning_at(now)),
            prefs: visitor.prefs,
            back: url::form_urlencoded::byte_serialize(visitor.here.as_bytes()).collect(),
            q: String::new(),
            feed: match &site_unit {
                Some(u) => (
                    format!("/units/{}/feed.atom", u.code),
                    "最新公开信息".into(),
                ),
                None => ("/feed.atom".into(), "最新公开信息".into()),
            },
            catalog: match &site_unit {
                Some(u) => format!("/units/{}/catalog", u.code),
                None => "/catalog".into(),
            },
            lang: visitor.lang,
        })
    }

    /// `zh` in the page's language.
    pub fn t<'a>(&self, zh: &'a str) -> &'a str {
        i18n::tr(self.lang, zh)
    }

    /// An official name: Chinese, with its English beside it under English.
    pub fn both(&self, zh: &str) -> String {
        i18n::both(self.lang, zh)
    }

    pub fn en(&self) -> bool {
        self.lang == Lang::En
    }

    /// The page lists what the feed at `href` follows.
    pub fn with_feed(mut self, href: String, title: String) -> Frame {
        self.feed = (href, title);
        self
    }

    /// The classes of the page's root element.
    pub fn classes(&self) -> String {
        let mut c = Vec::new();
        if self.mourning {
            c.push("mourning");
        }
        if self.prefs.large {
            c.push("large");
        }
        if self.prefs.contrast {
            c.push("contrast");
        }
        c.join(" ")
    }
}

#[derive(Deserialize)]
pub struct PrefsQuery {
    lang: Option<String>,
    text: Option<String>,
    contrast: Option<String>,
    back: Option<String>,
}

/// Where a preference link may send the visitor back to: a path on this site, nothing else.
fn local_path(back: Option<&str>) -> &str {
    match back {
        Some(b)
            if b.starts_with('/')
                && !b.starts_with("//")
                && !b.contains('\\')
                && !b.chars().any(char::is_control) =>
        {
            b
        }
        _ => "/",
    }
}

/// `GET /prefs?text=large|standard&contrast=on|off&lang=en|zh&back=/path`: remembers a display
/// preference for a year and returns to the page. (A plain link: it changes nothing but the
/// visitor's own cookie.)
pub async fn set_prefs(visitor: Visitor, Query(q): Query<PrefsQuery>) -> Response {
    let mut prefs = visitor.prefs;
    match q.text.as_deref() {
        Some("large") => prefs.large = true,
        Some("standard") => prefs.large = false,
        _ => {}
    }
    match q.lang.as_deref() {
        Some("en") => prefs.lang = Some(Lang::En),
        Some("zh") => prefs.lang = Some(Lang::Zh),
        _ => {}
    }
    match q.contrast.as_deref() {
        Some("on") => prefs.contrast = true,
        Some("off") => prefs.contrast = false,
        _ => {}
    }
    let value = prefs.value();
    let cookie = if value.is_empty() {
        format!("{PREFS_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly")
    } else {
        format!("{PREFS_COOKIE}={value}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly")
    };
    let mut r = Redirect::to(local_path(q.back.as_deref())).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefs_round_trip_and_ignore_junk() {
        let p = Prefs::parse("large, contrast,<script>");
        assert!(p.large && p.contrast);
        assert_eq!(Prefs::parse(&p.value()), p);
        assert_eq!(Prefs::parse("huge"), Prefs::default());
        assert_eq!(Prefs::default().value(), "");
    }

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(local_path(Some("/units/a?x=1")), "/units/a?x=1");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "", "x"] {
            assert_eq!(local_path(Some(bad)), "/", "{bad}");
        }
        assert_eq!(local_path(None), "/");
    }

    fn blank(name: &str) -> Unit {
        Unit {
            id: 1,
            code: "c".into(),
            name: name.into(),
            kind: "township".into(),
            parent_id: None,
            org_code: "o".into(),
            sort_order: 0,
            office_address: String::new(),
            office_hours: String::new(),
            office_phone: String::new(),
            office_fax: String::new(),
            office_email: String::new(),
            index_pattern: String::new(),
            report_due: String::new(),
            host_org: String::new(),
            site_code: String::new(),
            icp_no: String::new(),
            police_no: String::new(),
            host: None,
            mourning_from: None,
            mourning_until: None,
        }
    }

    #[test]
    fn footer_falls_back_to_the_city() {
        let city = Unit {
            site_code: "5301280001".into(),
            host_org: "禄劝县人民政府办公室".into(),
            police_no: "滇公网安备 53012802000123号".into(),
            office_phone: "0871-1".into(),
            ..blank("禄劝县人民政府")
        };
        let town = blank("妥安乡");
        let f = Footer::of(Some(&town), Some(&city), None);
        assert_eq!(f.site_code, "5301280001");
        assert_eq!(f.host_org, "禄劝县人民政府办公室");
        assert_eq!(f.phone, "0871-1");
        assert!(f.police_href().ends_with("recordcode=53012802000123"));
        assert!(f.report_error_href().ends_with("sitecode=5301280001"));
        let alone = Footer::of(Some(&town), None, None);
        assert_eq!(alone.host_org, "妥安乡");
        let bare_city = blank("禄劝县人民政府");
        assert_eq!(
            Footer::of(Some(&town), Some(&bare_city), None).host_org,
            "禄劝县人民政府"
        );
        // On 妥安乡's own site, even a page of another unit names 妥安乡 as its owner.
        let other = blank("高峰乡");
        assert_eq!(
            Footer::of(Some(&other), Some(&bare_city), Some(&town)).host_org,
            "妥安乡"
        );
        assert_eq!(alone.report_error_href(), "https://zfwzzc.www.gov.cn/");
    }

    #[test]
    fn mourning_follows_its_period() {
        let mut u = blank("n");
        assert!(!u.mourning_at(100));
        u.mourning_from = Some(50);
        assert!(u.mourning_at(100) && !u.mourning_at(49));
        u.mourning_until = Some(100);
        assert!(!u.mourning_at(100) && u.mourning_at(99));
    }
}
