//! A unit's review policy changed: items under review take the new chain.

use super::*;

/// After the chain an item needs changed (its importance, or the unit's policy): approvals that
/// no longer fill their step are void, and the item is approved exactly when its new chain is
/// complete. In the caller's transaction, on the item's claimed row.
pub(crate) async fn refit_chain(
    tx: &mut crate::db::Tx<'_>,
    item: &Item,
    chain: &[Role],
) -> Result<(), Error> {
    if item.state != ItemState::InReview && item.state != ItemState::Approved {
        return Ok(());
    }
    let voided = rdb::void_misfits(tx, item.id, chain).await?;
    if voided > 0 {
        rdb::add_event(
            tx,
            item.id,
            item.unit_id,
            None,
            "系统",
            "restart",
            &format!("审核链发生变化，{voided} 项不再对应其步骤的审核意见作废"),
        )
        .await?;
    }
    let digest = digest_in(tx, item).await?;
    let approvals: Vec<core::Approval> = rdb::approvals_in_force(tx, &[item.id])
        .await?
        .iter()
        .filter(|a| a.digest == digest)
        .filter_map(ApprovalRow::as_core)
        .collect();
    let next = if core::chain_complete(chain, &approvals) {
        ItemState::Approved
    } else {
        ItemState::InReview
    };
    if next != item.state {
        items::set_state(tx, item.id, next).await?;
        if next == ItemState::InReview {
            items::schedule(tx, item.id, None).await?;
        }
    }
    Ok(())
}

/// The unit's review policy changed: every item of it under review is refitted to its new chain.
pub async fn policy_changed(
    tx: &mut crate::db::Tx<'_>,
    unit_id: i64,
    policy: &sunshine_core::review::ReviewPolicy,
) -> Result<(), Error> {
    for listed in items::under_review(tx, unit_id).await? {
        // Each item's row locked and read again: an approval under way finishes first.
        items::lock(tx, listed.id).await?;
        let Some(item) = items::get(tx, &Scope::unit(unit_id), listed.id).await? else {
            continue;
        };
        refit_chain(tx, &item, policy.chain(item.importance)).await?;
    }
    Ok(())
}
