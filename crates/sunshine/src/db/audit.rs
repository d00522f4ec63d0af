//! The audit log: append-only, each entry keyed with HMAC-SHA256 over the previous entry's MAC
//! and every field, so an edited, deleted or reordered entry breaks the chain. The key is derived
//! from the deployment's key (`SUNSHINE_DATA_KEY` or the data directory's key file), which is
//! never in the database: whoever can write to the database cannot recompute the chain.
//! Checkpoints (`sunshine audit checkpoint`), kept outside, prove that nothing before them
//! changed even to someone holding the key.
//!
//! Appending first updates the single `audit_head` row, which serialises appenders on every
//! node (a row lock on PostgreSQL, the write lock on SQLite) so the chain never forks.

use super::{Conn, Tx};
use crate::crypto::{DataKey, Purpose};

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

/// The longest actor name, target and detail kept: an entry is a record, not a store for input.
const MAX_ACTOR: usize = 64;
const MAX_TARGET: usize = 200;
const MAX_DETAIL: usize = 2000;

fn bounded(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// The fields an entry's MAC covers, in order.
pub struct Fields<'a> {
    pub prev: &'a str,
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: &'a str,
    pub ip: &'a str,
    pub action: &'a str,
    pub unit_id: Option<i64>,
    pub target: &'a str,
    pub detail: &'a str,
}

impl Fields<'_> {
    fn parts(&self) -> [String; 10] {
        [
            self.prev.to_owned(),
            self.seq.to_string(),
            self.at.to_string(),
            self.actor_id.map(|v| v.to_string()).unwrap_or_default(),
            self.actor.to_owned(),
            self.ip.to_owned(),
            self.action.to_owned(),
            self.unit_id.map(|v| v.to_string()).unwrap_or_default(),
            self.target.to_owned(),
            self.detail.to_owned(),
        ]
    }

    /// HMAC-SHA256 under the audit key over every field, each length-prefixed.
    pub fn mac(&self, key: &DataKey) -> String {
        let parts = self.parts();
        let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
        key.mac_parts(Purpose::AuditChain, &refs)
    }

    /// The unkeyed SHA-256 of the chain before it was keyed, to check an old chain once before
    /// it is upgraded.
    pub fn legacy_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for part in self.parts() {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

impl Logged {
    pub fn fields(&self) -> Fields<'_> {
        Fields {
            prev: &self.prev_hash,
            seq: self.seq,
            at: self.at,
            actor_id: self.actor_id,
            actor: &self.actor,
            ip: &self.ip,
            action: &self.action,
            unit_id: self.unit_id,
            target: &self.target,
            detail: &self.detail,
        }
    }
}

fn no_key() -> sqlx::Error {
    sqlx::Error::Configuration(
        "the audit key is not loaded: open the database with Db::open".into(),
    )
}

/// Appends an entry in the caller's transaction, keyed with the transaction's key.
pub async fn append(tx: &mut Tx<'_>, e: &Entry<'_>) -> sqlx::Result<()> {
    let key = tx.key().cloned().ok_or_else(no_key)?;
    let conn: &mut Conn = tx;
    let (seq, prev): (i64, String) =
        sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *conn)
            .await?;
    let at = super::now();
    let (actor, target, detail) = (
        bounded(e.actor, MAX_ACTOR),
        bounded(&e.target, MAX_TARGET),
        bounded(&e.detail, MAX_DETAIL),
    );
    let ip = bounded(e.ip, 64);
    let hash = Fields {
        prev: &prev,
        seq,
        at,
        actor_id: e.actor_id,
        actor: &actor,
        ip: &ip,
        action: e.action,
        unit_id: e.unit_id,
        target: &target,
        detail: &detail,
    }
    .mac(&key);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_id, actor, ip, action, unit_id, target, detail, prev_hash, hash) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
    )
    .bind(seq)
    .bind(at)
    .bind(e.actor_id)
    .bind(&actor)
    .bind(&ip)
    .bind(e.action)
    .bind(e.unit_id)
    .bind(&target)
    .bind(&detail)
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

/// The head of the chain: what a checkpoint records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: i64,
}

impl Checkpoint {
    const MAGIC: &'static str = "sunshine-audit-checkpoint v1";

    /// The text kept outside the system (printed, sent to the supervisor, published).
    pub fn to_text(&self) -> String {
        let when = chrono::DateTime::from_timestamp(self.at, 0)
            .map(|t| t.to_rfc3339())
            .unwrap_or_default();
        format!(
            "{}\nseq: {}\nhash: {}\nat: {when}\n",
            Self::MAGIC,
            self.seq,
            self.hash
        )
    }

    /// Reads a checkpoint back, naming what is wrong with a damaged one.
    pub fn parse(text: &str) -> Result<Checkpoint, String> {
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        if lines.next() != Some(Self::MAGIC) {
            return Err(format!("不是审计检查点文件（第一行应为“{}”）", Self::MAGIC));
        }
        let (mut seq, mut hash, mut at) = (None, None, 0);
        for l in lines {
            match l.split_once(':').map(|(k, v)| (k.trim(), v.trim())) {
                Some(("seq", v)) => seq = v.parse::<i64>().ok(),
                Some(("hash", v)) if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    hash = Some(v.to_ascii_lowercase())
                }
                Some(("at", v)) => {
                    at = chrono::DateTime::parse_from_rfc3339(v)
                        .map(|t| t.timestamp())
                        .unwrap_or(0)
                }
                _ => {}
            }
        }
        match (seq, hash) {
            (Some(seq), Some(hash)) if seq >= 0 => Ok(Checkpoint { seq, hash, at }),
            _ => Err("检查点文件缺少有效的 seq 或 hash 行".into()),
        }
    }
}

