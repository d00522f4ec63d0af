//! The review workflow (先审查后公开): submit → approve step by step → publish (now or at a set
//! time) → withdraw; rejection returns the draft to its author. Every approval binds to the
//! content digest; a change voids them all. Screening runs on submit and again at publishing.

use super::screen::screen_item;
use super::{check, Actor};
use crate::app::App;
use crate::db::audit;
use crate::db::items::{self, Item};
use crate::db::review::{self as rdb, ApprovalRow, Consultation, Event, OverrideRow};
use crate::db::units::Owned;
use crate::db::Scope;
use crate::db::{attachments, units};
use crate::service::Error;
use serde::Serialize;
use sunshine_core::index_no::IndexPattern;
use sunshine_core::item::Disclosure;
use sunshine_core::item::ItemState;
use sunshine_core::review::{self as core, ApproveCheck, Importance, PreReview, REVIEW_ROLES};
use sunshine_core::role::Role;
use sunshine_core::screening::{self, Finding};
use sunshine_core::FieldError;

/// Everything the review panel and `GET /api/v1/items/{id}/review` show.
#[derive(Debug, Serialize)]
pub struct ReviewState {
    pub state: ItemState,
    pub importance: Importance,
    pub chain: Vec<Role>,
    pub approvals: Vec<ApprovalRow>,
    /// 0-based step waiting, or none when the chain is complete or not started.
    pub step: Option<usize>,
    pub digest: String,
    pub findings: Vec<Finding>,
    pub blocking: bool,
    pub overrides: Vec<OverrideRow>,
    pub override_in_force: bool,
    pub prereview: PreReview,
    pub consultations: Vec<Consultation>,
    pub events: Vec<Event>,
    pub review_comment: String,
    pub publish_at: Option<i64>,
    /// Everyone who wrote or changed the content: none of them approves or publishes it.
    pub authors: Vec<i64>,
}

impl ReviewState {
    /// The approvals in force, as the core's rules read them.
    pub fn core_approvals(&self) -> Vec<core::Approval> {
        self.approvals
            .iter()
            .filter_map(ApprovalRow::as_core)
            .collect()
    }
}

/// The content digest approvals bind to, read on `conn` (inside a transaction when the answer
/// must not change before it commits).
pub async fn digest_in(conn: &mut crate::db::Conn, item: &Item) -> Result<String, Error> {
    let atts = attachments::of_item(conn, item.id).await?;
    let shas: Vec<&str> = atts.iter().map(|a| a.sha256.as_str()).collect();
    Ok(item.digest(&shas))
}

pub async fn digest_of(app: &App, item: &Item) -> Result<String, Error> {
    let mut conn = app.db.pool.acquire().await?;
    digest_in(&mut conn, item).await
}

pub async fn load(app: &App, item: &Item) -> Result<ReviewState, Error> {
    let mut conn = app.db.pool.acquire().await?;
    load_in(&mut conn, item).await
}

/// The review state read on one connection; inside a transaction that has claimed the item's
/// row, nothing it reports can change before the transaction ends.
pub async fn load_in(conn: &mut crate::db::Conn, item: &Item) -> Result<ReviewState, Error> {
    let digest = digest_in(conn, item).await?;
    let policy = rdb::policy(conn, item.unit_id).await?;
    let chain = policy.chain(item.importance).to_vec();
    // Only approvals of exactly this content count.
    let approvals: Vec<ApprovalRow> = rdb::approvals_in_force(conn, &[item.id])
        .await?
        .into_iter()
        .filter(|a| a.digest == digest)
        .collect();
    let overrides = rdb::overrides(conn, item.id).await?;
    let findings = item.findings.clone();
    let core_approvals: Vec<_> = approvals.iter().filter_map(ApprovalRow::as_core).collect();
    let step = if item.state == ItemState::InReview {
        core::current_step(&chain, &core_approvals)
    } else {
        None
    };
    Ok(ReviewState {
        authors: items::authors(conn, item.id).await?,
        state: item.state,
        importance: item.importance,
        blocking: screening::has_blocking(&findings),
        override_in_force: overrides.iter().any(|o| o.digest == digest),
        step,
        chain,
        approvals,
        digest,
        findings,
        overrides,
        prereview: item.prereview.clone(),
        consultations: rdb::consultations(conn, item.id).await?,
        events: rdb::events(conn, item.id).await?,
        review_comment: item.review_comment.clone(),
        publish_at: item.publish_at,
    })
}

