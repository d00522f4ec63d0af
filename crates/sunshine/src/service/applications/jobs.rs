//! Background work on every node: a new holiday calendar moves open deadlines; lapsed
//! corrections and fees conclude their cases.

use super::*;

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
        let a = match adb::get(&mut tx, &Scope::Everything, id).await {
            Ok(Some(a)) => a,
            Ok(None) => continue,
            Err(e) if !super::is_connection(&e) => {
                tracing::error!(application = id, error = %e, "application unreadable; deadline not recomputed");
                continue;
            }
            Err(e) => return Err(e.into()),
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
        let a = match adb::get(&mut tx, &Scope::Everything, id).await {
            Ok(Some(a)) => a,
            Ok(None) => continue,
            Err(e) => {
                tracing::error!(application = id, error = %e, "application unreadable; not concluded");
                continue;
            }
        };
        let events = clock_events(&adb::events(&mut tx, id).await?)?;
        let s = settings(&mut tx, a.unit_id).await?;
        let Ok((clock, _)) = deadline::compute_provisional(&cal, &events, s) else {
            continue;
        };
        let (outcome, why, ended) = match clock.phase {
            Phase::AwaitingCorrection { until } if today > until => (
                Outcome::OtherNoCorrection,
                format!("申请人未在补正期限（{until}）内补正"),
                until,
            ),
            Phase::AwaitingFee { pay_by, .. } if today > pay_by => (
                Outcome::OtherFeeUnpaid,
                format!("申请人未在缴费期限（{pay_by}）内缴纳信息处理费"),
                pay_by,
            ),
            _ => continue,
        };
        // The application is concluded the day after the applicant's period ended, whenever
        // this node got to it (a node that was down for a week does not make the office late).
        let on = ended.succ_opt().map_or(today, |d| d.min(today));
        // Claim: only the node whose update changes the phase goes on.
        if !adb::claim_lapse(&mut tx, id, a.phase, outcome).await? {
            continue;
        }
        let ev = Event::Replied { on };
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
            &on.to_string(),
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
            &letter(&a, &unit.name, "政府信息公开申请处理告知书", &body, on),
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
