//! One-off upgrades that need the deployment's key and so cannot be SQL migrations: re-keying the
//! audit chain (unkeyed SHA-256 → HMAC) and applicants' matching hashes (SHA-256 over key and
//! value → HMAC with a key of its own). Each runs once, inside one transaction that first takes
//! the audit head's lock, so several nodes starting together do it once.

use crate::crypto::Purpose;
use crate::db::audit::{self, Entry};
use crate::db::Db;
use anyhow::Context;

const APPLICANT_HASH: &str = "applicant_hash_hmac";

const KEY_MISMATCH: &str = "数据密钥与这个数据库不符（data key does not match this database）：请设置与其他节点相同的 SUNSHINE_DATA_KEY，或用 --data-dir 指向保存原 data.key 的数据目录";

/// Refuses a key other than the one the database was written with (a read only: nothing is
/// recorded for a database that has no fingerprint yet).
pub async fn check_key(db: &Db) -> anyhow::Result<()> {
    let key = db.key().context("数据密钥未载入")?;
    let check: Option<String> = sqlx::query_scalar("SELECT key_check FROM audit_head WHERE id = 1")
        .fetch_optional(&db.pool)
        .await?;
    match check {
        Some(c)
            if !c.is_empty()
                && !crate::auth::constant_time_eq(&c, &key.mac(Purpose::KeyCheck, "sunshine")) =>
        {
            anyhow::bail!(KEY_MISMATCH)
        }
        _ => Ok(()),
    }
}

pub async fn run(db: &Db) -> anyhow::Result<()> {
    let key = db
        .key()
        .cloned()
        .context("升级需要数据密钥（SUNSHINE_DATA_KEY 或数据目录中的 data.key）")?;
    let mut tx = db.begin().await?;
    // Serialises with every appender and every other node's upgrade.
    let head: Option<(String, String)> =
        sqlx::query_as("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING scheme, key_check")
            .fetch_optional(&mut *tx)
            .await?;
    let Some((scheme, check)) = head else {
        anyhow::bail!(
            "审计日志的链头记录（audit_head）不见了：数据库被改动过。请从备份恢复，或用 sunshine audit verify 查明后联系技术支持"
        );
    };
    let fingerprint = key.mac(Purpose::KeyCheck, "sunshine");
    if check.is_empty() {
        sqlx::query("UPDATE audit_head SET key_check = $1 WHERE id = 1")
            .bind(&fingerprint)
            .execute(&mut *tx)
            .await?;
    } else if !crate::auth::constant_time_eq(&check, &fingerprint) {
        anyhow::bail!(KEY_MISMATCH);
    }
    let done: Option<i64> = sqlx::query_scalar("SELECT done_at FROM upgrades WHERE name = $1")
        .bind(APPLICANT_HASH)
        .fetch_optional(&mut *tx)
        .await?;
    if done.is_none() {
        let rows: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT id, id_number_enc, applicant_hash FROM applications")
                .fetch_all(&mut *tx)
                .await?;
        let mut rekeyed = 0;
        for (id, enc, old) in rows {
            let Ok(plain) = key.open(&enc) else {
                continue;
            };
            if old == key.legacy_keyed_hash(&plain) {
                sqlx::query("UPDATE applications SET applicant_hash = $1 WHERE id = $2")
                    .bind(key.mac(Purpose::ApplicantId, &plain))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                rekeyed += 1;
            }
        }
        sqlx::query("INSERT INTO upgrades (name, done_at) VALUES ($1, $2)")
            .bind(APPLICANT_HASH)
            .bind(crate::db::now())
            .execute(&mut *tx)
            .await?;
        if rekeyed > 0 {
            tracing::info!(applications = rekeyed, "applicant hashes re-keyed");
        }
    }
    if scheme == "sha256" {
        upgrade_chain(&mut tx, &key).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The audit chain of an earlier version (unkeyed SHA-256) becomes keyed. Only a chain that is
/// whole under the old scheme is re-keyed: re-keying a broken one would launder what broke it.
/// A flag flipped back to the old scheme on a chain that is keyed already is set right again; a
/// chain that is whole under neither scheme is left as it is (so `audit verify` keeps naming the
/// break) and the refusal is recorded.
async fn upgrade_chain(
    tx: &mut crate::db::Tx<'_>,
    key: &crate::crypto::DataKey,
) -> anyhow::Result<()> {
    let legacy = audit::verify(tx, key, None, true).await?;
    let (action, detail) = match legacy {
        Ok(n) => {
            rekey(tx, key).await?;
            tracing::info!(entries = n, "audit chain re-keyed");
            (
                "audit.upgrade",
                format!("审计链改为密钥散列（HMAC-SHA256）；升级前的 {n} 条经核验完整"),
            )
        }
        Err(old) => match audit::verify(tx, key, None, false).await? {
            Ok(_) => {
                tracing::error!(
                    "the audit head claimed the old scheme for a keyed chain; set right"
                );
                (
                    "audit.scheme_restored",
                    "审计链头被改为旧的散列方式，而记录本身是密钥散列：已改回，未重算任何记录"
                        .to_owned(),
                )
            }
            Err(_) => {
                tracing::error!(seq = old.seq, "the audit chain is not whole; not re-keyed");
                (
                    "audit.upgrade_refused",
                    format!(
                        "审计链在升级前已不完整：{}（第 {} 条）。未重算任何记录，请用 sunshine audit verify 查明",
                        old.reason, old.seq
                    ),
                )
            }
        },
    };
    sqlx::query("UPDATE audit_head SET scheme = 'hmac-sha256' WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    audit::append(
        tx,
        &Entry {
            actor: "system",
            ip: "local",
            action,
            detail,
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}

/// Re-computes every entry's MAC in order, a batch at a time.
async fn rekey(tx: &mut crate::db::Tx<'_>, key: &crate::crypto::DataKey) -> anyhow::Result<()> {
    let mut prev = String::new();
    let mut from = 0i64;
    loop {
        let batch: Vec<audit::Logged> = sqlx::query_as(
            "SELECT id, seq, at, actor_id, actor, ip, action, unit_id, target, detail, prev_hash, hash \
             FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 2000",
        )
        .bind(from)
        .fetch_all(&mut **tx)
        .await?;
        let Some(last) = batch.last().map(|e| e.seq) else {
            break;
        };
        for mut e in batch {
            e.prev_hash = prev;
            let mac = e.fields().mac(key);
            sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3")
                .bind(&e.prev_hash)
                .bind(&mac)
                .bind(e.id)
                .execute(&mut **tx)
                .await?;
            prev = mac;
        }
        from = last;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
