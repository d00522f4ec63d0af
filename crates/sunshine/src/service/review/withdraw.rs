//! Withdrawing a published item: the record and its index number stay.

use super::*;

/// Withdraws a published item with a reason; its page then answers 410, its 索引号 stays taken.
pub async fn withdraw(app: &App, actor: &Actor<'_>, id: i64, reason: &str) -> Result<(), Error> {
    let item = item_for_action(app, actor, id).await?;
    let target = format!("item:{id}");
    let may = actor.grants.staff_units().contains(&item.unit_id)
        && REVIEW_ROLES
            .iter()
            .any(|r| actor.grants.has(item.unit_id, *r));
    if !may {
        crate::service::audit_denial_code(app, actor, Some(item.unit_id), target, "not_reviewer")
            .await;
        return Err(Error::Refused(
            "not_reviewer",
            "只有本单位的审核人员（办公室主任、分管领导、主要领导、管理员）可以撤回信息。".into(),
        ));
    }
    if item.state != ItemState::Published {
        return Err(wrong_state(&item, "只有已发布的信息可以撤回。"));
    }
    let reason = reason.trim();
    if sunshine_core::text::visible_len(reason) < 2 {
        return Err(FieldError::new("reason", "撤回必须写明理由").into());
    }
    if reason.chars().count() > 500 {
        return Err(FieldError::new("reason", "撤回理由不能超过500个字符").into());
    }
    let mut tx = app.db.begin().await?;
    if !items::claim(&mut tx, id, ItemState::Published).await? {
        return Err(changed_meanwhile());
    }
    items::withdraw(&mut tx, &item, reason).await?;
    log(
        &mut tx,
        actor,
        &item,
        "item.withdraw",
        format!(
            "索引号 {} {reason}",
            item.index_no.clone().unwrap_or_default()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
