//! Review records: approvals, overrides, consultations, the item's history, unit policies.

use super::Conn;
use serde::Serialize;
use sunshine_core::review::{Approval, ReviewPolicy};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ApprovalRow {
    pub id: i64,
    pub item_id: i64,
    pub step: i64,
    pub role: String,
    pub user_id: i64,
    pub user_name: String,
    pub digest: String,
    pub comment: String,
    pub at: i64,
}

impl ApprovalRow {
    /// The approval as the core's rules read it; a row whose role no longer reads counts for no
    /// step (it can never fill one by mistake).
    pub fn as_core(&self) -> Option<Approval> {
        Some(Approval {
            step: usize::try_from(self.step).ok()?,
            role: sunshine_core::role::Role::parse(&self.role)?,
            user_id: self.user_id,
            digest: self.digest.clone(),
        })
    }
}

/// Approvals not voided, in step order, for the given items (one query for a whole queue).
pub async fn approvals_in_force(
    conn: &mut Conn,
    item_ids: &[i64],
) -> sqlx::Result<Vec<ApprovalRow>> {
    if item_ids.is_empty() {
        return Ok(vec![]);
    }
    use super::BindIds;
    let list = super::placeholders(1, item_ids.len());
    sqlx::query_as(&format!(
        "SELECT a.id, a.item_id, a.step, a.role, a.user_id, u.display_name AS user_name, a.digest, a.comment, a.at \
         FROM approvals a JOIN users u ON u.id = a.user_id WHERE a.void = 0 AND a.item_id IN ({list}) ORDER BY a.item_id, a.step"
    ))
    .bind_ids(item_ids)
    .fetch_all(conn)
    .await
}

#[expect(
    clippy::too_many_arguments,
    reason = "one column each; the call sites read as the row they write"
)]
pub async fn insert_approval(
    conn: &mut Conn,
    item_id: i64,
    unit_id: i64,
    step: usize,
    role: &str,
    user_id: i64,
    digest: &str,
    comment: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO approvals (item_id, unit_id, step, role, user_id, digest, comment, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
    )
    .bind(item_id)
    .bind(unit_id)
    .bind(step as i64)
    .bind(role)
    .bind(user_id)
    .bind(digest)
    .bind(comment)
    .bind(super::now())
    .execute(conn)
    .await?;
    Ok(())
}