/// For workflow actions: another unit's item is refused in words (403, and audited) rather
/// than hidden, so a reviewer who followed a wrong link learns why nothing happened.
async fn item_for_action(app: &App, actor: &Actor<'_>, id: i64) -> Result<Item, Error> {
    let unit_id = super::owner_checked(app, actor, Owned::Item, id).await?;
    let mut conn = app.db.pool.acquire().await?;
    items::get(&mut conn, &Scope::unit(unit_id), id)
        .await?
        .ok_or(Error::NotFound)
}

/// The item changed (its state or content) while the action was being prepared.
fn changed_meanwhile() -> Error {
    Error::Conflict(
        "changed_meanwhile",
        "这条信息的状态或内容刚刚发生了变化，这次操作没有完成。请刷新页面查看最新状态后再操作。"
            .into(),
    )
}

fn wrong_state(item: &Item, wanted: &str) -> Error {
    Error::Conflict(
        "wrong_state",
        format!("该信息当前状态为“{}”，{wanted}", item.state.label()),
    )
}

/// Stores a fresh screening of the item's current content.
pub async fn rescreen(app: &App, id: i64) -> Result<Vec<Finding>, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let item = items::get(&mut conn, &Scope::Everything, id)
        .await?
        .ok_or(Error::NotFound)?;
    drop(conn);
    let findings = screen_item(app, &item).await?;
    let mut tx = app.db.begin().await?;
    items::set_screening(
        &mut tx,
        id,
        &serde_json::to_string(&findings).unwrap_or_else(|_| "[]".into()),
    )
    .await?;
    tx.commit().await?;
    Ok(findings)
}

async fn log(
    tx: &mut crate::db::Tx<'_>,
    actor: &Actor<'_>,
    item: &Item,
    action: &'static str,
    detail: String,
) -> Result<(), Error> {
    rdb::add_event(
        tx,
        item.id,
        item.unit_id,
        Some(actor.user_id),
        actor.login,
        action,
        &detail,
    )
    .await?;
    audit::append(
        tx,
        &actor.entry(action, item.unit_id, format!("item:{}", item.id), detail),
    )
    .await?;
    Ok(())
}

