//! `sunshine audit verify [--checkpoint FILE]`, `sunshine audit checkpoint`, `sunshine audit export`.

use crate::config::Config;
use crate::db::audit::{self, Checkpoint};
use crate::db::Db;
use anyhow::{bail, Context};

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check the keyed chain; exit 1 naming the first broken entry. With --checkpoint, also prove
    /// that nothing up to the checkpoint changed
    Verify {
        /// A checkpoint printed earlier by `sunshine audit checkpoint`
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<std::path::PathBuf>,
    },
    /// Print the chain's head (sequence number, MAC, time) to keep outside the system: printed,
    /// sent to the supervisor, or published
    Checkpoint,
    /// Once, after upgrading from a version whose audit log was not keyed: check the old entries
    /// and begin the keyed chain after them (they are not rewritten)
    Upgrade,
    /// Write the whole log as CSV (with MACs) to stdout or a file
    Export {
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

pub async fn run(config: &Config, cmd: AuditCommand) -> anyhow::Result<()> {
    // Reading and checking the log changes nothing: no upgrade runs here (an old chain not yet
    // upgraded by a server start is checked under its old scheme).
    let db = match &cmd {
        AuditCommand::Export { .. } => Db::open(config).await?,
        _ => Db::open_to_read(config).await?,
    };
    if matches!(cmd, AuditCommand::Upgrade) {
        // Migrations first (they add the boundary column), then the upgrade itself.
        db.migrate().await?;
    }
    let key = db.key().cloned().context("数据密钥未载入")?;
    let legacy = {
        let mut conn = db.pool.acquire().await?;
        audit::legacy_upto(&mut conn).await?
    };
    match cmd {
        AuditCommand::Verify { checkpoint } => {
            let cp = match &checkpoint {
                Some(p) => {
                    let text = std::fs::read_to_string(p)
                        .with_context(|| format!("无法读取检查点文件 {}", p.display()))?;
                    Some(Checkpoint::parse(&text).map_err(|m| anyhow::anyhow!("{m}"))?)
                }
                None => None,
            };
            let mut conn = db.pool.acquire().await?;
            match audit::verify(&mut conn, &key, cp.as_ref(), legacy).await? {
                Ok(n) => match &cp {
                    Some(c) => println!(
                        "审计日志完整：共 {n} 条，密钥散列链无断点；检查点（第 {} 条）之前的记录未被改动。",
                        c.seq
                    ),
                    None => println!("审计日志完整：共 {n} 条，密钥散列链无断点。"),
                },
                Err(b) => bail!("审计日志被篡改：{}（seq {}）", b.reason, b.seq),
            }
        }
        AuditCommand::Upgrade => {
            let found = crate::db::upgrade::upgrade_audit_chain(&db).await?;
            println!("审计日志已改为密钥散列：{found}。");
            let mut conn = db.pool.acquire().await?;
            print!("{}", audit::head(&mut conn).await?.to_text());
            println!("（以上检查点请打印或交监督人员保存。）");
        }
        AuditCommand::Checkpoint => {
            let mut conn = db.pool.acquire().await?;
            match audit::verify(&mut conn, &key, None, legacy).await? {
                Ok(_) => print!("{}", audit::head(&mut conn).await?.to_text()),
                Err(b) => bail!(
                    "审计日志已不完整，不能出具检查点：{}（seq {}）",
                    b.reason,
                    b.seq
                ),
            }
        }
        AuditCommand::Export { out } => {
            let mut tx = db.begin().await?;
            let entries = audit::list(&mut tx, None, i64::MAX).await?;
            audit::append(
                &mut tx,
                &audit::Entry {
                    actor: "cli",
                    ip: "local",
                    action: "audit.export",
                    detail: format!("{} 条", entries.len()),
                    ..Default::default()
                },
            )
            .await?;
            tx.commit().await?;
            let csv = audit::to_csv(&entries);
            match out {
                Some(p) => std::fs::write(&p, format!("\u{feff}{csv}"))?,
                None => print!("{csv}"),
            }
        }
    }
    Ok(())
}
