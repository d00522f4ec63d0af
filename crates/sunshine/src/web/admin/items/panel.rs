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
    /// The user reviews this item (and did not write it): the page shows it as it will be
    /// published, with the edit form folded away.
    pub reading: bool,
    /// Approving is possible but publishing would be refused: a blocking finding stands.
    pub approve_warning: bool,
    /// Why an approved item cannot be published yet (empty: it can).
    pub publish_blocked: String,
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
    let blocked = st.blocking && !st.override_in_force;
    let complete = sunshine_core::review::chain_complete(&st.chain, &approvals);
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
        state_label: if st.state == ItemState::Draft && !st.review_comment.is_empty() {
            "已退回"
        } else {
            st.state.label()
        },
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
            && g.can_publish(item.unit_id, &st.authors).is_ok()
            && !blocked
            && complete,
        can_withdraw: st.state == ItemState::Published && reviewer,
        can_raise: under_review && reviewer && !author,
        can_mask: mine
            && matches!(
                st.state,
                ItemState::Draft | ItemState::InReview | ItemState::Approved
            ),
        reading: mine && !author && reviewer && under_review,
        approve_warning: blocked,
        publish_blocked: if st.state != ItemState::Approved {
            String::new()
        } else if blocked {
            "不能发布：有阻止发布的筛查结果。请先由作者修改原文（或一键遮盖），或由审核链最后一位审核人书面放行。".into()
        } else if !complete {
            "不能发布：审核通过后内容或审核链有变化，须重新审核。".into()
        } else {
            String::new()
        },
    }
}

/// Sanitized HTML with each of `needles` marked where it stands (`<mark class="finding">`), for
/// the reviewer's reading view. Only text between tags is searched, so no markup is split;
/// the needles are escaped as the HTML's text is.
pub fn marked(html: &str, needles: &[String]) -> String {
    let mut needles: Vec<String> = needles
        .iter()
        .filter(|n| !n.is_empty())
        .map(|n| {
            n.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        })
        .collect();
    // A number found several times is one needle.
    needles.sort_unstable();
    needles.dedup();
    if needles.is_empty() {
        return html.to_owned();
    }
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    // '<' and '>' are ASCII: the cuts below fall between characters.
    while let Some(lt) = rest.find('<') {
        mark_text(&rest[..lt], &needles, &mut out);
        let gt = rest[lt..].find('>').map_or(rest.len(), |g| lt + g + 1);
        out.push_str(&rest[lt..gt]);
        rest = &rest[gt..];
    }
    mark_text(rest, &needles, &mut out);
    out
}

fn mark_text(text: &str, needles: &[String], out: &mut String) {
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        // The earliest match, the longest at one place.
        let hit = needles
            .iter()
            .filter_map(|n| rest.find(n.as_str()).map(|p| (p, n)))
            .min_by_key(|(p, n)| (*p, std::cmp::Reverse(n.len())));
        let Some((p, n)) = hit else {
            out.push_str(rest);
            return;
        };
        out.push_str(&rest[..p]);
        out.push_str("<mark class=\"finding\">");
        out.push_str(n);
        out.push_str("</mark>");
        i += p + n.len();
    }
}

#[cfg(test)]
mod tests {
    use super::marked;

    #[test]
    fn findings_are_marked_in_text_never_in_markup() {
        let html =
            r#"<p title="13812345678">电话 13812345678，邮箱 a&amp;b@x.cn</p><p>13812345678</p>"#;
        let out = marked(html, &["13812345678".into(), "a&b@x.cn".into()]);
        assert_eq!(
            out,
            r#"<p title="13812345678">电话 <mark class="finding">13812345678</mark>，邮箱 <mark class="finding">a&amp;b@x.cn</mark></p><p><mark class="finding">13812345678</mark></p>"#
        );
        assert_eq!(marked("<p>无</p>", &[]), "<p>无</p>");
        assert_eq!(
            marked("<p>绝密★</p>", &["绝密".into(), "绝密★".into()]),
            "<p><mark class=\"finding\">绝密★</mark></p>"
        );
    }
}
