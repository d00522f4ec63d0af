//! The whole route table in one place.

use super::{admin, api, api_applications, apply, public, AppState};
use crate::db::sessions::DbSessionStore;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Request};
use axum::routing::{any, get, post};
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

    let admin_routes = Router::new()
        .route("/admin", get(admin::auth::dashboard))
        .route(
            "/admin/login",
            get(admin::auth::login_form).post(admin::auth::login),
        )
        .route("/admin/logout", post(admin::auth::logout))
        .route(
            "/admin/password",
            get(admin::auth::password_form).post(admin::auth::change_password),
        )
        .route(
            "/admin/units/{code}/items",
            get(admin::items::list).post(admin::items::create),
        )
        .route("/admin/units/{code}/items/new", get(admin::items::new_form))
        .route(
            "/admin/units/{code}/settings",
            get(admin::units::settings_form).post(admin::units::save_settings),
        )
        .route(
            "/admin/units/{code}/columns",
            get(admin::units::columns_page).post(admin::units::add_column),
        )
        .route("/admin/columns/{id}", post(admin::units::save_column))
        .route("/admin/columns/{id}/move", post(admin::units::move_column))
        .route(
            "/admin/items/{id}",
            get(admin::items::edit_form).post(admin::items::update),
        )
        .route("/admin/items/{id}/preview", get(admin::items::preview))
        .route(
            "/admin/items/{id}/review/{action}",
            post(admin::items::review_action),
        )
        .route("/admin/queue", get(admin::items::queue))
        .route("/admin/audit", get(admin::audit::page))
        .route("/admin/applications", get(admin::applications::overview))
        .route("/admin/calendar", get(admin::calendar::page))
        .route("/admin/supervision", get(admin::supervision::page))
        .route("/admin/supervision.csv", get(admin::supervision::csv))
        .route("/admin/units/{code}/reports", get(admin::reports::latest))
        .route(
            "/admin/units/{code}/reports/{year}",
            get(admin::reports::show),
        )
        .route(
            "/admin/units/{code}/reports/{year}/draft",
            post(admin::reports::draft),
        )
        .route(
            "/admin/units/{code}/reports/{year}/download/{format}",
            get(admin::reports::download),
        )
        .route(
            "/admin/units/{code}/reports/{year}/{what}",
            post(admin::reports::save),
        )
        .route("/admin/units/{code}/letters", get(admin::letters::page))
        .route(
            "/admin/units/{code}/letters/templates",
            post(admin::letters::save_template),
        )
        .route(
            "/admin/units/{code}/letters/fee-pause",
            post(admin::letters::save_pause),
        )
        .route(
            "/admin/units/{code}/complaints",
            post(admin::letters::add_complaint),
        )
        .route(
            "/admin/units/{code}/applications",
            get(admin::applications::list).post(admin::applications::register),
        )
        .route(
            "/admin/units/{code}/applications/new",
            get(admin::applications::register_form),
        )
        .route("/admin/applications/{id}", get(admin::applications::show))
        .route(
            "/admin/applications/{id}/reveal",
            post(admin::applications::reveal),
        )
        .route(
            "/admin/applications/{id}/step/{name}",
            post(admin::applications::step),
        )
        .route("/admin/audit.csv", get(admin::audit::export))
        .route(
            "/admin/units/{code}/review-policy",
            get(admin::units::policy_page).post(admin::units::save_policy),
        )
        .route(
            "/admin/items/{id}/attachments",
            post(admin::items::upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/admin/attachments/{id}", get(admin::items::attachment))
        .route(
            "/admin/attachments/{id}/delete",
            post(admin::items::delete_attachment),
        )
        .layer(sessions)
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));

    let api_routes = Router::new()
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/v1/units", get(api::list_units))
        .route("/api/v1/units/{code}/columns", get(api::list_columns))
        .route("/api/v1/items", get(api::list_items).post(api::create_item))
        .route(
            "/api/v1/items/{id}",
            get(api::get_item).put(api::update_item),
        )
        .route("/api/v1/items/{id}/submit", post(api::submit_item))
        .route("/api/v1/items/{id}/approve", post(api::approve_item))
        .route("/api/v1/items/{id}/reject", post(api::reject_item))
        .route("/api/v1/items/{id}/publish", post(api::publish_item))
        .route("/api/v1/items/{id}/withdraw", post(api::withdraw_item))
        .route("/api/v1/items/{id}/override", post(api::override_item))
        .route("/api/v1/items/{id}/importance", post(api::raise_importance))
        .route(
            "/api/v1/items/{id}/consultations",
            post(api::add_consultation),
        )
        .route("/api/v1/items/{id}/mask", post(api::mask_finding))
        .route("/api/v1/items/{id}/review", get(api::get_review))
        .route("/api/v1/reports", get(api::list_reports))
        .route("/api/v1/reports/{unit}/{year}", get(api::get_report))
        .route(
            "/api/v1/applications",
            get(api_applications::list).post(api_applications::create),
        )
        .route("/api/v1/applications/track", get(api_applications::track))
        .route("/api/v1/applications/{id}", get(api_applications::get))
        .route(
            "/api/v1/applications/{id}/id-number",
            get(api_applications::id_number),
        )
        .route(
            "/api/v1/applications/{id}/{step}",
            post(api_applications::step),
        )
        .route("/api/{*rest}", any(api::not_found))
        .layer(axum::middleware::map_response(super::error::json_errors))
        .layer(CatchPanicLayer::custom(api_panic));

    let public_routes = Router::new()
        .route("/", get(public::home))
        .route("/sections/{slug}", get(public::section))
        .route("/units/{code}", get(public::unit))
        .route("/units/{code}/guide", get(public::guide))
        .route("/units/{code}/columns/{slug}", get(public::column))
        .route("/items/{id}", get(public::item))
        .route("/attachments/{id}", get(public::attachment))
        .route("/static/site.css", get(public::stylesheet))
        .route("/static/site.js", get(public::script))
        .route("/healthz", get(public::healthz))
        .route("/apply", get(apply::form).post(apply::submit))
        .route("/apply/receipt", get(apply::receipt))
        .route("/track", get(apply::track_form).post(apply::track))
        .route("/track/letter", post(apply::letter));

    Router::new()
        .merge(public_routes)
        .merge(api_routes)
        .merge(admin_routes)
        .fallback(public::not_found)
        .layer(axum::middleware::from_fn(super::error::page_errors))
        .layer(CatchPanicLayer::custom(page_panic))
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
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
        // (Not written as a literal route: the OpenAPI test reads this file's API routes.)
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
