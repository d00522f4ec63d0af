//! Review before publishing (先审查后公开): importance tiers, each unit's review chain, and the
//! rules of who may act at which step. Plain data and functions; the shell stores approvals
//! and calls these to decide.

use crate::policy::Grants;
use crate::role::Role;
use crate::FieldError;
use serde::{Deserialize, Serialize};

/// How important an item is; decides how long its review chain is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Importance {
    /// 一般信息
    General,
    /// 重要信息
    Important,
    /// 特别重要信息
    Critical,
}

impl Importance {
    pub const ALL: [Importance; 3] = [
        Importance::General,
        Importance::Important,
        Importance::Critical,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Importance::General => "general",
            Importance::Important => "important",
            Importance::Critical => "critical",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Importance::General => "一般",
            Importance::Important => "重要",
            Importance::Critical => "特别重要",
        }
    }
}

/// Roles that may sit in a review chain.
pub const REVIEW_ROLES: [Role; 4] = [Role::Director, Role::Leader, Role::Principal, Role::Admin];

/// A unit's review policy: for each importance, the roles that approve, in order. The last
/// step signs (签发).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewPolicy {
    pub general: Vec<Role>,
    pub important: Vec<Role>,
    pub critical: Vec<Role>,
}

impl Default for ReviewPolicy {
    /// The seed's practice: 一般信息由办公室主任把关，重要信息通过分管领导审查，特别重要信息经主要领导审核签字.
    fn default() -> Self {
        ReviewPolicy {
            general: vec![Role::Director],
            important: vec![Role::Director, Role::Leader],
            critical: vec![Role::Director, Role::Leader, Role::Principal],
        }
    }
}

impl ReviewPolicy {
    pub fn chain(&self, i: Importance) -> &[Role] {
        match i {
            Importance::General => &self.general,
            Importance::Important => &self.important,
            Importance::Critical => &self.critical,
        }
    }

    /// Parses a chain typed as role names separated by commas or arrows (`director,leader`).
    pub fn parse_chain(field: &'static str, s: &str) -> Result<Vec<Role>, FieldError> {
        let roles: Vec<Role> = s
            .split([',', '，', '>', '→', ' '])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                Role::parse(p)
                    .filter(|r| REVIEW_ROLES.contains(r))
                    .ok_or_else(|| {
                        FieldError::new(
                            field,
                            format!(
                                "“{p}”不能担任审核步骤：请从办公室主任、分管领导、主要领导、管理员中选择"
                            ),
                        )
                    })
            })
            .collect::<Result<_, _>>()?;
        if roles.is_empty() {
            return Err(FieldError::new(field, "审核链至少需要一个步骤"));
        }
        if roles.len() > 6 {
            return Err(FieldError::new(field, "审核链最多六个步骤"));
        }
        Ok(roles)
    }

    /// The chains by name, in order of importance.
    pub fn chains(&self) -> [(&'static str, &[Role]); 3] {
        [
            ("一般信息", self.general.as_slice()),
            ("重要信息", self.important.as_slice()),
            ("特别重要信息", self.critical.as_slice()),
        ]
    }

    /// The steps no one can take, given the roles the unit's enabled accounts hold: each chain's
    /// name, the step's number (from 1) and its role. Items of such a chain wait in nobody's
    /// queue once they reach that step.
    pub fn unstaffed(&self, held: &[Role]) -> Vec<(&'static str, usize, Role)> {
        self.chains()
            .into_iter()
            .flat_map(|(name, chain)| {
                chain
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| !held.contains(r))
                    .map(move |(i, r)| (name, i + 1, *r))
            })
            .collect()
    }

    /// A longer-or-equal chain for more important items, so raising importance never shortens
    /// review.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.important.len() < self.general.len() || self.critical.len() < self.important.len() {
            return Err(FieldError::new(
                "critical",
                "更重要的信息，审核步骤不能比次一级更少",
            ));
        }
        Ok(())
    }
}

/// One recorded approval still in force: which step, in which role, by whom, of which content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub step: usize,
    pub role: Role,
    pub user_id: i64,
    pub digest: String,
}

/// Why a review action is refused. Codes are part of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewRefusal {
    OwnItem,
    NotYourUnit,
    NotYourStep { needed: Role },
    AlreadyApproved,
    ContentChanged,
    ConsultationMissing,
    CannotLower,
    LowerNeedsReason,
}

