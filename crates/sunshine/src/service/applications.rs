//! Applications (依申请公开): intake (public and staff), each case step with its letter, the legal
//! clock derived from the steps, tracking for the applicant, remedies, and calendar reloads.

use super::Actor;
use crate::app::App;
use crate::db::applications::{self as adb, AppRow};
use crate::db::audit::{self, Entry};
use crate::db::throttle::{self, Bucket};
use crate::db::units::Owned;
use crate::db::{calendar as caldb, units, Db, Scope};
use crate::service::Error;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sunshine_core::application::PhaseKey;
use sunshine_core::application::{mask_id, receipt_rule, ApplicationInput, Channel, Outcome};
use sunshine_core::calendar::{Calendar, YearData};
pub use sunshine_core::case_step::StepInput;
use sunshine_core::case_step::{self, FeeChoice, Step};
use sunshine_core::deadline::{self, ClockSettings, Event, Phase};
use sunshine_core::policy::Denied;
use sunshine_core::role::Role;
use sunshine_core::FieldError;

/// What the applicant is given once, on submission (and again for a repeat of the same
/// submission under the same idempotency key).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Receipt {
    pub id: i64,
    /// The case's state once filed (`running`).
    #[serde(default = "running")]
    pub state: PhaseKey,
    pub tracking_no: String,
    pub access_code: String,
    pub received_on: String,
    pub due_on: Option<String>,
}

fn running() -> PhaseKey {
    PhaseKey::Running
}

fn access_hash(tracking_no: &str, code: &str) -> String {
    hex::encode(Sha256::digest(
        format!("{tracking_no}:{}", code.trim().to_ascii_uppercase()).as_bytes(),
    ))
}

fn applicant_hash(app: &App, id_number: &str) -> String {
    app.data_key
        .mac(crate::crypto::Purpose::ApplicantId, id_number)
}

fn random_code(len: usize) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..len)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

fn parse_date(field: &'static str, s: &str) -> Result<NaiveDate, Error> {
    NaiveDate::parse_from_str(sunshine_core::text::fold_width(s).trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, format!("日期“{s}”格式不正确，应为 YYYY-MM-DD")).into())
}

/// A step's date: today when absent; never in the future; never before receipt.
fn step_date(
    app: &App,
    on: Option<&str>,
    not_before: Option<NaiveDate>,
) -> Result<NaiveDate, Error> {
    let today = app.today();
    let d = match on.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => parse_date("on", s)?,
        None => today,
    };
    if d > today {
        return Err(FieldError::new(
            "on",
            format!("日期 {d} 在将来：只能登记已经发生的事（今天是 {today}）"),
        )
        .into());
    }
    if let Some(nb) = not_before.filter(|nb| d < *nb) {
        return Err(FieldError::new("on", format!("日期 {d} 早于收到申请之日 {nb}")).into());
    }
    Ok(d)
}

async fn calendar(app: &App) -> Result<Calendar, Error> {
    let mut conn = app.db.pool.acquire().await?;
    Ok(caldb::effective(&mut conn).await?)
}

fn calendar_error(e: deadline::ClockError) -> Error {
    match e {
        deadline::ClockError::Calendar(c) => FieldError::new("on", c.to_string()).into(),
        deadline::ClockError::Sequence(m) => Error::Conflict("wrong_state", m),
    }
}

/// Event rows that record something beside the clock (a remedy, a calendar change).
const NOT_CLOCK: &[&str] = &["remedy", "calendar_changed"];

/// The clock events of an application, in the order recorded. A clock event that no longer
/// reads is an error: a deadline counted from a silently shortened history would be wrong.
fn clock_events(events: &[adb::EventRow]) -> Result<Vec<Event>, Error> {
    events
        .iter()
        .filter(|e| !NOT_CLOCK.contains(&e.kind.as_str()))
        .map(|e| {
            serde_json::from_str::<Event>(&e.data).map_err(|err| {
                Error::from(anyhow::anyhow!(
                    "application event {} ({}) cannot be read: {err}",
                    e.id,
                    e.kind
                ))
            })
        })
        .collect()
}

async fn settings(conn: &mut crate::db::Conn, unit_id: i64) -> Result<ClockSettings, Error> {
    Ok(ClockSettings {
        pause_while_fee_unpaid: crate::db::units::fee_pause(conn, unit_id).await?,
    })
}

