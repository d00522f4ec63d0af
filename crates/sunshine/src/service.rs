//! Application services: each staff action once, with its permission check, validation,
//! transaction and audit entry. The back office and the API both call these, so the same
//! rules hold whichever door a request comes through.

use crate::db::audit::{self, Entry};
use crate::db::items::{self, Item};
use crate::db::{attachments, columns, units};
use crate::web::error::AppError;
use crate::web::App;
use sunshine_core::index_no::IndexPattern;
use sunshine_core::item::ItemInput;
use sunshine_core::policy::{Denied, Grants};
use sunshine_core::role::Role;
use sunshine_core::upload::{self, UploadError};
use sunshine_core::FieldError;

/// Who is acting, from where.
pub struct Actor<'a> {
    pub user_id: i64,
    pub login: &'a str,
    pub ip: &'a str,
    pub grants: &'a Grants,
}

impl Actor<'_> {
    fn entry(
        &self,
        action: &'static str,
        unit_id: i64,
        target: String,
        detail: String,
    ) -> Entry<'_> {
        Entry {
            actor_id: Some(self.user_id),
            actor: self.login,
            ip: self.ip,
            action,
            unit_id: Some(unit_id),
            target,
            detail,
        }
    }
}

/// Records a refused action in the audit log (its own transaction: the action did not happen).
pub async fn audit_denial(
    app: &App,
    actor: &Actor<'_>,
    unit_id: Option<i64>,
    target: String,
    d: Denied,
) {
    let e = Entry {
        actor_id: Some(actor.user_id),
        actor: actor.login,
        ip: actor.ip,
        action: "permission.denied",
        unit_id,
        target,
        detail: d.code().into(),
    };
    let res = async {
        let mut tx = app.db.begin().await?;
        audit::append(&mut tx, &e).await?;
        tx.commit().await
    }
    .await;
    if let Err(err) = res {
        tracing::error!(error = %err, "could not write audit entry");
    }
}

async fn check(
    app: &App,
    actor: &Actor<'_>,
    unit_id: i64,
    target: &str,
    r: Result<(), Denied>,
) -> Result<(), AppError> {
    if let Err(d) = r {
        audit_denial(app, actor, Some(unit_id), target.to_owned(), d).await;
        return Err(d.into());
    }
    Ok(())
}

/// Loads an item the actor may see, or "not found" (another unit's items do not exist for them).
pub async fn item_for(app: &App, actor: &Actor<'_>, id: i64) -> Result<Item, AppError> {
    let mut conn = app.db.pool.acquire().await?;
    items::get_for_staff(&mut conn, id, actor.grants)
        .await?
        .ok_or(AppError::NotFound)
}

/// Editing rule: drafts by any staff member of the unit; published items only by its
/// 办公室主任 (the edit changes what the public reads); withdrawn items not at all.
async fn check_edit(app: &App, actor: &Actor<'_>, item: &Item) -> Result<(), AppError> {
    let target = format!("item:{}", item.id);
    check(
        app,
        actor,
        item.unit_id,
        &target,
        actor.grants.can_edit_items(item.unit_id),
    )
    .await?;
    match item.state.as_str() {
        "draft" => Ok(()),
        "published" if actor.grants.has(item.unit_id, Role::Director) => Ok(()),
        "published" => check(app, actor, item.unit_id, &target, Err(Denied::NotDirector)).await,
        _ => Err(AppError::Conflict(
            "wrong_state",
            "已撤回的信息不能再修改。".into(),
        )),
    }
}

