//! Raising an item's importance (the chain grows), or lowering it with a reason.

use super::*;

/// A reviewer changes the importance of an item under review. Raising: any reviewer of the unit
/// who is not one of its authors; the chain grows, approvals given stay. Lowering: only the last
/// reviewer of the current chain, with a written reason (audited); the item may then be complete.
/// Either way the new importance is the floor editors cannot go below. Decided on the item as
/// read inside the transaction that holds its row.
pub async fn set_importance(
    app: &App,
    actor: &Actor<'_>,
    id: i64,
    to: &str,
    reason: &str,
) -> Result<ImportanceChange, Error> {
    let before = item_for_action(app, actor, id).await?;
    let to = Importance::parse(to.trim()).ok_or_else(|| {
        FieldError::new(
            "importance",
            "重要程度只能是 general、important 或 critical",
        )
    })?;
    let reason = reason.trim();
    if reason.chars().count() > 500 {
        return Err(FieldError::new("reason", "理由不能超过500个字符").into());
    }
    let mut tx = app.db.begin().await?;
    if !items::claim(&mut tx, id, before.state).await? {
        return Err(wrong_state(
            &before,
            "信息状态刚刚发生了变化，请刷新后再试。",
        ));
    }
    let item = items::get(&mut tx, &Scope::unit(before.unit_id), id)
        .await?
        .ok_or(Error::NotFound)?;
    let from = item.importance;
    if to == from {
        return Ok(ImportanceChange::Unchanged);
    }
    let raising = to > from;
    if raising && item.state != ItemState::InReview && item.state != ItemState::Approved {
        return Err(wrong_state(
            &item,
            "只有审核中的信息由审核人调整重要程度；草稿请直接编辑。",
        ));
    }
    if !raising
        && !matches!(
            item.state,
            ItemState::Draft | ItemState::InReview | ItemState::Approved
        )
    {
        return Err(wrong_state(&item, "已发布或已撤回的信息不能调整重要程度。"));
    }
    let st = load_in(&mut tx, &item).await?;
    let refused = if raising {
        let is_reviewer = actor.grants.staff_units().contains(&item.unit_id)
            && REVIEW_ROLES
                .iter()
                .any(|r| actor.grants.has(item.unit_id, *r));
        (!is_reviewer || st.authors.contains(&actor.user_id)).then(|| {
            Error::Refused(
                "not_reviewer",
                "只有本单位的审核人（不是该信息的作者）可以提高信息的重要程度。".into(),
            )
        })
    } else {
        core::lower(actor.grants, item.unit_id, &st.authors, &st.chain, reason)
            .err()
            .map(|r| match r {
                core::ReviewRefusal::LowerNeedsReason => {
                    FieldError::new("reason", r.message()).into()
                }
                r => r.into(),
            })
    };
    if let Some(e) = refused {
        drop(tx);
        if !matches!(e, Error::Invalid(_)) {
            crate::service::audit_denial_code(
                app,
                actor,
                Some(item.unit_id),
                format!("item:{id}"),
                e.code(),
            )
            .await;
        }
        return Err(e);
    }
    items::set_importance(&mut tx, id, to.as_str(), to.as_str()).await?;
    let policy = rdb::policy(&mut tx, item.unit_id).await?;
    refit_chain(&mut tx, &item, policy.chain(to)).await?;
    let (action, detail) = if raising {
        (
            "item.raise_importance",
            format!("{} → {}", from.label(), to.label()),
        )
    } else {
        (
            "item.lower_importance",
            format!("{} → {}：{reason}", from.label(), to.label()),
        )
    };
    log(&mut tx, actor, &item, action, detail).await?;
    tx.commit().await?;
    Ok(if raising {
        ImportanceChange::Raised
    } else {
        ImportanceChange::Lowered
    })
}

/// What [`set_importance`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportanceChange {
    Raised,
    Lowered,
    Unchanged,
}