/// Recomputes and stores an application's clock from its events (in the caller's transaction).
async fn store_clock(
    tx: &mut crate::db::Tx<'_>,
    cal: &Calendar,
    a: &AppRow,
) -> Result<deadline::Clock, Error> {
    let events = clock_events(&adb::events(tx, a.id).await?)?;
    let s = settings(tx, a.unit_id).await?;
    let (clock, provisional) =
        deadline::compute_provisional(cal, &events, s).map_err(calendar_error)?;
    let replied = match clock.phase {
        Phase::Replied { on } => Some(on),
        _ => None,
    };
    adb::set_clock(
        tx,
        a.id,
        clock.due_on,
        PhaseKey::of(&clock.phase),
        a.outcome,
        replied,
        clock.overdue_reply,
        provisional,
    )
    .await?;
    Ok(clock)
}

/// What makes a submission the same as an earlier one: a key the client sent (`Idempotency-Key`)
/// or the single-use challenge of the form, and a digest of what was submitted.
#[derive(Debug, Clone)]
pub struct Idempotency {
    key_hash: String,
    request_hash: String,
}

impl Idempotency {
    /// `scope` keeps keys of different clients apart (the form, the public API, a staff member).
    pub fn new(scope: &str, key: &str, input: &ApplicationInput) -> Idempotency {
        let digest = |s: &str| hex::encode(Sha256::digest(s.as_bytes()));
        Idempotency {
            key_hash: digest(&format!("{scope}\n{key}")),
            request_hash: digest(&serde_json::to_string(input).unwrap_or_default()),
        }
    }
}

/// The key was used before for a different submission.
fn key_reused() -> Error {
    Error::Conflict(
        "idempotency_key_reused",
        "这个幂等键（或验证题）已用于另一份不同内容的申请。如要提交新的申请，请换一个键（网页上请重新答题）。".into(),
    )
}

/// A submission seen before under this key: its receipt, or a conflict if it differed.
async fn replay(app: &App, idem: &Idempotency) -> Result<Option<Receipt>, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let Some(k) = adb::intake_key(&mut conn, &idem.key_hash).await? else {
        return Ok(None);
    };
    if k.request_hash != idem.request_hash {
        return Err(key_reused());
    }
    // The key and its receipt are written in one transaction: a key seen has its receipt.
    let json = app.data_key.open(&k.receipt_sealed)?;
    Ok(Some(
        serde_json::from_str(&json).map_err(anyhow::Error::from)?,
    ))
}

/// Public intake (`/apply`, `POST /api/v1/applications` without a token). Typos are answered
/// field by field without using up the applicant's allowance; only well-formed submissions count
/// towards the per-address hourly limit. A repeat under the same idempotency key (a reload, a
/// double click, a retried API call) gets the first receipt and files nothing.
pub async fn submit_public(
    app: &App,
    ip: &str,
    input: &ApplicationInput,
    idem: Option<&Idempotency>,
) -> Result<Receipt, Error> {
    let mut input = input.clone();
    input.channel = Channel::Online.as_str().into();
    input.on = None;
    let parsed = input.parse().map_err(Error::Invalid)?;
    if let Some(i) = idem {
        if let Some(r) = replay(app, i).await? {
            return Ok(r);
        }
    }
    let mut conn = app.db.pool.acquire().await?;
    if units::by_code(&mut conn, &parsed.unit).await?.is_none() {
        return Err(FieldError::new(
            "unit",
            format!("机关“{}”不存在，请从列表中选择受理机关", parsed.unit),
        )
        .into());
    }
    drop(conn);
    // Counted and recorded in one step, so simultaneous submissions cannot all pass the limit.
    let mut tx = app.db.begin().await?;
    let n = throttle::hit(&mut tx, Bucket::IntakeAddress, ip, 3600).await?;
    tx.commit().await?;
    if n > app.config.intake_per_hour {
        return Err(Error::RateLimited(
            "同一网络地址一小时内提交的申请过多，请一小时后再提交；如确有大量申请，可到政府信息公开工作机构当面或邮寄提交。您填写的内容都保留着。".into(),
        ));
    }
    create(app, None, &input, idem).await
}

