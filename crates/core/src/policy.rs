//! Who may do what. Every check takes the unit the record belongs to, so one unit's staff never
//! reach another unit's records; the storage layer additionally scopes its queries by unit.

use crate::role::Role;
use serde::Serialize;

/// One role held on one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub unit_id: i64,
    pub role: Role,
}

/// Everything a signed-in user holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Grants {
    pub user_id: i64,
    pub grants: Vec<Grant>,
    /// The units the user's supervisor grants cover: each granted unit and every unit below it
    /// (a city grant covers the city). Sorted, without duplicates.
    pub supervised: Vec<i64>,
    /// Whether a supervisor grant sits on a root unit (the city itself), so that records kept for
    /// no unit in particular (sign-ins, calendar loads) are within reach too.
    pub city_wide: bool,
}

/// Why an action was refused. The code is stable (API contract); the message is for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    NotYourUnit,
    NotEditor,
    NotDirector,
    OwnItem,
    NotAdmin,
    NotSupervisor,
    NotAuditor,
}

impl Denied {
    pub const ALL: [Denied; 7] = [
        Denied::NotYourUnit,
        Denied::NotEditor,
        Denied::NotDirector,
        Denied::OwnItem,
        Denied::NotAdmin,
        Denied::NotSupervisor,
        Denied::NotAuditor,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Denied::NotYourUnit => "not_your_unit",
            Denied::NotEditor => "not_editor",
            Denied::NotDirector => "not_director",
            Denied::OwnItem => "own_item",
            Denied::NotAdmin => "not_admin",
            Denied::NotSupervisor => "not_supervisor",
            Denied::NotAuditor => "not_auditor",
        }
    }
    pub fn message(self) -> &'static str {
        match self {
            Denied::NotYourUnit => "您不是该单位的工作人员，不能查看或处理该单位的信息。",
            Denied::NotEditor => "您在该单位没有编辑信息的权限，请联系本单位管理员。",
            Denied::NotDirector => {
                "只有本单位的审核人员（办公室主任、分管领导、主要领导）可以发布或撤回信息。"
            }
            Denied::OwnItem => {
                "不能发布自己起草或修改过的信息：请由本单位另一位审核人发布（先审查后公开）。"
            }
            Denied::NotAdmin => {
                "只有本单位管理员可以查看和修改单位设置、栏目、审核链和账号：请联系本单位管理员。"
            }
            Denied::NotSupervisor => {
                "只有监督员可以查看所辖各单位的监督统计和依申请公开办理情况总览：如需查看，请联系上级单位管理员分配监督员岗位。"
            }
            Denied::NotAuditor => "只有单位管理员和监督员可以查看审计日志：请联系本单位管理员。",
        }
    }
}

impl Grants {
    /// The grants of a user, with the supervised units worked out from the unit tree
    /// (`parents`: every unit with its parent).
    pub fn new(user_id: i64, grants: Vec<Grant>, parents: &[(i64, Option<i64>)]) -> Grants {
        let roots: Vec<i64> = grants
            .iter()
            .filter(|g| g.role == Role::Supervisor)
            .map(|g| g.unit_id)
            .collect();
        let supervised = subtree(&roots, parents);
        let city_wide = roots
            .iter()
            .any(|r| parents.iter().any(|(id, p)| id == r && p.is_none()));
        Grants {
            user_id,
            grants,
            supervised,
            city_wide,
        }
    }

    pub fn has(&self, unit_id: i64, role: Role) -> bool {
        self.grants
            .iter()
            .any(|g| g.unit_id == unit_id && g.role == role)
    }

    /// Units where the user holds any staff role (not counting supervision).
    pub fn staff_units(&self) -> Vec<i64> {
        let mut units: Vec<i64> = self
            .grants
            .iter()
            .filter(|g| g.role != Role::Supervisor)
            .map(|g| g.unit_id)
            .collect();
        units.sort_unstable();
        units.dedup();
        units
    }

