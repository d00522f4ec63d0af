//! `sunshine unit add|list`: the unit tree is set up by whoever installs the system.

use crate::config::Config;
use crate::db::{columns, units, Db};
use anyhow::{bail, Context};
use sunshine_core::unit::{OfficeContact, UnitCode, UnitKind};

#[derive(Debug, clap::Subcommand)]
pub enum UnitCommand {
    /// Add a unit with the default catalog columns
    Add {
        /// URL code, e.g. tuoan
        #[arg(long)]
        code: String,
        /// Name, e.g. 妥安乡人民政府
        #[arg(long)]
        name: String,
        /// city | department | town | township | subdistrict
        #[arg(long)]
        kind: String,
        /// Organisation code used in 索引号
        #[arg(long)]
        org_code: String,
        /// Code of the parent unit (none for the city government)
        #[arg(long)]
        parent: Option<String>,
    },
    /// List units
    List,
}

pub async fn run(config: &Config, cmd: UnitCommand) -> anyhow::Result<()> {
    let db = Db::open(config).await?;
    let mut conn = db.pool.acquire().await?;
    match cmd {
        UnitCommand::Add {
            code,
            name,
            kind,
            org_code,
            parent,
        } => {
            let code =
                UnitCode::parse(&code).map_err(|e| anyhow::anyhow!("--code：{}", e.message))?;
            let kind = UnitKind::parse(&kind).with_context(|| {
                format!("--kind“{kind}”无效，应为 city、department、town、township 或 subdistrict")
            })?;
            if name.trim().is_empty() || org_code.trim().is_empty() {
                bail!("--name 和 --org-code 不能为空");
            }
            let parent_id = match parent {
                Some(p) => Some(
                    units::by_code(&mut conn, &p)
                        .await?
                        .with_context(|| format!("上级单位“{p}”不存在"))?
                        .id,
                ),
                None => None,
            };
            if units::by_code(&mut conn, code.as_str()).await?.is_some() {
                bail!("单位代码“{code}”已存在");
            }
            drop(conn);
            let mut tx = db.begin().await?;
            let id = units::insert(
                &mut tx,
                &units::NewUnit {
                    code: code.as_str(),
                    name: name.trim(),
                    kind,
                    parent_id,
                    org_code: org_code.trim(),
                    sort_order: 0,
                    contact: OfficeContact::default(),
                },
            )
            .await?;
            columns::create_defaults(&mut tx, id, kind).await?;
            tx.commit().await?;
            println!("{code}");
        }
        UnitCommand::List => {
            for u in units::all(&mut conn).await? {
                println!("{}\t{}\t{}\t{}", u.code, u.kind, u.org_code, u.name);
            }
        }
    }
    Ok(())
}