impl ReviewRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            ReviewRefusal::OwnItem => "own_item",
            ReviewRefusal::NotYourUnit => "not_your_unit",
            ReviewRefusal::NotYourStep { .. } => "not_your_step",
            ReviewRefusal::AlreadyApproved => "already_approved",
            ReviewRefusal::ContentChanged => "content_changed",
            ReviewRefusal::ConsultationMissing => "consultation_missing",
            ReviewRefusal::CannotLower => "cannot_lower_importance",
            ReviewRefusal::LowerNeedsReason => "reason_required",
        }
    }
    pub fn message(&self) -> String {
        match self {
            ReviewRefusal::OwnItem => {
                "您起草或修改过这条信息的内容，是它的作者之一，不能审核或发布它（先审查后公开，作者不得自审）。请由本单位其他审核人办理。".into()
            }
            ReviewRefusal::NotYourUnit => "只能审核本单位的信息（谁公开谁审查）。".into(),
            ReviewRefusal::NotYourStep { needed } => {
                format!(
                    "当前步骤需要由{}审核，您没有这个岗位或还没轮到您。",
                    needed.label()
                )
            }
            ReviewRefusal::AlreadyApproved => {
                "您已审核过这条信息的前一步骤，同一人不能在同一审核链中审核两次。".into()
            }
            ReviewRefusal::ContentChanged => {
                "信息内容在您打开后已被修改，请刷新后审核最新内容。".into()
            }
            ReviewRefusal::ConsultationMissing => {
                "该信息涉及“三安全一稳定”，须先记录与有关部门的会商情况，才能最终审核通过。".into()
            }
            ReviewRefusal::CannotLower => "信息送审后，只有审核链的最后一位审核人可以在写明理由后降低重要程度；作者、编辑和其他审核人只能保持或提高。".into(),
            ReviewRefusal::LowerNeedsReason => {
                "降低重要程度须写明理由（至少5个字），理由记入审计日志。".into()
            }
        }
    }
}

/// The step (0-based) now waiting, given the approvals in force, or `None` when the chain is
/// complete: the first step of the chain with no approval recorded for it in its role. Derived
/// from the chain, never from a count of rows, so a duplicate approval cannot skip a step.
pub fn current_step(chain: &[Role], approvals: &[Approval]) -> Option<usize> {
    (0..chain.len()).find(|&i| !approvals.iter().any(|a| a.step == i && a.role == chain[i]))
}

/// Whether every step of the chain has its approval.
pub fn chain_complete(chain: &[Role], approvals: &[Approval]) -> bool {
    current_step(chain, approvals).is_none()
}

/// Whether `grants` may approve the step now waiting on an item of `unit_id` whose content was
/// written or changed by `authors`, whose content digest is `current_digest` (`seen_digest`:
/// what the reviewer saw).
pub struct ApproveCheck<'a> {
    pub grants: &'a Grants,
    pub unit_id: i64,
    pub authors: &'a [i64],
    pub chain: &'a [Role],
    pub approvals: &'a [Approval],
    pub current_digest: &'a str,
    pub seen_digest: Option<&'a str>,
    pub touches_security: bool,
    pub consulted: bool,
}

impl ApproveCheck<'_> {
    pub fn check(&self) -> Result<usize, ReviewRefusal> {
        if self.grants.can_read_unit(self.unit_id).is_err()
            || !self.grants.staff_units().contains(&self.unit_id)
        {
            return Err(ReviewRefusal::NotYourUnit);
        }
        if self.authors.contains(&self.grants.user_id) {
            return Err(ReviewRefusal::OwnItem);
        }
        let step =
            current_step(self.chain, self.approvals).ok_or(ReviewRefusal::AlreadyApproved)?;
        let needed = self.chain[step];
        if !self.grants.has(self.unit_id, needed) {
            return Err(ReviewRefusal::NotYourStep { needed });
        }
        if self
            .approvals
            .iter()
            .any(|a| a.user_id == self.grants.user_id)
        {
            return Err(ReviewRefusal::AlreadyApproved);
        }
        if self.seen_digest.is_some_and(|d| d != self.current_digest) {
            return Err(ReviewRefusal::ContentChanged);
        }
        if step + 1 == self.chain.len() && self.touches_security && !self.consulted {
            return Err(ReviewRefusal::ConsultationMissing);
        }
        Ok(step)
    }
}

/// Whether the user may act for the step now waiting (approve or reject it).
pub fn holds_step(grants: &Grants, unit_id: i64, chain: &[Role], approvals: &[Approval]) -> bool {
    current_step(chain, approvals).is_some_and(|s| grants.has(unit_id, chain[s]))
}

/// Whether the user holds the chain's last role (may override a blocking screening finding).
pub fn holds_last_step(grants: &Grants, unit_id: i64, chain: &[Role]) -> bool {
    chain.last().is_some_and(|r| grants.has(unit_id, *r))
}

/// Importance may only go up once review has begun.
pub fn raise(current: Importance, new: Importance) -> Result<Importance, ReviewRefusal> {
    if new < current {
        Err(ReviewRefusal::CannotLower)
    } else {
        Ok(new)
    }
}

