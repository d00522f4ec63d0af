//! A case as staff see it: its record, clock, events, letters and remedies.

use super::*;

/// An application the actor may handle: their own unit's. Others are refused in words.
pub async fn for_staff(app: &App, actor: &Actor<'_>, id: i64) -> Result<AppRow, Error> {
    let unit_id = crate::service::owner_checked(app, actor, Owned::Application, id).await?;
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
            deadline::days_left_provisional(&cal, due, app.today()).ok()
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
    let a = handled_by(app, actor, id).await?;
    let plain = app.data_key.open(&a.id_number_enc)?;
    audit_view(app, actor, &a, "application.view_id", String::new()).await?;
    Ok(plain)
}

/// The application, for its handling unit's staff only (a supervisor oversees cases but is not
/// shown the applicant's identity).
pub(super) async fn handled_by(app: &App, actor: &Actor<'_>, id: i64) -> Result<AppRow, Error> {
    let a = for_staff(app, actor, id).await?;
    if actor.grants.can_edit_items(a.unit_id).is_err() {
        return Err(Denied::NotYourUnit.into());
    }
    Ok(a)
}

/// Records that the applicant's identity (number or proof) was shown to the actor.
pub(super) async fn audit_view(
    app: &App,
    actor: &Actor<'_>,
    a: &AppRow,
    action: &'static str,
    detail: String,
) -> Result<(), Error> {
    let mut tx = app.db.begin().await?;
    audit::append(
        &mut tx,
        &Entry {
            actor_id: Some(actor.user_id),
            actor: actor.login,
            ip: actor.ip,
            action,
            unit_id: Some(a.unit_id),
            target: format!("application:{}", a.id),
            detail,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