    fn is_staff_of(&self, unit_id: i64) -> bool {
        self.grants
            .iter()
            .any(|g| g.unit_id == unit_id && g.role != Role::Supervisor)
    }

    /// Whether a supervisor grant covers the unit.
    pub fn supervises(&self, unit_id: i64) -> bool {
        self.supervised.binary_search(&unit_id).is_ok()
    }

    /// Every unit the user may read: where they work, and what they supervise.
    pub fn readable_units(&self) -> Vec<i64> {
        let mut units = self.staff_units();
        units.extend(&self.supervised);
        units.sort_unstable();
        units.dedup();
        units
    }

    /// Reading a unit's drafts and settings: its staff, and the supervisors whose grant covers it.
    pub fn can_read_unit(&self, unit_id: i64) -> Result<(), Denied> {
        if self.is_staff_of(unit_id) || self.supervises(unit_id) {
            Ok(())
        } else {
            Err(Denied::NotYourUnit)
        }
    }

    /// Creating and editing items: any staff role of the unit except supervision.
    pub fn can_edit_items(&self, unit_id: i64) -> Result<(), Denied> {
        if self.is_staff_of(unit_id) {
            Ok(())
        } else {
            Err(Denied::NotYourUnit)
        }
    }

    /// Publishing an approved item: a reviewer of the unit (办公室主任, 分管领导 or 主要领导),
    /// never one of the item's authors, i.e. anyone who wrote or changed its content (先审查后公开).
    pub fn can_publish(&self, unit_id: i64, authors: &[i64]) -> Result<(), Denied> {
        if !self.is_staff_of(unit_id) {
            return Err(Denied::NotYourUnit);
        }
        if ![Role::Director, Role::Leader, Role::Principal]
            .iter()
            .any(|r| self.has(unit_id, *r))
        {
            return Err(Denied::NotDirector);
        }
        if authors.contains(&self.user_id) {
            return Err(Denied::OwnItem);
        }
        Ok(())
    }

    /// The supervision views: a supervisor, over the units their grant covers.
    pub fn can_supervise(&self) -> Result<&[i64], Denied> {
        if self.supervised.is_empty() {
            Err(Denied::NotSupervisor)
        } else {
            Ok(&self.supervised)
        }
    }

    /// The audit log: of the units the user administers, and of those they supervise.
    pub fn audited_units(&self) -> Result<Vec<i64>, Denied> {
        let mut units: Vec<i64> = self
            .grants
            .iter()
            .filter(|g| g.role == Role::Admin)
            .map(|g| g.unit_id)
            .collect();
        units.extend(&self.supervised);
        units.sort_unstable();
        units.dedup();
        if units.is_empty() {
            Err(Denied::NotAuditor)
        } else {
            Ok(units)
        }
    }

    /// Unit settings and columns: the unit's administrator.
    pub fn can_manage_unit(&self, unit_id: i64) -> Result<(), Denied> {
        // Someone who works for or oversees the unit is told the rule they miss; a stranger,
        // that the unit is not theirs.
        let known = self.grants.iter().any(|g| g.unit_id == unit_id) || self.supervises(unit_id);
        if !known {
            return Err(Denied::NotYourUnit);
        }
        if self.has(unit_id, Role::Admin) {
            Ok(())
        } else {
            Err(Denied::NotAdmin)
        }
    }
}

