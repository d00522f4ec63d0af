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

mod files;
mod panel;
mod queue;
mod steps;

pub use files::{attachment, delete_attachment, upload};
use panel::{review_panel, ReviewPanel};
pub use queue::queue;
pub use steps::{review_action, ReviewStep};

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
        pages: page.count(total.shown),
        total: total.to_string(),
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
        // A body typed as plain text comes back as typed: it is plain when its text, made into
        // HTML again, is the same body.
        let text = sunshine_core::html::reader_text(&i.body_html).text;
        let remade = sunshine_core::html::sanitize(&sunshine_core::text::to_html(&text));
        let plain = remade.trim() == sunshine_core::html::sanitize(&i.body_html).trim();
        let (body_format, body) = if plain {
            // One line per paragraph or heading, as typed (the reader's text spaces blocks).
            let lines: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            ("text", lines.join("\n"))
        } else {
            ("html", i.body_html.clone())
        };
        ItemForm {
            body_format: body_format.into(),
            column: i.column_slug.clone(),
            title: i.title.clone(),
            body,
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
    /// For a reviewer: the title and body as they will be published, findings marked in place.
    marked_title: String,
    marked_body: String,
    importances: Vec<(&'static str, &'static str)>,
    max_upload_mb: u64,
    disclosures: Vec<(&'static str, &'static str)>,
    validities: Vec<(&'static str, &'static str)>,
}

impl ItemFormPage {
    /// A reviewer's view: the item as it will be published, the edit form folded away.
    fn reading(&self) -> bool {
        self.panel.as_ref().is_some_and(|p| p.reading)
    }
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
    let (marked_title, marked_body) = match (&item, &panel) {
        (Some(i), Some(p)) if p.reading => {
            let marks = crate::service::screen::marks_of(state, i).await?;
            let (title, body) = (i.title.clone(), i.body_html.clone());
            // Text work on the CPU pool, as screening is.
            state
                .cpu
                .run(move || {
                    (
                        panel::marked(&sunshine_core::html::escape(&title), &marks),
                        panel::marked(&body, &marks),
                    )
                })
                .await
                .map_err(Error::from)?
        }
        _ => (String::new(), String::new()),
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
        marked_title,
        marked_body,
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
    // Telling typed text from HTML reads and sanitizes the body: on the CPU pool.
    let copy = item.clone();
    let form = state
        .cpu
        .run(move || ItemForm::from_item(&copy))
        .await
        .map_err(Error::from)?;
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
    visitor: crate::web::frame::Visitor,
) -> Result<Response, PageError> {
    let item = service::item_for(&state, &staff.actor(), id).await?;
    let mut conn = state.db.pool.acquire().await.map_err(AppError::from)?;
    let hits = item.hits;
    let public = state.config.public_url.clone();
    let mut resp = render(&item_page(&mut conn, &visitor, &public, item, hits, true).await?)?;
    resp.headers_mut().insert(
        "x-robots-tag",
        axum::http::HeaderValue::from_static("noindex"),
    );
    Ok(resp)
}
