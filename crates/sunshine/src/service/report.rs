//! Generating a unit's annual report from its records (tables 二, 三, 四 and a drafted section 一),
//! and writing it as JSON or CSV.

use super::Error;
use crate::db::{columns, units};
use std::collections::{BTreeMap, HashMap};
use sunshine_core::report::{self, AppRecord, ColumnCount, Report, COLUMNS, ROWS};
use sunshine_core::unit::UnitKind;
use sunshine_core::FieldError;

/// Builds the report of `unit_code` for `year` from the database.
pub async fn generate(
    conn: &mut crate::db::Conn,
    unit_code: &str,
    year: i32,
) -> Result<(Report, bool), Error> {
    let unit = units::by_code(conn, unit_code)
        .await?
        .ok_or_else(|| FieldError::new("unit", format!("单位“{unit_code}”不存在")))?;
    generate_unit(conn, &unit, year).await
}

/// The same for a unit already read.
pub async fn generate_unit(
    conn: &mut crate::db::Conn,
    unit: &units::Unit,
    year: i32,
) -> Result<(Report, bool), Error> {
    generate_units(conn, std::slice::from_ref(unit), year)
        .await?
        .pop()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("no report made for unit {}", unit.id)))
}

/// Builds the reports of `units` for `year`, in their order, each with whether the unit reports
/// 规章. Every kind of record is read once for many units at a time (a province's thousands of
/// units take a few statements, not a few for each).
pub async fn generate_units(
    conn: &mut crate::db::Conn,
    units: &[units::Unit],
    year: i32,
) -> Result<Vec<(Report, bool)>, Error> {
    use crate::db::report as rdb;
    let cal = crate::db::calendar::effective(conn).await?;
    let mut out = Vec::with_capacity(units.len());
    for chunk in units.chunks(rdb::UNITS_AT_ONCE) {
        let ids: Vec<i64> = chunk.iter().map(|u| u.id).collect();
        let mut records = rdb::application_records_of(conn, &ids).await?;
        let mut remedies = rdb::remedy_records_of(conn, &ids).await?;
        let mut by_col = rdb::published_by_column_of(conn, &ids, year).await?;
        let last_year = rdb::published_by_column_of(conn, &ids, year - 1).await?;
        let mut cols: HashMap<i64, Vec<columns::Column>> = HashMap::new();
        for c in columns::of_units(conn, &ids).await? {
            cols.entry(c.unit_id).or_default().push(c);
        }
        let fees = rdb::fees_paid_of(conn, &ids, year).await?;
        let mut years = rdb::years_of(conn, &ids, year).await?;
        let mut docs = rdb::doc_counts_of(conn, &ids, year).await?;
        let mut trainings = rdb::trainings_of(conn, &ids, year).await?;
        let mut inspections = rdb::inspections_of(conn, &ids, year).await?;
        for unit in chunk {
            let id = unit.id;
            let mut doc = |t: &str| docs.remove(&(id, t.to_string())).unwrap_or_default();
            let (rules, normative) = (doc("rule"), doc("normative"));
            out.push(build(
                unit,
                year,
                &cal,
                Records {
                    applications: records.remove(&id).unwrap_or_default(),
                    remedies: remedies.remove(&id).unwrap_or_default(),
                    by_column: by_col.remove(&id).unwrap_or_default(),
                    last_year: last_year
                        .get(&id)
                        .map_or(0, |v| v.iter().map(|(_, n)| n).sum()),
                    columns: cols.remove(&id).unwrap_or_default(),
                    fees: fees.get(&id).copied().unwrap_or(0),
                    year: years.remove(&id).unwrap_or_default(),
                    rules,
                    normative,
                    trainings: trainings.remove(&id).unwrap_or_default(),
                    inspections: inspections.remove(&id).unwrap_or_default(),
                },
            ));
        }
    }
    Ok(out)
}

/// What one unit's report is made from.
struct Records {
    applications: Vec<AppRecord>,
    remedies: Vec<sunshine_core::report::RemedyRecord>,
    /// Items published in the year, per column id.
    by_column: Vec<(i64, i64)>,
    /// Items published the year before, all columns.
    last_year: i64,
    columns: Vec<columns::Column>,
    fees: i64,
    year: crate::db::report::YearRow,
    rules: (i64, i64, i64),
    normative: (i64, i64, i64),
    trainings: Vec<crate::db::report::Training>,
    inspections: Vec<crate::db::report::Inspection>,
}