/// Staff registration of an application received in person, by post, fax or e-mail.
pub async fn register(
    app: &App,
    actor: &Actor<'_>,
    input: &ApplicationInput,
    idem: Option<&Idempotency>,
) -> Result<Receipt, Error> {
    if let Some(i) = idem {
        if let Some(r) = replay(app, i).await? {
            return Ok(r);
        }
    }
    create(app, Some(actor), input, idem).await
}

async fn create(
    app: &App,
    actor: Option<&Actor<'_>>,
    input: &ApplicationInput,
    idem: Option<&Idempotency>,
) -> Result<Receipt, Error> {
    let a = input.parse().map_err(Error::Invalid)?;
    let mut conn = app.db.pool.acquire().await?;
    let unit = units::by_code(&mut conn, &a.unit).await?.ok_or_else(|| {
        FieldError::new(
            "unit",
            format!("机关“{}”不存在，请从列表中选择受理机关", a.unit),
        )
    })?;
    drop(conn);
    if let Some(actor) = actor {
        if let Err(d) = actor.grants.can_edit_items(unit.id) {
            super::audit_denial(app, actor, Some(unit.id), format!("unit:{}", unit.code), d).await;
            return Err(d.into());
        }
    }
    let received = step_date(app, input.on.as_deref(), None)?;
    let cal = calendar(app).await?;
    // The date of receipt must lie in a year the calendar knows; a deadline running into a year
    // not yet loaded is provisional, recomputed when that year is loaded.
    cal.is_workday(received)
        .map_err(|e| FieldError::new("on", e.to_string()))?;
    let tracking_no = format!("{}{}", received.format("%Y%m%d"), random_code(6));
    let access_code = random_code(8);
    let id_enc = app.data_key.seal(&a.id_number)?;
    let mut tx = app.db.begin().await?;
    if let Some(i) = idem {
        if !adb::claim_intake_key(&mut tx, &i.key_hash, &i.request_hash).await? {
            // Taken by a simultaneous submission that has committed meanwhile.
            drop(tx);
            return match replay(app, i).await? {
                Some(r) => Ok(r),
                None => Err(key_reused()),
            };
        }
    }
    let id = adb::insert(
        &mut tx,
        &adb::NewApp {
            unit_id: unit.id,
            tracking_no: &tracking_no,
            access_code_hash: &access_hash(&tracking_no, &access_code),
            applicant_kind: a.kind.as_str(),
            applicant_name: &a.name,
            id_type: a.id_type.as_str(),
            id_number_enc: &id_enc,
            id_number_masked: &mask_id(&a.id_number),
            applicant_hash: &applicant_hash(app, &a.id_number),
            phone: &a.phone,
            email: &a.email,
            address: &a.address,
            description: &a.description,
            purpose: &a.purpose,
            delivery: a.delivery.as_str(),
            channel: a.channel.as_str(),
            received_on: &received.to_string(),
            created_by: actor.map(|x| x.user_id),
        },
    )
    .await?;
    let ev = Event::Received { on: received };
    let who = actor.map(|x| x.login).unwrap_or("申请人（网上提交）");
    adb::add_event(
        &mut tx,
        id,
        unit.id,
        "received",
        &received.to_string(),
        &serde_json::to_string(&ev).unwrap_or_default(),
        actor.map(|x| x.user_id),
        who,
    )
    .await?;
    let row = adb::get(&mut tx, &Scope::unit(unit.id), id)
        .await?
        .ok_or(Error::NotFound)?;
    let clock = store_clock(&mut tx, &cal, &row).await?;
    audit::append(
        &mut tx,
        &Entry {
            actor_id: actor.map(|x| x.user_id),
            actor: actor.map(|x| x.login).unwrap_or("public"),
            ip: actor.map(|x| x.ip).unwrap_or(""),
            action: "application.receive",
            unit_id: Some(unit.id),
            target: format!("application:{id}"),
            detail: format!(
                "{} {} {}",
                tracking_no,
                a.channel.as_str(),
                receipt_rule(a.channel)
            ),
        },
    )
    .await?;
    let receipt = Receipt {
        id,
        state: PhaseKey::of(&clock.phase),
        tracking_no,
        access_code,
        received_on: received.to_string(),
        due_on: clock.due_on.map(|d| d.to_string()),
    };
    if let Some(i) = idem {
        let sealed = app
            .data_key
            .seal(&serde_json::to_string(&receipt).map_err(anyhow::Error::from)?)?;
        adb::set_intake_receipt(&mut tx, &i.key_hash, id, &sealed).await?;
    }
    tx.commit().await?;
    Ok(receipt)
}

