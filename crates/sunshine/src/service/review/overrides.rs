//! The last reviewer overrides blocking screening findings in writing.

use super::*;

/// The last reviewer in the chain lets blocking findings through, in writing.
pub async fn override_findings(
    app: &App,
    actor: &Actor<'_>,
    id: i64,
    reason: &str,
) -> Result<(), Error> {
    let item = item_for_action(app, actor, id).await?;
    if item.state != ItemState::InReview && item.state != ItemState::Approved {
        return Err(wrong_state(&item, "只有审核中的信息可以放行筛查结果。"));
    }
    let st = load(app, &item).await?;
    if st.authors.contains(&actor.user_id) {
        return Err(core::ReviewRefusal::OwnItem.into());
    }
    if !actor.grants.staff_units().contains(&item.unit_id)
        || !core::holds_last_step(actor.grants, item.unit_id, &st.chain)
    {
        let last = st.chain.last().copied().unwrap_or(Role::Director);
        crate::service::audit_denial_code(
            app,
            actor,
            Some(item.unit_id),
            format!("item:{id}"),
            "not_last_reviewer",
        )
        .await;
        return Err(Error::Refused(
            "not_last_reviewer",
            format!(
                "只有审核链的最后一位审核人（{}）可以放行阻止性筛查结果。",
                last.label()
            ),
        ));
    }
    let reason = reason.trim();
    if sunshine_core::text::visible_len(reason) < 5 {
        return Err(FieldError::new(
            "reason",
            "放行必须写明理由（至少5个字），说明为什么这些内容可以公开",
        )
        .into());
    }
    if !st.blocking {
        return Err(Error::Conflict(
            "nothing_to_override",
            "当前没有阻止性筛查结果，无需放行。".into(),
        ));
    }
    let mut tx = app.db.begin().await?;
    rdb::insert_override(&mut tx, id, item.unit_id, actor.user_id, reason, &st.digest).await?;
    log(
        &mut tx,
        actor,
        &item,
        "screening.override",
        format!("digest:{} {reason}", st.digest),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
