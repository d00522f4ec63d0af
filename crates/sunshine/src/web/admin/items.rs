//! Items in the back office: list, create, edit, preview, publish, attachments.

use super::auth::{FlashQuery, TokenOnly};
use super::{flash_message, CsrfForm, Errors, InUnit, Layout, On, Staff, Submitted};
use super::{
    AttachmentEditor, AttachmentReader, ItemEditor, ItemReader, ItemReviewer, UnitEditor,
    UnitReader,
};
use crate::db::columns::{self, Column};
use crate::db::items::{self, Item, Summary};
use crate::db::{attachments, units, Scope};
use crate::service::Error;
use crate::service::{self, review};
use crate::web::error::{AppError, PageError};
use crate::web::public::{download, item_page, render};
use crate::web::views::{file_size, Pager};
use crate::web::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sunshine_core::item::ItemState;
use sunshine_core::item::{Disclosure, ItemInput, Validity};
use sunshine_core::page::Page;
use sunshine_core::FieldError;

#[derive(Template)]
#[template(path = "admin/items.html")]
struct ItemsPage {
    layout: Layout,
    unit: units::Unit,
    items: Vec<Summary>,
    pager: Pager,
    can_edit: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<String>,
}

pub async fn list(
    InUnit { staff, unit, .. }: UnitReader,
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let page = Page::parse(q.page.as_deref(), 30).ok_or(Error::NotFound)?;
    let mut conn = state.db.pool.acquire().await.map_err(AppError::from)?;
    let (list, total) = items::list_for_unit(&mut conn, unit.id, page).await?;
    let pager = Pager {
        current: page.number,
        pages: page.count(total),
        total,
        base: format!("/admin/units/{}/items", unit.code),
    };
    render(&ItemsPage {
        layout: Layout::new(&state, &staff, None).await?,
        can_edit: staff.grants.can_edit_items(unit.id).is_ok(),
        unit,
        items: list,
        pager,
    })
}

/// The item form as typed, kept whole so that a refused submission loses nothing.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ItemForm {
    body_format: String,
    column: String,
    title: String,
    body: String,
    publisher: String,
    author: String,
    source: String,
    doc_no: String,
    written_on: String,
    topic: String,
    validity: String,
    disclosure: String,
    withheld_reason: String,
    importance: String,
    pr_mode: String,
    pr_scope: String,
    pr_time_limit: String,
    pr_touches_security: String,
    pr_consult_department: String,
    doc_type: String,
    repealed_on: String,
}

impl ItemForm {
    fn input(&self) -> ItemInput {
        let body_html = if self.body_format == "text" {
            sunshine_core::text::to_html(&self.body)
        } else {
            self.body.clone()
        };
        ItemInput {
            column: self.column.clone(),
            title: self.title.clone(),
            body_html,
            publisher: self.publisher.clone(),
            author: self.author.clone(),
            source: self.source.clone(),
            doc_no: self.doc_no.clone(),
            written_on: self.written_on.clone(),
            topic: self.topic.clone(),
            validity: self.validity.clone(),
            disclosure: self.disclosure.clone(),
            withheld_reason: self.withheld_reason.clone(),
            importance: self.importance.clone(),
            prereview: sunshine_core::review::PreReview {
                mode: self.pr_mode.trim().to_owned(),
                scope: self.pr_scope.trim().to_owned(),
                time_limit: self.pr_time_limit.trim().to_owned(),
                touches_security: self.pr_touches_security == "1",
                consult_department: self.pr_consult_department.trim().to_owned(),
            },
            doc_type: self.doc_type.clone(),
            repealed_on: self.repealed_on.clone(),
        }
    }