/// Voids the approvals that no longer fill their step of `chain` (the importance or the unit's
/// policy changed): the step now wants another role, or the chain is shorter. Returns how many.
pub async fn void_misfits(
    conn: &mut Conn,
    item_id: i64,
    chain: &[sunshine_core::role::Role],
) -> sqlx::Result<u64> {
    let rows: Vec<(i64, i64, String)> =
        sqlx::query_as("SELECT id, step, role FROM approvals WHERE item_id = $1 AND void = 0")
            .bind(item_id)
            .fetch_all(&mut *conn)
            .await?;
    let fits = |step: i64, role: &str| {
        usize::try_from(step)
            .ok()
            .and_then(|s| chain.get(s))
            .is_some_and(|r| r.as_str() == role)
    };
    // From the first step that no longer fits on, nothing stands: a later step was approved
    // after an earlier one that is now someone else's, and must be approved again after it.
    let Some(first) = rows
        .iter()
        .filter(|(_, step, role)| !fits(*step, role))
        .map(|(_, step, _)| *step)
        .min()
    else {
        return Ok(0);
    };
    Ok(
        sqlx::query("UPDATE approvals SET void = 1 WHERE item_id = $1 AND void = 0 AND step >= $2")
            .bind(item_id)
            .bind(first)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// Voids every approval of an item (content changed, or the item was rejected).
pub async fn void_approvals(conn: &mut Conn, item_id: i64) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("UPDATE approvals SET void = 1 WHERE item_id = $1 AND void = 0")
            .bind(item_id)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct OverrideRow {
    pub id: i64,
    pub user_id: i64,
    pub user_name: String,
    pub reason: String,
    pub digest: String,
    pub at: i64,
}

pub async fn overrides(conn: &mut Conn, item_id: i64) -> sqlx::Result<Vec<OverrideRow>> {
    sqlx::query_as(
        "SELECT o.id, o.user_id, u.display_name AS user_name, o.reason, o.digest, o.at FROM overrides o \
         JOIN users u ON u.id = o.user_id WHERE o.item_id = $1 ORDER BY o.id",
    )
    .bind(item_id)
    .fetch_all(conn)
    .await
}

pub async fn insert_override(
    conn: &mut Conn,
    item_id: i64,
    unit_id: i64,
    user_id: i64,
    reason: &str,
    digest: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO overrides (item_id, unit_id, user_id, reason, digest, at) VALUES ($1,$2,$3,$4,$5,$6)")
        .bind(item_id)
        .bind(unit_id)
        .bind(user_id)
        .bind(reason)
        .bind(digest)
        .bind(super::now())
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Consultation {
    pub id: i64,
    pub department: String,
    pub contact: String,
    pub held_on: String,
    pub outcome: String,
    pub at: i64,
}

pub async fn consultations(conn: &mut Conn, item_id: i64) -> sqlx::Result<Vec<Consultation>> {
    sqlx::query_as("SELECT id, department, contact, held_on, outcome, at FROM consultations WHERE item_id = $1 ORDER BY id")
        .bind(item_id)
        .fetch_all(conn)
        .await
}

pub struct NewConsultation<'a> {
    pub item_id: i64,
    pub unit_id: i64,
    pub department: &'a str,
    pub contact: &'a str,
    pub held_on: &'a str,
    pub outcome: &'a str,
    pub recorded_by: i64,
}

pub async fn insert_consultation(conn: &mut Conn, c: &NewConsultation<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO consultations (item_id, unit_id, department, contact, held_on, outcome, recorded_by, at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
    )
    .bind(c.item_id)
    .bind(c.unit_id)
    .bind(c.department)
    .bind(c.contact)
    .bind(c.held_on)
    .bind(c.outcome)
    .bind(c.recorded_by)
    .bind(super::now())
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
#[schema(as = ReviewEvent)]
pub struct Event {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

pub async fn add_event(
    conn: &mut Conn,
    item_id: i64,
    unit_id: i64,
    actor_id: Option<i64>,
    actor: &str,
    action: &str,
    detail: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO item_events (item_id, unit_id, at, actor_id, actor, action, detail) VALUES ($1,$2,$3,$4,$5,$6,$7)")
        .bind(item_id)
        .bind(unit_id)
        .bind(super::now())
        .bind(actor_id)
        .bind(actor)
        .bind(action)
        .bind(detail)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn events(conn: &mut Conn, item_id: i64) -> sqlx::Result<Vec<Event>> {
    sqlx::query_as(
        "SELECT at, actor, action, detail FROM item_events WHERE item_id = $1 ORDER BY id",
    )
    .bind(item_id)
    .fetch_all(conn)
    .await
}

/// A stored policy as it reads: the default when none is stored.
fn policy_of(raw: Option<String>) -> ReviewPolicy {
    raw.filter(|s| !s.is_empty())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

/// The unit's review policy; the default when none is stored.
pub async fn policy(conn: &mut Conn, unit_id: i64) -> sqlx::Result<ReviewPolicy> {
    let raw: Option<String> = sqlx::query_scalar("SELECT review_policy FROM units WHERE id = $1")
        .bind(unit_id)
        .fetch_optional(conn)
        .await?;
    Ok(policy_of(raw))
}

/// The policies of several units in one statement, by unit.
pub async fn policies(
    conn: &mut Conn,
    unit_ids: &[i64],
) -> sqlx::Result<std::collections::HashMap<i64, ReviewPolicy>> {
    use super::BindIds;
    if unit_ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(i64, Option<String>)> = sqlx::query_as(&format!(
        "SELECT id, review_policy FROM units WHERE id IN ({})",
        super::placeholders(1, unit_ids.len())
    ))
    .bind_ids(unit_ids)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, raw)| (id, policy_of(raw)))
        .collect())
}

pub async fn set_policy(conn: &mut Conn, unit_id: i64, p: &ReviewPolicy) -> sqlx::Result<()> {
    let json = serde_json::to_string(p).unwrap_or_default();
    sqlx::query("UPDATE units SET review_policy = $1 WHERE id = $2")
        .bind(json)
        .bind(unit_id)
        .execute(conn)
        .await?;
    Ok(())
}