/// One unit's report from its records.
fn build(
    unit: &units::Unit,
    year: i32,
    cal: &sunshine_core::calendar::Calendar,
    rec: Records,
) -> (Report, bool) {
    let by_col = &rec.by_column;
    // The year's proactive items in every column, which the appendix compares with last year.
    let this_year: i64 = by_col.iter().map(|(_, n)| n).sum();
    let by_column: Vec<ColumnCount> = rec
        .columns
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
    let records = &rec.applications;
    let applications = report::table_three(records, year);
    let yr = &rec.year;
    let (ri, rr, rf) = rec.rules;
    let (ni, nr, nf) = rec.normative;
    let mut r = Report {
        unit: unit.code.clone(),
        unit_name: unit.name.clone(),
        year,
        format: "2021".into(),
        generated_at: chrono::Utc::now().to_rfc3339(),
        proactive: report::Proactive {
            total: by_column.iter().map(|c| c.count).sum(),
            by_column,
            rules: report::DocCounts {
                issued: ri,
                repealed: rr,
                in_force: rf,
            },
            normative_documents: report::DocCounts {
                issued: ni,
                repealed: nr,
                in_force: nf,
            },
            licensing: yr.licensing,
            penalty: yr.penalty,
            coercion: yr.coercion,
            fees_wan_yuan: yr.fees_wan_yuan.parse().unwrap_or(0.0),
        },
        applications,
        remedies: report::table_four(&rec.remedies, year),
        fees_charged_yuan: rec.fees as f64,
        sections: BTreeMap::new(),
    };
    let mut one = section_one(&r);
    if rec.trainings.is_empty() {
        one.push_str("全年未组织政府信息公开专题培训。");
    } else {
        let people: i64 = rec.trainings.iter().map(|t| t.attendance).sum();
        one.push_str(&format!(
            "全年组织政府信息公开培训{}次{people}人次。",
            rec.trainings.len()
        ));
    }
    for i in &rec.inspections {
        one.push_str(&format!(
            "{}，{}对本机关政府信息公开工作进行检查，发现问题：{}",
            i.held_on, i.inspector, i.findings
        ));
        match &i.rectified_on {
            Some(d) => one.push_str(&format!("，已于{d}整改完毕（{}）。", i.rectification)),
            None => one.push_str("，正在整改。"),
        }
    }
    r.sections.insert("一".into(), one);
    r.sections.insert("五".into(), yr.section_five.clone());
    let six = if !yr.section_six.trim().is_empty() {
        yr.section_six.clone()
    } else if r.fees_charged_yuan > 0.0 {
        format!("本年度收取信息处理费{}元。", r.fees_charged_yuan)
    } else {
        "本年度未收取信息处理费。".into()
    };
    r.sections.insert("六".into(), six);
    r.sections.insert(
        "附录".into(),
        appendix(cal, year, records, this_year, rec.last_year),
    );
    // Only a city government with rule-making power reports 规章; townships and departments never.
    let rule_making = unit.kind() == UnitKind::City;
    (r, rule_making)
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
    s.push_str("本机关通过政府信息公开平台发布信息，信息发布前经保密审查；政府信息公开指南和目录根据平台实时数据生成，申请可在网上提交并查询办理进度。");
    s
}

/// One CSV row per table cell: table, row key, row label, column key, column label, value.
/// Written with the `csv` crate; text cells a spreadsheet would run are neutralised.
pub fn to_csv(r: &Report) -> String {
    let mut w = crate::csvout::Writer::new();
    w.row([
        "table",
        "row",
        "row_label",
        "column",
        "column_label",
        "value",
    ]);
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
            w.row(["二", row, label, col, clabel, &v.to_string()]);
        }
    }
    for (row, label, v) in [
        ("licensing", "行政许可", p.licensing),
        ("penalty", "行政处罚", p.penalty),
        ("coercion", "行政强制", p.coercion),
    ] {
        w.row([
            "二",
            row,
            label,
            "count",
            "本年处理决定数量",
            &v.to_string(),
        ]);
    }
    w.row([
        "二",
        "fees",
        "行政事业性收费",
        "wan_yuan",
        "本年收费金额（单位：万元）",
        &p.fees_wan_yuan.to_string(),
    ]);
    for row in ROWS {
        for col in COLUMNS {
            let v = r
                .applications
                .get(row)
                .and_then(|c| c.get(col))
                .copied()
                .unwrap_or(0);
            w.row([
                "三",
                row,
                &report::row_label(row),
                col,
                report::column_label(col),
                &v.to_string(),
            ]);
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
            w.row(["四", row, label, col, clabel, &v.to_string()]);
        }
    }
    w.finish()
}

