//! Items in the back office: list, create, edit, preview, publish, attachments.

use super::auth::{CsrfOnly, FlashQuery};
use super::{flash_message, Errors, Layout, Staff};
use crate::db::columns::{self, Column};
use crate::db::items::{self, Item, Summary};
use crate::db::{attachments, units};
use crate::service;
use crate::web::error::{AppError, PageError};
use crate::web::extract::{parse_id, WebForm};
use crate::web::public::{download, item_page, render};
use crate::web::views::{file_size, Pager};
use crate::web::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sunshine_core::item::{Disclosure, ItemInput, Validity};
use sunshine_core::page::Page;
use sunshine_core::unit::UnitCode;
use sunshine_core::FieldError;

async fn unit_for(state: &AppState, staff: &Staff, code: &str) -> Result<units::Unit, AppError> {
    let code = UnitCode::parse(code).map_err(|_| AppError::NotFound)?;
    let mut conn = state.db.pool.acquire().await?;
    let unit = units::by_code(&mut conn, code.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    staff.grants.can_read_unit(unit.id)?;
    Ok(unit)
}

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
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let unit = unit_for(&state, &staff, &code).await?;
    let page = Page::parse(q.page.as_deref(), 30).ok_or(AppError::NotFound)?;
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
    csrf: String,
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
        }
    }

    fn from_item(i: &Item) -> ItemForm {
        ItemForm {
            csrf: String::new(),
            body_format: "html".into(),
            column: i.column_slug.clone(),
            title: i.title.clone(),
            body: i.body_html.clone(),
            publisher: i.publisher.clone(),
            author: i.author.clone(),
            source: i.source.clone(),
            doc_no: i.doc_no.clone().unwrap_or_default(),
            written_on: i.written_on.clone().unwrap_or_default(),
            topic: i.topic.clone(),
            validity: i.validity.clone(),
            disclosure: i.disclosure.clone(),
            withheld_reason: i.withheld_reason.clone(),
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
    can_publish: bool,
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
    let can_publish = item.as_ref().is_some_and(|i| {
        i.state == "draft"
            && staff
                .grants
                .can_publish(i.unit_id, i.created_by.unwrap_or(0))
                .is_ok()
    });
    Ok(ItemFormPage {
        layout: Layout::new(state, staff, flash).await?,
        unit,
        columns,
        form,
        errors: Errors(errors),
        item,
        attachments,
        can_publish,
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
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let unit = unit_for(&state, &staff, &code).await?;
    staff.grants.can_edit_items(unit.id)?;
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
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    WebForm(form): WebForm<ItemForm>,
) -> Result<Response, PageError> {
    let unit = unit_for(&state, &staff, &code).await?;
    if staff.check_csrf(&form.csrf).await.is_err() {
        let errs = vec![FieldError::new("form", AppError::Csrf.message())];
        return with_status(
            render(&form_page(&state, &staff, unit, form, errs, None, None).await?),
            StatusCode::FORBIDDEN,
        );
    }
    match service::create_item(&state, &staff.actor(), &unit.code, &form.input()).await {
        Ok(id) => Ok(Redirect::to(&format!("/admin/items/{id}?done=created")).into_response()),
        Err(AppError::Invalid(errs)) => with_status(
            render(&form_page(&state, &staff, unit, form, errs, None, None).await?),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => Err(e.into()),
    }
}

async fn item_and_unit(
    state: &AppState,
    staff: &Staff,
    id: &str,
) -> Result<(Item, units::Unit), AppError> {
    let id = parse_id(id)?;
    let item = service::item_for(state, &staff.actor(), id).await?;
    let mut conn = state.db.pool.acquire().await?;
    let unit = units::by_id(&mut conn, item.unit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((item, unit))
}

pub async fn edit_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, PageError> {
    let (item, unit) = item_and_unit(&state, &staff, &id).await?;
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
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    WebForm(form): WebForm<ItemForm>,
) -> Result<Response, PageError> {
    let (item, unit) = item_and_unit(&state, &staff, &id).await?;
    if staff.check_csrf(&form.csrf).await.is_err() {
        let errs = vec![FieldError::new("form", AppError::Csrf.message())];
        return with_status(
            render(&form_page(&state, &staff, unit, form, errs, Some(item), None).await?),
            StatusCode::FORBIDDEN,
        );
    }
    match service::update_item(&state, &staff.actor(), item.id, &form.input()).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/items/{}?done=saved", item.id)).into_response()),
        Err(AppError::Invalid(errs)) => with_status(
            render(&form_page(&state, &staff, unit, form, errs, Some(item), None).await?),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => Err(e.into()),
    }
}

pub async fn preview(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (item, _) = item_and_unit(&state, &staff, &id).await?;
    let mut conn = state.db.pool.acquire().await.map_err(AppError::from)?;
    let hits = item.hits;
    let mut resp = render(&item_page(&mut conn, item, hits, true).await?)?;
    resp.headers_mut().insert(
        "x-robots-tag",
        axum::http::HeaderValue::from_static("noindex"),
    );
    Ok(resp)
}

pub async fn publish(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    WebForm(form): WebForm<CsrfOnly>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf).await?;
    let id = parse_id(&id)?;
    service::publish_item(&state, &staff.actor(), id).await?;
    Ok(Redirect::to(&format!("/admin/items/{id}?done=published")).into_response())
}

/// Reads the upload form: the CSRF token and one file. A body over the limit is reported in
/// words, with the limit.
pub async fn upload(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let too_large = || {
        AppError::TooLarge(
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
    staff.check_csrf(&csrf).await?;
    let (name, bytes) = file.ok_or_else(|| FieldError::new("file", "请选择要上传的文件。"))?;
    service::add_attachment(&state, &staff.actor(), id, &name, bytes).await?;
    Ok(Redirect::to(&format!("/admin/items/{id}?done=uploaded")).into_response())
}

pub async fn delete_attachment(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    WebForm(form): WebForm<CsrfOnly>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf).await?;
    let id = parse_id(&id)?;
    let item_id = service::delete_attachment(&state, &staff.actor(), id).await?;
    Ok(Redirect::to(&format!("/admin/items/{item_id}?done=deleted")).into_response())
}

/// Staff download any attachment of their own units' items, whatever the item's state.
pub async fn attachment(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let mut conn = state.db.pool.acquire().await.map_err(AppError::from)?;
    let att = attachments::get(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if staff.grants.can_read_unit(att.unit_id).is_err() {
        return Err(AppError::NotFound.into());
    }
    drop(conn);
    let bytes = state.blobs.get(&att.storage_key).await?;
    Ok(download(&att, bytes))
}
