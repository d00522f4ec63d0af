//! The audit log: append-only, each entry's hash covering the previous entry's hash, so an
//! edited, deleted or reordered entry breaks the chain.
//!
//! Appending first updates the single `audit_head` row, which serialises appenders on every
//! node (a row lock on PostgreSQL, the write lock on SQLite) so the chain never forks.

use super::Conn;
use sha2::{Digest, Sha256};

/// What happened, by whom, from where. Never personal data of applicants, never secrets.
#[derive(Debug, Clone, Default)]
pub struct Entry<'a> {
    pub actor_id: Option<i64>,
    pub actor: &'a str,
    pub ip: &'a str,
    pub action: &'a str,
    pub unit_id: Option<i64>,
    pub target: String,
    pub detail: String,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Logged {
    pub id: i64,
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub ip: String,
    pub action: String,
    pub unit_id: Option<i64>,
    pub target: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry: SHA-256 over the previous hash and every field, length-prefixed so
/// that no two different entries serialise alike.
#[expect(
    clippy::too_many_arguments,
    reason = "every field of the entry is hashed; a struct would only rename them"
)]
pub fn entry_hash(
    prev: &str,
    seq: i64,
    at: i64,
    actor_id: Option<i64>,
    actor: &str,
    ip: &str,
    action: &str,
    unit_id: Option<i64>,
    target: &str,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &seq.to_string(),
        &at.to_string(),
        &actor_id.map(|v| v.to_string()).unwrap_or_default(),
        actor,
        ip,
        action,
        &unit_id.map(|v| v.to_string()).unwrap_or_default(),
        target,
        detail,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends an entry in the caller's transaction.
pub async fn append(conn: &mut Conn, e: &Entry<'_>) -> sqlx::Result<()> {
    let (seq, prev): (i64, String) =
        sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *conn)
            .await?;
    let at = super::now();
    let hash = entry_hash(
        &prev, seq, at, e.actor_id, e.actor, e.ip, e.action, e.unit_id, &e.target, &e.detail,
    );
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_id, actor, ip, action, unit_id, target, detail, prev_hash, hash) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
    )
    .bind(seq)
    .bind(at)
    .bind(e.actor_id)
    .bind(e.actor)
    .bind(e.ip)
    .bind(e.action)
    .bind(e.unit_id)
    .bind(&e.target)
    .bind(&e.detail)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Where the chain breaks, for `sunshine audit verify`.
#[derive(Debug, PartialEq, Eq)]
pub struct Broken {
    pub seq: i64,
    pub reason: String,
}

/// Walks the whole chain in order and names the first entry that does not fit: an edited entry
/// (its hash no longer matches), a deleted one (a gap in the sequence or a broken link), a
/// reordered one (a link to the wrong predecessor), or a cut-off tail (the head disagrees).
pub async fn verify(conn: &mut Conn) -> sqlx::Result<Result<i64, Broken>> {
    let mut expected_seq = 1;
    let mut prev = String::new();
    loop {
        let batch: Vec<Logged> = sqlx::query_as(
            "SELECT id, seq, at, actor_id, actor, ip, action, unit_id, target, detail, prev_hash, hash \
             FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT 5000",
        )
        .bind(expected_seq)
        .fetch_all(&mut *conn)
        .await?;
        if batch.is_empty() {
            break;
        }
        for e in batch {
            if e.seq != expected_seq {
                return Ok(Err(Broken {
                    seq: expected_seq,
                    reason: format!(
                        "第 {expected_seq} 条缺失（下一条是第 {} 条）：有记录被删除",
                        e.seq
                    ),
                }));
            }
            if e.prev_hash != prev {
                return Ok(Err(Broken {
                    seq: e.seq,
                    reason: format!(
                        "第 {} 条与前一条的链接不符：记录被删除、插入或调换了顺序",
                        e.seq
                    ),
                }));
            }
            let h = entry_hash(
                &e.prev_hash,
                e.seq,
                e.at,
                e.actor_id,
                &e.actor,
                &e.ip,
                &e.action,
                e.unit_id,
                &e.target,
                &e.detail,
            );
            if h != e.hash {
                return Ok(Err(Broken {
                    seq: e.seq,
                    reason: format!("第 {} 条的内容与其散列不符：记录被修改", e.seq),
                }));
            }
            prev = e.hash;
            expected_seq += 1;
        }
    }
    let (head_seq, head_hash): (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
    let last = expected_seq - 1;
    if head_seq != last || head_hash != prev {
        return Ok(Err(Broken {
            seq: last + 1,
            reason: format!(
                "链尾记录到第 {head_seq} 条，实际只有 {last} 条：末尾的记录被删除或链尾被改动"
            ),
        }));
    }
    Ok(Ok(last))
}

/// Which entries a reader may see: those of `units`, and with `system` those of no unit.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub units: Vec<i64>,
    pub system: bool,
}

/// Entries for a reader, newest first: everything (`None`: the command line), or a scope.
pub async fn list(conn: &mut Conn, scope: Option<&Scope>, limit: i64) -> sqlx::Result<Vec<Logged>> {
    let filter = match scope {
        None => String::new(),
        Some(s) => {
            let units = s
                .units
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",");
            match (units.is_empty(), s.system) {
                (true, false) => "WHERE 1 = 0".to_owned(),
                (true, true) => "WHERE unit_id IS NULL".to_owned(),
                (false, false) => format!("WHERE unit_id IN ({units})"),
                (false, true) => format!("WHERE (unit_id IN ({units}) OR unit_id IS NULL)"),
            }
        }
    };
    sqlx::query_as(&format!(
        "SELECT id, seq, at, actor_id, actor, ip, action, unit_id, target, detail, prev_hash, hash \
         FROM audit_log {filter} ORDER BY seq DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// CSV of entries, oldest first, with the hashes so a copy can be checked later.
pub fn to_csv(entries: &[Logged]) -> String {
    let esc = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    };
    let mut out =
        String::from("seq,at,actor_id,actor,ip,action,unit_id,target,detail,prev_hash,hash\n");
    for e in entries.iter().rev() {
        let row = [
            e.seq.to_string(),
            e.at.to_string(),
            e.actor_id.map(|v| v.to_string()).unwrap_or_default(),
            esc(&e.actor),
            esc(&e.ip),
            esc(&e.action),
            e.unit_id.map(|v| v.to_string()).unwrap_or_default(),
            esc(&e.target),
            esc(&e.detail),
            e.prev_hash.clone(),
            e.hash.clone(),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}