/// Table 三's rows as printed: label, key (empty for a group heading), the seven values.
pub(crate) fn printed_rows(r: &Report) -> Vec<(String, &'static str, Vec<i64>)> {
    const LAYOUT: &[(&str, &str)] = &[
        ("一、本年新收政府信息公开申请数量", "new"),
        ("二、上年结转政府信息公开申请数量", "carried_in"),
        ("三、本年度办理结果", ""),
        ("（一）予以公开", "granted"),
        (
            "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
            "partial",
        ),
        ("（三）不予公开", ""),
        ("1.属于国家秘密", "refused_state_secret"),
        ("2.其他法律行政法规禁止公开", "refused_prohibited_by_law"),
        (
            "3.危及“三安全一稳定”",
            "refused_three_security_one_stability",
        ),
        ("4.保护第三方合法权益", "refused_third_party_rights"),
        ("5.属于三类内部事务信息", "refused_internal_affairs"),
        ("6.属于四类过程性信息", "refused_process_information"),
        ("7.属于行政执法案卷", "refused_enforcement_file"),
        ("8.属于行政查询事项", "refused_administrative_query"),
        ("（四）无法提供", ""),
        ("1.本机关不掌握相关政府信息", "unavailable_not_held"),
        ("2.没有现成信息需要另行制作", "unavailable_needs_creation"),
        (
            "3.补正后申请内容仍不明确",
            "unavailable_unclear_after_correction",
        ),
        ("（五）不予处理", ""),
        ("1.信访举报投诉类申请", "not_processed_petition_complaint"),
        ("2.重复申请", "not_processed_repeated"),
        ("3.要求提供公开出版物", "not_processed_publication"),
        ("4.无正当理由大量反复申请", "not_processed_excessive"),
        (
            "5.要求行政机关确认或重新出具已获取信息",
            "not_processed_confirmation",
        ),
        ("（六）其他处理", ""),
        (
            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            "other_no_correction",
        ),
        (
            "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            "other_fee_unpaid",
        ),
        ("3.其他", "other_other"),
        ("（七）总计", "total_handled"),
        ("四、结转下年度继续办理", "carried_out"),
    ];
    LAYOUT
        .iter()
        .map(|(label, key)| {
            let vals = if key.is_empty() {
                vec![]
            } else {
                COLUMNS
                    .iter()
                    .map(|c| {
                        r.applications
                            .get(*key)
                            .and_then(|row| row.get(*c))
                            .copied()
                            .unwrap_or(0)
                    })
                    .collect()
            };
            (label.to_string(), *key, vals)
        })
        .collect()
}

#[derive(askama::Template)]
#[template(path = "report_body.html")]
struct ReportBody<'a> {
    r: &'a Report,
    s1: &'a str,
    s5: &'a str,
    s6: &'a str,
    appendix: &'a str,
    rows: Vec<(String, &'static str, Vec<i64>)>,
    remedies: Vec<i64>,
}

/// The report as the HTML body of the item published in the 政府信息公开年报 column (the 2021
/// national layout: six sections, tables 二, 三, 四).
pub fn to_html(r: &Report) -> anyhow::Result<String> {
    use askama::Template;
    let rem = &r.remedies;
    let remedies = [
        &rem.reconsideration,
        &rem.litigation_direct,
        &rem.litigation_after_reconsideration,
    ]
    .iter()
    .flat_map(|c| [c.upheld, c.corrected, c.other, c.pending, c.total])
    .collect();
    let section = |k: &str| r.sections.get(k).map(String::as_str).unwrap_or("");
    Ok(ReportBody {
        r,
        s1: section("一"),
        s5: section("五"),
        s6: section("六"),
        appendix: section("附录"),
        rows: printed_rows(r),
        remedies,
    }
    .render()?)
}