/// An application the actor may handle: their own unit's. Others are refused in words.
pub async fn for_staff(app: &App, actor: &Actor<'_>, id: i64) -> Result<AppRow, Error> {
    let unit_id = super::owner_checked(app, actor, Owned::Application, id).await?;
    let mut conn = app.db.pool.acquire().await?;
    adb::get(&mut conn, &Scope::unit(unit_id), id)
        .await?
        .ok_or(Error::NotFound)
}

/// Everything the case page and the staff API show. The contract's fields (`id`,
/// `tracking_no`, `state`, `received_on`, `due_on`, `events`) are at the top level; the whole
/// record is also under `application`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Case {
    pub id: i64,
    pub tracking_no: String,
    /// The phase key (`running`, `awaiting_correction`, `consulting`, `awaiting_fee`, …).
    pub state: PhaseKey,
    pub received_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub application: AppRow,
    pub phase_label: &'static str,
    pub clock: deadline::Clock,
    pub days_left: Option<i64>,
    pub events: Vec<adb::EventRow>,
    pub letters: Vec<adb::Letter>,
    pub remedies: Vec<adb::Remedy>,
}

pub async fn case(app: &App, actor: &Actor<'_>, id: i64) -> Result<Case, Error> {
    let mut a = for_staff(app, actor, id).await?;
    if !actor.grants.staff_units().contains(&a.unit_id) {
        // A supervisor oversees the case; only the handling unit contacts the applicant.
        (a.phone, a.email, a.address) =
            sunshine_core::application::mask_contact(&a.phone, &a.email, &a.address);
    }
    let mut conn = app.db.pool.acquire().await?;
    let cal = caldb::effective(&mut conn).await?;
    let events = adb::events(&mut conn, id).await?;
    let s = settings(&mut conn, a.unit_id).await?;
    let (clock, _) =
        deadline::compute_provisional(&cal, &clock_events(&events)?, s).map_err(calendar_error)?;
    let days_left = match (clock.due_on, &clock.phase) {
        (Some(due), Phase::Running | Phase::AwaitingFee { paused: false, .. }) => {
            deadline::days_left(&cal, due, app.today()).ok()
        }
        _ => None,
    };
    Ok(Case {
        id: a.id,
        tracking_no: a.tracking_no.clone(),
        state: a.phase,
        received_on: a.received_on,
        due_on: a.due_on,
        phase_label: a.phase.label(),
        letters: adb::letters(&mut conn, id).await?,
        remedies: adb::remedies(&mut conn, id).await?,
        application: a,
        clock,
        days_left,
        events,
    })
}

