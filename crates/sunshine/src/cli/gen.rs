//! `sunshine gen`: fills an empty database with generated data (see [`crate::gen`]), then builds
//! the search index unless told not to.

use crate::config::Config;
use crate::db::Db;
use crate::gen::{Plan, Stage};
use clap::Args;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct GenArgs {
    /// Units in the tree: the province, its departments, cities with their departments and townships
    #[arg(long, default_value_t = 200)]
    pub units: u64,
    /// Items (published, withdrawn, drafts and items in review), each unit's guide and annual reports among them
    #[arg(long, default_value_t = 20_000)]
    pub items: u64,
    /// Applications (依申请公开) across the last seven years
    #[arg(long, default_value_t = 2_000)]
    pub applications: u64,
    /// Seed: the same seed makes the same data
    #[arg(long, default_value_t = 2017)]
    pub seed: u64,
    /// Password of every generated staff account (default: generated-password-1)
    #[arg(long, env = "SUNSHINE_GEN_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// Leave the search index to `sunshine reindex`
    #[arg(long)]
    pub no_index: bool,
}

pub async fn run(config: &Config, a: GenArgs) -> anyhow::Result<()> {
    let plan = Plan {
        units: a.units,
        items: a.items,
        applications: a.applications,
        seed: a.seed,
    };
    plan.check()
        .map_err(|e| anyhow::Error::new(super::calc::InputError(e)))?;
    let password = a
        .password
        .unwrap_or_else(|| crate::gen::DEFAULT_PASSWORD.to_owned());
    if password.chars().count() < crate::auth::MIN_PASSWORD_CHARS {
        return Err(super::calc::InputError(format!(
            "--password 至少 {} 个字符",
            crate::auth::MIN_PASSWORD_CHARS
        ))
        .into());
    }
    let db = Db::open(config).await?;
    let blobs = crate::blobs::Blobs::open(config).await?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg:12} {bar:40} {pos}/{len} {per_sec} {elapsed}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let stage = std::sync::Mutex::new(None::<(Stage, Instant)>);
    let times = std::sync::Mutex::new(Vec::<(Stage, f64)>::new());
    let started = Instant::now();
    let (made, sample) = crate::gen::run(
        &db,
        &config.database_url,
        &blobs,
        &plan,
        &password,
        &|s, done, total| {
            if let Ok(mut current) = stage.lock() {
                if current.map(|(c, _)| c) != Some(s) {
                    if let (Some((c, at)), Ok(mut t)) = (*current, times.lock()) {
                        t.push((c, at.elapsed().as_secs_f64()));
                    }
                    *current = Some((s, Instant::now()));
                    bar.reset();
                    bar.set_message(s.label());
                }
            }
            bar.set_length(total);
            bar.set_position(done);
        },
    )
    .await?;
    bar.finish_and_clear();
    let filled = started.elapsed();
    let mut times = times.into_inner().unwrap_or_default();
    if let Ok(Some((last, at))) = stage.into_inner() {
        times.push((last, at.elapsed().as_secs_f64()));
    }
    let item_secs = times
        .iter()
        .filter(|(s, _)| matches!(s, Stage::Items | Stage::Indexes))
        .map(|(_, t)| t)
        .sum::<f64>();
    println!(
        "已生成：{} 个单位、{} 个栏目、{} 个账号；{} 条信息（{} 条已发布），{} 个附件；{} 件申请（{} 个办理环节，{} 件救济）。用时 {:.1} 秒（信息连同其索引 {:.0} 条/秒）。",
        made.units,
        made.columns,
        made.users,
        made.items,
        made.published,
        made.attachments,
        made.applications,
        made.events,
        made.remedies,
        filled.as_secs_f64(),
        made.items as f64 / item_secs.max(0.001)
    );
    println!(
        "各阶段：{}",
        times
            .iter()
            .map(|(s, t)| format!("{} {t:.1} 秒", s.label()))
            .collect::<Vec<_>>()
            .join("，")
    );
    println!("账号：admin（省平台管理员、监督员），以及每个单位的 <单位代码>-editor / -director / -leader / -principal / -admin，密码均为 {password}");
    if let Some(s) = sample {
        println!(
            "查询示例：申请编号 {}，查询码 {}",
            s.tracking_no, s.access_code
        );
    }
    if !a.no_index {
        let db = Db::open(config).await?;
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "建立搜索索引 {bar:40} {pos}/{len} 条 {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let started = Instant::now();
        crate::search::Search::reindex(&db, &config.data_dir, |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await?;
        bar.finish_and_clear();
        println!(
            "搜索索引已建立，用时 {:.1} 秒。",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