/// What an editor may set the importance to: anything at or above the floor (the importance the
/// item was submitted at, or a reviewer raised it to). A raised importance stays raised through
/// rejection and edits.
pub fn editable(floor: Importance, new: Importance) -> Result<Importance, ReviewRefusal> {
    raise(floor, new)
}

/// A reviewer lowers an item's importance: only the last reviewer of its current chain (the
/// most senior one, whose step would be dropped), never one of its authors, and only with a
/// written reason (audited by the caller).
pub fn lower(
    grants: &Grants,
    unit_id: i64,
    authors: &[i64],
    chain: &[Role],
    reason: &str,
) -> Result<(), ReviewRefusal> {
    if !grants.staff_units().contains(&unit_id) {
        return Err(ReviewRefusal::NotYourUnit);
    }
    if authors.contains(&grants.user_id) {
        return Err(ReviewRefusal::OwnItem);
    }
    if !holds_last_step(grants, unit_id, chain) {
        return Err(ReviewRefusal::CannotLower);
    }
    if crate::text::visible_len(reason) < 5 {
        return Err(ReviewRefusal::LowerNeedsReason);
    }
    Ok(())
}

/// The pre-review form (预审): filled by the author, checked by the first reviewer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PreReview {
    /// 公开方式, e.g. 政府网站
    pub mode: String,
    /// 公开范围, e.g. 社会公众
    pub scope: String,
    /// 公开时限, e.g. 长期 / 至2026-12-31
    pub time_limit: String,
    /// Touches national, public or economic security or social stability (三安全一稳定).
    pub touches_security: bool,
    /// The department to consult when it does.
    pub consult_department: String,
}

