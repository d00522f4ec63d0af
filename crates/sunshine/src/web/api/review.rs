//! `/api/v1/items/{id}/…`: the review workflow, as the back office's review panel.

use super::items::{item_after, ItemJson};
use super::ApiErrorJson;
use super::{optional_body, parse_time, ApiJson, ApiStaff};
use crate::service::review;
use crate::web::error::ApiError;
use crate::web::extract::parse_id;
use crate::web::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use sunshine_core::item::ItemState;
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct CommentBody {
    comment: String,
    digest: Option<String>,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct ReasonBody {
    reason: String,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct PublishBody {
    /// RFC 3339 time, or `YYYY-MM-DDTHH:MM` in China Standard Time; absent or past: now.
    at: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/items/{id}/publish", tag = "staff", summary = "Publish an approved item now, or at a set time (定时发布)", params(("id" = i64, Path, minimum = 1, description = "Item id")), request_body(content = Option<PublishBody>, description = "Optional"), responses((status = 200, body = ItemJson, description = "The item"), (status = 401, body = ApiErrorJson, description = "No or bad token"), (status = 403, body = ApiErrorJson, description = "Not allowed for this unit or step"), (status = 404, body = ApiErrorJson, description = "No such item"), (status = 409, body = ApiErrorJson, description = "The item's state does not allow it"), (status = 422, body = ApiErrorJson, description = "A field to correct")), security(("bearer" = [])))]
pub async fn publish_item(
    State(app): State<AppState>,
    staff: ApiStaff,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<ItemJson>, ApiError> {
    let id = parse_id(&id)?;
    let b: PublishBody = optional_body(&body)?;
    let at =
        b.at.as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(parse_time)
            .transpose()?;
    review::publish(&app, &staff.actor(), id, at).await?;
    item_after(&app, &staff, id).await
}

/// One workflow step of the API: parse the id and the (optional) JSON body, call the review
/// service as the token's user, answer with the item.
macro_rules! workflow_step {
    ($(#[$doc:meta])* $name:ident, $path:tt, $summary:tt, $body:ty, |$app:ident, $actor:ident, $id:ident, $b:ident| $call:expr) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "staff", summary = $summary, params(("id" = i64, Path, minimum = 1, description = "Item id")), request_body(content = Option<$body>, description = "Optional: an empty body is allowed"), responses((status = 200, body = ItemJson, description = "The item after the step"), (status = 401, body = ApiErrorJson, description = "No or bad token"), (status = 403, body = ApiErrorJson, description = "Not allowed for this unit or step"), (status = 404, body = ApiErrorJson, description = "No such item"), (status = 409, body = ApiErrorJson, description = "The item's state does not allow it"), (status = 422, body = ApiErrorJson, description = "A field to correct")), security(("bearer" = [])))]
        pub async fn $name(
            State($app): State<AppState>,
            staff: ApiStaff,
            Path(id): Path<String>,
            body: axum::body::Bytes,
        ) -> Result<Json<ItemJson>, ApiError> {
            let $id = parse_id(&id)?;
            let $b: $body = optional_body(&body)?;
            let $actor = staff.actor();
            $call.await?;
            item_after(&$app, &staff, $id).await
        }
    };
}

workflow_step!(
    /// 送审.
    submit_item, "/api/v1/items/{id}/submit", "送审: submit a draft for review", ReasonBody, |app, actor, id, _b| review::submit(&app, &actor, id)
);
workflow_step!(
    /// Approves the step now waiting, for the digest seen (when given).
    approve_item, "/api/v1/items/{id}/approve", "Approve the step now waiting (for the digest seen, when given)", CommentBody, |app, actor, id, b| review::approve(&app, &actor, id, &b.comment, b.digest.as_deref())
);
workflow_step!(
    /// Returns the item to its author with comments.
    reject_item, "/api/v1/items/{id}/reject", "Return the item to its author with comments", CommentBody, |app, actor, id, b| review::reject(&app, &actor, id, &b.comment)
);
workflow_step!(
    /// Withdraws a published item.
    withdraw_item, "/api/v1/items/{id}/withdraw", "Withdraw a published item, with the reason", ReasonBody, |app, actor, id, b| review::withdraw(&app, &actor, id, &b.reason)
);
workflow_step!(
    /// The last reviewer overrides blocking screening findings in writing.
    override_item, "/api/v1/items/{id}/override", "The last reviewer overrides blocking screening findings in writing", ReasonBody, |app, actor, id, b| review::override_findings(&app, &actor, id, &b.reason)
);

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct ImportanceBody {
    importance: String,
    /// Required when lowering (only the last reviewer of the chain may).
    reason: String,
}

#[utoipa::path(post, path = "/api/v1/items/{id}/importance", tag = "staff", summary = "Raise the importance (the chain grows), or lower it with a reason (last reviewer only)", params(("id" = i64, Path, minimum = 1, description = "Item id")), request_body = ImportanceBody, responses((status = 200, body = ItemJson, description = "The item"), (status = 401, body = ApiErrorJson, description = "No or bad token"), (status = 403, body = ApiErrorJson, description = "Not allowed for this unit or step"), (status = 404, body = ApiErrorJson, description = "No such item"), (status = 409, body = ApiErrorJson, description = "The item's state does not allow it"), (status = 422, body = ApiErrorJson, description = "A field to correct")), security(("bearer" = [])))]
pub async fn raise_importance(
    State(app): State<AppState>,
    staff: ApiStaff,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ImportanceBody>,
) -> Result<Json<ItemJson>, ApiError> {
    let id = parse_id(&id)?;
    review::set_importance(&app, &staff.actor(), id, &b.importance, &b.reason).await?;
    item_after(&app, &staff, id).await
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct ConsultationBody {
    department: String,
    contact: String,
    held_on: String,
    outcome: String,
}

#[utoipa::path(post, path = "/api/v1/items/{id}/consultations", tag = "staff", summary = "Record a consultation (会商) with another department", params(("id" = i64, Path, minimum = 1, description = "Item id")), request_body = ConsultationBody, responses((status = 200, body = ReviewJson, description = "The review state"), (status = 401, body = ApiErrorJson, description = "No or bad token"), (status = 403, body = ApiErrorJson, description = "Not allowed for this unit or step"), (status = 404, body = ApiErrorJson, description = "No such item"), (status = 409, body = ApiErrorJson, description = "The item's state does not allow it"), (status = 422, body = ApiErrorJson, description = "A field to correct")), security(("bearer" = [])))]
pub async fn add_consultation(
    State(app): State<AppState>,
    staff: ApiStaff,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ConsultationBody>,
) -> Result<Json<ReviewJson>, ApiError> {
    let id = parse_id(&id)?;
    let c = review::ConsultationInput {
        department: &b.department,
        contact: &b.contact,
        held_on: &b.held_on,
        outcome: &b.outcome,
    };
    review::consult(&app, &staff.actor(), id, &c).await?;
    review_of(&app, &staff, id).await
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct MaskBody {
    index: usize,
    masked: String,
}

#[utoipa::path(post, path = "/api/v1/items/{id}/mask", tag = "staff", summary = "Mask a screening finding in the text (review restarts)", params(("id" = i64, Path, minimum = 1, description = "Item id")), request_body = MaskBody, responses((status = 200, body = ItemJson, description = "The item"), (status = 401, body = ApiErrorJson, description = "No or bad token"), (status = 403, body = ApiErrorJson, description = "Not allowed for this unit or step"), (status = 404, body = ApiErrorJson, description = "No such item"), (status = 409, body = ApiErrorJson, description = "The item's state does not allow it"), (status = 422, body = ApiErrorJson, description = "A field to correct")), security(("bearer" = [])))]
pub async fn mask_finding(
    State(app): State<AppState>,
    staff: ApiStaff,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MaskBody>,
) -> Result<Json<ItemJson>, ApiError> {
    let id = parse_id(&id)?;
    review::mask(&app, &staff.actor(), id, b.index, &b.masked).await?;
    item_after(&app, &staff, id).await
}

/// One step of the review chain.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StepJson {
    step: usize,
    role: &'static str,
    role_label: &'static str,
    status: &'static str,
    by: Option<String>,
    at: Option<i64>,
    comment: Option<String>,
}

/// The review state: the chain, who acts next, screening findings, overrides, consultations.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Review)]
pub struct ReviewJson {
    item_id: i64,
    state: ItemState,
    importance: &'static str,
    chain: Vec<StepJson>,
    current_step: Option<usize>,
    waiting_for: Option<&'static str>,
    digest: String,
    findings: Vec<sunshine_core::screening::Finding>,
    blocking: bool,
    override_in_force: bool,
    overrides: Vec<crate::db::review::OverrideRow>,
    prereview: sunshine_core::review::PreReview,
    consultations: Vec<crate::db::review::Consultation>,
    events: Vec<crate::db::review::Event>,
    review_comment: String,
    publish_at: Option<i64>,
}

pub fn review_json(item_id: i64, st: review::ReviewState) -> ReviewJson {
    let chain = st
        .chain
        .iter()
        .enumerate()
        .map(|(i, role)| {
            let a = st.approvals.iter().find(|a| a.step as usize == i);
            StepJson {
                step: i + 1,
                role: role.as_str(),
                role_label: role.label(),
                status: if a.is_some() {
                    "approved"
                } else if st.step == Some(i) {
                    "waiting"
                } else {
                    "pending"
                },
                by: a.map(|a| a.user_name.clone()),
                at: a.map(|a| a.at),
                comment: a.map(|a| a.comment.clone()),
            }
        })
        .collect();
    ReviewJson {
        item_id,
        importance: st.importance.as_str(),
        current_step: st.step.map(|s| s + 1),
        waiting_for: st.step.map(|s| st.chain[s].as_str()),
        state: st.state,
        chain,
        digest: st.digest,
        blocking: st.blocking,
        findings: st.findings,
        override_in_force: st.override_in_force,
        overrides: st.overrides,
        prereview: st.prereview,
        consultations: st.consultations,
        events: st.events,
        review_comment: st.review_comment,
        publish_at: st.publish_at,
    }
}

#[utoipa::path(get, path = "/api/v1/items/{id}/review", tag = "staff", summary = "The review state of an item", params(("id" = i64, Path, minimum = 1, description = "Item id")), responses((status = 200, body = ReviewJson, description = "The review state"), (status = 401, body = ApiErrorJson, description = "No or bad token"), (status = 404, body = ApiErrorJson, description = "No such item")), security(("bearer" = [])))]
pub async fn get_review(
    State(app): State<AppState>,
    staff: ApiStaff,
    Path(id): Path<String>,
) -> Result<Json<ReviewJson>, ApiError> {
    review_of(&app, &staff, parse_id(&id)?).await
}

/// The review state the caller may see, as the API shows it.
async fn review_of(
    app: &crate::web::App,
    staff: &ApiStaff,
    id: i64,
) -> Result<Json<ReviewJson>, ApiError> {
    let item = crate::service::item_for(app, &staff.actor(), id).await?;
    let st = review::load(app, &item).await?;
    Ok(Json(review_json(id, st)))
}
