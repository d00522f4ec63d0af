//! `sunshine audit verify` and `sunshine audit export`.

use crate::config::Config;
use crate::db::{audit, Db};
use anyhow::bail;

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; exit 1 naming the first broken entry
    Verify,
    /// Write the whole log as CSV (with hashes) to stdout or a file
    Export {
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

pub async fn run(config: &Config, cmd: AuditCommand) -> anyhow::Result<()> {
    let db = Db::connect_and_migrate(&config.database_url).await?;
    match cmd {
        AuditCommand::Verify => {
            let mut conn = db.pool.acquire().await?;
            match audit::verify(&mut conn).await? {
                Ok(n) => println!("审计日志完整：共 {n} 条，散列链无断点。"),
                Err(b) => bail!("审计日志被篡改：{}（seq {}）", b.reason, b.seq),
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
                Some(p) => std::fs::write(&p, csv)?,
                None => print!("{csv}"),
            }
        }
    }
    Ok(())
}