pub async fn create_item(
    app: &App,
    actor: &Actor<'_>,
    unit_code: &str,
    input: &ItemInput,
) -> Result<i64, AppError> {
    let mut conn = app.db.pool.acquire().await?;
    let unit = units::by_code(&mut conn, unit_code.trim())
        .await?
        .ok_or_else(|| {
            FieldError::new("unit", format!("单位“{unit_code}”不存在，请检查单位代码"))
        })?;
    drop(conn);
    check(
        app,
        actor,
        unit.id,
        &format!("unit:{}", unit.code),
        actor.grants.can_edit_items(unit.id),
    )
    .await?;
    let fields = input.parse(app.today()).map_err(AppError::Invalid)?;
    let mut tx = app.db.begin().await?;
    let column = columns::by_slug(&mut tx, unit.id, &fields.column)
        .await?
        .ok_or_else(|| {
            FieldError::new(
                "column",
                format!("本单位没有代码为“{}”的栏目，请重新选择栏目", fields.column),
            )
        })?;
    let id = items::insert(&mut tx, unit.id, column.id, &fields, Some(actor.user_id)).await?;
    audit::append(
        &mut tx,
        &actor.entry(
            "item.create",
            unit.id,
            format!("item:{id}"),
            fields.title.clone(),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update_item(
    app: &App,
    actor: &Actor<'_>,
    id: i64,
    input: &ItemInput,
) -> Result<(), AppError> {
    let item = item_for(app, actor, id).await?;
    check_edit(app, actor, &item).await?;
    let fields = input.parse(app.today()).map_err(AppError::Invalid)?;
    let mut tx = app.db.begin().await?;
    let column = columns::by_slug(&mut tx, item.unit_id, &fields.column)
        .await?
        .ok_or_else(|| {
            FieldError::new(
                "column",
                format!("本单位没有代码为“{}”的栏目，请重新选择栏目", fields.column),
            )
        })?;
    items::update(&mut tx, &item, column.id, &fields).await?;
    audit::append(
        &mut tx,
        &actor.entry(
            "item.update",
            item.unit_id,
            format!("item:{id}"),
            fields.title.clone(),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Publishes a draft: only the unit's 办公室主任, never the author; only 主动公开 items.
pub async fn publish_item(app: &App, actor: &Actor<'_>, id: i64) -> Result<String, AppError> {
    let item = item_for(app, actor, id).await?;
    let target = format!("item:{id}");
    check(
        app,
        actor,
        item.unit_id,
        &target,
        actor
            .grants
            .can_publish(item.unit_id, item.created_by.unwrap_or(0)),
    )
    .await?;
    if item.state != "draft" {
        return Err(AppError::Conflict(
            "wrong_state",
            format!(
                "该信息当前状态为“{}”，只有草稿可以发布。",
                state_label(&item.state)
            ),
        ));
    }
    if item.disclosure != "active" {
        return Err(AppError::Conflict(
            "not_active",
            "只有“主动公开”的信息可以发布到门户网站；依申请公开和不予公开的信息保留在本单位登记册中。".into(),
        ));
    }
    let mut tx = app.db.begin().await?;
    let unit = units::by_id(&mut tx, item.unit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let pattern = IndexPattern::parse(&unit.index_pattern).unwrap_or_default();
    let index_no = items::publish(&mut tx, &item, &unit.org_code, &pattern, app.today()).await?;
    audit::append(
        &mut tx,
        &actor.entry("item.publish", item.unit_id, target, index_no.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(index_no)
}

pub fn state_label(state: &str) -> &'static str {
    sunshine_core::item::ItemState::parse(state)
        .map(|s| s.label())
        .unwrap_or("未知")
}

/// Stores an uploaded file for an item after judging it by its content.
pub async fn add_attachment(
    app: &App,
    actor: &Actor<'_>,
    item_id: i64,
    client_name: &str,
    bytes: bytes::Bytes,
) -> Result<i64, AppError> {
    let item = item_for(app, actor, item_id).await?;
    check_edit(app, actor, &item).await?;
    let kind = upload::sniff(&bytes, app.config.max_upload_bytes).map_err(|e| match e {
        UploadError::TooLarge { .. } => AppError::TooLarge(e.message()),
        UploadError::NotAccepted { .. } => AppError::Unsupported(e.message()),
        UploadError::Empty => FieldError::new("file", e.message()).into(),
    })?;
    let name = upload::display_name(client_name, kind);
    let key = crate::blobs::Blobs::new_key(item.unit_id);
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    let size = bytes.len() as i64;
    app.blobs.put(&key, bytes).await?;
    let saved = async {
        let mut tx = app.db.begin().await?;
        let id = attachments::insert(
            &mut tx,
            &attachments::NewAttachment {
                item_id,
                unit_id: item.unit_id,
                file_name: &name,
                mime: kind.mime,
                size_bytes: size,
                sha256: &sha,
                storage_key: &key,
                created_by: actor.user_id,
            },
        )
        .await?;
        if item.state == "published" {
            items::log_change(&mut tx, item.id, item.unit_id, "update").await?;
        }
        audit::append(
            &mut tx,
            &actor.entry(
                "attachment.add",
                item.unit_id,
                format!("item:{item_id}"),
                format!("{name} sha256:{sha}"),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(id)
    }
    .await;
    match saved {
        Ok(id) => Ok(id),
        Err(e) => {
            // The record was not written: do not leave an orphaned file behind.
            let _ = app.blobs.delete(&key).await;
            Err(e.into())
        }
    }
}

pub async fn delete_attachment(
    app: &App,
    actor: &Actor<'_>,
    attachment_id: i64,
) -> Result<i64, AppError> {
    let mut conn = app.db.pool.acquire().await?;
    let att = attachments::get(&mut conn, attachment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let item = item_for(app, actor, att.item_id).await?;
    check_edit(app, actor, &item).await?;
    let mut tx = app.db.begin().await?;
    attachments::delete(&mut tx, att.id).await?;
    if item.state == "published" {
        items::log_change(&mut tx, item.id, item.unit_id, "update").await?;
    }
    audit::append(
        &mut tx,
        &actor.entry(
            "attachment.delete",
            item.unit_id,
            format!("item:{}", item.id),
            att.file_name.clone(),
        ),
    )
    .await?;
    tx.commit().await?;
    let _ = app.blobs.delete(&att.storage_key).await;
    Ok(item.id)
}