/// The given units and every unit below them, from `(unit, parent)` pairs. Sorted, deduplicated;
/// safe on a malformed tree (a cycle ends the walk).
pub fn subtree(roots: &[i64], parents: &[(i64, Option<i64>)]) -> Vec<i64> {
    let mut out: Vec<i64> = roots
        .iter()
        .copied()
        .filter(|r| parents.iter().any(|(id, _)| id == r))
        .collect();
    let mut frontier = out.clone();
    while let Some(u) = frontier.pop() {
        for (id, p) in parents {
            if *p == Some(u) && !out.contains(id) {
                out.push(*id);
                frontier.push(*id);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unit 1 is the city; 2 and 3 are its townships; 4 sits under 2.
    const TREE: [(i64, Option<i64>); 5] = [
        (1, None),
        (2, Some(1)),
        (3, Some(1)),
        (4, Some(2)),
        (5, None),
    ];

    fn g(user_id: i64, grants: &[(i64, Role)]) -> Grants {
        Grants::new(
            user_id,
            grants
                .iter()
                .map(|&(unit_id, role)| Grant { unit_id, role })
                .collect(),
            &TREE,
        )
    }

    #[test]
    fn author_never_publishes_own_item() {
        let director = g(7, &[(1, Role::Editor), (1, Role::Director)]);
        assert_eq!(director.can_publish(1, &[7]), Err(Denied::OwnItem));
        assert_eq!(director.can_publish(1, &[8]), Ok(()));
    }

    #[test]
    fn editor_cannot_publish() {
        assert_eq!(
            g(7, &[(1, Role::Editor)]).can_publish(1, &[8]),
            Err(Denied::NotDirector)
        );
    }

    #[test]
    fn other_units_are_out_of_reach() {
        let staff = g(7, &[(1, Role::Admin), (1, Role::Director)]);
        assert_eq!(staff.can_read_unit(2), Err(Denied::NotYourUnit));
        assert_eq!(staff.can_edit_items(2), Err(Denied::NotYourUnit));
        assert_eq!(staff.can_publish(2, &[8]), Err(Denied::NotYourUnit));
        assert_eq!(staff.can_manage_unit(2), Err(Denied::NotYourUnit));
    }

    #[test]
    fn supervisors_see_what_they_supervise() {
        let township = g(9, &[(2, Role::Supervisor)]);
        assert_eq!(township.supervised, vec![2, 4]);
        assert_eq!(township.can_read_unit(4), Ok(()));
        assert_eq!(township.can_read_unit(3), Err(Denied::NotYourUnit));
        assert_eq!(township.can_read_unit(1), Err(Denied::NotYourUnit));
        assert!(!township.city_wide);
        let city = g(9, &[(1, Role::Supervisor)]);
        assert_eq!(city.supervised, vec![1, 2, 3, 4]);
        assert!(city.city_wide);
        assert_eq!(city.can_read_unit(5), Err(Denied::NotYourUnit));
        // A cycle in a damaged tree ends the walk.
        assert_eq!(subtree(&[7], &[(7, Some(8)), (8, Some(7))]), vec![7, 8]);
    }

    #[test]
    fn supervision_and_the_audit_log_have_their_own_rights() {
        let township = g(9, &[(2, Role::Supervisor)]);
        assert_eq!(township.can_supervise(), Ok(&[2, 4][..]));
        let editor = g(7, &[(1, Role::Editor)]);
        assert_eq!(editor.can_supervise(), Err(Denied::NotSupervisor));
        assert_eq!(editor.audited_units(), Err(Denied::NotAuditor));
        // An administrator reads the log of their unit; a supervisor, of what they supervise.
        let both = g(7, &[(3, Role::Admin), (2, Role::Supervisor)]);
        assert_eq!(both.audited_units(), Ok(vec![2, 3, 4]));
        for d in [Denied::NotSupervisor, Denied::NotAuditor] {
            assert!(d.message().starts_with("只有"), "{}", d.message());
        }
    }

    #[test]
    fn supervisor_reads_all_but_edits_nothing() {
        let sup = g(9, &[(1, Role::Supervisor)]);
        assert_eq!(sup.can_read_unit(3), Ok(()));
        assert_eq!(sup.can_edit_items(1), Err(Denied::NotYourUnit));
        assert_eq!(sup.can_publish(1, &[3]), Err(Denied::NotYourUnit));
    }

    #[test]
    fn only_admin_manages_unit() {
        assert_eq!(
            g(1, &[(1, Role::Director)]).can_manage_unit(1),
            Err(Denied::NotAdmin)
        );
        assert_eq!(g(1, &[(1, Role::Admin)]).can_manage_unit(1), Ok(()));
    }
}
