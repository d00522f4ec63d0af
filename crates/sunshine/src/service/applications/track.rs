//! What the applicant sees with the tracking number and access code.

use super::*;

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