    fn from_item(i: &Item) -> ItemForm {
        let pr = i.prereview.clone();
        ItemForm {
            body_format: "html".into(),
            column: i.column_slug.clone(),
            title: i.title.clone(),
            body: i.body_html.clone(),
            publisher: i.publisher.clone(),
            author: i.author.clone(),
            source: i.source.clone(),
            doc_no: i.doc_no.clone().unwrap_or_default(),
            written_on: i.written_on.map(|d| d.to_string()).unwrap_or_default(),
            topic: i.topic.clone(),
            validity: i.validity.as_str().into(),
            disclosure: i.disclosure.as_str().into(),
            withheld_reason: i.withheld_reason.clone(),
            importance: i.importance.as_str().into(),
            pr_mode: pr.mode,
            pr_scope: pr.scope,
            pr_time_limit: pr.time_limit,
            pr_touches_security: if pr.touches_security {
                "1".into()
            } else {
                String::new()
            },
            pr_consult_department: pr.consult_department,
            doc_type: i.doc_type.clone(),
            repealed_on: i.repealed_on.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

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
    pub blocking: bool,
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
fn action_label(action: &str) -> &str {
    match action {
        "item.submit" => "送审",
        "item.approve" => "审核通过",
        "item.reject" => "退回修改",
        "item.publish" => "发布",
        "item.schedule" => "设定定时发布",
        "item.schedule_failed" => "定时发布未完成",
        "item.withdraw" => "撤回",
        "item.raise_importance" => "提高重要程度",
        "item.lower_importance" => "降低重要程度",
        "item.consultation" => "记录会商",
        "item.mask" => "一键遮盖",
        "screening.override" => "书面放行筛查结果",
        "restart" => "内容修改，重新审核",
        other => other,
    }
}

fn review_panel(staff: &Staff, item: &Item, st: review::ReviewState) -> ReviewPanel {
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
        blocking: st.blocking,
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
                    action_label(&e.action),
                    e.detail
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

pub struct AttachmentRow {
    pub id: i64,
    pub name: String,
    pub size: String,
    pub mime: String,
}

#[derive(Template)]
#[template(path = "admin/item_form.html")]
struct ItemFormPage {
    layout: Layout,
    unit: units::Unit,
    columns: Vec<Column>,
    form: ItemForm,
    errors: Errors,
    item: Option<Item>,
    attachments: Vec<AttachmentRow>,
    panel: Option<ReviewPanel>,
    importances: Vec<(&'static str, &'static str)>,
    max_upload_mb: u64,
    disclosures: Vec<(&'static str, &'static str)>,
    validities: Vec<(&'static str, &'static str)>,
}

async fn form_page(
    state: &AppState,
    staff: &Staff,
    unit: units::Unit,
    form: ItemForm,
    errors: Vec<FieldError>,
    item: Option<Item>,
    flash: Option<String>,
) -> Result<ItemFormPage, AppError> {
    let mut conn = state.db.pool.acquire().await?;
    let columns = columns::of_unit(&mut conn, unit.id).await?;
    let attachments = match &item {
        Some(i) => attachments::of_item(&mut conn, i.id)
            .await?
            .into_iter()
            .map(|a| AttachmentRow {
                id: a.id,
                name: a.file_name,
                size: file_size(a.size_bytes),
                mime: a.mime,
            })
            .collect(),
        None => vec![],
    };
    drop(conn);
    let panel = match &item {
        Some(i) => Some(review_panel(staff, i, review::load(state, i).await?)),
        None => None,
    };
    Ok(ItemFormPage {
        layout: Layout::new(state, staff, flash).await?,
        unit,
        columns,
        form,
        errors: Errors(errors),
        item,
        attachments,
        panel,
        importances: sunshine_core::review::Importance::ALL
            .iter()
            .map(|i| (i.as_str(), i.label()))
            .collect(),
        max_upload_mb: state.config.max_upload_bytes / (1024 * 1024),
        disclosures: Disclosure::ALL
            .iter()
            .map(|d| (d.as_str(), d.label()))
            .collect(),
        validities: Validity::ALL
            .iter()
            .map(|v| (v.as_str(), v.label()))
            .collect(),
    })
}

fn with_status(
    resp: Result<Response, PageError>,
    status: StatusCode,
) -> Result<Response, PageError> {
    resp.map(|mut r| {
        *r.status_mut() = status;
        r
    })
}

pub async fn new_form(
    InUnit { staff, unit, .. }: UnitEditor,
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    let form = ItemForm {
        body_format: "text".into(),
        publisher: unit.name.clone(),
        author: unit.name.clone(),
        validity: "valid".into(),
        disclosure: "active".into(),
        ..Default::default()
    };
    render(&form_page(&state, &staff, unit, form, vec![], None, None).await?)
}

pub async fn create(
    InUnit { staff, unit, .. }: UnitEditor,
    State(state): State<AppState>,
    form: Submitted<ItemForm>,
) -> Result<Response, PageError> {
    let form = match form {
        Submitted::Fresh(form) => form,
        Submitted::Stale(form) => {
            let errs = vec![FieldError::new("form", AppError::Csrf.message())];
            return with_status(
                render(&form_page(&state, &staff, unit, form, errs, None, None).await?),
                StatusCode::FORBIDDEN,
            );
        }
    };
    match service::create_item(&state, &staff.actor(), &unit.code, &form.input()).await {
        Ok(id) => Ok(Redirect::to(&format!("/admin/items/{id}?done=created")).into_response()),
        Err(Error::Invalid(errs)) => with_status(
            render(&form_page(&state, &staff, unit, form, errs, None, None).await?),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_form(
    On {
        staff, id, unit, ..
    }: ItemReader,
    State(state): State<AppState>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, PageError> {
    let item = service::item_for(&state, &staff.actor(), id).await?;
    let form = ItemForm::from_item(&item);
    render(
        &form_page(
            &state,
            &staff,
            unit,
            form,
            vec![],
            Some(item),
            flash_message(q.done.as_deref()),
        )
        .await?,
    )
}

pub async fn update(
    On {
        staff, id, unit, ..
    }: ItemEditor,
    State(state): State<AppState>,
    form: Submitted<ItemForm>,
) -> Result<Response, PageError> {
    let item = service::item_for(&state, &staff.actor(), id).await?;
    let form = match form {
        Submitted::Fresh(form) => form,
        Submitted::Stale(form) => {
            let errs = vec![FieldError::new("form", AppError::Csrf.message())];
            return with_status(
                render(&form_page(&state, &staff, unit, form, errs, Some(item), None).await?),
                StatusCode::FORBIDDEN,
            );
        }
    };
    match service::update_item(&state, &staff.actor(), item.id, &form.input()).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/items/{}?done=saved", item.id)).into_response()),
        Err(Error::Invalid(errs)) => with_status(
            render(&form_page(&state, &staff, unit, form, errs, Some(item), None).await?),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => Err(e.into()),
    }
}

pub async fn preview(
    On { staff, id, .. }: ItemReader,
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    let item = service::item_for(&state, &staff.actor(), id).await?;
    let mut conn = state.db.pool.acquire().await.map_err(AppError::from)?;
    let hits = item.hits;
    let mut resp = render(&item_page(&mut conn, item, hits, true).await?)?;
    resp.headers_mut().insert(
        "x-robots-tag",
        axum::http::HeaderValue::from_static("noindex"),
    );
    Ok(resp)
}

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

#[derive(Template)]
#[template(path = "admin/queue.html")]
struct QueuePage {
    layout: Layout,
    rows: Vec<QueueRow>,
}

pub struct QueueRow {
    pub id: i64,
    pub title: String,
    pub unit_name: String,
    pub importance: &'static str,
    pub step: String,
    pub blocking: bool,
}

/// 待我审核: items whose waiting step is this user's to take.
pub async fn queue(staff: Staff, State(state): State<AppState>) -> Result<Response, PageError> {
    let rows = review::queue(&state, &staff.actor())
        .await?
        .into_iter()
        .map(|(item, role, step, n)| QueueRow {
            id: item.id,
            blocking: sunshine_core::screening::has_blocking(&item.findings.clone()),
            importance: item.importance.label(),
            step: format!("第{}/{}步：{}", step + 1, n, role.label()),
            title: item.title,
            unit_name: item.unit_name,
        })
        .collect();
    render(&QueuePage {
        layout: Layout::new(&state, &staff, None).await?,
        rows,
    })
}

/// Reads the upload form: the CSRF token and one file. A body over the limit is reported in
/// words, with the limit.
pub async fn upload(
    On { staff, id, .. }: ItemEditor,
    State(state): State<AppState>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let too_large = || {
        Error::TooLarge(
            sunshine_core::upload::UploadError::TooLarge {
                limit_bytes: state.config.max_upload_bytes,
            }
            .message(),
        )
    };
    let mut csrf = String::new();
    let mut file: Option<(String, bytes::Bytes)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large().into()),
            Err(_) => {
                return Err(AppError::from(FieldError::new(
                    "file",
                    "上传的数据不完整，请重新选择文件上传。",
                ))
                .into())
            }
        };
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_owned();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b)),
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err(too_large().into())
                    }
                    Err(_) => {
                        return Err(AppError::from(FieldError::new(
                            "file",
                            "上传的数据不完整，请重新选择文件上传。",
                        ))
                        .into())
                    }
                }
            }
            _ => {}
        }
    }
    super::verify_csrf(&staff.session, &csrf).await?;
    let (name, bytes) = file.ok_or_else(|| FieldError::new("file", "请选择要上传的文件。"))?;
    service::add_attachment(&state, &staff.actor(), id, &name, bytes).await?;
    Ok(Redirect::to(&format!("/admin/items/{id}?done=uploaded")).into_response())
}

pub async fn delete_attachment(
    On { staff, id, .. }: AttachmentEditor,
    State(state): State<AppState>,
    CsrfForm(_): CsrfForm<TokenOnly>,
) -> Result<Response, PageError> {
    let item_id = service::delete_attachment(&state, &staff.actor(), id).await?;
    Ok(Redirect::to(&format!("/admin/items/{item_id}?done=deleted")).into_response())
}

/// Staff download any attachment of their own units' items, whatever the item's state.
pub async fn attachment(
    On { id, unit, .. }: AttachmentReader,
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    let mut conn = state.db.pool.acquire().await.map_err(AppError::from)?;
    let att = attachments::get(&mut conn, &Scope::unit(unit.id), id)
        .await?
        .ok_or(Error::NotFound)?;
    drop(conn);
    let bytes = state.blobs.get(&att.storage_key).await?;
    Ok(download(&att, bytes))
}