/// 送审: the author (or any editor of the unit) sends a draft into review. The pre-review form
/// must be complete; screening runs and its findings travel with the item.
pub async fn submit(app: &App, actor: &Actor<'_>, id: i64) -> Result<(), Error> {
    let item = item_for_action(app, actor, id).await?;
    check(
        app,
        actor,
        item.unit_id,
        &format!("item:{id}"),
        actor.grants.can_edit_items(item.unit_id),
    )
    .await?;
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
                super::audit_denial_code(
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
        super::audit_denial_code(
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
            super::audit_denial_code(
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
        super::audit_denial_code(
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

pub struct ConsultationInput<'a> {
    pub department: &'a str,
    pub contact: &'a str,
    pub held_on: &'a str,
    pub outcome: &'a str,
}

/// Records the consultation with the named department (三安全一稳定).
pub async fn consult(
    app: &App,
    actor: &Actor<'_>,
    id: i64,
    c: &ConsultationInput<'_>,
) -> Result<(), Error> {
    let item = item_for_action(app, actor, id).await?;
    check(
        app,
        actor,
        item.unit_id,
        &format!("item:{id}"),
        actor.grants.can_edit_items(item.unit_id),
    )
    .await?;
    if item.state != ItemState::Draft && item.state != ItemState::InReview {
        return Err(wrong_state(&item, "会商情况应在审核完成前记录。"));
    }
    let mut errs = Vec::new();
    for (f, v, label) in [
        ("department", c.department, "会商部门"),
        ("contact", c.contact, "对方经办人"),
        ("outcome", c.outcome, "会商结果"),
    ] {
        if sunshine_core::text::visible_len(v) == 0 {
            errs.push(FieldError::new(f, format!("请填写{label}")));
        } else if v.chars().count() > 500 {
            errs.push(FieldError::new(f, format!("{label}不能超过500个字符")));
        }
    }
    match chrono::NaiveDate::parse_from_str(
        sunshine_core::text::fold_width(c.held_on).trim(),
        "%Y-%m-%d",
    ) {
        Ok(d) if d > app.today() => errs.push(FieldError::new("held_on", "会商日期不能晚于今天")),
        Ok(_) => {}
        Err(_) => errs.push(FieldError::new(
            "held_on",
            "会商日期格式应为 年-月-日，例如 2026-11-28",
        )),
    }
    if !errs.is_empty() {
        return Err(Error::Invalid(errs));
    }
    let mut tx = app.db.begin().await?;
    rdb::insert_consultation(
        &mut tx,
        &rdb::NewConsultation {
            item_id: id,
            unit_id: item.unit_id,
            department: c.department.trim(),
            contact: c.contact.trim(),
            held_on: c.held_on.trim(),
            outcome: c.outcome.trim(),
            recorded_by: actor.user_id,
        },
    )
    .await?;
    log(
        &mut tx,
        actor,
        &item,
        "item.consultation",
        format!(
            "{} {} {}",
            c.department.trim(),
            c.held_on.trim(),
            c.outcome.trim()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

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
        let Some(item) = items::get(&mut conn, &Scope::Everything, id).await? else {
            continue;
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

/// Withdraws a published item with a reason; its page then answers 410, its 索引号 stays taken.
pub async fn withdraw(app: &App, actor: &Actor<'_>, id: i64, reason: &str) -> Result<(), Error> {
    let item = item_for_action(app, actor, id).await?;
    let target = format!("item:{id}");
    let may = actor.grants.staff_units().contains(&item.unit_id)
        && REVIEW_ROLES
            .iter()
            .any(|r| actor.grants.has(item.unit_id, *r));
    if !may {
        super::audit_denial_code(app, actor, Some(item.unit_id), target, "not_reviewer").await;
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

/// One click: replaces a maskable finding in the title and body with its masked form. This is a
/// change like any other (approvals void, chain restarts).
pub async fn mask(
    app: &App,
    actor: &Actor<'_>,
    id: i64,
    index: usize,
    masked: &str,
) -> Result<(), Error> {
    let item = item_for_action(app, actor, id).await?;
    super::check_edit(app, actor, &item).await?;
    let findings = screen_item(app, &item).await?;
    let f = findings
        .iter()
        .filter(|f| f.maskable)
        .nth(index)
        .filter(|f| f.masked == masked)
        .ok_or_else(|| {
            Error::Conflict(
                "finding_changed",
                "该筛查结果已不存在（内容可能已被修改），请刷新后再试。".into(),
            )
        })?;
    // Masked in place, wherever the same number stands in the same field: in the title as
    // typed, in the body through the map from what a reader reads back to the HTML (the result
    // is cleaned again, so a span that crossed inline tags leaves no broken markup).
    let spans = screening::mask_spans(&findings, f);
    let log_detail = format!("{} {} → {}", f.location, f.kind.label(), f.masked);
    let (f, original_title, original_body) =
        (f.clone(), item.title.clone(), item.body_html.clone());
    // Mapping and cleaning the body is CPU work: on the CPU pool.
    let (title, body) = app
        .cpu
        .run(move || {
            if f.location == screening::TITLE {
                (
                    sunshine_core::text::replace_ranges(&original_title, &spans, &f.masked),
                    original_body,
                )
            } else {
                let reader = sunshine_core::html::reader_text(&original_body);
                let in_html: Vec<(usize, usize)> = spans
                    .iter()
                    .filter_map(|(a, b)| reader.source_range(*a, *b))
                    .collect();
                let masked =
                    sunshine_core::text::replace_ranges(&original_body, &in_html, &f.masked);
                (original_title, sunshine_core::html::sanitize(&masked))
            }
        })
        .await?;
    let mut tx = app.db.begin().await?;
    let fresh = super::claim_for_edit(&mut tx, &item).await?;
    if fresh.title != item.title || fresh.body_html != item.body_html {
        return Err(Error::Conflict(
            "finding_changed",
            "内容刚刚被修改过，该筛查结果可能已不存在，请刷新后再试。".into(),
        ));
    }
    items::set_text(&mut tx, id, &title, &body).await?;
    items::add_author(&mut tx, id, item.unit_id, actor.user_id).await?;
    super::restart_review(&mut tx, actor, &item).await?;
    log(&mut tx, actor, &item, "item.mask", log_detail).await?;
    tx.commit().await?;
    rescreen(app, id).await?;
    Ok(())
}

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
