//! The review panel beside an item: the chain, who acts next, findings, what this user may do.

use super::*;

pub struct StepRow {
    pub n: usize,
    pub role: &'static str,
    pub status: &'static str,
    pub by: String,
    pub at: String,
    pub comment: String,
}

pub struct FindingRow {
    pub blocking: bool,
    pub label: &'static str,
    pub location: String,
    pub excerpt: String,
    pub message: String,
    pub mask_index: Option<usize>,
    pub masked: String,
}

/// What the review panel shows and which buttons it offers this user.
pub struct ReviewPanel {
    pub state_label: &'static str,
    pub importance: &'static str,
    pub importance_key: &'static str,
    pub steps: Vec<StepRow>,
    pub waiting: String,
    pub digest: String,
    pub findings: Vec<FindingRow>,
    pub overridden: Vec<String>,
    pub consultations: Vec<String>,
    pub events: Vec<String>,
    pub review_comment: String,
    pub publish_at: String,
    pub needs_consultation: bool,
    pub can_submit: bool,
    pub can_approve: bool,
    pub can_reject: bool,
    pub can_override: bool,
    pub can_publish: bool,
    pub can_withdraw: bool,
    pub can_raise: bool,
    pub can_mask: bool,
}

/// What an item's history calls each step, for people.
pub(super) fn review_panel(staff: &Staff, item: &Item, st: review::ReviewState) -> ReviewPanel {
    use sunshine_core::review::{holds_last_step, holds_step, REVIEW_ROLES};
    let g = &staff.grants;
    let mine = g.staff_units().contains(&item.unit_id);
    let author = st.authors.contains(&staff.user.id);
    let approvals = st.core_approvals();
    let i_approved = approvals.iter().any(|a| a.user_id == staff.user.id);
    let reviewer = mine && REVIEW_ROLES.iter().any(|r| g.has(item.unit_id, *r));
    let in_review = st.state == ItemState::InReview;
    let under_review = in_review || st.state == ItemState::Approved;
    let mut mask_n = 0;
    let findings = st
        .findings
        .iter()
        .map(|f| {
            let idx = f.maskable.then(|| {
                mask_n += 1;
                mask_n - 1
            });
            FindingRow {
                blocking: f.severity == sunshine_core::screening::Severity::Blocking,
                label: f.kind.label(),
                location: f.location.clone(),
                excerpt: f.excerpt.clone(),
                message: f.message.clone(),
                mask_index: idx,
                masked: f.masked.clone(),
            }
        })
        .collect();
    ReviewPanel {
        state_label: st.state.label(),
        importance: st.importance.label(),
        importance_key: st.importance.as_str(),
        steps: st
            .chain
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let a = st.approvals.iter().find(|a| a.step as usize == i);
                StepRow {
                    n: i + 1,
                    role: r.label(),
                    status: if a.is_some() {
                        "已通过"
                    } else if st.step == Some(i) {
                        "待审核"
                    } else {
                        "未开始"
                    },
                    by: a.map(|a| a.user_name.clone()).unwrap_or_default(),
                    at: a.map(|a| review::fmt_time(a.at)).unwrap_or_default(),
                    comment: a.map(|a| a.comment.clone()).unwrap_or_default(),
                }
            })
            .collect(),
        waiting: st
            .step
            .map(|s| format!("等待第{}步：{}审核", s + 1, st.chain[s].label()))
            .unwrap_or_default(),
        digest: st.digest.clone(),
        findings,
        overridden: st
            .overrides
            .iter()
            .filter(|o| o.digest == st.digest)
            .map(|o| {
                format!(
                    "{}（{}）：{}",
                    o.user_name,
                    review::fmt_time(o.at),
                    o.reason
                )
            })
            .collect(),
        consultations: st
            .consultations
            .iter()
            .map(|c| {
                format!(
                    "{} 与{}（{}）会商：{}",
                    c.held_on, c.department, c.contact, c.outcome
                )
            })
            .collect(),
        events: st
            .events
            .iter()
            .map(|e| {
                format!(
                    "{} {} {} {}",
                    review::fmt_time(e.at),
                    e.actor,
                    crate::web::admin::words::action(&e.action),
                    crate::web::admin::words::detail(&e.detail)
                )
            })
            .collect(),
        review_comment: st.review_comment.clone(),
        publish_at: st.publish_at.map(review::fmt_time).unwrap_or_default(),
        needs_consultation: st.prereview.touches_security && st.consultations.is_empty(),
        can_submit: st.state == ItemState::Draft && mine,
        can_approve: in_review
            && mine
            && !author
            && !i_approved
            && holds_step(g, item.unit_id, &st.chain, &approvals),
        can_reject: under_review
            && mine
            && !author
            && (holds_step(g, item.unit_id, &st.chain, &approvals)
                || holds_last_step(g, item.unit_id, &st.chain)),
        can_override: under_review
            && mine
            && !author
            && st.blocking
            && !st.override_in_force
            && holds_last_step(g, item.unit_id, &st.chain),
        can_publish: st.state == ItemState::Approved
            && g.can_publish(item.unit_id, &st.authors).is_ok(),
        can_withdraw: st.state == ItemState::Published && reviewer,
        can_raise: under_review && reviewer && !author,
        can_mask: mine
            && matches!(
                st.state,
                ItemState::Draft | ItemState::InReview | ItemState::Approved
            ),
    }
}
