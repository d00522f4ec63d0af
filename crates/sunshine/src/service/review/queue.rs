//! 待我审核: the items whose waiting step is the actor's.

use super::*;

/// Items waiting for this user's step, across their units (one query for items, one for approvals).
pub async fn queue(app: &App, actor: &Actor<'_>) -> Result<Vec<(Item, Role, usize, usize)>, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let units = actor.grants.staff_units();
    let waiting = items::in_review(&mut conn, &units).await?;
    let ids: Vec<i64> = waiting.iter().map(|i| i.id).collect();
    let approvals = rdb::approvals_in_force(&mut conn, &ids).await?;
    let authors = items::authors_of(&mut conn, &ids).await?;
    let mut policies = std::collections::HashMap::new();
    let mut out = Vec::new();
    for item in waiting {
        if let std::collections::hash_map::Entry::Vacant(e) = policies.entry(item.unit_id) {
            e.insert(rdb::policy(&mut conn, item.unit_id).await?);
        }
        let chain = policies[&item.unit_id].chain(item.importance).to_vec();
        let mine: Vec<_> = approvals
            .iter()
            .filter(|a| a.item_id == item.id)
            .filter_map(ApprovalRow::as_core)
            .collect();
        if let Some(step) = core::current_step(&chain, &mine) {
            let role = chain[step];
            let already = mine.iter().any(|a| a.user_id == actor.user_id);
            let author = authors
                .iter()
                .any(|(i, u)| *i == item.id && *u == actor.user_id);
            if actor.grants.has(item.unit_id, role) && !author && !already {
                out.push((item, role, step, chain.len()));
            }
        }
    }
    Ok(out)
}
