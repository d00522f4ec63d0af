//! `sunshine import report FILE --unit CODE --published-on DATE`: an earlier report, as published
//! (HTML or text, like the seed), becomes a published item of the unit's 年报 column with its
//! original date; the page chrome around it (site name, breadcrumb, 上一条/下一条) is left out.

use super::calc::InputError;
use crate::config::Config;
use crate::db::{audit, columns, items, units, Db};
use chrono::NaiveDate;
use sunshine_core::index_no::IndexPattern;
use sunshine_core::item::ItemInput;

#[derive(Debug, clap::Subcommand)]
pub enum ImportCommand {
    /// Import an earlier annual report as a published item with its original date
    Report {
        file: std::path::PathBuf,
        #[arg(long)]
        unit: String,
        #[arg(long)]
        published_on: String,
        /// Title (default: the line naming the report)
        #[arg(long)]
        title: Option<String>,
    },
}

/// Splits a page copied from a portal into its title, author and source, and the report text.
pub fn split_page(text: &str) -> (Option<String>, Option<String>, Option<String>, String) {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let title = lines
        .iter()
        .find(|l| {
            (l.contains("年度报告") || l.contains("工作报告") || l.contains("年报"))
                && l.chars().count() <= 60
        })
        .map(|s| s.to_string());
    let meta = lines
        .iter()
        .position(|l| l.starts_with("日期:") || l.starts_with("日期："));
    let field = |name: &str| {
        meta.and_then(|i| {
            let l = lines[i];
            l.split(name).nth(1).map(|rest| {
                rest.trim_start_matches([':', '：'])
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_owned()
            })
        })
        .filter(|v| !v.is_empty() && !v.starts_with("点击") && !v.starts_with("来源"))
    };
    let (author, source) = (field("作者"), field("来源"));
    let start = meta
        .map(|i| i + 1)
        .or_else(|| {
            title
                .as_ref()
                .and_then(|t| lines.iter().position(|l| l == t))
                .map(|i| i + 1)
        })
        .unwrap_or(0);
    let end = lines
        .iter()
        .position(|l| l.starts_with("上一条") || l.starts_with("下一条"))
        .filter(|e| *e > start)
        .unwrap_or(lines.len());
    let body = lines[start..end]
        .iter()
        .filter(|l| !l.is_empty() && **l != "关闭")
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    (title, author, source, body)
}

pub async fn run(config: &Config, cmd: ImportCommand) -> anyhow::Result<()> {
    let ImportCommand::Report {
        file,
        unit,
        published_on,
        title,
    } = cmd;
    let on = NaiveDate::parse_from_str(published_on.trim(), "%Y-%m-%d")
        .map_err(|_| InputError("--published-on 格式应为 YYYY-MM-DD".into()))?;
    let raw = std::fs::read_to_string(&file)
        .map_err(|e| InputError(format!("无法读取 {}：{e}", file.display())))?;
    let text = if raw.contains("<p") || raw.contains("<td") || raw.contains("<html") {
        sunshine_core::report_text::text_of_html(&raw)
    } else {
        raw
    };
    let (found_title, author, source, body) = split_page(&text);
    let title = title
        .or(found_title)
        .ok_or_else(|| InputError("没有找到报告标题，请用 --title 给出".into()))?;
    if body.trim().is_empty() {
        return Err(InputError("文件中没有报告正文".into()).into());
    }
    // Where the tables can be read, their figures are checked, reported and kept with the item.
    let report_year: Option<i32> = title.split('年').next().and_then(|p| {
        p.chars()
            .rev()
            .take(4)
            .collect::<String>()
            .chars()
            .rev()
            .collect::<String>()
            .parse()
            .ok()
    });
    let figures = match sunshine_core::report_text::read(&body) {
        Ok((layout, r)) => {
            let breaches = sunshine_core::report::check(
                &r,
                None,
                sunshine_core::report::may_make_rules(&title),
            );
            let verdict = if breaches.is_empty() {
                "通过一致性检查".to_owned()
            } else {
                format!(
                    "发现 {} 处不一致（用 sunshine report check 查看）",
                    breaches.len()
                )
            };
            eprintln!("表格按{}读取：{verdict}", layout.name());
            Some(r)
        }
        Err(e) => {
            eprintln!("未读取表格：{e}");
            None
        }
    };
    let db = Db::open(config).await?;
    let mut tx = db.begin().await?;
    let u = units::by_code(&mut tx, &unit)
        .await?
        .ok_or_else(|| InputError(format!("单位“{unit}”不存在")))?;
    let col = columns::by_slug(&mut tx, u.id, "annual-report")
        .await?
        .ok_or_else(|| InputError("该单位没有“政府信息公开年报”栏目（annual-report）".into()))?;
    let input = ItemInput {
        column: col.slug.clone(),
        title: title.clone(),
        body_html: sunshine_core::text::to_html(&body),
        publisher: u.name.clone(),
        author: author.unwrap_or_else(|| u.name.clone()),
        source: source.unwrap_or_default(),
        topic: "政府信息公开年报".into(),
        ..Default::default()
    };
    let fields = input.parse(on).map_err(|e| {
        InputError(
            e.iter()
                .map(|f| f.to_string())
                .collect::<Vec<_>>()
                .join("；"),
        )
    })?;
    let id = items::insert(&mut tx, u.id, col.id, &fields, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let item = items::get(&mut tx, &crate::db::Scope::Everything, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("imported item vanished"))?;
    let pattern = IndexPattern::parse(&u.index_pattern).unwrap_or_default();
    let index_no = items::publish(&mut tx, &item, &u.org_code, &pattern, on).await?;
    if let (Some(mut r), Some(year)) = (figures, report_year) {
        r.unit = u.code.clone();
        r.unit_name = u.name.clone();
        r.year = year;
        let mut yr = crate::db::report::year(&mut tx, u.id, year).await?;
        if yr.item_id.is_none() {
            yr.item_id = Some(id);
            yr.report_json = Some(serde_json::to_string(&r)?);
            crate::db::report::save_year(&mut tx, u.id, year, &yr).await?;
        }
    }
    audit::append(
        &mut tx,
        &audit::Entry {
            actor: "cli",
            ip: "local",
            action: "report.import",
            unit_id: Some(u.id),
            target: format!("item:{id}"),
            detail: format!("{title} {on} {index_no}"),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    println!("{id}");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_seed_page_is_split() {
        let page = "禄丰市人民政府\n首页 >> 乡镇信息公开 >> 妥安乡\n\n妥安乡2017年政府信息公开工作年度报告\n\n日期:2018年01月30日   作者:妥安乡   来源:    点击:[]\n\n正文第一段\n\n一、基本情况\n\n上一条:妥安乡2018年政府信息公开工作年度报告\n下一条:x\n\n关闭";
        let (title, author, source, body) = super::split_page(page);
        assert_eq!(
            title.as_deref(),
            Some("妥安乡2017年政府信息公开工作年度报告")
        );
        assert_eq!(author.as_deref(), Some("妥安乡"));
        assert_eq!(source, None);
        assert_eq!(body, "正文第一段\n一、基本情况");
    }
}
