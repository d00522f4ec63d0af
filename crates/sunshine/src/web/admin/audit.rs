//! The audit log for supervisors (everything) and unit administrators (their units).

use super::{Auditor, Layout, Staff};
use crate::db::audit;
use crate::web::error::{AppError, PageError};
use crate::web::public::render;
use crate::web::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// Which entries the user may read: those of the units they supervise (a supervisor grant
/// covers its unit and the units below it) and of the units they administer; entries of no unit
/// (sign-ins, calendar loads) only for a supervisor of the city itself.
fn scope(staff: &Staff, units: Vec<i64>) -> audit::Scope {
    audit::Scope {
        units,
        system: staff.grants.city_wide,
    }
}

pub struct Row {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub ip: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    layout: Layout,
    rows: Vec<Row>,
    all: bool,
}

pub async fn page(
    Auditor { staff, units }: Auditor,
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    let scope = scope(&staff, units);
    let mut conn = state.db.pool.acquire().await.map_err(AppError::from)?;
    let entries = audit::list(&mut conn, Some(&scope), 300).await?;
    let units = crate::db::units::all(&mut conn).await?;
    drop(conn);
    let unit_name = |code: &str| {
        units
            .iter()
            .find(|u| u.code == code)
            .map(|u| u.name.clone())
    };
    use super::words;
    let rows = entries
        .into_iter()
        .map(|e| Row {
            seq: e.seq,
            at: crate::service::review::fmt_time(e.at),
            actor: words::actor(&e.actor).to_owned(),
            ip: words::address(&e.ip).to_owned(),
            action: words::action(&e.action).to_owned(),
            target: words::target(&e.target, unit_name).into_owned(),
            detail: words::detail(&e.detail).into_owned(),
        })
        .collect();
    render(&AuditPage {
        layout: Layout::new(&state, &staff, None).await?,
        rows,
        all: scope.system,
    })
}

/// CSV export; the export itself is recorded.
pub async fn export(
    Auditor { staff, units }: Auditor,
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    let scope = scope(&staff, units);
    let mut tx = state.db.begin().await?;
    let entries = audit::list(&mut tx, Some(&scope), i64::MAX).await?;
    audit::append(
        &mut tx,
        &audit::Entry {
            actor_id: Some(staff.user.id),
            actor: &staff.user.login,
            ip: &staff.ip,
            action: "audit.export",
            detail: format!("{} 条", entries.len()),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"",
            ),
        ],
        format!("\u{feff}{}", audit::to_csv(&entries)),
    )
        .into_response())
}
