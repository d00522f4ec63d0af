//! The applicant's proof of identity (身份证明, Art. 29): a photo or scan (JPEG, PNG or PDF, at
//! most 5 MB), judged by its content, stored encrypted with the data key, shown only to the
//! staff of the unit handling the application, each view audited.
//!
//! A file sent with a form that had errors is kept waiting (sealed, recorded without an
//! application) so that the corrected form need not carry it again; the form carries a sealed
//! reference to it. Waiting files are removed after [`PENDING_SECONDS`].

use super::Actor;
use crate::app::App;
use crate::db::applications::{self as adb, AppFile, NewFile};
use crate::db::throttle::{self, Bucket};
use crate::service::Error;
use bytes::Bytes;
use sunshine_core::upload::{sniff, UploadError};
use sunshine_core::FieldError;

pub const PROOF_KIND: &str = "identity_proof";
pub const PROOF_MAX_BYTES: u64 = 5 * 1024 * 1024;
/// How long a waiting file is kept (the form's challenge lives as long).
pub const PENDING_SECONDS: i64 = 2 * 3600;
const ACCEPTED: &[&str] = &["image/jpeg", "image/png", "application/pdf"];

/// A proof waiting for its form: the sealed reference the form carries, and the name to show.
#[derive(Debug, Clone, Default)]
pub struct Pending {
    pub token: String,
    pub name: String,
}

fn field(msg: impl Into<String>) -> Error {
    FieldError::new("proof", msg).into()
}

/// Checks the file by its content: a JPEG, PNG or PDF of at most 5 MB.
pub fn check(name: &str, bytes: &[u8]) -> Result<(String, &'static str), Error> {
    let kind = sniff(bytes, PROOF_MAX_BYTES).map_err(|e| match e {
        UploadError::Empty => field("所选的身份证明文件是空的，请重新选择。"),
        UploadError::TooLarge { .. } => field(
            "身份证明文件太大：不能超过 5 MB。请用手机拍照后直接上传，或降低扫描分辨率后重新选择。",
        ),
        UploadError::NotAccepted { .. } => {
            field("身份证明只接受 JPG、PNG 图片或 PDF 文件（按文件内容判断），请重新选择。")
        }
    })?;
    if !ACCEPTED.contains(&kind.mime) {
        return Err(field(
            "身份证明只接受 JPG、PNG 图片或 PDF 文件（按文件内容判断），请重新选择。",
        ));
    }
    Ok((sunshine_core::upload::display_name(name, kind), kind.mime))
}

/// How many proofs one address may have kept for forms still being corrected, per hour (a
/// person mends a form a few times; a script that solved one challenge must not fill the store).
pub const KEPT_PER_HOUR: i64 = 10;

/// Seals and stores an uploaded proof, recorded as waiting; returns it with its reference for
/// the form. The row comes first: an object whose row was never written could not be found
/// again to be removed, while a row whose object failed is removed here (or by [`sweep`]).
pub async fn keep(app: &App, ip: &str, name: &str, bytes: Bytes) -> Result<(i64, Pending), Error> {
    let (file_name, mime) = check(name, &bytes)?;
    let mut tx = app.db.begin().await?;
    let n = throttle::hit(&mut tx, Bucket::ProofAddress, ip, 3600).await?;
    tx.commit().await?;
    if n > KEPT_PER_HOUR {
        return Err(Error::RateLimited(
            "同一网络地址一小时内上传的身份证明过多，请一小时后再上传；您填写的其他内容都保留着，也可以先不上传身份证明。".into(),
        ));
    }
    let size = bytes.len() as i64;
    let key = app.data_key.clone();
    let sealed = app.cpu.run(move || key.seal_bytes(&bytes)).await??;
    let storage_key = format!("applicants/{}", crate::auth::random_hex(16));
    let id = {
        let mut conn = app.db.pool.acquire().await?;
        adb::insert_pending_file(
            &mut conn,
            &NewFile {
                kind: PROOF_KIND,
                file_name: &file_name,
                mime,
                size_bytes: size,
                storage_key: &storage_key,
                sealed: true,
            },
        )
        .await?
    };
    if let Err(e) = app.blobs.put(&storage_key, Bytes::from(sealed)).await {
        let mut conn = app.db.pool.acquire().await?;
        adb::delete_pending_file(&mut conn, id).await?;
        return Err(e.into());
    }
    let token = app.data_key.seal_stamped("proof", &[&id.to_string()])?;
    Ok((
        id,
        Pending {
            token,
            name: file_name,
        },
    ))
}

/// The file a form's reference names, if the reference is ours and fresh: waiting, or already
/// given to an application (a double click sends the same reference twice; the second is the
/// first's repeat, answered with its receipt, and a different form with it is refused when it
/// tries to claim the file).
pub async fn pending(app: &App, token: &str) -> Result<Option<(i64, Pending)>, Error> {
    let Some(id) = app
        .data_key
        .open_stamped("proof", 1, PENDING_SECONDS, token)
        .and_then(|f| f.first()?.parse::<i64>().ok())
    else {
        return Ok(None);
    };
    let mut conn = app.db.pool.acquire().await?;
    Ok(adb::file_of_kind(&mut conn, id, PROOF_KIND)
        .await?
        .map(|f| {
            (
                id,
                Pending {
                    token: token.trim().to_owned(),
                    name: f.file_name,
                },
            )
        }))
}

/// The proofs of an application, for its case page (names and sizes only).
pub async fn list(app: &App, unit_id: i64, application_id: i64) -> Result<Vec<AppFile>, Error> {
    let mut conn = app.db.pool.acquire().await?;
    Ok(adb::files_of(&mut conn, unit_id, application_id).await?)
}

/// One proof, decrypted, for the handling unit's staff; the view is audited.
pub async fn view(
    app: &App,
    actor: &Actor<'_>,
    application_id: i64,
    file_id: i64,
) -> Result<(AppFile, Vec<u8>), Error> {
    let a = super::case::handled_by(app, actor, application_id).await?;
    let file = list(app, a.unit_id, application_id)
        .await?
        .into_iter()
        .find(|f| f.id == file_id)
        .ok_or(Error::NotFound)?;
    let stored = app.blobs.get(&file.storage_key).await?;
    let plain = if file.sealed != 0 {
        let key = app.data_key.clone();
        app.cpu.run(move || key.open_bytes(&stored)).await??
    } else {
        stored.to_vec()
    };
    let detail = format!("file:{file_id}");
    super::case::audit_view(app, actor, &a, "application.view_proof", detail).await?;
    Ok((file, plain))
}

/// Removes waiting files older than [`PENDING_SECONDS`] with their objects; returns how many.
pub async fn sweep(app: &App) -> Result<usize, Error> {
    let before = crate::db::now() - PENDING_SECONDS;
    let stale = {
        let mut conn = app.db.pool.acquire().await?;
        adb::stale_pending_files(&mut conn, before).await?
    };
    let mut gone = 0;
    for f in stale {
        // The row first: once it is gone no form can claim the file, so the object may go (no
        // connection is held while the object store answers).
        let removed = {
            let mut conn = app.db.pool.acquire().await?;
            adb::delete_pending_file(&mut conn, f.id).await?
        };
        if removed {
            if let Err(e) = app.blobs.delete(&f.storage_key).await {
                tracing::warn!(error = %e, "a waiting proof's object could not be removed");
            }
            gone += 1;
        }
    }
    Ok(gone)
}
