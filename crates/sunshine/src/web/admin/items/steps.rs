//! The review steps posted from the item page, each with its own fields.

use super::*;

/// One review step posted from the item page (`/admin/items/{id}/review/{action}`), each with
/// exactly its own fields; the action names the step.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ReviewStep {
    Submit,
    Approve {
        #[serde(default)]
        comment: String,
        /// The content digest the reviewer saw: an approval binds to it.
        #[serde(default)]
        digest: String,
    },
    Reject {
        #[serde(default)]
        comment: String,
    },
    Publish {
        /// 定时发布: when, or now.
        #[serde(default)]
        at: String,
    },
    Withdraw {
        #[serde(default)]
        reason: String,
    },
    Override {
        #[serde(default)]
        reason: String,
    },
    Importance {
        #[serde(default)]
        importance: String,
        #[serde(default)]
        reason: String,
    },
    Consult {
        #[serde(default)]
        department: String,
        #[serde(default)]
        contact: String,
        #[serde(default)]
        held_on: String,
        #[serde(default)]
        outcome: String,
    },
    Mask {
        #[serde(default)]
        index: String,
        #[serde(default)]
        masked: String,
    },
}

impl ReviewStep {
    pub const ACTIONS: &'static [&'static str] = &[
        "submit",
        "approve",
        "reject",
        "publish",
        "withdraw",
        "override",
        "importance",
        "consult",
        "mask",
    ];

    /// The step an action names, read from the form's fields; none for an unknown action.
    pub fn read(action: &str, mut fields: Vec<(String, String)>) -> Option<ReviewStep> {
        if !Self::ACTIONS.contains(&action) {
            return None;
        }
        fields.retain(|(k, _)| k != "action");
        fields.push(("action".into(), action.into()));
        let body = serde_urlencoded::to_string(&fields).ok()?;
        serde_urlencoded::from_str(&body).ok()
    }
}

pub async fn review_action(
    On { staff, id, .. }: ItemReviewer,
    State(state): State<AppState>,
    Path((_, action)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let step = ReviewStep::read(&action, fields).ok_or(Error::NotFound)?;
    let actor = staff.actor();
    let done = match step {
        ReviewStep::Submit => {
            review::submit(&state, &actor, id).await?;
            "submitted"
        }
        ReviewStep::Approve { comment, digest } => {
            let seen = Some(digest.as_str()).filter(|d| !d.is_empty());
            review::approve(&state, &actor, id, &comment, seen).await?;
            "approved"
        }
        ReviewStep::Reject { comment } => {
            review::reject(&state, &actor, id, &comment).await?;
            "rejected"
        }
        ReviewStep::Publish { at } => {
            let at = Some(at.trim())
                .filter(|s| !s.is_empty())
                .map(crate::web::api::parse_time)
                .transpose()?;
            match review::publish(&state, &actor, id, at).await? {
                review::Published::Now => "published",
                review::Published::Scheduled => "scheduled",
            }
        }
        ReviewStep::Withdraw { reason } => {
            review::withdraw(&state, &actor, id, &reason).await?;
            "withdrawn"
        }
        ReviewStep::Override { reason } => {
            review::override_findings(&state, &actor, id, &reason).await?;
            "overridden"
        }
        ReviewStep::Importance { importance, reason } => {
            match review::set_importance(&state, &actor, id, &importance, &reason).await? {
                review::ImportanceChange::Raised => "raised",
                review::ImportanceChange::Lowered => "lowered",
                review::ImportanceChange::Unchanged => "unchanged",
            }
        }
        ReviewStep::Consult {
            department,
            contact,
            held_on,
            outcome,
        } => {
            let c = review::ConsultationInput {
                department: &department,
                contact: &contact,
                held_on: &held_on,
                outcome: &outcome,
            };
            review::consult(&state, &actor, id, &c).await?;
            "consulted"
        }
        ReviewStep::Mask { index, masked } => {
            let index = index
                .parse()
                .map_err(|_| FieldError::new("index", "要遮盖的筛查结果不存在，请刷新后再试"))?;
            review::mask(&state, &actor, id, index, &masked).await?;
            "masked"
        }
    };
    Ok(Redirect::to(&format!("/admin/items/{id}?done={done}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::ReviewStep;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect()
    }

    #[test]
    fn each_review_step_takes_its_own_fields() {
        assert_eq!(
            ReviewStep::read("submit", pairs(&[("comment", "x")])),
            Some(ReviewStep::Submit)
        );
        assert_eq!(
            ReviewStep::read(
                "reject",
                pairs(&[("comment", "请补充依据"), ("reason", "ignored")])
            ),
            Some(ReviewStep::Reject {
                comment: "请补充依据".into()
            })
        );
        // The path names the step; a field called "action" does not.
        assert_eq!(
            ReviewStep::read(
                "withdraw",
                pairs(&[("action", "publish"), ("reason", "已失效")])
            ),
            Some(ReviewStep::Withdraw {
                reason: "已失效".into()
            })
        );
        assert_eq!(ReviewStep::read("explode", vec![]), None);
        assert_eq!(
            ReviewStep::read("mask", vec![]),
            Some(ReviewStep::Mask {
                index: String::new(),
                masked: String::new()
            })
        );
    }
}
