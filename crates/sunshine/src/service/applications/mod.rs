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

mod case;
mod intake;
mod jobs;
pub mod proof;
mod step;
mod track;

pub use case::{case, for_staff, reveal_id, Case};
pub use intake::{register, submit_public, Idempotency};
pub use jobs::{conclude_lapsed, load_calendar_year};
pub use step::step;
pub use track::{track, TrackLetter, Tracking};

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

pub(crate) const REMEDIES: &str = "如对本答复不服，可以自收到本答复之日起六十日内依法申请行政复议，或者自收到本答复之日起六个月内依法向人民法院提起行政诉讼。";

pub(crate) fn letter(
    a: &AppRow,
    unit_name: &str,
    title: &str,
    body: &str,
    on: NaiveDate,
) -> String {
    format!(
        "{title}\n\n{}：\n\n本机关于{}收到您提交的政府信息公开申请（查询号 {}），申请获取：{}\n\n{body}\n\n{unit_name}\n{}",
        a.applicant_name,
        a.received_on,
        a.tracking_no,
        a.description,
        on.format("%Y年%m月%d日")
    )
}

/// A failure of the database itself, as opposed to one row it could not read as its type.
pub(crate) fn is_connection(e: &sqlx::Error) -> bool {
    !matches!(e, sqlx::Error::Decode(_) | sqlx::Error::ColumnDecode { .. })
}
