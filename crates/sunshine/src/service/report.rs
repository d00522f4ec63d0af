//! Generating a unit's annual report from its records (tables 二, 三, 四 and a drafted section 一),
//! and writing it as JSON or CSV.

use crate::db::{columns, units};
use anyhow::Context;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use sunshine_core::application::{ApplicantKind, Outcome};
use sunshine_core::report::{self, AppRecord, ColumnCount, RemedyRecord, Report, COLUMNS, ROWS};
use sunshine_core::unit::UnitKind;

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Builds the report of `unit_code` for `year` from the database.
pub async fn generate(
    conn: &mut crate::db::Conn,
    unit_code: &str,
    year: i32,
) -> anyhow::Result<(Report, bool)> {
    let unit = units::by_code(conn, unit_code)
        .await?
        .with_context(|| format!("单位“{unit_code}”不存在"))?;
    let apps: Vec<(String, String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT applicant_kind, received_on, replied_on, outcome FROM applications WHERE unit_id = $1")
            .bind(unit.id)
            .fetch_all(&mut *conn)
            .await?;
    let records: Vec<AppRecord> = apps
        .iter()
        .filter_map(|(k, r, replied, o)| {
            Some(AppRecord {
                kind: ApplicantKind::parse(k)?,
                received_on: date(r)?,
                concluded: match (
                    replied.as_deref().and_then(date),
                    o.as_deref().and_then(Outcome::parse),
                ) {
                    (Some(d), Some(o)) => Some((d, o)),
                    _ => None,
                },
            })
        })
        .collect();
    let rem: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT kind, filed_on, outcome, decided_on FROM remedies WHERE unit_id = $1",
    )
    .bind(unit.id)
    .fetch_all(&mut *conn)
    .await?;
    let remedies: Vec<RemedyRecord> = rem
        .iter()
        .filter_map(|(k, f, o, d)| {
            Some(RemedyRecord {
                kind: k.clone(),
                filed_on: date(f)?,
                outcome: o.clone(),
                decided_on: d.as_deref().and_then(date),
            })
        })
        .collect();
    let y = year.to_string();
    let by_col: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT column_id, COUNT(*) FROM items WHERE unit_id = $1 AND disclosure = 'active' AND state IN ('published', 'withdrawn') \
         AND substr(published_on, 1, 4) = $2 GROUP BY column_id",
    )
    .bind(unit.id)
    .bind(&y)
    .fetch_all(&mut *conn)
    .await?;
    let cols = columns::of_unit(conn, unit.id).await?;
    let by_column: Vec<ColumnCount> = cols
        .iter()
        .filter_map(|c| {
            by_col
                .iter()
                .find(|(id, _)| *id == c.id)
                .map(|(_, n)| ColumnCount {
                    column: c.name.clone(),
                    count: *n,
                })
        })
        .collect();
    let fees: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(a.fee_yuan), 0) AS BIGINT) FROM applications a WHERE a.unit_id = $1 AND EXISTS \
         (SELECT 1 FROM application_events e WHERE e.application_id = a.id AND e.kind = 'fee-paid' AND substr(e.on_date, 1, 4) = $2)",
    )
    .bind(unit.id)
    .bind(&y)
    .fetch_one(&mut *conn)
    .await?;
    let applications = report::table_three(&records, year);
    let mut r = Report {
        unit: unit.code.clone(),
        unit_name: unit.name.clone(),
        year,
        format: "2021".into(),
        generated_at: chrono::Utc::now().to_rfc3339(),
        proactive: report::Proactive {
            total: by_column.iter().map(|c| c.count).sum(),
            by_column,
            ..Default::default()
        },
        applications,
        remedies: report::table_four(&remedies, year),
        fees_charged_yuan: fees.unwrap_or(0) as f64,
        sections: BTreeMap::new(),
    };
    r.sections.insert("一".into(), section_one(&r));
    // Only a city government with rule-making power reports 规章; townships and departments never.
    let rule_making = unit.kind() == UnitKind::City;
    Ok((r, rule_making))
}

