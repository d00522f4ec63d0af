//! One-off upgrades that need the deployment's key and so cannot be SQL migrations: re-keying the
//! audit chain (unkeyed SHA-256 → HMAC) and applicants' matching hashes (SHA-256 over key and
//! value → HMAC with a key of its own). Each runs once, inside one transaction that first takes
//! the audit head's lock, so several nodes starting together do it once.

use crate::crypto::Purpose;
use crate::db::audit::{self, Entry};
use crate::db::Db;
use anyhow::Context;

const APPLICANT_HASH: &str = "applicant_hash_hmac";

pub async fn run(db: &Db) -> anyhow::Result<()> {
    let key = db
        .key()
        .cloned()
        .context("升级需要数据密钥（SUNSHINE_DATA_KEY 或数据目录中的 data.key）")?;
    let mut tx = db.begin().await?;
    // Serialises with every appender and every other node's upgrade.
    let (scheme, check): (String, String) =
        sqlx::query_as("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING scheme, key_check")
            .fetch_one(&mut *tx)
            .await?;
    let fingerprint = key.mac(Purpose::KeyCheck, "sunshine");
    if check.is_empty() {
        sqlx::query("UPDATE audit_head SET key_check = $1 WHERE id = 1")
            .bind(&fingerprint)
            .execute(&mut *tx)
            .await?;
    } else if !crate::auth::constant_time_eq(&check, &fingerprint) {
        anyhow::bail!(
            "数据密钥与这个数据库不符（data key does not match this database）：请设置与其他节点相同的 SUNSHINE_DATA_KEY，或用 --data-dir 指向保存原 data.key 的数据目录"
        );
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
        let legacy = audit::verify(&mut tx, &key, None, true).await?;
        let entries: Vec<audit::Logged> = sqlx::query_as(
            "SELECT id, seq, at, actor_id, actor, ip, action, unit_id, target, detail, prev_hash, hash \
             FROM audit_log ORDER BY seq",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut prev = String::new();
        for mut e in entries {
            e.prev_hash = prev;
            let mac = e.fields().mac(&key);
            sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3")
                .bind(&e.prev_hash)
                .bind(&mac)
                .bind(e.id)
                .execute(&mut *tx)
                .await?;
            prev = mac;
        }
        sqlx::query("UPDATE audit_head SET hash = $1, scheme = 'hmac-sha256' WHERE id = 1")
            .bind(&prev)
            .execute(&mut *tx)
            .await?;
        let detail = match legacy {
            Ok(n) => format!("审计链改为密钥散列（HMAC-SHA256）；升级前的 {n} 条经核验完整"),
            Err(b) => format!(
                "审计链改为密钥散列（HMAC-SHA256）；升级前核验发现问题：{}（第 {} 条）",
                b.reason, b.seq
            ),
        };
        audit::append(
            &mut tx,
            &Entry {
                actor: "system",
                ip: "local",
                action: "audit.upgrade",
                detail,
                ..Default::default()
            },
        )
        .await?;
        tracing::info!("audit chain re-keyed");
    }
    tx.commit().await?;
    Ok(())
}
