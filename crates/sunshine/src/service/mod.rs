//! Application services: each staff action once, with its permission check, validation,
//! transaction and audit entry. The back office and the API both call these, so the same
//! rules hold whichever door a request comes through.

pub mod accounts;
pub mod applications;
pub mod docx;
pub mod error;
pub mod report;
pub mod review;
pub mod screen;

use crate::app::App;
use crate::db::audit::{self, Entry};
use crate::db::items::{self, Item};
use crate::db::{attachments, columns, units, Scope};
pub use error::Error;
use sunshine_core::item::ItemInput;
use sunshine_core::item::ItemState;
use sunshine_core::policy::{Denied, Grants};
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
    /// The units whose records this actor's queries may return.
    pub fn scope(&self) -> crate::db::Scope {
        crate::db::Scope::of(self.grants)
    }

    pub(crate) fn entry(
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
    audit_denial_code(app, actor, unit_id, target, d.code()).await
}

/// Records a refused action by its rule code.
pub async fn audit_denial_code(
    app: &App,
    actor: &Actor<'_>,
    unit_id: Option<i64>,
    target: String,
    code: &str,
) {
    let e = Entry {
        actor_id: Some(actor.user_id),
        actor: actor.login,
        ip: actor.ip,
        action: "permission.denied",
        unit_id,
        target,
        detail: code.into(),
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

pub(crate) async fn check(
    app: &App,
    actor: &Actor<'_>,
    unit_id: i64,
    target: &str,
    r: Result<(), Denied>,
) -> Result<(), Error> {
    if let Err(d) = r {
        audit_denial(app, actor, Some(unit_id), target.to_owned(), d).await;
        return Err(d.into());
    }
    Ok(())
}

/// The unit of a record the actor names by id, read before the record: another unit's record is
/// refused in words (403, and audited) rather than loaded; an unknown id is not found.
pub(crate) async fn owner_checked(
    app: &App,
    actor: &Actor<'_>,
    what: units::Owned,
    id: i64,
) -> Result<i64, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let unit_id = units::owner_of(&mut conn, what, id)
        .await?
        .ok_or(Error::NotFound)?
        .id;
    drop(conn);
    let target = match what {
        units::Owned::Item => format!("item:{id}"),
        units::Owned::Application => format!("application:{id}"),
        units::Owned::Column => format!("column:{id}"),
        units::Owned::Attachment => format!("attachment:{id}"),
    };
    check(
        app,
        actor,
        unit_id,
        &target,
        actor.grants.can_read_unit(unit_id),
    )
    .await?;
    Ok(unit_id)
}

/// Loads an item the actor may see, or "not found" (another unit's items do not exist for them).
pub async fn item_for(app: &App, actor: &Actor<'_>, id: i64) -> Result<Item, Error> {
    let mut conn = app.db.pool.acquire().await?;
    items::get(&mut conn, &actor.scope(), id)
        .await?
        .ok_or(Error::NotFound)
}

/// Editing rule: any staff member of the unit may change an item that is not yet public.
/// Published and withdrawn items are not edited: what the public read was approved as it is.
pub(crate) async fn check_edit(app: &App, actor: &Actor<'_>, item: &Item) -> Result<(), Error> {
    let target = format!("item:{}", item.id);
    check(
        app,
        actor,
        item.unit_id,
        &target,
        actor.grants.can_edit_items(item.unit_id),
    )
    .await?;
    match item.state {
        ItemState::Draft | ItemState::InReview | ItemState::Approved => Ok(()),
        ItemState::Published => Err(Error::Conflict(
            "wrong_state",
            "已发布的信息不能直接修改：公众看到的内容必须是审核通过的原样。如需更正，请撤回后新建信息重新送审。".into(),
        )),
        ItemState::Withdrawn => Err(Error::Conflict("wrong_state", "已撤回的信息不能再修改。".into())),
    }
}

/// Claims an item's row for a change and reads it again inside the transaction, so that what
/// the change decides on (its state, its content, its importance floor) cannot change before it
/// commits. A state changed meanwhile is said, and nothing is saved.
pub(crate) async fn claim_for_edit(tx: &mut crate::db::Tx<'_>, item: &Item) -> Result<Item, Error> {
    if !items::claim(tx, item.id, item.state).await? {
        return Err(Error::Conflict(
            "changed_meanwhile",
            "这条信息刚刚被审核、发布或修改，您的这次操作没有保存。请刷新页面查看最新状态后再操作。"
                .into(),
        ));
    }
    items::get(tx, &Scope::unit(item.unit_id), item.id)
        .await?
        .ok_or(Error::NotFound)
}

/// After a change to an item under review: every approval is void and the chain restarts
/// (the item waits at step 1 again), and the screening is run anew.
pub(crate) async fn restart_review(
    tx: &mut crate::db::Tx<'_>,
    actor: &Actor<'_>,
    item: &Item,
) -> Result<(), Error> {
    if item.state == ItemState::InReview || item.state == ItemState::Approved {
        let voided = crate::db::review::void_approvals(tx, item.id).await?;
        items::set_state(tx, item.id, ItemState::InReview).await?;
        items::schedule(tx, item.id, None).await?;
        crate::db::review::add_event(
            tx,
            item.id,
            item.unit_id,
            Some(actor.user_id),
            actor.login,
            "restart",
            &format!("内容已修改，{voided} 项审核意见作废，重新从第一步审核"),
        )
        .await?;
    }
    Ok(())
}

/// The unit's column chosen in a form, or a field error naming it.
async fn column_of(
    conn: &mut crate::db::Conn,
    unit_id: i64,
    slug: &str,
) -> Result<columns::Column, Error> {
    columns::by_slug(conn, unit_id, slug).await?.ok_or_else(|| {
        FieldError::new(
            "column",
            format!("本单位没有代码为“{slug}”的栏目，请重新选择栏目"),
        )
        .into()
    })
}

pub async fn create_item(
    app: &App,
    actor: &Actor<'_>,
    unit_code: &str,
    input: &ItemInput,
) -> Result<i64, Error> {
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
    let fields = input.parse(app.today()).map_err(Error::Invalid)?;
    let mut tx = app.db.begin().await?;
    let column = column_of(&mut tx, unit.id, &fields.column).await?;
    let id = items::insert(&mut tx, unit.id, column.id, &fields, Some(actor.user_id)).await?;
    items::add_author(&mut tx, id, unit.id, actor.user_id).await?;
    audit::append(
        &mut tx,
        &actor.entry(
            "item.create",
            unit.id,
            format!("item:{id}"),
            sunshine_core::screening::redacted(&fields.title),
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
) -> Result<(), Error> {
    let item = item_for(app, actor, id).await?;
    check_edit(app, actor, &item).await?;
    let mut fields = input.parse(app.today()).map_err(Error::Invalid)?;
    let mut tx = app.db.begin().await?;
    let item = claim_for_edit(&mut tx, &item).await?;
    // An edit that does not name the importance keeps it (as it stands now).
    if input.importance.trim().is_empty() {
        fields.importance = item.importance;
    }
    // Once submitted (or raised by a reviewer), an item's importance stays at least where it was:
    // only a reviewer lowers it, with a reason.
    sunshine_core::review::editable(item.importance_floor, fields.importance).map_err(|_| {
        FieldError::new(
            "importance",
            format!(
                "这条信息已按“{}”送审或由审核人确定，编辑时不能降低；确需降低的，请审核链最后一位审核人在审核栏中写明理由后调整",
                item.importance_floor.label()
            ),
        )
    })?;
    let column = column_of(&mut tx, item.unit_id, &fields.column).await?;
    let before = review::digest_in(&mut tx, &item).await?;
    items::update(&mut tx, &item, column.id, &fields).await?;
    let after = match items::get(&mut tx, &Scope::unit(item.unit_id), id).await? {
        Some(saved) => review::digest_in(&mut tx, &saved).await?,
        None => return Err(Error::NotFound),
    };
    // Saving the form unchanged changes nobody's part in the item and voids no approval.
    if before != after || item.importance != fields.importance {
        items::add_author(&mut tx, id, item.unit_id, actor.user_id).await?;
        restart_review(&mut tx, actor, &item).await?;
    }
    audit::append(
        &mut tx,
        &actor.entry(
            "item.update",
            item.unit_id,
            format!("item:{id}"),
            sunshine_core::screening::redacted(&fields.title),
        ),
    )
    .await?;
    tx.commit().await?;
    if item.state != ItemState::Draft {
        rescreen_saved(app, id).await;
    }
    Ok(())
}

/// Stores an uploaded file for an item after judging it by its content.
pub async fn add_attachment(
    app: &App,
    actor: &Actor<'_>,
    item_id: i64,
    client_name: &str,
    bytes: bytes::Bytes,
) -> Result<i64, Error> {
    let item = item_for(app, actor, item_id).await?;
    check_edit(app, actor, &item).await?;
    // Sniffing the content, its digest and its text (for search) are CPU work: on the CPU pool.
    let (limit, data) = (app.config.max_upload_bytes, bytes.clone());
    let (kind, sha, text) = app
        .cpu
        .run(move || {
            let kind = upload::sniff(&data, limit)?;
            use sha2::Digest;
            let sha = hex::encode(sha2::Sha256::digest(&data));
            let text = crate::extract::searchable_text(kind.mime, &data);
            Ok::<_, UploadError>((kind, sha, text))
        })
        .await?
        .map_err(|e| match e {
            UploadError::TooLarge { .. } => Error::TooLarge(e.message()),
            UploadError::NotAccepted { .. } => Error::Unsupported(e.message()),
            UploadError::Empty => FieldError::new("file", e.message()).into(),
        })?;
    let name = upload::display_name(client_name, kind);
    let key = crate::blobs::Blobs::new_key(item.unit_id);
    let size = bytes.len() as i64;
    app.blobs.put(&key, bytes).await?;
    let saved = async {
        let mut tx = app.db.begin().await?;
        let item = claim_for_edit(&mut tx, &item).await?;
        if !matches!(
            item.state,
            ItemState::Draft | ItemState::InReview | ItemState::Approved
        ) {
            return Err(Error::Conflict(
                "wrong_state",
                "已发布或已撤回的信息不能再添加附件。".into(),
            ));
        }
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
                text: text.as_deref(),
            },
        )
        .await?;
        items::add_author(&mut tx, item_id, item.unit_id, actor.user_id).await?;
        restart_review(&mut tx, actor, &item).await?;
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
        Ok::<_, Error>(id)
    }
    .await;
    match saved {
        Ok(id) => {
            if item.state != ItemState::Draft {
                rescreen_saved(app, item_id).await;
            }
            Ok(id)
        }
        Err(e) => {
            // The record was not written: do not leave an orphaned file behind.
            let _ = app.blobs.delete(&key).await;
            Err(e)
        }
    }
}

pub async fn delete_attachment(
    app: &App,
    actor: &Actor<'_>,
    attachment_id: i64,
) -> Result<i64, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let att = attachments::get(&mut conn, &actor.scope(), attachment_id)
        .await?
        .ok_or(Error::NotFound)?;
    drop(conn);
    let item = item_for(app, actor, att.item_id).await?;
    check_edit(app, actor, &item).await?;
    let mut tx = app.db.begin().await?;
    let item = claim_for_edit(&mut tx, &item).await?;
    if !matches!(
        item.state,
        ItemState::Draft | ItemState::InReview | ItemState::Approved
    ) {
        return Err(Error::Conflict(
            "wrong_state",
            "已发布或已撤回的信息不能再删除附件。".into(),
        ));
    }
    attachments::delete(&mut tx, att.id).await?;
    items::add_author(&mut tx, item.id, item.unit_id, actor.user_id).await?;
    restart_review(&mut tx, actor, &item).await?;
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
    if let Err(e) = app.blobs.delete(&att.storage_key).await {
        // The record is gone; the bytes stay in the store until removed by hand.
        tracing::warn!(error = %e, attachment = att.id, "deleted attachment's file not removed from the store");
    }
    if item.state != ItemState::Draft {
        rescreen_saved(app, item.id).await;
    }
    Ok(item.id)
}

/// Screens an item again after a change that is already saved. A failure (the attachment store
/// away, say) must not report the saved change as not done: it is logged, the stored findings
/// stay as they were until the next screening, and publishing screens afresh in any case.
async fn rescreen_saved(app: &App, id: i64) {
    if let Err(e) = review::rescreen(app, id).await {
        tracing::warn!(error = %e, item = id, "screening after a saved change failed; publishing screens again");
    }
}
