//! `sunshine report generate` and `sunshine report check`.

use super::calc::InputError;
use crate::config::Config;
use crate::db::Db;
use sunshine_core::report::Report;

#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// Generate a unit's annual report from its records
    Generate {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        year: i32,
        /// json, csv, html or docx
        #[arg(long, default_value = "json")]
        format: String,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// The sum of the reports of the unit and every unit below it (汇总), each listed under "units"
        #[arg(long)]
        aggregate: bool,
    },
    /// Check the generated report of every unit, and their sum, for a year
    CheckAll {
        #[arg(long)]
        year: i32,
    },
    /// Check a report (JSON in the domain shape): exit 0 clean, 1 with findings, 2 unreadable
    Check { file: std::path::PathBuf },
}

pub async fn run(config: &Config, cmd: ReportCommand) -> anyhow::Result<()> {
    match cmd {
        ReportCommand::Generate {
            unit,
            year,
            format,
            out,
            aggregate: true,
        } => {
            if format != "json" {
                return Err(InputError("汇总报告目前只输出 json".into()).into());
            }
            let db = Db::open(config).await?;
            let mut conn = db.pool.acquire().await?;
            let (sum, parts, breaches) = aggregate(&mut conn, &unit, year, Cover::Below).await?;
            if let Some((who, b)) = breaches.iter().find(|(_, b)| b.is_arithmetic()) {
                anyhow::bail!("{who}的报告未通过一致性检查：{}", b.message);
            }
            for (who, b) in &breaches {
                eprintln!("提示：{who}：{}", b.message);
            }
            let mut v = serde_json::to_value(&sum)?;
            v["units"] = serde_json::to_value(&parts)?;
            let text = serde_json::to_string_pretty(&v)?;
            match out {
                Some(p) => std::fs::write(p, text)?,
                None => println!("{text}"),
            }
            Ok(())
        }
        ReportCommand::CheckAll { year } => {
            let db = Db::open(config).await?;
            let mut conn = db.pool.acquire().await?;
            let root = crate::db::units::root(&mut conn)
                .await?
                .map(|u| u.code)
                .ok_or_else(|| InputError("还没有任何单位".into()))?;
            let (_, parts, breaches) = aggregate(&mut conn, &root, year, Cover::Every).await?;
            for p in &parts {
                let mine: Vec<_> = breaches
                    .iter()
                    .filter(|(who, _)| *who == p.unit_name)
                    .collect();
                if mine.is_empty() {
                    println!("{}：通过", p.unit_name);
                }
                for (who, b) in mine {
                    println!(
                        "{who}：规则{} 表{} {} / {}：应为 {}，为 {}",
                        b.rule, b.table, b.row, b.column, b.expected, b.found
                    );
                }
            }
            if !breaches.iter().any(|(who, _)| who == "汇总") {
                println!("汇总：通过");
            }
            if breaches.is_empty() {
                Ok(())
            } else {
                Err(super::Findings(breaches.len()).into())
            }
        }
        ReportCommand::Generate {
            unit,
            year,
            format,
            out,
            aggregate: false,
        } => {
            if !(2008..=2100).contains(&year) {
                return Err(InputError(format!("年份 {year} 不合理")).into());
            }
            if !["json", "csv", "html", "docx"].contains(&format.as_str()) {
                return Err(InputError(format!(
                    "--format “{format}” 不支持：可用 json、csv、html、docx"
                ))
                .into());
            }
            let db = Db::open(config).await?;
            let mut conn = db.pool.acquire().await?;
            let (r, rule_making) = crate::service::report::generate(&mut conn, &unit, year)
                .await
                .map_err(super::calc::refusal)?;
            let breaches = sunshine_core::report::check(&r, None, rule_making);
            let wrong: Vec<_> = breaches.iter().filter(|b| b.is_arithmetic()).collect();
            if let Some(first) = wrong.first() {
                anyhow::bail!(
                    "生成的报告未通过一致性检查（{} 处），请检查数据：{}",
                    wrong.len(),
                    first.message
                );
            }
            // Sections still to write do not stop a working copy; they are said.
            for b in &breaches {
                eprintln!("提示：{}", b.message);
            }
            let bytes: Vec<u8> = match format.as_str() {
                "json" => (serde_json::to_string_pretty(&r)? + "\n").into_bytes(),
                "csv" => crate::service::report::to_csv(&r).into_bytes(),
                "docx" => crate::service::docx::to_docx(&r)?,
                _ => crate::service::report::to_html(&r)?.into_bytes(),
            };
            match out {
                Some(p) => std::fs::write(p, bytes)?,
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
            Ok(())
        }
        ReportCommand::Check { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| InputError(format!("无法读取 {}：{e}", file.display())))?;
            // JSON in the domain shape (keys outside the statutory tables optional; a key of the
            // wrong shape named with its line), else the HTML or text of a published report.
            let r: Report = match sunshine_core::report::from_json(&text) {
                Ok(r) => r,
                Err(e @ sunshine_core::report::JsonError::Shape { .. }) => {
                    return Err(InputError(format!("JSON 不符合年报的数据结构：{e}")).into());
                }
                Err(sunshine_core::report::JsonError::NotJson) => {
                    let (layout, mut r) = sunshine_core::report_text::read(&text)
                        .map_err(|e| InputError(e.to_string()))?;
                    println!("格式：{}", layout.name());
                    r.unit_name = text
                        .lines()
                        .map(str::trim)
                        .find(|l| l.contains("年度报告") || l.contains("年报"))
                        .unwrap_or("")
                        .to_owned();
                    r
                }
            };
            let rule_making = sunshine_core::report::may_make_rules(&r.unit_name);
            let breaches = sunshine_core::report::check(&r, None, rule_making);
            if breaches.is_empty() {
                println!("报告通过全部一致性检查（{} {}年）。", r.unit_name, r.year);
                return Ok(());
            }
            for b in &breaches {
                println!(
                    "规则{} 表{} 行 {} 列 {}：应为 {}，报告为 {}。{}",
                    b.rule, b.table, b.row, b.column, b.expected, b.found, b.message
                );
            }
            Err(super::Findings(breaches.len()).into())
        }
    }
}

