//! Applications in the back office: a unit's queues, registering applications received in
//! person, by post, fax or e-mail, the case page with every step, and the city's overview.

use super::auth::FlashQuery;
use super::{flash_message, CaseEditor, CaseReader, CsrfForm, Errors, InUnit, Layout, On, Staff};
use super::{Supervisor, UnitEditor, UnitReader};
use crate::db::units::Unit;
use crate::service::applications::{self as svc, Case, StepInput};
use crate::service::Error;
use crate::web::api::applications::{queue, Line, Queue};
use crate::web::error::{AppError, PageError};
use crate::web::public::render;
use crate::web::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sunshine_core::application::{
    receipt_rule, ApplicantInput, ApplicantKind, ApplicationInput, Channel, Delivery, IdType,
    Outcome,
};

pub const QUEUES: &[(&str, &str)] = &[
    ("open", "全部未办结"),
    ("due_soon", "5个工作日内到期"),
    ("overdue", "已逾期"),
    ("paused", "期限暂停"),
    ("awaiting_applicant", "等待申请人"),
    ("replied", "已答复"),
];

#[derive(Template)]
#[template(path = "admin/applications.html")]
struct ListPage {
    layout: Layout,
    unit_code: String,
    unit_name: String,
    queue: String,
    queues: Vec<(&'static str, &'static str)>,
    lines: Vec<Line>,
    /// Whether the user handles this unit's applications (a supervisor only reads them).
    can_act: bool,
}

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    queue: Option<String>,
}

