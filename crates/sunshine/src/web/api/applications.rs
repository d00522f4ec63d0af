//! `/api/v1/applications`: public intake and tracking; staff lists, cases and steps.

use super::{ApiErrorJson, ApiJson, ApiStaff, MaybeStaff};
use crate::db::applications as adb;
use crate::service::applications::{self as svc, Case, StepInput};
use crate::service::Error;
use crate::web::error::{ApiError, AppError};
use crate::web::extract::{parse_id, ClientIp};
use crate::web::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sunshine_core::application::ApplicationInput;
use sunshine_core::application::{ApplicantKind, Outcome, PhaseKey};
use sunshine_core::FieldError;

#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", summary = "File an application (public, rate limited), or register one received offline (staff)", params(("Idempotency-Key" = Option<String>, Header, description = "A repeat with the same key answers the same receipt and files nothing")), request_body = ApplicationInput, responses((status = 201, body = ReceiptJson, description = "The receipt"), (status = 403, body = ApiErrorJson, description = "Not allowed for this unit"), (status = 409, body = ApiErrorJson, description = "The same key with a different request"), (status = 422, body = ApiErrorJson, description = "Fields to correct"), (status = 429, body = ApiErrorJson, description = "Too many applications from this address; try later")), security((), ("bearer" = [])))]
/// Public: files an application (rate limited per address). With a staff token: registers one
/// received in person, by post, fax or e-mail, with its date of receipt (`"on"`).
pub async fn create(
    State(app): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    ClientIp(ip): ClientIp,
    headers: axum::http::HeaderMap,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> Result<Response, ApiError> {
    // `Idempotency-Key`: a repeat of the same request with the same key gets the same receipt
    // and files nothing; the same key with a different request is refused.
    let idem = match headers.get("idempotency-key") {
        None => None,
        Some(v) => {
            let key = v
                .to_str()
                .ok()
                .map(str::trim)
                .filter(|k| (1..=255).contains(&k.len()))
                .ok_or_else(|| {
                    FieldError::new(
                        "Idempotency-Key",
                        "Idempotency-Key 应为1至255个可见字符（例如一个 UUID）",
                    )
                })?;
            let scope = match &staff {
                Some(s) => format!("api:user:{}", s.user_id),
                None => "api:public".to_owned(),
            };
            Some(svc::Idempotency::new(&scope, key, &input))
        }
    };
    let receipt = match &staff {
        Some(s) => svc::register(&app, &s.actor(), &input, idem.as_ref()).await?,
        None => svc::submit_public(&app, &ip, &input, idem.as_ref(), None).await?,
    };
    let body = ReceiptJson {
        id: staff.is_some().then_some(receipt.id),
        state: receipt.state,
        tracking_no: receipt.tracking_no,
        access_code: receipt.access_code,
        received_on: receipt.received_on,
        due_on: receipt.due_on,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// What the applicant keeps: the tracking number and the access code (shown once), the
/// deadline. The record id is given to staff only.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Receipt)]
pub struct ReceiptJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<i64>,
    state: PhaseKey,
    tracking_no: String,
    access_code: String,
    received_on: String,
    due_on: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrackQuery {
    /// 查询号 (tracking number)
    #[param(required = true)]
    no: Option<String>,
    /// 查询码 (access code)
    #[param(required = true)]
    code: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/applications/track", tag = "applications", summary = "Track an application with its tracking number and access code", params(TrackQuery), responses((status = 200, body = svc::Tracking, description = "Its progress and letters"), (status = 403, body = ApiErrorJson, description = "Wrong number or code"), (status = 422, body = ApiErrorJson, description = "Number or code missing")))]
pub async fn track(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Query(q): Query<TrackQuery>,
) -> Result<Json<svc::Tracking>, ApiError> {
    let (Some(no), Some(code)) = (
        q.no.filter(|s| !s.is_empty()),
        q.code.filter(|s| !s.is_empty()),
    ) else {
        return Err(FieldError::new("no", "请提供查询号 no 和查询码 code").into());
    };
    Ok(Json(svc::track(&app, &ip, &no, &code).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Unit code (default: every unit the token reads)
    unit: Option<String>,
    /// A queue (open, due_soon, overdue, paused, awaiting_applicant) or a phase
    state: Option<String>,
}

/// One case in a queue.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CaseLine)]
pub struct Line {
    pub id: i64,
    pub tracking_no: String,
    pub unit: String,
    pub state: PhaseKey,
    pub applicant_kind: ApplicantKind,
    pub applicant_name: String,
    pub id_number: String,
    pub received_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub days_left: Option<i64>,
    pub outcome: Option<Outcome>,
    pub overdue: bool,
}

impl Line {
    pub fn unit_is(&self, code: &str) -> bool {
        self.unit == code
    }
    pub fn days_left_in(&self, r: std::ops::RangeInclusive<i64>) -> bool {
        self.days_left.is_some_and(|n| r.contains(&n))
    }
    pub fn is_overdue(&self) -> bool {
        self.overdue
    }
    pub fn is_paused(&self) -> bool {
        self.state.paused()
    }
    pub fn state_label(&self) -> &'static str {
        self.state.label()
    }
}

pub const STATES: &[&str] = &[
    "open",
    "due_soon",
    "overdue",
    "paused",
    "awaiting_applicant",
    "running",
    "awaiting_correction",
    "consulting",
    "awaiting_fee",
    "replied",
];

/// A queue of the case list: a group of phases, or one phase (the `state` the API takes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    Open,
    DueSoon,
    Overdue,
    Paused,
    AwaitingApplicant,
    Phase(PhaseKey),
}

impl Queue {
    /// One of [`STATES`], or none.
    pub fn parse(s: &str) -> Option<Queue> {
        if !STATES.contains(&s) {
            return None;
        }
        Some(match s {
            "open" => Queue::Open,
            "due_soon" => Queue::DueSoon,
            "overdue" => Queue::Overdue,
            "paused" => Queue::Paused,
            "awaiting_applicant" => Queue::AwaitingApplicant,
            phase => Queue::Phase(PhaseKey::parse(phase)?),
        })
    }
}

#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", summary = "Staff: a unit's applications by queue or phase: open cases soonest deadline first, then replied ones newest first, 500 at most", params(ListQuery), responses((status = 200, body = [Line], description = "The cases"), (status = 401, body = ApiErrorJson, description = "No or bad token"), (status = 403, body = ApiErrorJson, description = "Not your unit"), (status = 422, body = ApiErrorJson, description = "Unknown unit or state")), security(("bearer" = [])))]
/// Staff: a unit's applications (all units for a supervisor without `unit`), by queue or state.
pub async fn list(
    State(app): State<AppState>,
    staff: ApiStaff,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<Line>>, ApiError> {
    let state = match q.state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Queue::parse(s).ok_or_else(|| {
            FieldError::new(
                "state",
                format!("state“{s}”无效，可用：{}", STATES.join("、")),
            )
        })?),
    };
    let lines = queue(&app, &staff.actor(), q.unit.as_deref(), state).await?;
    Ok(Json(lines))
}

/// The lines of a queue, shared with the back office.
pub async fn queue(
    app: &AppState,
    actor: &crate::service::Actor<'_>,
    unit: Option<&str>,
    state: Option<Queue>,
) -> Result<Vec<Line>, AppError> {
    let mut conn = app.db.pool.acquire().await?;
    let units: Option<Vec<i64>> = match unit.filter(|u| !u.is_empty()) {
        Some(code) => {
            let u = crate::db::units::by_code(&mut conn, code)
                .await?
                .ok_or_else(|| FieldError::new("unit", format!("单位“{code}”不存在")))?;
            actor.grants.can_read_unit(u.id)?;
            Some(vec![u.id])
        }
        None => Some(actor.grants.readable_units()),
    };
    let cal = crate::db::calendar::effective(&mut conn).await?;
    let today = app.today();
    // Open cases are few at any time; the replied ones are many years' worth, so only the most
    // recent are listed.
    let units = units.as_deref();
    let mut rows = Vec::new();
    let open = !matches!(state, Some(Queue::Phase(PhaseKey::Replied)));
    if open {
        rows = adb::list(&mut conn, units, adb::Cases::Open, adb::LIST_LIMIT).await?;
    }
    let left = adb::LIST_LIMIT - rows.len() as i64;
    if left > 0 {
        match state {
            None | Some(Queue::Phase(PhaseKey::Replied)) => {
                rows.extend(adb::list(&mut conn, units, adb::Cases::Replied, left).await?);
            }
            Some(Queue::Overdue) => {
                rows.extend(adb::list(&mut conn, units, adb::Cases::RepliedLate, left).await?);
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for a in rows {
        let days_left = a
            .due_on
            .filter(|_| a.phase.clock_runs())
            .and_then(|d| sunshine_core::deadline::days_left_provisional(&cal, d, today).ok());
        let overdue = days_left.is_some_and(|n| n < 0) || a.overdue;
        let keep = match state {
            None => true,
            Some(Queue::Open) => a.phase != PhaseKey::Replied,
            Some(Queue::DueSoon) => days_left.is_some_and(|n| (0..=5).contains(&n)),
            Some(Queue::Overdue) => overdue,
            Some(Queue::Paused) => a.phase.paused(),
            Some(Queue::AwaitingApplicant) => a.phase.awaits_applicant(),
            Some(Queue::Phase(p)) => a.phase == p,
        };
        if keep {
            out.push(Line {
                id: a.id,
                overdue,
                tracking_no: a.tracking_no,
                unit: a.unit_code,
                state: a.phase,
                applicant_kind: a.applicant_kind,
                applicant_name: a.applicant_name,
                id_number: a.id_number_masked,
                received_on: a.received_on,
                due_on: a.due_on,
                days_left,
                outcome: a.outcome,
            });
        }
    }
    Ok(out)
}

#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications", summary = "Staff: one case with its clock, events, letters and remedies", params(("id" = i64, Path, minimum = 1, description = "Application id")), responses((status = 200, body = Case, description = "The case"), (status = 401, body = ApiErrorJson, description = "No or bad token"), (status = 403, body = ApiErrorJson, description = "Not your unit"), (status = 404, body = ApiErrorJson, description = "No such application")), security(("bearer" = [])))]
pub async fn get(
    State(app): State<AppState>,
    staff: ApiStaff,
    Path(id): Path<String>,
) -> Result<Json<Case>, ApiError> {
    let id = parse_id(&id)?;
    Ok(Json(svc::case(&app, &staff.actor(), id).await?))
}

#[utoipa::path(get, path = "/api/v1/applications/{id}/id-number", tag = "applications", summary = "Staff of the handling unit: the applicant's full ID number (each view audited)", params(("id" = i64, Path, minimum = 1, description = "Application id")), responses((status = 200, body = Object, description = "`{\"id_number\": …}`"), (status = 401, body = ApiErrorJson, description = "No or bad token"), (status = 403, body = ApiErrorJson, description = "Not the handling unit"), (status = 404, body = ApiErrorJson, description = "No such application")), security(("bearer" = [])))]
pub async fn id_number(
    State(app): State<AppState>,
    staff: ApiStaff,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = parse_id(&id)?;
    let n = svc::reveal_id(&app, &staff.actor(), id).await?;
    Ok(Json(serde_json::json!({ "id_number": n })))
}

/// A step's JSON body, read into that step's fields: a misshapen field is named with where it
/// is; an empty body is a step with no fields given.
struct Body<'a>(&'a [u8]);

impl sunshine_core::case_step::ReadFields for Body<'_> {
    type Error = FieldError;
    fn read<T: serde::de::DeserializeOwned + Default>(&self) -> Result<T, FieldError> {
        if self.0.iter().all(u8::is_ascii_whitespace) {
            Ok(T::default())
        } else {
            super::json_body(self.0)
        }
    }
}

/// The case steps, by the name the path gives.
pub use sunshine_core::case_step::NAMES as STEPS;

#[utoipa::path(post, path = "/api/v1/applications/{id}/{step}", tag = "applications", summary = "Staff: take a case step; the body is the step's own fields", description = "Steps and their fields (dates `YYYY-MM-DD`, `on` defaults to today): `correction-request` {on, items (list or lines), period_days}; `correction-received` {on}; `consultation-start` {on, party}; `consultation-end` {on}; `extend` {on, days (1-20), reason} (office head only, once); `fee-notice` {on, method: count|pages, pages}; `fee-paid` {on}; `reply` {on, outcome, basis, content, withheld (required for partial), item_id}; `remedies` {kind, filed_on, outcome, body, decided_on}.", params(("id" = i64, Path, minimum = 1, description = "Application id"), ("step" = String, Path, description = "The step: correction-request, correction-received, consultation-start, consultation-end, extend, fee-notice, fee-paid, reply or remedies")), request_body(content = Option<Object>, description = "The step's fields; may be empty"), responses((status = 200, body = Case, description = "The case after the step"), (status = 401, body = ApiErrorJson, description = "No or bad token"), (status = 403, body = ApiErrorJson, description = "Not allowed"), (status = 404, body = ApiErrorJson, description = "No such application or step"), (status = 409, body = ApiErrorJson, description = "The clock does not allow it now"), (status = 422, body = ApiErrorJson, description = "A field to correct")), security(("bearer" = [])))]
pub async fn step(
    State(app): State<AppState>,
    staff: ApiStaff,
    Path((id, name)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<Case>, ApiError> {
    let id = parse_id(&id)?;
    let input = StepInput::read(&name, &Body(&body)).ok_or(Error::NotFound)??;
    Ok(Json(svc::step(&app, &staff.actor(), id, input).await?))
}