/// Every unit's report for `year`, their sum under the city, and every breach found, named by unit.
type Aggregate = (
    Report,
    Vec<Report>,
    Vec<(String, sunshine_core::report::Breach)>,
);

/// Which units an aggregate takes in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cover {
    /// The unit named and every unit below it.
    Below,
    /// Every unit of the deployment, under whichever top-level unit (`check-all`).
    Every,
}

async fn aggregate(
    conn: &mut crate::db::Conn,
    city: &str,
    year: i32,
    cover: Cover,
) -> anyhow::Result<Aggregate> {
    let units = crate::db::units::all(conn).await?;
    let city_unit = units
        .iter()
        .find(|u| u.code == city)
        .ok_or_else(|| InputError(format!("单位“{city}”不存在")))?;
    // The unit and every unit below it.
    let mut within = std::collections::HashSet::from([city_unit.id]);
    loop {
        let before = within.len();
        for u in &units {
            if u.parent_id.is_some_and(|p| within.contains(&p)) {
                within.insert(u.id);
            }
        }
        if within.len() == before {
            break;
        }
    }
    let covered: Vec<_> = units
        .iter()
        .filter(|u| cover == Cover::Every || within.contains(&u.id))
        .cloned()
        .collect();
    let mut parts = Vec::new();
    let mut breaches = Vec::new();
    for (r, rule_making) in crate::service::report::generate_units(conn, &covered, year).await? {
        for b in sunshine_core::report::check(&r, None, rule_making) {
            breaches.push((r.unit_name.clone(), b));
        }
        parts.push(r);
    }
    let sum = sunshine_core::report::aggregate(
        &city_unit.code,
        &format!("{}（汇总）", city_unit.name),
        year,
        &parts,
    );
    for b in sunshine_core::report::check(&sum, None, true) {
        breaches.push(("汇总".to_owned(), b));
    }
    Ok((sum, parts, breaches))
}
