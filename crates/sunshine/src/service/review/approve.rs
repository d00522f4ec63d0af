//! Approving the step now waiting, or returning the item to its author.

use super::*;

/// Approves the step now waiting, for exactly the content digest the reviewer saw (when given).
///
/// Approvals of one item are serialised: the transaction claims the item's row first, then reads
/// its state, content, chain and approvals again and decides on what it read, so two
/// simultaneous approvals never both land (and a unique key on item, step and digest stands
/// behind this).
pub async fn approve(
    app: &App,
    actor: &Actor<'_>,
    id: i64,
    comment: &str,
    seen_digest: Option<&str>,
) -> Result<(), Error> {
    let comment = comment.trim();
    if comment.chars().count() > 1000 {
        return Err(FieldError::new("comment", "审核意见不能超过1000个字符").into());
    }
    let before = item_for_action(app, actor, id).await?;
    let mut tx = app.db.begin().await?;
    if !items::claim(&mut tx, id, ItemState::InReview).await? {
        drop(tx);
        let scope = Scope::unit(before.unit_id);
        let now = items::get(&mut *app.db.pool.acquire().await?, &scope, id)
            .await?
            .unwrap_or(before);
        return Err(wrong_state(&now, "只有待审的信息可以审核。"));
    }
    let item = items::get(&mut tx, &Scope::unit(before.unit_id), id)
        .await?
        .ok_or(Error::NotFound)?;
    let st = load_in(&mut tx, &item).await?;
    let approvals = st.core_approvals();
    let c = ApproveCheck {
        grants: actor.grants,
        unit_id: item.unit_id,
        authors: &st.authors,
        chain: &st.chain,
        approvals: &approvals,
        current_digest: &st.digest,
        seen_digest,
        touches_security: st.prereview.touches_security,
        consulted: !st.consultations.is_empty(),
    };
    let step = match c.check() {
        Ok(s) => s,
        Err(r) => {
            drop(tx);
            if matches!(
                r,
                core::ReviewRefusal::NotYourUnit
                    | core::ReviewRefusal::OwnItem
                    | core::ReviewRefusal::NotYourStep { .. }
            ) {
                crate::service::audit_denial_code(
                    app,
                    actor,
                    Some(item.unit_id),
                    format!("item:{id}"),
                    r.code(),
                )
                .await;
            }
            return Err(r.into());
        }
    };
    let role = st.chain[step];
    let inserted = rdb::insert_approval(
        &mut tx,
        id,
        item.unit_id,
        step,
        role.as_str(),
        actor.user_id,
        &st.digest,
        comment,
    )
    .await;
    if let Err(e) = inserted {
        if crate::db::is_unique_violation(&e) {
            return Err(core::ReviewRefusal::AlreadyApproved.into());
        }
        return Err(e.into());
    }
    let mut now_approved = approvals.clone();
    now_approved.push(core::Approval {
        step,
        role,
        user_id: actor.user_id,
        digest: st.digest.clone(),
    });
    if core::chain_complete(&st.chain, &now_approved) {
        items::set_state(&mut tx, id, ItemState::Approved).await?;
    }
    let detail = format!(
        "第{}/{}步 {} digest:{} {}",
        step + 1,
        st.chain.len(),
        role.label(),
        st.digest,
        comment
    );
    log(&mut tx, actor, &item, "item.approve", detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Sends the item back to its author with the reviewer's comments; every approval is void.
pub async fn reject(app: &App, actor: &Actor<'_>, id: i64, comment: &str) -> Result<(), Error> {
    let item = item_for_action(app, actor, id).await?;
    if item.state != ItemState::InReview && item.state != ItemState::Approved {
        return Err(wrong_state(&item, "只有待审或已批准的信息可以退回。"));
    }
    let st = load(app, &item).await?;
    let approvals = st.core_approvals();
    if st.authors.contains(&actor.user_id) {
        return Err(core::ReviewRefusal::OwnItem.into());
    }
    let may = actor.grants.staff_units().contains(&item.unit_id)
        && (core::holds_step(actor.grants, item.unit_id, &st.chain, &approvals)
            || (item.state == ItemState::Approved
                && core::holds_last_step(actor.grants, item.unit_id, &st.chain)));
    if !may {
        let needed = st
            .step
            .map(|s| st.chain[s])
            .or(st.chain.last().copied())
            .unwrap_or(Role::Director);
        crate::service::audit_denial_code(
            app,
            actor,
            Some(item.unit_id),
            format!("item:{id}"),
            "not_your_step",
        )
        .await;
        return Err(core::ReviewRefusal::NotYourStep { needed }.into());
    }
    let comment = comment.trim();
    if sunshine_core::text::visible_len(comment) == 0 {
        return Err(
            FieldError::new("comment", "退回时请写明退回理由和修改意见，作者据此修改").into(),
        );
    }
    let mut tx = app.db.begin().await?;
    if !items::claim(&mut tx, id, item.state).await? {
        return Err(changed_meanwhile());
    }
    rdb::void_approvals(&mut tx, id).await?;
    items::set_state(&mut tx, id, ItemState::Draft).await?;
    items::schedule(&mut tx, id, None).await?;
    items::set_review_comment(&mut tx, id, comment).await?;
    log(&mut tx, actor, &item, "item.reject", comment.to_owned()).await?;
    tx.commit().await?;
    Ok(())
}
