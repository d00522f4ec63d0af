//! `sunshine workdays add|count`, `sunshine fee count|pages`, `sunshine calendar load|list`:
//! plain output, one value on stdout; bad input or a date outside the calendar exits 2 with a
//! message on stderr.

use crate::config::Config;
use crate::db::Db;
use chrono::NaiveDate;
use sunshine_core::calendar::{Calendar, YearData};

/// An error of the caller's input: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

fn input(m: impl Into<String>) -> anyhow::Error {
    InputError(m.into()).into()
}

/// A service's refusal as the CLI says it: the caller's input (exit 2) with the service's
/// message, or, for a fault inside, the fault itself (exit 1).
pub fn refusal(e: crate::service::Error) -> anyhow::Error {
    match e {
        crate::service::Error::Internal(inner) => inner,
        other => input(other.message()),
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum WorkdaysCommand {
    /// The date N working days after DATE (DATE itself not counted)
    Add { date: String, n: String },
    /// The number of working days after FROM up to and including TO
    Count { from: String, to: String },
}

#[derive(Debug, clap::Subcommand)]
pub enum FeeCommand {
    /// Fee in yuan for an applicant's K-th application in a calendar month
    Count { k: String },
    /// Fee in yuan for one application of P pages
    Pages { p: String },
}

#[derive(Debug, clap::Subcommand)]
pub enum CalendarCommand {
    /// Add or replace a year's holiday arrangement (holiday-cn JSON shape)
    Load { file: std::path::PathBuf },
    /// List the years the calendar covers
    List,
}

fn date(s: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        input(format!(
            "日期“{s}”格式不正确，应为 YYYY-MM-DD，例如 2026-03-02"
        ))
    })
}

fn number(s: &str, what: &str) -> anyhow::Result<u32> {
    s.trim()
        .parse::<u32>()
        .map_err(|_| input(format!("{what}“{s}”应为不小于 0 的整数")))
}

/// The calendar in force: shipped data plus years loaded into the database. Without a database
/// file yet (SQLite), the shipped data alone; nothing is created.
async fn calendar(config: &Config) -> anyhow::Result<Calendar> {
    if let Some(path) = config.database_url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        if !std::path::Path::new(path).exists() {
            return Ok(Calendar::shipped());
        }
    }
    let db = Db::open(config).await?;
    let mut conn = db.pool.acquire().await?;
    Ok(crate::db::calendar::effective(&mut conn).await?)
}

pub async fn workdays(config: &Config, cmd: WorkdaysCommand) -> anyhow::Result<()> {
    match cmd {
        WorkdaysCommand::Add { date: d, n } => {
            let (d, n) = (date(&d)?, number(&n, "天数")?);
            let cal = calendar(config).await?;
            let r = cal.add(d, n).map_err(|e| input(e.to_string()))?;
            println!("{r}");
        }
        WorkdaysCommand::Count { from, to } => {
            let (from, to) = (date(&from)?, date(&to)?);
            if to < from {
                return Err(input(format!("结束日期 {to} 早于开始日期 {from}")));
            }
            let cal = calendar(config).await?;
            println!("{}", cal.count(from, to).map_err(|e| input(e.to_string()))?);
        }
    }
    Ok(())
}

pub fn fee(cmd: FeeCommand) -> anyhow::Result<()> {
    match cmd {
        FeeCommand::Count { k } => {
            let k = number(&k, "件数")?;
            if k == 0 {
                return Err(input("件数从 1 开始：第 1 件申请为 1"));
            }
            println!("{}", sunshine_core::fees::by_count(k));
        }
        FeeCommand::Pages { p } => {
            println!("{}", sunshine_core::fees::by_pages(number(&p, "页数")?))
        }
    }
    Ok(())
}

pub async fn calendar_cmd(config: &Config, cmd: CalendarCommand) -> anyhow::Result<()> {
    match cmd {
        CalendarCommand::Load { file } => {
            let json = std::fs::read_to_string(&file)
                .map_err(|e| input(format!("无法读取 {}：{e}", file.display())))?;
            let data = YearData::parse(&json).map_err(|e| input(e.to_string()))?;
            let db = Db::open(config).await?;
            let changed =
                crate::service::applications::load_calendar_year(&db, &data, &json, "cli")
                    .await
                    .map_err(refusal)?;
            println!("{}", data.year);
            eprintln!(
                "已载入 {} 年节假日安排（{} 天），重新计算了 {changed} 件办理中申请的期限。",
                data.year,
                data.days.len()
            );
        }
        CalendarCommand::List => {
            for y in calendar(config).await?.years() {
                println!("{y}");
            }
        }
    }
    Ok(())
}