/// The full ID number, for the handling unit's staff only; every view is audited.
pub async fn reveal_id(app: &App, actor: &Actor<'_>, id: i64) -> Result<String, Error> {
    let a = for_staff(app, actor, id).await?;
    if actor.grants.can_edit_items(a.unit_id).is_err() {
        return Err(Denied::NotYourUnit.into());
    }
    let plain = app.data_key.open(&a.id_number_enc)?;
    let mut tx = app.db.begin().await?;
    audit::append(
        &mut tx,
        &Entry {
            actor_id: Some(actor.user_id),
            actor: actor.login,
            ip: actor.ip,
            action: "application.view_id",
            unit_id: Some(a.unit_id),
            target: format!("application:{id}"),
            detail: String::new(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(plain)
}

const REMEDIES: &str = "如对本答复不服，可以自收到本答复之日起六十日内依法申请行政复议，或者自收到本答复之日起六个月内依法向人民法院提起行政诉讼。";

fn letter(a: &AppRow, unit_name: &str, title: &str, body: &str, on: NaiveDate) -> String {
    format!(
        "{title}\n\n{}：\n\n本机关于{}收到您提交的政府信息公开申请（查询号 {}），申请获取：{}\n\n{body}\n\n{unit_name}\n{}",
        a.applicant_name,
        a.received_on,
        a.tracking_no,
        a.description,
        on.format("%Y年%m月%d日")
    )
}

/// Performs one case step. The step's own rules (its fields, who may take it, the fee method,
/// what a reply requires) are the core's (`case_step`); here are what they read from storage and
/// what a step records: its clock event, its letter, the fee, the audit entry, in one
/// transaction, the clock checked again inside it.
pub async fn step(app: &App, actor: &Actor<'_>, id: i64, input: StepInput) -> Result<Case, Error> {
    let a = for_staff(app, actor, id).await?;
    if let Err(d) = actor.grants.can_edit_items(a.unit_id) {
        super::audit_denial(app, actor, Some(a.unit_id), format!("application:{id}"), d).await;
        return Err(d.into());
    }
    let name = input.name();
    let cx = case_step::Context {
        today: app.today(),
        received_on: a.received_on,
        office_head: actor.grants.has(a.unit_id, Role::Director)
            || actor.grants.has(a.unit_id, Role::Leader),
        fee_noticed: a.fee_method.is_some(),
    };
    let (on, step) = input.check(&cx).map_err(refusal)?;
    if let Step::Remedy(r) = &step {
        return remedy(app, actor, &a, r).await;
    }
    let cal = calendar(app).await?;
    let mut conn = app.db.pool.acquire().await?;
    let unit = units::by_id(&mut conn, a.unit_id)
        .await?
        .ok_or(Error::NotFound)?;
    // What the step records beside its clock event: its data and its letter, and a fee.
    let mut data = serde_json::Map::new();
    let mut fee = None;
    let mut outcome = None;
    let letter_text: Option<(&str, String)> = match &step {
        Step::CorrectionRequest { items, period_days } => {
            let (until, _) = cal.add_provisional(on, *period_days);
            data.insert("items".into(), serde_json::json!(items));
            Some((
                "补正申请告知书",
                letters::correction(items, *period_days, until),
            ))
        }
        Step::ConsultationStart { party } => {
            if let Some(p) = party {
                data.insert("party".into(), p.as_str().into());
            }
            None
        }
        Step::Extend { days, reason } => {
            data.insert("reason".into(), reason.as_str().into());
            Some(("延长答复期限告知书", letters::extension(*days, reason)))
        }
        Step::FeeNotice(choice) => {
            let nth = match choice {
                FeeChoice::Count => {
                    let k = adb::nth_this_month(&mut conn, &a.applicant_hash, a.id, a.received_on)
                        .await?;
                    data.insert("nth".into(), k.into());
                    u32::try_from(k).unwrap_or(u32::MAX)
                }
                FeeChoice::Pages(p) => {
                    data.insert("pages".into(), (*p).into());
                    0
                }
            };
            let yuan = choice.yuan(nth).map_err(refusal)?;
            data.insert("method".into(), choice.method().as_str().into());
            data.insert("yuan".into(), yuan.into());
            fee = Some((choice.method(), yuan));
            let (pay_by, _) = cal.add_provisional(on, deadline::FEE_PAYMENT_DAYS);
            Some((
                "收取信息处理费通知书",
                letters::fee(choice.method(), yuan, pay_by),
            ))
        }
        Step::Reply(r) => {
            data.insert("outcome".into(), r.outcome.as_str().into());
            data.insert("basis".into(), r.basis.as_str().into());
            if let Some(item) = r.item_id {
                data.insert("item_id".into(), item.into());
            }
            if let Some(w) = &r.withheld {
                data.insert("withheld".into(), w.as_str().into());
            }
            let template = adb::reply_template(&mut conn, a.unit_id, r.outcome.as_str()).await?;
            outcome = Some(r.outcome);
            Some((
                "政府信息公开申请答复书",
                letters::reply(r, template.as_deref()),
            ))
        }
        Step::CorrectionReceived | Step::ConsultationEnd | Step::FeePaid | Step::Remedy(_) => None,
    };
    drop(conn);
    let mut tx = app.db.begin().await?;
    if let Some(ev) = step.event(on) {
        // A step the clock does not allow fails in store_clock below, rolling this back.
        let mut v = serde_json::to_value(&ev).unwrap_or_default();
        if let Some(obj) = v.as_object_mut() {
            obj.extend(data);
        }
        adb::add_event(
            &mut tx,
            id,
            a.unit_id,
            name,
            &on.to_string(),
            &v.to_string(),
            Some(actor.user_id),
            actor.login,
        )
        .await?;
    }
    if let Some((method, yuan)) = fee {
        adb::set_fee(&mut tx, id, method, yuan).await?;
    }
    let mut row = adb::get(&mut tx, &Scope::unit(a.unit_id), id)
        .await?
        .ok_or(Error::NotFound)?;
    if let Some(o) = outcome {
        row.outcome = Some(o);
    }
    store_clock(&mut tx, &cal, &row).await?;
    if let Some((title, body)) = letter_text {
        adb::add_letter(
            &mut tx,
            id,
            a.unit_id,
            name,
            title,
            &letter(&a, &unit.name, title, &body, on),
        )
        .await?;
    }
    audit::append(
        &mut tx,
        &actor.entry(
            "application.step",
            a.unit_id,
            format!("application:{id}"),
            format!("{name} {on}"),
        ),
    )
    .await?;
    tx.commit().await?;
    case(app, actor, id).await
}

/// A step refused by the core's rules, as the service answers it.
fn refusal(r: case_step::Refusal) -> Error {
    match r {
        case_step::Refusal::Field(f) => f.into(),
        case_step::Refusal::NotOfficeHead => Error::Refused(r.code(), r.message()),
        case_step::Refusal::FeeAlreadyNoticed | case_step::Refusal::NoFee => {
            Error::Conflict(r.code(), r.message())
        }
    }
}

/// Records a remedy (行政复议 or 行政诉讼) against the reply: no clock event.
async fn remedy(
    app: &App,
    actor: &Actor<'_>,
    a: &AppRow,
    r: &case_step::Remedy,
) -> Result<Case, Error> {
    let id = a.id;
    let row = adb::Remedy {
        id: 0,
        kind: r.kind.into(),
        filed_on: r.filed_on.to_string(),
        body: r.body.clone(),
        outcome: r.result.into(),
        decided_on: r.decided_on.map(|d| d.to_string()),
    };
    let mut tx = app.db.begin().await?;
    adb::add_remedy(&mut tx, id, a.unit_id, &row).await?;
    adb::add_event(
        &mut tx,
        id,
        a.unit_id,
        "remedy",
        &r.filed_on.to_string(),
        &serde_json::to_string(&row).unwrap_or_default(),
        Some(actor.user_id),
        actor.login,
    )
    .await?;
    audit::append(
        &mut tx,
        &actor.entry(
            "application.remedy",
            a.unit_id,
            format!("application:{id}"),
            format!("{} {}", r.kind, r.result),
        ),
    )
    .await?;
    tx.commit().await?;
    case(app, actor, id).await
}

/// The bodies of the letters a step sends.
mod letters {
    use super::REMEDIES;
    use chrono::NaiveDate;
    use sunshine_core::case_step::Reply;
    use sunshine_core::fees::FeeMethod;

    pub fn correction(items: &[String], period: u32, until: NaiveDate) -> String {
        let list = items
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{}. {t}", i + 1))
            .collect::<Vec<_>>()
            .join("\n");
        format!("经审查，您的申请内容不明确，请于{until}前（{period}个工作日内）补正以下内容：\n{list}\n\n答复期限自本机关收到补正后的申请之日起重新计算。无正当理由逾期不补正的，视为放弃申请，本机关不再处理该政府信息公开申请。")
    }

    pub fn extension(days: u32, reason: &str) -> String {
        format!("因{reason}，经本机关政府信息公开工作机构负责人同意，答复期限延长{days}个工作日。")
    }

    pub fn fee(method: FeeMethod, yuan: i64, pay_by: NaiveDate) -> String {
        format!(
            "根据《政府信息公开信息处理费管理办法》，本次申请{}收取信息处理费{yuan}元。请于{pay_by}前（自收到本通知次日起20个工作日内）缴纳；逾期未缴纳的，视为放弃申请，本机关不再处理该政府信息公开申请。",
            if method == FeeMethod::Count { "按件" } else { "按量" }
        )
    }

    /// The reply: the unit's template for the outcome when it has one, else the standard text;
    /// the remedies always stated.
    pub fn reply(r: &Reply, template: Option<&str>) -> String {
        let mut body = format!(
            "经审查，答复如下：{}。\n依据：{}。",
            r.outcome.label(),
            r.basis
        );
        if let Some(c) = &r.content {
            body.push_str(&format!("\n{c}"));
        }
        if let Some(item) = r.item_id {
            body.push_str(&format!(
                "\n该信息已主动公开，可在本机关政府信息公开平台查阅：/items/{item}"
            ));
        }
        if let Some(w) = &r.withheld {
            body.push_str(&format!("\n不予公开的部分及理由：{w}"));
        }
        if let Some(t) = template {
            body = t
                .replace("{决定}", r.outcome.label())
                .replace("{依据}", &r.basis)
                .replace("{内容}", r.content.as_deref().unwrap_or(""))
                .replace("{救济}", REMEDIES);
        }
        if !body.contains("行政复议") {
            body.push_str(&format!("\n\n{REMEDIES}"));
        }
        body
    }
}

/// What the applicant sees with the tracking number and access code: nothing else.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Tracking {
    pub tracking_no: String,
    pub unit_name: String,
    pub state: PhaseKey,
    pub state_label: &'static str,
    pub received_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub outcome: Option<Outcome>,
    pub outcome_label: Option<&'static str>,
    pub replied_on: Option<NaiveDate>,
    pub letters: Vec<TrackLetter>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrackLetter {
    pub id: i64,
    pub title: String,
    pub body: String,
}

/// Wrong tracking attempts allowed per address in 15 minutes before tracking pauses there.
const TRACK_FAILURES: i64 = 20;

/// The same answer for an unknown number and a wrong code: no hint whether the number exists.
/// Repeated wrong attempts from one address pause tracking there (against guessing codes).
pub async fn track(app: &App, ip: &str, no: &str, code: &str) -> Result<Tracking, Error> {
    let wrong = || {
        Error::Refused(
            "wrong_tracking",
            "查询号或查询码不正确，请核对后重试。".into(),
        )
    };
    // Tracking numbers are upper case, whatever the keyboard typed.
    let no = sunshine_core::text::fold_width(no).to_ascii_uppercase();
    let no = no.trim();
    let code = sunshine_core::text::fold_width(code);
    if no.chars().count() > 40 || code.chars().count() > 40 {
        return Err(wrong());
    }
    // Each attempt is counted before it is judged (one atomic step); a right answer takes its
    // count back. This counter is the public one: it never touches staff sign-in.
    let mut tx = app.db.begin().await?;
    let n = throttle::hit(&mut tx, Bucket::TrackAddress, ip, 15 * 60).await?;
    tx.commit().await?;
    if n > TRACK_FAILURES {
        return Err(Error::RateLimited(
            "查询号或查询码错误次数过多，请15分钟后再试。".into(),
        ));
    }
    let mut conn = app.db.pool.acquire().await?;
    let found = adb::by_tracking(&mut conn, no).await?;
    let expected = found
        .as_ref()
        .map(|a| a.access_code_hash.clone())
        .unwrap_or_default();
    let given = access_hash(
        found.as_ref().map(|a| a.tracking_no.as_str()).unwrap_or(no),
        &code,
    );
    let Some(a) = found.filter(|_| crate::auth::constant_time_eq(&expected, &given)) else {
        return Err(wrong());
    };
    throttle::undo(&mut conn, Bucket::TrackAddress, ip).await?;
    let letters = adb::letters(&mut conn, a.id)
        .await?
        .into_iter()
        .map(|l| TrackLetter {
            id: l.id,
            title: l.title,
            body: l.body,
        })
        .collect();
    Ok(Tracking {
        state_label: a.phase.label(),
        outcome_label: a.outcome.map(|o| o.label()),
        tracking_no: a.tracking_no,
        unit_name: a.unit_name,
        state: a.phase,
        received_on: a.received_on,
        due_on: a.due_on,
        outcome: a.outcome,
        replied_on: a.replied_on,
        letters,
    })
}

/// Loads or replaces a year's arrangement, then recomputes every open application's deadline and
/// records the change on each whose deadline moved. Returns how many changed.
pub async fn load_calendar_year(
    db: &Db,
    data: &YearData,
    json: &str,
    by: &str,
) -> Result<usize, Error> {
    let mut tx = db.begin().await?;
    caldb::store(&mut tx, data, json, by).await?;
    let cal = caldb::effective(&mut tx).await?;
    let mut changed = 0;
    for id in adb::open_ids(&mut tx).await? {
        let Some(a) = adb::get(&mut tx, &Scope::Everything, id).await? else {
            continue;
        };
        let before = a.due_on;
        let events = clock_events(&adb::events(&mut tx, id).await?)?;
        let s = settings(&mut tx, a.unit_id).await?;
        let Ok((clock, provisional)) = deadline::compute_provisional(&cal, &events, s) else {
            continue;
        };
        let after = clock.due_on;
        if after != before || provisional != a.due_provisional {
            adb::set_clock(
                &mut tx,
                id,
                after,
                PhaseKey::of(&clock.phase),
                a.outcome,
                a.replied_on,
                clock.overdue_reply,
                provisional,
            )
            .await?;
            let note = serde_json::json!({"kind": "calendar_changed", "year": data.year, "before": before, "after": after});
            adb::add_event(
                &mut tx,
                id,
                a.unit_id,
                "calendar_changed",
                &chrono::Utc::now().date_naive().to_string(),
                &note.to_string(),
                None,
                by,
            )
            .await?;
            changed += 1;
        }
    }
    audit::append(
        &mut tx,
        &Entry {
            actor: by,
            ip: "local",
            action: "calendar.load",
            detail: format!("{} 年，{changed} 件申请期限变化", data.year),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(changed)
}

/// Concludes applications whose correction period or fee payment period has run out: 其他处理 1
/// (no correction in time) and 其他处理 2 (fee not paid in time), each with its letter. Run by the
/// background tick on every node; each application is concluded once (its row is claimed).
pub async fn conclude_lapsed(app: &App) -> Result<usize, Error> {
    let today = app.today();
    let mut conn = app.db.pool.acquire().await?;
    let cal = caldb::effective(&mut conn).await?;
    let candidates = adb::waiting_on_applicant(&mut conn).await?;
    drop(conn);
    let mut done = 0;
    for id in candidates {
        let mut tx = app.db.begin().await?;
        let Some(a) = adb::get(&mut tx, &Scope::Everything, id).await? else {
            continue;
        };
        let events = clock_events(&adb::events(&mut tx, id).await?)?;
        let s = settings(&mut tx, a.unit_id).await?;
        let Ok((clock, _)) = deadline::compute_provisional(&cal, &events, s) else {
            continue;
        };
        let (outcome, why) = match clock.phase {
            Phase::AwaitingCorrection { until } if today > until => (
                Outcome::OtherNoCorrection,
                format!("申请人未在补正期限（{until}）内补正"),
            ),
            Phase::AwaitingFee { pay_by, .. } if today > pay_by => (
                Outcome::OtherFeeUnpaid,
                format!("申请人未在缴费期限（{pay_by}）内缴纳信息处理费"),
            ),
            _ => continue,
        };
        // Claim: only the node whose update changes the phase goes on.
        if !adb::claim_lapse(&mut tx, id, a.phase, outcome).await? {
            continue;
        }
        let ev = Event::Replied { on: today };
        let mut v = serde_json::to_value(&ev).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert("outcome".into(), outcome.as_str().into());
            o.insert("automatic".into(), true.into());
        }
        adb::add_event(
            &mut tx,
            id,
            a.unit_id,
            "reply",
            &today.to_string(),
            &v.to_string(),
            None,
            "系统（期限届满）",
        )
        .await?;
        let mut row = adb::get(&mut tx, &Scope::unit(a.unit_id), id)
            .await?
            .ok_or(Error::NotFound)?;
        row.outcome = Some(outcome);
        store_clock(&mut tx, &cal, &row).await?;
        let unit = units::by_id(&mut tx, a.unit_id)
            .await?
            .ok_or(Error::NotFound)?;
        let body = format!(
            "{why}，根据{}，视为放弃申请，本机关不再处理该政府信息公开申请。\n\n{REMEDIES}",
            outcome.default_basis()
        );
        adb::add_letter(
            &mut tx,
            id,
            a.unit_id,
            "reply",
            "政府信息公开申请处理告知书",
            &letter(&a, &unit.name, "政府信息公开申请处理告知书", &body, today),
        )
        .await?;
        audit::append(
            &mut tx,
            &Entry {
                actor: "scheduler",
                ip: "local",
                action: "application.lapsed",
                unit_id: Some(a.unit_id),
                target: format!("application:{id}"),
                detail: outcome.as_str().into(),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        done += 1;
    }
    Ok(done)
}
