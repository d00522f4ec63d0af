//! Attachments in the back office: upload (checked by content), download, delete.

use super::*;

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
    crate::web::admin::verify_csrf(&staff.session, &csrf).await?;
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
