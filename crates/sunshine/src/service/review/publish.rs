//! Publishing: now, or at a set time by the scheduler; the chain checked again in the
//! transaction that publishes.

use super::*;

/// What [`publish`] did: put the item on the portal now, or schedule it for later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    Now,
    Scheduled,
}

/// Publishes an approved item now, or schedules it for `at` (Unix seconds) if that is later.
pub async fn publish(
    app: &App,
    actor: &Actor<'_>,
    id: i64,
    at: Option<i64>,
) -> Result<Published, Error> {
    let item = item_for_action(app, actor, id).await?;
    let target = format!("item:{id}");
    let authors = {
        let mut conn = app.db.pool.acquire().await?;
        items::authors(&mut conn, id).await?
    };
    check(
        app,
        actor,
        item.unit_id,
        &target,
        actor.grants.can_publish(item.unit_id, &authors),
    )
    .await?;
    if item.state != ItemState::Approved {
        return Err(Error::Conflict(
            if item.state == ItemState::Draft || item.state == ItemState::InReview {
                "not_approved"
            } else {
                "wrong_state"
            },
            format!(
                "该信息当前状态为“{}”，只有审核链全部通过（已批准）的信息可以发布。",
                item.state.label()
            ),
        ));
    }
    if item.disclosure != Disclosure::Active {
        return Err(Error::Conflict(
            "not_active",
            "只有“主动公开”的信息可以发布到门户网站；依申请公开和不予公开的信息保留在本单位登记册中。".into(),
        ));
    }
    let outcome = match at.filter(|t| *t > crate::db::now()) {
        Some(when) => {
            publish_checks(app, &item).await?;
            let mut tx = app.db.begin().await?;
            if !items::claim(&mut tx, id, ItemState::Approved).await? {
                return Err(changed_meanwhile());
            }
            let fresh = items::get(&mut tx, &Scope::unit(item.unit_id), id)
                .await?
                .ok_or(Error::NotFound)?;
            let st = load_in(&mut tx, &fresh).await?;
            if !core::chain_complete(&st.chain, &st.core_approvals()) {
                return Err(chain_incomplete());
            }
            items::schedule(&mut tx, id, Some(when)).await?;
            log(
                &mut tx,
                actor,
                &item,
                "item.schedule",
                format!("定时发布 {}", fmt_time(when)),
            )
            .await?;
            tx.commit().await?;
            Published::Scheduled
        }
        None => {
            publish_now(app, Some(actor), &item).await?;
            Published::Now
        }
    };
    Ok(outcome)
}

pub fn fmt_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t + 8 * 3600, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// What must hold at the moment of publishing: the whole chain approved this exact content,
/// and no blocking finding stands without an override for this content.
async fn publish_checks(app: &App, item: &Item) -> Result<Vec<Finding>, Error> {
    let st = load(app, item).await?;
    if !core::chain_complete(&st.chain, &st.core_approvals()) {
        return Err(chain_incomplete());
    }
    let findings = screen_item(app, item).await?;
    if screening::has_blocking(&findings) && !st.override_in_force {
        let mut tx = app.db.begin().await?;
        items::set_screening(
            &mut tx,
            item.id,
            &serde_json::to_string(&findings).unwrap_or_else(|_| "[]".into()),
        )
        .await?;
        tx.commit().await?;
        let what: Vec<String> = findings
            .iter()
            .filter(|f| f.severity == screening::Severity::Blocking)
            .map(|f| format!("{}：{}", f.location, f.kind.label()))
            .collect();
        return Err(Error::Conflict(
            "blocking_findings",
            format!("发布前筛查发现阻止性问题（{}）。请修改原文，或由审核链最后一位审核人书面说明理由后放行。", what.join("；")),
        ));
    }
    Ok(findings)
}

fn chain_incomplete() -> Error {
    Error::Conflict(
        "content_changed",
        "审核通过后内容或审核链发生了变化，须重新审核后才能发布。".into(),
    )
}

/// Publishes now: index number, state, change log and audit in one transaction. `actor` is
/// none when the scheduler publishes at the set time. The chain is checked again inside the
/// transaction that holds the item's row, so nothing changes between the check and the write.
async fn publish_now(app: &App, actor: Option<&Actor<'_>>, item: &Item) -> Result<(), Error> {
    let findings = publish_checks(app, item).await?;
    let mut tx = app.db.begin().await?;
    if !items::claim(&mut tx, item.id, ItemState::Approved).await? {
        return Err(changed_meanwhile());
    }
    let fresh = items::get(&mut tx, &Scope::unit(item.unit_id), item.id)
        .await?
        .ok_or(Error::NotFound)?;
    let st = load_in(&mut tx, &fresh).await?;
    if !core::chain_complete(&st.chain, &st.core_approvals()) {
        return Err(chain_incomplete());
    }
    if let Some(a) = actor {
        if a.grants.can_publish(item.unit_id, &st.authors).is_err() {
            return Err(core::ReviewRefusal::OwnItem.into());
        }
    }
    let unit = units::by_id(&mut tx, item.unit_id)
        .await?
        .ok_or(Error::NotFound)?;
    let pattern = IndexPattern::parse(&unit.index_pattern).unwrap_or_default();
    let index_no = items::publish(&mut tx, item, &unit.org_code, &pattern, app.today()).await?;
    items::set_screening(
        &mut tx,
        item.id,
        &serde_json::to_string(&findings).unwrap_or_else(|_| "[]".into()),
    )
    .await?;
    let detail = format!("索引号 {index_no}");
    match actor {
        Some(a) => log(&mut tx, a, item, "item.publish", detail).await?,
        None => {
            rdb::add_event(
                &mut tx,
                item.id,
                item.unit_id,
                None,
                "定时发布",
                "item.publish",
                &detail,
            )
            .await?;
            audit::append(
                &mut tx,
                &audit::Entry {
                    actor: "scheduler",
                    ip: "local",
                    action: "item.publish",
                    unit_id: Some(item.unit_id),
                    target: format!("item:{}", item.id),
                    detail,
                    ..Default::default()
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Publishes every approved item whose scheduled time has come. Safe on several nodes at once:
/// each item is claimed before it is published.
pub async fn publish_due(app: &App) -> Result<usize, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let due = items::due(&mut conn, crate::db::now()).await?;
    let mut done = 0;
    for id in due {
        // One item the job cannot read is left for the operator, not a stop for every other.
        let item = match items::get(&mut conn, &Scope::Everything, id).await {
            Ok(Some(item)) => item,
            Ok(None) => continue,
            Err(e) => {
                tracing::error!(item = id, error = %e, "scheduled item unreadable; not published");
                continue;
            }
        };
        match publish_now(app, None, &item).await {
            Ok(()) => done += 1,
            Err(e) => {
                let mut tx = app.db.begin().await?;
                items::schedule(&mut tx, id, None).await?;
                rdb::add_event(
                    &mut tx,
                    id,
                    item.unit_id,
                    None,
                    "定时发布",
                    "item.schedule_failed",
                    &e.message(),
                )
                .await?;
                tx.commit().await?;
                tracing::warn!(
                    item_id = id,
                    code = e.code(),
                    "scheduled publication not done"
                );
            }
        }
    }
    Ok(done)
}
