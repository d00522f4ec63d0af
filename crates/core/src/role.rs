//! Staff roles. A user holds roles per unit; the supervisor role sits on the city unit and reads
//! every unit below it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 信息员: drafts items.
    Editor,
    /// 办公室主任: first-level review; publishes (until the review workflow arrives).
    Director,
    /// 分管领导
    Leader,
    /// 主要领导
    Principal,
    /// 管理员: unit settings, columns, accounts.
    Admin,
    /// 监督员 (city): reads every unit.
    Supervisor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Editor,
        Role::Director,
        Role::Leader,
        Role::Principal,
        Role::Admin,
        Role::Supervisor,
    ];

    /// The name used on the command line and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Editor => "editor",
            Role::Director => "director",
            Role::Leader => "leader",
            Role::Principal => "principal",
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Editor => "信息员",
            Role::Director => "办公室主任",
            Role::Leader => "分管领导",
            Role::Principal => "主要领导",
            Role::Admin => "管理员",
            Role::Supervisor => "监督员",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
        assert_eq!(Role::Director.label(), "办公室主任");
    }
}
