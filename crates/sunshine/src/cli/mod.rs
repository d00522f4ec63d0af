//! The `sunshine` command: one binary, one subcommand per job. Every subcommand finds the
//! database the same way: `--database-url`, else `SUNSHINE_DATABASE_URL`, else the config
//! file, else `sunshine.db` in the data directory.

mod audit;
mod calc;
mod gen;
mod import;
mod report;
mod serve;
mod unit;
mod user;

use crate::config::{Config, Overrides};
use crate::db::Db;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "sunshine",
    version,
    about = "阳光政务公开平台 Sunshine: open government information portal"
)]
pub struct Cli {
    /// Database URL: sqlite:///abs/path/sunshine.db or postgres://user@host:5432/db
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Data directory (default ./data): SQLite database and attachments
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Configuration file (TOML)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the portal and back office
    Serve(serve::ServeArgs),
    /// Apply pending database migrations
    Migrate,
    /// Rebuild the search index from the database (the portal keeps serving; running nodes switch to the new index)
    Reindex,
    /// Load the demo dataset (禄丰市 and its townships) into the database
    Demo,
    /// Fill an empty database with a generated province (units, items, attachments, applications) for scale tests and benchmarks
    Gen(gen::GenArgs),
    /// Manage units (机构)
    #[command(subcommand)]
    Unit(unit::UnitCommand),
    /// Manage staff accounts
    #[command(subcommand)]
    User(user::UserCommand),
    /// Manage API tokens
    #[command(subcommand)]
    Token(user::TokenCommand),
    /// Check or export the tamper-evident audit log
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Working-day arithmetic on the holiday calendar
    #[command(subcommand)]
    Workdays(calc::WorkdaysCommand),
    /// Information processing fees (信息处理费)
    #[command(subcommand)]
    Fee(calc::FeeCommand),
    /// The holiday calendar: load a year's arrangement, list covered years
    #[command(subcommand)]
    Calendar(calc::CalendarCommand),
    /// Annual reports: generate from records, check any report
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Import earlier published documents
    #[command(subcommand)]
    Import(import::ImportCommand),
}

impl Cli {
    fn overrides(&self, bind: Option<String>) -> Overrides {
        Overrides {
            config_file: self.config.clone(),
            bind,
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
        }
    }
}

/// A check that ran and found problems (exit 1, the findings already printed).
#[derive(Debug, thiserror::Error)]
#[error("发现 {0} 处问题")]
pub struct Findings(pub usize);

pub fn load_config(o: &Overrides) -> anyhow::Result<Config> {
    Config::load(o, &|k| std::env::var(k).ok())
}

pub fn init_tracing(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("SUNSHINE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    // Colour only for a person at a terminal: log files and journals get plain text.
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("错误：无法启动运行时: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<Findings>().is_some() => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
        Err(e) if e.downcast_ref::<calc::InputError>().is_some() => {
            eprintln!("错误：{e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::from(1)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let bind = match &cli.command {
        Command::Serve(a) => a.bind.clone(),
        _ => None,
    };
    let config = load_config(&cli.overrides(bind))?;
    match cli.command {
        Command::Serve(args) => serve::run(config, args).await,
        Command::Migrate => {
            let db = Db::connect(&config.database_url).await?;
            db.migrate().await?;
            println!("数据库已是最新结构（migrations applied）");
            Ok(())
        }
        Command::Reindex => {
            let db = Db::open(&config).await?;
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "重建搜索索引 {bar:40} {pos}/{len} 条 {elapsed}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let generation =
                crate::search::Search::reindex(&db, &config.data_dir, |done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                })
                .await?;
            bar.finish();
            println!("搜索索引已重建（{generation}）；运行中的节点将在片刻内切换到新索引。");
            Ok(())
        }
        Command::Demo => {
            let db = Db::open(&config).await?;
            if load_demo(&config, &db).await? {
                let app = crate::app::App::new(db, config).await?;
                demo_year(&app).await?;
            }
            Ok(())
        }
        Command::Gen(a) => gen::run(&config, a).await,
        Command::Unit(c) => unit::run(&config, c).await,
        Command::User(c) => user::run_user(&config, c).await,
        Command::Token(c) => user::run_token(&config, c).await,
        Command::Audit(c) => audit::run(&config, c).await,
        Command::Workdays(c) => calc::workdays(&config, c).await,
        Command::Fee(c) => calc::fee(c),
        Command::Calendar(c) => calc::calendar_cmd(&config, c).await,
        Command::Report(c) => report::run(&config, c).await,
        Command::Import(c) => import::run(&config, c).await,
    }
}

/// Where a generated demo password is kept (beside the data key, readable by its owner only),
/// so that every demo start can print it again.
fn demo_password_file(config: &Config) -> std::path::PathBuf {
    config.data_dir.join("demo-password.txt")
}

/// Loads the demo (if the database has none) and prints its accounts and password, on every
/// start: the password chosen by `SUNSHINE_DEMO_PASSWORD`, or the one generated at first load.
/// True when the demo was loaded now (its year of practice is still to be added).
pub async fn load_demo(config: &Config, db: &Db) -> anyhow::Result<bool> {
    let given = std::env::var("SUNSHINE_DEMO_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let file = demo_password_file(config);
    let outcome = crate::demo::load(db, given.as_deref()).await?;
    let fresh = matches!(outcome, crate::demo::Outcome::Loaded { .. });
    let password = match outcome {
        crate::demo::Outcome::Loaded { password } => {
            println!("演示数据已载入：禄丰市人民政府（lufeng）及所属乡镇、部门。");
            if given.is_none() {
                write_private(&file, &password);
            }
            Some(password)
        }
        crate::demo::Outcome::AlreadyPresent => {
            println!("演示数据已存在，未重复载入。");
            given.or_else(|| {
                std::fs::read_to_string(&file)
                    .ok()
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty())
            })
        }
    };
    match password {
        Some(p) => println!("演示账号（密码均为 {p}）："),
        None => println!(
            "演示账号（密码是首次载入时 SUNSHINE_DEMO_PASSWORD 的值；忘记了可用 sunshine user add --unit 单位 --role 岗位 --login 账号 重设）："
        ),
    }
    for (login, what) in crate::demo::ACCOUNTS {
        println!("  {login:<16} {what}");
    }
    Ok(fresh)
}

/// Adds the demo's year of practice to a demo just loaded, and says so.
pub async fn demo_year(app: &crate::app::App) -> anyhow::Result<()> {
    crate::demo::practice(app).await?;
    println!("演示的一年：妥安乡上年的依申请公开案件和年度报告已生成。");
    Ok(())
}

/// Writes a small secret file that only its owner may read.
fn write_private(path: &std::path::Path, text: &str) {
    let written = (|| -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        use std::io::Write;
        let mut open = std::fs::OpenOptions::new();
        open.write(true).create(true).truncate(true);
        // Made readable by its owner only from the start, never for a moment by others.
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            open.mode(0o600);
        }
        open.open(path)?.write_all(format!("{text}\n").as_bytes())
    })();
    if let Err(e) = written {
        eprintln!(
            "提示：无法保存演示密码到 {}（{e}），下次启动将不再显示密码。",
            path.display()
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