/// Section 一 drafted from the figures, in the style of published reports.
pub fn section_one(r: &Report) -> String {
    let y = r.year;
    let mut s = format!(
        "{y}年1月1日至{y}年12月31日，{}主动公开政府信息{}条",
        r.unit_name, r.proactive.total
    );
    if !r.proactive.by_column.is_empty() {
        let parts: Vec<String> = r
            .proactive
            .by_column
            .iter()
            .map(|c| format!("{}{}条", c.column, c.count))
            .collect();
        s.push_str(&format!("，其中{}", parts.join("，")));
    }
    s.push('。');
    let a = |row: &str| {
        r.applications
            .get(row)
            .and_then(|c| c.get("total"))
            .copied()
            .unwrap_or(0)
    };
    if a("new") + a("carried_in") == 0 {
        s.push_str("全年未收到政府信息公开申请。");
    } else {
        s.push_str(&format!(
            "全年新收政府信息公开申请{}件，上年结转{}件，办结{}件（其中予以公开{}件，部分公开{}件），结转下年度继续办理{}件。",
            a("new"),
            a("carried_in"),
            a("total_handled"),
            a("granted"),
            a("partial"),
            a("carried_out")
        ));
    }
    let rem = &r.remedies;
    let n = rem.reconsideration.total
        + rem.litigation_direct.total
        + rem.litigation_after_reconsideration.total;
    if n == 0 {
        s.push_str("未发生因政府信息公开引起的行政复议、行政诉讼。");
    } else {
        s.push_str(&format!(
            "发生政府信息公开行政复议{}件、行政诉讼{}件。",
            rem.reconsideration.total,
            rem.litigation_direct.total + rem.litigation_after_reconsideration.total
        ));
    }
    if r.fees_charged_yuan > 0.0 {
        s.push_str(&format!("全年收取信息处理费{}元。", r.fees_charged_yuan));
    } else {
        s.push_str("全年未收取信息处理费。");
    }
    s
}

/// One CSV row per table cell: table, row key, row label, column key, column label, value.
pub fn to_csv(r: &Report) -> String {
    let mut out = String::from("table,row,row_label,column,column_label,value\n");
    let p = &r.proactive;
    for (row, label, d) in [
        ("rules", "规章", &p.rules),
        (
            "normative_documents",
            "行政规范性文件",
            &p.normative_documents,
        ),
    ] {
        for (col, clabel, v) in [
            ("issued", "本年制发件数", d.issued),
            ("repealed", "本年废止件数", d.repealed),
            ("in_force", "现行有效件数", d.in_force),
        ] {
            out.push_str(&format!("二,{row},{label},{col},{clabel},{v}\n"));
        }
    }
    for (row, label, v) in [
        ("licensing", "行政许可", p.licensing),
        ("penalty", "行政处罚", p.penalty),
        ("coercion", "行政强制", p.coercion),
    ] {
        out.push_str(&format!("二,{row},{label},count,本年处理决定数量,{v}\n"));
    }
    out.push_str(&format!(
        "二,fees,行政事业性收费,wan_yuan,本年收费金额（单位：万元）,{}\n",
        p.fees_wan_yuan
    ));
    for row in ROWS {
        for col in COLUMNS {
            let v = r
                .applications
                .get(row)
                .and_then(|c| c.get(col))
                .copied()
                .unwrap_or(0);
            out.push_str(&format!(
                "三,{row},{},{col},{},{v}\n",
                report::row_label(row).replace(',', "，"),
                report::column_label(col)
            ));
        }
    }
    let rem = &r.remedies;
    for (row, label, c) in [
        ("reconsideration", "行政复议", &rem.reconsideration),
        (
            "litigation_direct",
            "行政诉讼（未经复议直接起诉）",
            &rem.litigation_direct,
        ),
        (
            "litigation_after_reconsideration",
            "行政诉讼（复议后起诉）",
            &rem.litigation_after_reconsideration,
        ),
    ] {
        for (col, clabel, v) in [
            ("upheld", "结果维持", c.upheld),
            ("corrected", "结果纠正", c.corrected),
            ("other", "其他结果", c.other),
            ("pending", "尚未审结", c.pending),
            ("total", "总计", c.total),
        ] {
            out.push_str(&format!("四,{row},{label},{col},{clabel},{v}\n"));
        }
    }
    out
}