/// The chain's head now.
pub async fn head(conn: &mut Conn) -> sqlx::Result<Checkpoint> {
    let (seq, hash): (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(conn)
            .await?;
    Ok(Checkpoint {
        seq,
        hash,
        at: super::now(),
    })
}

/// Up to which entry the chain carries the unkeyed scheme of an earlier version: all of it
/// before `audit upgrade`, none in a database this version started.
pub async fn legacy_upto(conn: &mut Conn) -> sqlx::Result<i64> {
    // A database an earlier version left, not migrated yet, has no scheme: all of it is old.
    let Ok(head) = sqlx::query_as::<_, (String, i64)>(
        "SELECT scheme, legacy_upto FROM audit_head WHERE id = 1",
    )
    .fetch_optional(conn)
    .await
    else {
        return Ok(i64::MAX);
    };
    Ok(match head {
        Some((scheme, _)) if scheme == "sha256" => i64::MAX,
        Some((_, upto)) => upto,
        None => 0,
    })
}

/// Where the chain breaks, for `sunshine audit verify`.
#[derive(Debug, PartialEq, Eq)]
pub struct Broken {
    pub seq: i64,
    pub reason: String,
}

/// Walks the whole chain in order and names the first entry that does not fit: an edited entry
/// (its MAC no longer matches), a deleted one (a gap in the sequence or a broken link), a
/// reordered one (a link to the wrong predecessor), or a cut-off tail (the head disagrees).
/// With a checkpoint, also that the entry it names still has the MAC it recorded, so nothing up
/// to it changed. Entries up to `legacy_upto` were written by an earlier version and carry its
/// unkeyed SHA-256; the keyed entry after them covers the last of them.
pub async fn verify(
    conn: &mut Conn,
    key: &DataKey,
    checkpoint: Option<&Checkpoint>,
    legacy_upto: i64,
) -> sqlx::Result<Result<i64, Broken>> {
    let mut expected_seq = 1;
    let mut prev = String::new();
    let mut checkpoint_seen = checkpoint.is_none_or(|c| c.seq == 0 && c.hash.is_empty());
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
            let h = if e.seq <= legacy_upto {
                e.fields().legacy_hash()
            } else {
                e.fields().mac(key)
            };
            if !crate::auth::constant_time_eq(&h, &e.hash) {
                return Ok(Err(Broken {
                    seq: e.seq,
                    reason: format!(
                        "第 {} 条的内容与其密钥散列不符：记录被修改，或整条链被人重算",
                        e.seq
                    ),
                }));
            }
            if let Some(c) = checkpoint.filter(|c| c.seq == e.seq) {
                if c.hash != e.hash {
                    return Ok(Err(Broken {
                        seq: e.seq,
                        reason: format!(
                            "第 {} 条与检查点记录的散列不符：检查点之前的记录被改写",
                            e.seq
                        ),
                    }));
                }
                checkpoint_seen = true;
            }
            prev = e.hash;
            expected_seq += 1;
        }
    }
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?;
    let last = expected_seq - 1;
    let Some((head_seq, head_hash)) = head else {
        return Ok(Err(Broken {
            seq: last + 1,
            reason: "链头记录（audit_head）缺失：数据库被改动过".into(),
        }));
    };
    if head_seq != last || head_hash != prev {
        return Ok(Err(Broken {
            seq: last + 1,
            reason: format!(
                "链尾记录到第 {head_seq} 条，实际只有 {last} 条：末尾的记录被删除或链尾被改动"
            ),
        }));
    }
    if let Some(c) = checkpoint.filter(|_| !checkpoint_seen) {
        return Ok(Err(Broken {
            seq: c.seq,
            reason: format!(
                "检查点记录的第 {} 条已不存在（现只有 {last} 条）：检查点之后的记录被删除",
                c.seq
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
    use super::BindIds;
    let no_units: &[i64] = &[];
    let (filter, units) = match scope {
        None => (String::new(), no_units),
        Some(s) => {
            let list = super::placeholders(2, s.units.len());
            let filter = if s.system {
                format!("WHERE (unit_id IN ({list}) OR unit_id IS NULL)")
            } else {
                format!("WHERE unit_id IN ({list})")
            };
            (filter, s.units.as_slice())
        }
    };
    sqlx::query_as(&format!(
        "SELECT id, seq, at, actor_id, actor, ip, action, unit_id, target, detail, prev_hash, hash \
         FROM audit_log {filter} ORDER BY seq DESC LIMIT $1"
    ))
    .bind(limit)
    .bind_ids(units)
    .fetch_all(conn)
    .await
}

/// CSV of entries, oldest first, with the MACs so a copy can be checked later. Written with the
/// `csv` crate; cells that a spreadsheet would run as a formula are neutralised
/// ([`crate::csvout`]).
pub fn to_csv(entries: &[Logged]) -> String {
    let mut w = crate::csvout::Writer::new();
    w.row([
        "seq",
        "at",
        "actor_id",
        "actor",
        "ip",
        "action",
        "unit_id",
        "target",
        "detail",
        "prev_hash",
        "hash",
    ]);
    for e in entries.iter().rev() {
        w.row([
            e.seq.to_string(),
            e.at.to_string(),
            e.actor_id.map(|v| v.to_string()).unwrap_or_default(),
            e.actor.clone(),
            e.ip.clone(),
            e.action.clone(),
            e.unit_id.map(|v| v.to_string()).unwrap_or_default(),
            e.target.clone(),
            e.detail.clone(),
            e.prev_hash.clone(),
            e.hash.clone(),
        ]);
    }
    w.finish()
}
