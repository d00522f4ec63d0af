//! The route table: the public pages, the back office (each route with the right its handler
//! declares) and the API (its routes and their description come from `web::api::routes`).

use super::admin::Right;
use super::api;
use super::{admin, apply, catalog, feed, frame, public, search, site, AppState};
use crate::db::sessions::DbSessionStore;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::{header, HeaderName, HeaderValue, Request};
use axum::routing::{any, get, post, MethodRouter};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// Form bodies (an item's rich text included) up to this size; uploads have their own limit.
const FORM_LIMIT: usize = 4 * 1024 * 1024;

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
    object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// A handler that panicked answers a clear 500 in the client's language; the panic's message
/// (which may quote the input) is neither shown nor logged.
fn internal() -> super::error::AppError {
    super::error::Error::Internal(anyhow::anyhow!("a handler panicked")).into()
}

fn api_panic(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    axum::response::IntoResponse::into_response(super::error::ApiError(internal()))
}

fn page_panic(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    axum::response::IntoResponse::into_response(super::error::PageError(internal()))
}

/// A back-office route as the route table declares it: the right is read from the type of
/// the handler's first argument (see `web::admin::rights`).
#[derive(Debug, Clone)]
pub struct Declared {
    pub method: &'static str,
    pub path: &'static str,
    pub right: String,
}

/// The handler argument lists whose first argument is a right.
pub trait Declares {
    fn right() -> String;
}

macro_rules! declares {
    ($($t:ident),*) => {
        impl<M, R: Right, $($t,)*> Declares for (M, R, $($t,)*) {
            fn right() -> String {
                R::describe()
            }
        }
    };
}
declares!();
declares!(A);
declares!(A, B);
declares!(A, B, C);
declares!(A, B, C, D);
declares!(A, B, C, D, E);

/// The back-office routes and what each requires. A handler whose first argument is not a
/// right ([`Right`]) does not compile here.
pub struct StaffRoutes {
    router: Router<AppState>,
    pub table: Vec<Declared>,
}

impl StaffRoutes {
    fn add<T: Declares>(
        mut self,
        method: &'static str,
        path: &'static str,
        route: MethodRouter<AppState>,
    ) -> Self {
        self.table.push(Declared {
            method,
            path,
            right: T::right(),
        });
        self.router = self.router.route(path, route);
        self
    }

    fn get<H, T>(self, path: &'static str, h: H) -> Self
    where
        H: Handler<T, AppState>,
        T: Declares + 'static,
    {
        self.add::<T>("GET", path, get(h))
    }

    fn post<H, T>(self, path: &'static str, h: H) -> Self
    where
        H: Handler<T, AppState>,
        T: Declares + 'static,
    {
        self.add::<T>("POST", path, post(h))
    }

    /// A POST with its own body limit (uploads).
    fn post_up_to<H, T>(self, path: &'static str, h: H, limit: usize) -> Self
    where
        H: Handler<T, AppState>,
        T: Declares + 'static,
    {
        self.add::<T>("POST", path, post(h).layer(DefaultBodyLimit::max(limit)))
    }
}

/// What each back-office route requires, as the route table declares it.
pub fn staff_rights() -> Vec<Declared> {
    staff_routes(0).table
}

/// Every route under `/admin`, with the right its handler requires.
pub fn staff_routes(upload_limit: usize) -> StaffRoutes {
    use admin::{
        accounts, applications as apps, audit, auth, calendar, items, letters, reports,
        supervision, units,
    };
    StaffRoutes {
        router: Router::new(),
        table: Vec::new(),
    }
    .get("/admin", auth::dashboard)
    .get("/admin/login", auth::login_form)
    .post("/admin/login", auth::login)
    .post("/admin/logout", auth::logout)
    .get("/admin/password", auth::password_form)
    .post("/admin/password", auth::change_password)
    .get("/admin/units/{code}/items", items::list)
    .post("/admin/units/{code}/items", items::create)
    .get("/admin/units/{code}/items/new", items::new_form)
    .get("/admin/units/{code}/settings", units::settings_form)
    .post("/admin/units/{code}/settings", units::save_settings)
    .get("/admin/units/{code}/columns", units::columns_page)
    .post("/admin/units/{code}/columns", units::add_column)
    .post("/admin/columns/{id}", units::save_column)
    .post("/admin/columns/{id}/move", units::move_column)
    .get("/admin/items/{id}", items::edit_form)
    .post("/admin/items/{id}", items::update)
    .get("/admin/items/{id}/preview", items::preview)
    .post("/admin/items/{id}/review/{action}", items::review_action)
    .get("/admin/queue", items::queue)
    .get("/admin/audit", audit::page)
    .get("/admin/audit.csv", audit::export)
    .get("/admin/applications", apps::overview)
    .get("/admin/calendar", calendar::page)
    .get("/admin/supervision", supervision::page)
    .get("/admin/supervision.csv", supervision::csv)
    .get("/admin/units/{code}/reports", reports::latest)
    .get("/admin/units/{code}/reports/{year}", reports::show)
    .post("/admin/units/{code}/reports/{year}/draft", reports::draft)
    .get(
        "/admin/units/{code}/reports/{year}/download/{format}",
        reports::download,
    )
    .post("/admin/units/{code}/reports/{year}/{what}", reports::save)
    .get("/admin/units/{code}/letters", letters::page)
    .post(
        "/admin/units/{code}/letters/templates",
        letters::save_template,
    )
    .post("/admin/units/{code}/letters/fee-pause", letters::save_pause)
    .post("/admin/units/{code}/complaints", letters::add_complaint)
    .get("/admin/units/{code}/applications", apps::list)
    .post("/admin/units/{code}/applications", apps::register)
    .get("/admin/units/{code}/applications/new", apps::register_form)
    .get("/admin/applications/{id}", apps::show)
    .post("/admin/applications/{id}/reveal", apps::reveal)
    .post("/admin/applications/{id}/proof", apps::view_proof)
    .post("/admin/applications/{id}/step/{name}", apps::step)
    .get("/admin/units/{code}/users", accounts::list)
    .post("/admin/units/{code}/users", accounts::create)
    .post("/admin/units/{code}/users/roles", accounts::roles)
    .post("/admin/units/{code}/users/status", accounts::status)
    .post("/admin/units/{code}/users/reset", accounts::reset)
    .get("/admin/units/{code}/review-policy", units::policy_page)
    .post("/admin/units/{code}/review-policy", units::save_policy)
    .post("/admin/units/{code}/mourning", units::save_mourning)
    .post_up_to("/admin/items/{id}/attachments", items::upload, upload_limit)
    .get("/admin/attachments/{id}", items::attachment)
    .post("/admin/attachments/{id}/delete", items::delete_attachment)
}

/// The security headers every answer carries (where a handler did not set its own).
pub fn security_headers(h: &mut axum::http::HeaderMap) {
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ),
    ] {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
}

pub fn router(state: AppState) -> Router {
    let cfg = &state.config;
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name(admin::SESSION_COOKIE)
        .with_path("/admin")
        .with_secure(cfg.cookie_secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            cfg.session_idle_minutes,
        )));
    let upload_limit = usize::try_from(cfg.max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);