/// Beyond the national tables: reply times in working days, the oldest open applications, and the
/// year-on-year comparison of proactive items. Shown as the report's appendix.
fn appendix(
    cal: &sunshine_core::calendar::Calendar,
    year: i32,
    records: &[AppRecord],
    this: i64,
    last: i64,
) -> String {
    use chrono::Datelike;
    // Only what happened in the year: replies given in it; cases open at its end.
    let mut days: Vec<u32> = records
        .iter()
        .filter_map(|r| r.concluded.map(|(on, _)| (r.received_on, on)))
        .filter(|(_, rep)| rep.year() == year)
        .filter_map(|(r, rep)| cal.count(r, rep).ok())
        .collect();
    days.sort_unstable();
    let mut out = String::from("附：法定表格以外的统计。");
    if days.is_empty() {
        out.push_str("本年无已答复的申请。");
    } else {
        let avg = days.iter().map(|d| u64::from(*d)).sum::<u64>() as f64 / days.len() as f64;
        out.push_str(&format!(
            "本年答复的{}件申请，答复用时（工作日）中位数{}、平均{:.1}、最快{}、最慢{}。",
            days.len(),
            days[days.len() / 2],
            avg,
            days[0],
            days[days.len() - 1]
        ));
    }
    let open = report::open_at_end(records, year);
    if !open.is_empty() {
        let oldest: Vec<String> = open.iter().take(10).map(|d| d.to_string()).collect();
        out.push_str(&format!(
            "截至{year}年底尚未办结的申请中，最早收到的{}件分别收于：{}。",
            oldest.len(),
            oldest.join("、")
        ));
    }
    out.push_str(&format!(
        "主动公开信息{this}条，上年{last}条，{}。",
        match this.cmp(&last) {
            std::cmp::Ordering::Greater => format!("增加{}条", this - last),
            std::cmp::Ordering::Less => format!("减少{}条", last - this),
            std::cmp::Ordering::Equal => "与上年持平".to_owned(),
        }
    ));
    out
}

/// Drafts the unit's annual report for `year` as an item (new, or the year's unpublished item
/// updated) after the consistency checks, and remembers it with the year; returns the item.
/// The item then goes through the review chain like any other.
pub async fn draft_item(
    app: &crate::app::App,
    actor: &super::Actor<'_>,
    unit: &units::Unit,
    year: i32,
) -> Result<i64, Error> {
    use crate::db::report as rdb;
    use sunshine_core::item::ItemState;
    let mut conn = app.db.pool.acquire().await?;
    let (r, rule_making) = generate_unit(&mut conn, unit, year).await?;
    let breaches = sunshine_core::report::check(&r, None, rule_making);
    if let Some(b) = breaches.first() {
        return Err(Error::Conflict(
            "report_inconsistent",
            format!(
                "报告未通过一致性检查（{}处），不能送审：{}",
                breaches.len(),
                b.message
            ),
        ));
    }
    let mut yr = rdb::year(&mut conn, unit.id, year).await?;
    drop(conn);
    let input = sunshine_core::item::ItemInput {
        column: "annual-report".into(),
        title: format!("{}{year}年政府信息公开工作年度报告", unit.name),
        body_html: to_html(&r)?,
        publisher: unit.name.clone(),
        author: unit.name.clone(),
        topic: "政府信息公开年报".into(),
        importance: "important".into(),
        prereview: sunshine_core::review::PreReview {
            mode: "政府网站".into(),
            scope: "社会公众".into(),
            time_limit: "长期公开".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    let existing = match yr.item_id {
        Some(id) => match crate::service::item_for(app, actor, id).await {
            Ok(item) => Some(item),
            Err(Error::NotFound) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    let item_id = match existing {
        Some(item) if item.state != ItemState::Published && item.state != ItemState::Withdrawn => {
            crate::service::update_item(app, actor, item.id, &input).await?;
            item.id
        }
        _ => crate::service::create_item(app, actor, &unit.code, &input).await?,
    };
    yr.item_id = Some(item_id);
    yr.report_json = Some(serde_json::to_string(&r).map_err(|e| Error::Internal(e.into()))?);
    let mut tx = app.db.begin().await?;
    rdb::save_year(&mut tx, unit.id, year, &yr).await?;
    tx.commit().await?;
    Ok(item_id)
}
