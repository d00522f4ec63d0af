//! One-off upgrades that need the deployment's key and so cannot be SQL migrations: the key's
//! fingerprint, and applicants' matching hashes (SHA-256 over key and value → HMAC with a key of
//! its own), run at every start inside one transaction that first takes the audit head's lock, so
//! several nodes starting together do them once; and the audit chain of an earlier version
//! (unkeyed SHA-256), joined to the keyed chain only by the operator (`sunshine audit upgrade`).

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
    // A database not migrated yet has no fingerprint to compare.
    let check: Option<String> = sqlx::query_scalar("SELECT key_check FROM audit_head WHERE id = 1")
        .fetch_optional(&db.pool)
        .await
        .unwrap_or(None);
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
        anyhow::bail!(
            "审计日志还是旧版本的散列方式（audit log still in the old scheme）。如果这是从旧版本升级后第一次启动，请先运行一次 sunshine audit upgrade（它核验旧记录并接上密钥散列链）；如果没有升级过版本，说明数据库被改动过，请不要运行它，先用 sunshine audit verify 查明"
        );
    }
    tx.commit().await?;
    Ok(())
}

/// `sunshine audit upgrade`: the audit chain of an earlier version (unkeyed SHA-256) is checked
/// and the keyed chain begins after it. The old entries are not rewritten: they stay verifiable
/// under their old scheme up to the boundary, and the first keyed entry's MAC covers the last old
/// one, so rewriting any of them breaks the keyed chain. Run by the operator, once: no start of
/// the server does it by itself. Returns what the check of the old entries found.
pub async fn upgrade_audit_chain(db: &Db) -> anyhow::Result<String> {
    let key = db.key().cloned().context("数据密钥未载入")?;
    let mut tx = db.begin().await?;
    let head: Option<(String, i64, String)> =
        sqlx::query_as("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING scheme, seq, hash")
            .fetch_optional(&mut *tx)
            .await?;
    let Some((scheme, seq, _)) = head else {
        anyhow::bail!("审计日志的链头记录（audit_head）不见了：数据库被改动过，不能升级");
    };
    if scheme != "sha256" {
        anyhow::bail!("审计日志已经是密钥散列，无需升级");
    }
    let old = audit::verify(&mut tx, &key, None, i64::MAX).await?;
    let found = match &old {
        Ok(n) => format!("升级前的 {n} 条旧记录经核验完整"),
        Err(b) => format!(
            "升级前的旧记录核验发现问题：{}（第 {} 条）",
            b.reason, b.seq
        ),
    };
    sqlx::query("UPDATE audit_head SET scheme = 'hmac-sha256', legacy_upto = $1 WHERE id = 1")
        .bind(seq)
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        &Entry {
            actor: "cli",
            ip: "local",
            action: "audit.upgrade",
            detail: format!(
                "审计链自第 {} 条起改为密钥散列（HMAC-SHA256）；{found}",
                seq + 1
            ),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(found)
}