pub async fn list(
    InUnit { staff, unit, .. }: UnitReader,
    State(state): State<AppState>,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    let queue_key = q
        .queue
        .filter(|k| QUEUES.iter().any(|(q, _)| q == k))
        .unwrap_or_else(|| "open".into());
    let lines = queue(
        &state,
        &staff.actor(),
        Some(&unit.code),
        Queue::parse(&queue_key),
    )
    .await?;
    render(&ListPage {
        layout: Layout::new(&state, &staff, None).await?,
        can_act: staff.grants.can_edit_items(unit.id).is_ok(),
        unit_code: unit.code,
        unit_name: unit.name,
        queue: queue_key,
        queues: QUEUES.to_vec(),
        lines,
    })
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RegisterForm {
    /// One per rendered form: a double submit or a reload registers the application once.
    nonce: String,
    /// The applicant's fields, named as the domain names them.
    #[serde(flatten)]
    applicant: ApplicantInput,
    description: String,
    purpose: String,
    delivery: String,
    channel: String,
    on: String,
}

#[derive(Template)]
#[template(path = "admin/application_new.html")]
struct RegisterPage {
    layout: Layout,
    unit_code: String,
    unit_name: String,
    form: RegisterForm,
    errors: Errors,
    kinds: Vec<(&'static str, &'static str)>,
    id_types: Vec<(&'static str, &'static str)>,
    deliveries: Vec<(&'static str, &'static str)>,
    channels: Vec<(&'static str, &'static str, &'static str)>,
}

async fn register_page(
    state: &AppState,
    staff: &Staff,
    unit: Unit,
    form: RegisterForm,
    errors: Vec<sunshine_core::FieldError>,
) -> Result<RegisterPage, AppError> {
    Ok(RegisterPage {
        layout: Layout::new(state, staff, None).await?,
        unit_code: unit.code,
        unit_name: unit.name,
        form,
        errors: Errors(errors),
        kinds: ApplicantKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        id_types: IdType::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        deliveries: Delivery::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        channels: Channel::ALL
            .iter()
            .filter(|c| **c != Channel::Online)
            .map(|c| (c.as_str(), c.label(), receipt_rule(*c)))
            .collect(),
    })
}

pub async fn register_form(
    InUnit { staff, unit, .. }: UnitEditor,
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    let form = RegisterForm {
        applicant: ApplicantInput {
            kind: "natural_person".into(),
            id_type: "resident_id".into(),
            ..Default::default()
        },
        delivery: "paper".into(),
        channel: "in_person".into(),
        on: state.today().to_string(),
        nonce: crate::auth::random_hex(16),
        ..Default::default()
    };
    render(&register_page(&state, &staff, unit, form, vec![]).await?)
}

pub async fn register(
    InUnit { staff, unit, .. }: UnitEditor,
    State(state): State<AppState>,
    CsrfForm(f): CsrfForm<RegisterForm>,
) -> Result<Response, PageError> {
    let input = ApplicationInput {
        unit: unit.code.clone(),
        applicant: f.applicant.clone(),
        description: f.description.clone(),
        purpose: f.purpose.clone(),
        delivery: f.delivery.clone(),
        channel: f.channel.clone(),
        on: Some(f.on.clone()),
    };
    let idem = (!f.nonce.is_empty() && f.nonce.len() <= 64)
        .then(|| svc::Idempotency::new(&format!("staff-form:{}", staff.user.id), &f.nonce, &input));
    match svc::register(&state, &staff.actor(), &input, idem.as_ref()).await {
        Ok(r) => Ok(
            Redirect::to(&format!("/admin/applications/{}?done=registered", r.id)).into_response(),
        ),
        Err(Error::Invalid(errs)) => {
            let mut r = render(&register_page(&state, &staff, unit, f, errs).await?)?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "admin/application.html")]
struct CasePage {
    layout: Layout,
    c: Case,
    id_number: Option<String>,
    /// The applicant's 身份证明 files (id, name, size), for the handling staff only.
    proofs: Vec<(i64, String, String)>,
    kind_label: &'static str,
    channel_label: &'static str,
    /// Each remedy as people read it: kind, filed on, result, decided on.
    remedies: Vec<(&'static str, String, &'static str, String)>,
    outcomes: Vec<(&'static str, &'static str, &'static str)>,
    can_act: bool,
}

async fn case_page(
    state: &AppState,
    staff: &Staff,
    id: i64,
    flash: Option<String>,
    id_number: Option<String>,
) -> Result<Response, PageError> {
    let c = svc::case(state, &staff.actor(), id).await?;
    let can_act = staff.grants.can_edit_items(c.application.unit_id).is_ok();
    let proofs = if can_act {
        svc::proof::list(state, c.application.unit_id, id)
            .await?
            .into_iter()
            .map(|f| {
                let size = crate::web::views::file_size(f.size_bytes);
                (f.id, f.file_name, size)
            })
            .collect()
    } else {
        Vec::new()
    };
    render(&CasePage {
        proofs,
        layout: Layout::new(state, staff, flash).await?,
        kind_label: c.application.applicant_kind.label(),
        channel_label: c.application.channel.label(),
        remedies: c
            .remedies
            .iter()
            .map(|r| {
                let kind = match r.kind.as_str() {
                    "reconsideration" => "行政复议",
                    "litigation_direct" => "行政诉讼（未经复议直接起诉）",
                    "litigation_after_reconsideration" => "行政诉讼（复议后起诉）",
                    _ => "其他",
                };
                let result = match r.outcome.as_str() {
                    "upheld" => "结果维持",
                    "corrected" => "结果纠正",
                    "other" => "其他结果",
                    _ => "尚未审结",
                };
                (
                    kind,
                    r.filed_on.clone(),
                    result,
                    r.decided_on.clone().unwrap_or_default(),
                )
            })
            .collect(),
        can_act,
        c,
        id_number,
        outcomes: Outcome::ALL
            .iter()
            .map(|o| (o.as_str(), o.label(), o.default_basis()))
            .collect(),
    })
}

pub async fn show(
    On { staff, id, .. }: CaseReader,
    State(state): State<AppState>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, PageError> {
    let flash = match q.done.as_deref() {
        Some("registered") => Some("申请已登记。".to_owned()),
        Some("step") => Some("已记录，期限已重新计算。".to_owned()),
        other => flash_message(other),
    };
    case_page(&state, &staff, id, flash, None).await
}

/// Shows the full ID number once, on this page; the view is audited.
pub async fn reveal(
    On { staff, id, .. }: CaseEditor,
    State(state): State<AppState>,
    CsrfForm(_): CsrfForm<super::auth::TokenOnly>,
) -> Result<Response, PageError> {
    let n = svc::reveal_id(&state, &staff.actor(), id).await?;
    case_page(&state, &staff, id, None, Some(n)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProofForm {
    file: i64,
}

/// `POST /admin/applications/{id}/proof`: one of the applicant's 身份证明 files, for the
/// handling unit's staff; each view is audited. Never cached; shown in a sandbox of its own.
pub async fn view_proof(
    On { staff, id, .. }: CaseEditor,
    State(state): State<AppState>,
    CsrfForm(f): CsrfForm<ProofForm>,
) -> Result<Response, PageError> {
    let (file, bytes) = svc::proof::view(&state, &staff.actor(), id, f.file).await?;
    let name: String = url::form_urlencoded::byte_serialize(file.file_name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    // Images open in the browser; a PDF is downloaded (Chromium will not show a PDF under a
    // sandboxing policy, and a PDF may carry script).
    let disposition = if file.mime.starts_with("image/") {
        "inline"
    } else {
        "attachment"
    };
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, file.mime.clone()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"proof\"; filename*=UTF-8''{name}"),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
            (
                axum::http::header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StepForm {
    on: String,
    items: String,
    period_days: String,
    party: String,
    days: String,
    reason: String,
    method: String,
    pages: String,
    outcome: String,
    basis: String,
    content: String,
    withheld: String,
    kind: String,
    filed_on: String,
    body: String,
    decided_on: String,
}

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn num(field: &'static str, s: &str) -> Result<Option<u32>, AppError> {
    match s.trim() {
        "" => Ok(None),
        v => v
            .parse()
            .map(Some)
            .map_err(|_| sunshine_core::FieldError::new(field, format!("“{v}”应为整数")).into()),
    }
}

/// The case page's form for one step, as that step's input: each step takes its own fields.
fn step_input(name: &str, f: StepForm) -> Result<Option<StepInput>, AppError> {
    use sunshine_core::case_step::{
        ConsultationStart, CorrectionRequest, Extend, FeeNotice, OnDay, RemedyInput, ReplyInput,
    };
    let on = opt(&f.on);
    Ok(Some(match name {
        "correction-request" => StepInput::CorrectionRequest(CorrectionRequest {
            on,
            items: opt(&f.items).map(serde_json::Value::String),
            period_days: num("period_days", &f.period_days)?,
        }),
        "correction-received" => StepInput::CorrectionReceived(OnDay { on }),
        "consultation-start" => StepInput::ConsultationStart(ConsultationStart {
            on,
            party: opt(&f.party),
        }),
        "consultation-end" => StepInput::ConsultationEnd(OnDay { on }),
        "extend" => StepInput::Extend(Extend {
            on,
            days: num("days", &f.days)?,
            reason: opt(&f.reason),
        }),
        "fee-notice" => StepInput::FeeNotice(FeeNotice {
            on,
            method: opt(&f.method),
            pages: num("pages", &f.pages)?,
        }),
        "fee-paid" => StepInput::FeePaid(OnDay { on }),
        "reply" => StepInput::Reply(ReplyInput {
            on,
            outcome: opt(&f.outcome),
            basis: opt(&f.basis),
            content: opt(&f.content),
            withheld: opt(&f.withheld),
            item_id: None,
        }),
        "remedies" => StepInput::Remedies(RemedyInput {
            on,
            kind: opt(&f.kind),
            filed_on: opt(&f.filed_on),
            outcome: opt(&f.outcome),
            body: opt(&f.body),
            decided_on: opt(&f.decided_on),
        }),
        _ => return Ok(None),
    }))
}

pub async fn step(
    On { staff, id, .. }: CaseEditor,
    State(state): State<AppState>,
    Path((_, name)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<StepForm>,
) -> Result<Response, PageError> {
    let input = step_input(&name, f)?.ok_or(Error::NotFound)?;
    svc::step(&state, &staff.actor(), id, input).await?;
    Ok(Redirect::to(&format!("/admin/applications/{id}?done=step")).into_response())
}

#[derive(Template)]
#[template(path = "admin/supervision.html")]
struct OverviewPage {
    layout: Layout,
    rows: Vec<(String, String, usize, usize, usize, usize)>,
}

/// The city's view: every unit's open, due-soon, overdue and paused counts.
pub async fn overview(
    Supervisor { staff, .. }: Supervisor,
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    let lines = queue(&state, &staff.actor(), None, Some(Queue::Open)).await?;
    let mut conn = state.db.pool.acquire().await.map_err(AppError::from)?;
    let units = crate::db::units::all(&mut conn).await?;
    let rows = units
        .into_iter()
        .filter(|u| staff.grants.supervises(u.id))
        .map(|u| {
            let mine: Vec<&Line> = lines.iter().filter(|l| l.unit_is(&u.code)).collect();
            let due_soon = mine.iter().filter(|l| l.days_left_in(0..=5)).count();
            let overdue = mine.iter().filter(|l| l.is_overdue()).count();
            let paused = mine.iter().filter(|l| l.is_paused()).count();
            (u.code, u.name, mine.len(), due_soon, overdue, paused)
        })
        .collect();
    render(&OverviewPage {
        layout: Layout::new(&state, &staff, None).await?,
        rows,
    })
}
