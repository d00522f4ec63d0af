//! 送审: a draft goes into review, screened and bound to the content it was submitted as.

use super::*;

/// 送审: the author (or any editor of the unit) sends a draft into review. The pre-review form
/// must be complete; screening runs and its findings travel with the item.
pub async fn submit(app: &App, actor: &Actor<'_>, id: i64) -> Result<(), Error> {
    let item = item_to_edit(app, actor, id).await?;
    if item.state != ItemState::Draft {
        return Err(wrong_state(&item, "只有草稿可以送审。"));
    }
    let errs: Vec<FieldError> = item
        .prereview
        .clone()
        .validate()
        .into_iter()
        .map(|e| FieldError::new(e.field, format!("预审表：{}", e.message)))
        .collect();
    if !errs.is_empty() {
        return Err(Error::Invalid(errs));
    }
    let digest = digest_of(app, &item).await?;
    let findings = screen_item(app, &item).await?;
    let mut tx = app.db.begin().await?;
    if !items::claim(&mut tx, id, ItemState::Draft).await? {
        drop(tx);
        return Err(changed_meanwhile());
    }
    let fresh = items::get(&mut tx, &Scope::unit(item.unit_id), id)
        .await?
        .ok_or(Error::NotFound)?;
    if digest_in(&mut tx, &fresh).await? != digest {
        // Edited between screening and this transaction: what was screened is not what would go
        // into review.
        return Err(Error::Conflict(
            "changed_meanwhile",
            "这条信息刚刚被修改过，请刷新页面后再送审。".into(),
        ));
    }
    rdb::void_approvals(&mut tx, id).await?;
    items::set_state(&mut tx, id, ItemState::InReview).await?;
    // What it was submitted at is the least it may be given from now on (only a reviewer lowers).
    let floor = fresh.importance.max(fresh.importance_floor);
    items::set_importance(&mut tx, id, fresh.importance.as_str(), floor.as_str()).await?;
    items::set_review_comment(&mut tx, id, "").await?;
    items::set_screening(
        &mut tx,
        id,
        &serde_json::to_string(&findings).unwrap_or_else(|_| "[]".into()),
    )
    .await?;
    let blocking = findings
        .iter()
        .filter(|f| f.severity == screening::Severity::Blocking)
        .count();
    log(
        &mut tx,
        actor,
        &item,
        "item.submit",
        format!(
            "digest:{digest} 筛查发现{}项（阻止性{blocking}项）",
            findings.len()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