impl PreReview {
    pub fn is_filled(&self) -> bool {
        !self.mode.trim().is_empty()
            && !self.scope.trim().is_empty()
            && !self.time_limit.trim().is_empty()
    }

    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        for (f, v, label) in [
            ("mode", &self.mode, "公开方式"),
            ("scope", &self.scope, "公开范围"),
            ("time_limit", &self.time_limit, "公开时限"),
        ] {
            if v.trim().is_empty() {
                e.push(FieldError::new(f, format!("请填写{label}")));
            } else if v.chars().count() > 100 {
                e.push(FieldError::new(f, format!("{label}不能超过100个字符")));
            }
        }
        if self.touches_security && self.consult_department.trim().is_empty() {
            e.push(FieldError::new(
                "consult_department",
                "涉及“三安全一稳定”的信息，须写明要会商的部门",
            ));
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Grant;

    #[test]
    fn steps_nobody_holds_are_named() {
        let p = ReviewPolicy::default();
        assert!(p
            .unstaffed(&[Role::Director, Role::Leader, Role::Principal])
            .is_empty());
        assert_eq!(
            p.unstaffed(&[Role::Director, Role::Editor]),
            vec![
                ("重要信息", 2, Role::Leader),
                ("特别重要信息", 2, Role::Leader),
                ("特别重要信息", 3, Role::Principal)
            ]
        );
        assert_eq!(p.unstaffed(&[]).len(), 6);
    }

    fn grants(user_id: i64, roles: &[Role]) -> Grants {
        Grants {
            user_id,
            grants: roles
                .iter()
                .map(|&role| Grant { unit_id: 1, role })
                .collect(),
            ..Default::default()
        }
    }

    fn check<'a>(g: &'a Grants, chain: &'a [Role], approvals: &'a [Approval]) -> ApproveCheck<'a> {
        ApproveCheck {
            grants: g,
            unit_id: 1,
            authors: &[99],
            chain,
            approvals,
            current_digest: "d1",
            seen_digest: None,
            touches_security: false,
            consulted: false,
        }
    }

    #[test]
    fn default_chains_follow_the_seed() {
        let p = ReviewPolicy::default();
        assert_eq!(p.chain(Importance::General), &[Role::Director]);
        assert_eq!(p.chain(Importance::Critical).last(), Some(&Role::Principal));
        assert!(p.validate().is_ok());
    }

    #[test]
    fn steps_in_order_each_by_its_role() {
        let chain = ReviewPolicy::default().critical;
        let leader = grants(2, &[Role::Leader]);
        assert_eq!(
            check(&leader, &chain, &[]).check(),
            Err(ReviewRefusal::NotYourStep {
                needed: Role::Director
            })
        );
        let director = grants(1, &[Role::Director]);
        assert_eq!(check(&director, &chain, &[]).check(), Ok(0));
        let a = [Approval {
            step: 0,
            role: Role::Director,
            user_id: 1,
            digest: "d1".into(),
        }];
        assert_eq!(check(&leader, &chain, &a).check(), Ok(1));
    }

    #[test]
    fn nobody_approves_twice_or_their_own() {
        let chain = ReviewPolicy::default().important;
        let both = grants(1, &[Role::Director, Role::Leader]);
        let a = [Approval {
            step: 0,
            role: Role::Director,
            user_id: 1,
            digest: "d1".into(),
        }];
        assert_eq!(
            check(&both, &chain, &a).check(),
            Err(ReviewRefusal::AlreadyApproved)
        );
        let author = grants(99, &[Role::Director]);
        assert_eq!(
            check(&author, &chain, &[]).check(),
            Err(ReviewRefusal::OwnItem)
        );
    }

    #[test]
    fn duplicate_approvals_never_skip_a_step() {
        let chain = ReviewPolicy::default().critical;
        let twice: Vec<Approval> = (0..2)
            .map(|n| Approval {
                step: 0,
                role: Role::Director,
                user_id: 1 + n,
                digest: "d1".into(),
            })
            .collect();
        assert_eq!(current_step(&chain, &twice), Some(1));
        assert!(!chain_complete(&chain, &twice));
        // An approval recorded in another role (the policy changed) does not fill the step.
        let wrong_role = [Approval {
            step: 0,
            role: Role::Leader,
            user_id: 2,
            digest: "d1".into(),
        }];
        assert_eq!(current_step(&chain, &wrong_role), Some(0));
    }

    #[test]
    fn anyone_who_changed_the_content_is_an_author() {
        let chain = ReviewPolicy::default().general;
        let d = grants(7, &[Role::Director]);
        let mut c = check(&d, &chain, &[]);
        let authors = [99, 7];
        c.authors = &authors;
        assert_eq!(c.check(), Err(ReviewRefusal::OwnItem));
    }

    #[test]
    fn only_the_last_reviewer_lowers_with_a_reason() {
        let chain = ReviewPolicy::default().important;
        let director = grants(1, &[Role::Director]);
        let leader = grants(2, &[Role::Leader]);
        assert_eq!(
            lower(&director, 1, &[9], &chain, "理由充分写明"),
            Err(ReviewRefusal::CannotLower)
        );
        assert_eq!(
            lower(&leader, 1, &[9], &chain, "短"),
            Err(ReviewRefusal::LowerNeedsReason)
        );
        assert_eq!(
            lower(&leader, 1, &[2], &chain, "理由充分写明"),
            Err(ReviewRefusal::OwnItem)
        );
        assert_eq!(lower(&leader, 1, &[9], &chain, "理由充分写明"), Ok(()));
        assert_eq!(
            editable(Importance::Important, Importance::General),
            Err(ReviewRefusal::CannotLower)
        );
    }

    #[test]
    fn other_unit_refused() {
        let chain = ReviewPolicy::default().general;
        let g = Grants {
            user_id: 5,
            grants: vec![Grant {
                unit_id: 2,
                role: Role::Director,
            }],
            ..Default::default()
        };
        assert_eq!(
            check(&g, &chain, &[]).check(),
            Err(ReviewRefusal::NotYourUnit)
        );
    }

    #[test]
    fn final_step_waits_for_consultation() {
        let chain = ReviewPolicy::default().general;
        let d = grants(1, &[Role::Director]);
        let mut c = check(&d, &chain, &[]);
        c.touches_security = true;
        assert_eq!(c.check(), Err(ReviewRefusal::ConsultationMissing));
        c.consulted = true;
        assert_eq!(c.check(), Ok(0));
    }

    #[test]
    fn stale_view_refused() {
        let chain = ReviewPolicy::default().general;
        let d = grants(1, &[Role::Director]);
        let mut c = check(&d, &chain, &[]);
        c.seen_digest = Some("d0");
        assert_eq!(c.check(), Err(ReviewRefusal::ContentChanged));
    }

    #[test]
    fn importance_only_rises() {
        assert_eq!(
            raise(Importance::Important, Importance::Critical),
            Ok(Importance::Critical)
        );
        assert_eq!(
            raise(Importance::Important, Importance::General),
            Err(ReviewRefusal::CannotLower)
        );
    }

    #[test]
    fn chain_parsing() {
        assert_eq!(
            ReviewPolicy::parse_chain("g", "director, leader").unwrap(),
            vec![Role::Director, Role::Leader]
        );
        assert!(ReviewPolicy::parse_chain("g", "editor").is_err());
        assert!(ReviewPolicy::parse_chain("g", "").is_err());
        let p = ReviewPolicy {
            general: vec![Role::Director, Role::Leader, Role::Admin],
            ..Default::default()
        };
        assert!(p.validate().is_err());
    }

    #[test]
    fn prereview_rules() {
        let mut p = PreReview {
            mode: "政府网站".into(),
            scope: "社会公众".into(),
            time_limit: "长期".into(),
            ..Default::default()
        };
        assert!(p.is_filled() && p.validate().is_empty());
        p.touches_security = true;
        assert_eq!(p.validate()[0].field, "consult_department");
    }
}