    let admin_routes = staff_routes(upload_limit).router.layer(sessions).layer(
        SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ),
    );

    let (described, _) = api::routes().split_for_parts();
    let api_routes = described
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/{*rest}", any(api::not_found))
        .layer(axum::middleware::map_response(super::error::json_errors))
        .layer(CatchPanicLayer::custom(api_panic));

    let public_routes = Router::new()
        .route("/", get(public::home))
        .route("/sections/{slug}", get(public::section))
        .route("/units/{code}", get(public::unit))
        .route("/units/{code}/guide", get(public::guide))
        .route("/units/{code}/catalog", get(catalog::of_unit))
        .route("/units/{code}/catalog.csv", get(catalog::unit_csv))
        .route("/units/{code}/catalog.json", get(catalog::unit_json))
        .route("/catalog", get(catalog::city))
        .route("/catalog.csv", get(catalog::city_csv))
        .route("/catalog.json", get(catalog::city_json))
        .route("/topics", get(catalog::topics))
        .route("/feed.atom", get(feed::city))
        .route("/units/{code}/feed.atom", get(feed::unit))
        .route("/units/{code}/columns/{slug}/feed.atom", get(feed::column))
        .route("/search.atom", get(feed::search))
        .route("/prefs", get(frame::set_prefs))
        .route("/units/{code}/columns/{slug}", get(public::column))
        .route("/items/{id}", get(public::item))
        .route("/attachments/{id}", get(public::attachment))
        .route("/static/site.css", get(public::stylesheet))
        .route("/static/site.js", get(public::script))
        .route("/static/favicon.svg", get(site::icon))
        .route("/favicon.ico", get(site::favicon))
        .route("/robots.txt", get(site::robots))
        .route("/open-data", get(public::open_data))
        .route("/search", get(search::page))
        .route("/sitemap.xml", get(site::index))
        .route("/sitemap-units.xml", get(site::units_page))
        .route("/sitemap-items-{file}", get(site::items_page))
        .route("/healthz", get(public::healthz))
        .route(
            "/apply",
            get(apply::form)
                .post(apply::submit)
                .layer(DefaultBodyLimit::max(apply::BODY_LIMIT)),
        )
        .route("/apply/receipt", get(apply::receipt))
        .route("/track", get(apply::track_form).post(apply::track))
        .route("/track/letter", post(apply::letter));

    Router::new()
        .merge(public_routes)
        .merge(api_routes)
        .merge(admin_routes)
        .fallback(public::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), super::cache::layer))
        .layer(axum::middleware::from_fn(super::error::page_errors))
        .layer(CatchPanicLayer::custom(page_panic))
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
        .layer(axum::middleware::map_response(
            |mut r: axum::response::Response| async move {
                security_headers(r.headers_mut());
                r
            },
        ))
        // Spans carry the method and path only: query strings may hold access codes.
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
        }))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    async fn answer(app: Router, path: &str) -> (u16, String, String) {
        let r = app
            .oneshot(
                Request::builder()
                    .uri(path)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = r.status().as_u16();
        let ct = r.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        (status, ct, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn a_panic_answers_a_clear_500_and_shows_no_input() {
        async fn boom() -> &'static str {
            let input = String::from("１２３４５６ secret-input");
            let _ = &input[..4];
            "unreachable"
        }
        // (A route outside the described API router, as a handler that panics would be.)
        let boom_path = ["/api", "v1", "boom"].join("/");
        let api = Router::new()
            .route(&boom_path, get(boom))
            .layer(CatchPanicLayer::custom(api_panic));
        let app = Router::new()
            .route("/boom", get(boom))
            .merge(api)
            .layer(CatchPanicLayer::custom(page_panic));
        let (s, ct, body) = answer(app.clone(), &boom_path).await;
        assert_eq!(s, 500);
        assert!(ct.starts_with("application/json"), "{ct}");
        assert!(
            body.contains("\"internal\"") && !body.contains("secret"),
            "{body}"
        );
        let (s, ct, body) = answer(app, "/boom").await;
        assert_eq!(s, 500);
        assert!(ct.starts_with("text/html"), "{ct}");
        assert!(
            body.contains("服务器内部错误") && !body.contains("secret"),
            "{body}"
        );
    }
}
