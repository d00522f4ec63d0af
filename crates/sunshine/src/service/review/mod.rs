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

mod approve;
mod consult;
mod importance;
mod mask;
mod overrides;
mod policy;
mod publish;
mod queue;
mod submit;
mod withdraw;

pub use approve::*;
pub use consult::*;
pub use importance::*;
pub use mask::*;
pub use overrides::*;
pub use policy::*;
pub use publish::*;
pub use queue::*;
pub use submit::*;
pub use withdraw::*;

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

/// For workflow actions that change the item: as [`item_for_action`], and the actor may edit
/// the unit's items (refusal audited).
async fn item_to_edit(app: &App, actor: &Actor<'_>, id: i64) -> Result<Item, Error> {
    let item = item_for_action(app, actor, id).await?;
    crate::service::check(
        app,
        actor,
        item.unit_id,
        &format!("item:{id}"),
        actor.grants.can_edit_items(item.unit_id),
    )
    .await?;
    Ok(item)
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
