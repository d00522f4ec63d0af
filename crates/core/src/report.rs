//! The annual report (年度报告, 国办公开办函〔2021〕30号): its JSON shape, tables 三 and 四
//! counted from records by the domain's date rules, and the consistency checks any report must
//! pass (a generated one or one read from a published page).

use crate::application::{ApplicantKind, Outcome};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The seven number columns of table 三, in order.
pub const COLUMNS: [&str; 7] = [
    "natural_person",
    "commercial",
    "research",
    "public_interest",
    "legal_services",
    "other_org",
    "total",
];

/// Row keys of table 三, in the national order.
pub const ROWS: [&str; 25] = [
    "new",
    "carried_in",
    "granted",
    "partial",
    "refused_state_secret",
    "refused_prohibited_by_law",
    "refused_three_security_one_stability",
    "refused_third_party_rights",
    "refused_internal_affairs",
    "refused_process_information",
    "refused_enforcement_file",
    "refused_administrative_query",
    "unavailable_not_held",
    "unavailable_needs_creation",
    "unavailable_unclear_after_correction",
    "not_processed_petition_complaint",
    "not_processed_repeated",
    "not_processed_publication",
    "not_processed_excessive",
    "not_processed_confirmation",
    "other_no_correction",
    "other_fee_unpaid",
    "other_other",
    "total_handled",
    "carried_out",
];

/// The leaf outcome rows, summed by 总计.
pub fn leaf_rows() -> &'static [&'static str] {
    &ROWS[2..23]
}

pub fn row_label(key: &str) -> String {
    match key {
        "new" => "一、本年新收政府信息公开申请数量".into(),
        "carried_in" => "二、上年结转政府信息公开申请数量".into(),
        "total_handled" => "三、本年度办理结果（七）总计".into(),
        "carried_out" => "四、结转下年度继续办理".into(),
        k => Outcome::parse(k)
            .map(|o| format!("三、本年度办理结果 {}", o.label()))
            .unwrap_or_else(|| k.to_owned()),
    }
}

pub fn column_label(key: &str) -> &'static str {
    match key {
        "natural_person" => "自然人",
        "commercial" => "商业企业",
        "research" => "科研机构",
        "public_interest" => "社会公益组织",
        "legal_services" => "法律服务机构",
        "other_org" => "其他",
        "total" => "总计",
        _ => "",
    }
}

/// One row of table 三: the seven columns.
pub type Row = BTreeMap<String, i64>;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocCounts {
    pub issued: i64,
    pub repealed: i64,
    pub in_force: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnCount {
    pub column: String,
    pub count: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Proactive {
    pub rules: DocCounts,
    pub normative_documents: DocCounts,
    pub licensing: i64,
    pub penalty: i64,
    pub coercion: i64,
    pub fees_wan_yuan: f64,
    /// Optional when a report is read for checking.
    #[serde(default)]
    pub by_column: Vec<ColumnCount>,
    /// Optional when a report is read for checking.
    #[serde(default)]
    pub total: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemedyCounts {
    pub upheld: i64,
    pub corrected: i64,
    pub other: i64,
    pub pending: i64,
    pub total: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remedies {
    pub reconsideration: RemedyCounts,
    pub litigation_direct: RemedyCounts,
    pub litigation_after_reconsideration: RemedyCounts,
}

/// The report as exchanged and published (domain file §5).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    // Keys outside the statutory tables are optional when a report is read for checking.
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub unit_name: String,
    #[serde(default)]
    pub year: i32,
    #[serde(default = "national_format")]
    pub format: String,
    #[serde(default)]
    pub generated_at: String,
    pub proactive: Proactive,
    pub applications: BTreeMap<String, Row>,
    pub remedies: Remedies,
    #[serde(default)]
    pub fees_charged_yuan: f64,
    #[serde(default)]
    pub sections: BTreeMap<String, String>,
}

fn national_format() -> String {
    "2021".into()
}

/// Why a text could not be read as a report in the JSON shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// Not JSON at all (try the published HTML or text instead).
    #[error("not JSON")]
    NotJson,
    /// JSON, but not of the report's shape: which key, where, and what is wrong.
    #[error("键 {path}（第 {line} 行第 {column} 列）：{problem}")]
    Shape {
        path: String,
        line: usize,
        column: usize,
        problem: String,
    },
}

/// Reads a report in the domain's JSON shape for checking. Only the statutory tables
/// (`proactive` without `by_column` and `total`, `applications`, `remedies`) are required; a key
/// that does not fit the shape is named with its line, and so is a syntax error in a text that
/// is meant as JSON (it begins with `{`).
pub fn from_json(text: &str) -> Result<Report, JsonError> {
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        if !text.trim_start().starts_with('{') {
            return Err(JsonError::NotJson);
        }
        let problem = e.to_string();
        let problem = problem
            .rsplit_once(" at line ")
            .map(|(p, _)| p.to_owned())
            .unwrap_or(problem);
        return Err(JsonError::Shape {
            path: "（语法）".into(),
            line: e.line(),
            column: e.column(),
            problem: crate::text::json_problem_zh(&problem),
        });
    }
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let problem = inner.to_string();
        // serde_json appends " at line L column C"; the position is given on its own.
        let problem = problem
            .rsplit_once(" at line ")
            .map(|(p, _)| p.to_owned())
            .unwrap_or(problem);
        JsonError::Shape {
            path: if path == "." {
                "（顶层）".into()
            } else {
                path
            },
            line: inner.line(),
            column: inner.column(),
            problem: crate::text::json_problem_zh(&problem),
        }
    })
}

/// The last day of a report's year: every figure for the year counts records up to it, never
/// after, whatever the date today.
pub fn year_end(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 12, 31)
}

/// The applications still open at the end of `year` (received by 31 December and not concluded
/// by then), by date of receipt, oldest first.
pub fn open_at_end(records: &[AppRecord], year: i32) -> Vec<NaiveDate> {
    let Some(end) = year_end(year) else {
        return Vec::new();
    };
    let mut open: Vec<NaiveDate> = records
        .iter()
        .filter(|r| r.received_on <= end)
        .filter(|r| r.concluded.is_none_or(|(on, _)| on > end))
        .map(|r| r.received_on)
        .collect();
    open.sort_unstable();
    open
}

/// Whether an application counted for `year` was late within it: received by the period's end,
/// not concluded before the year began, and its deadline passed before the end of the period
/// (the year's end, or `today` if that is earlier) without a reply by the deadline.
pub fn late_in_year(
    year: i32,
    today: NaiveDate,
    received: NaiveDate,
    due: Option<NaiveDate>,
    replied: Option<NaiveDate>,
) -> bool {
    let (Some(start), Some(end)) = (NaiveDate::from_ymd_opt(year, 1, 1), year_end(year)) else {
        return false;
    };
    let until = end.min(today);
    received <= until
        && replied.is_none_or(|r| r >= start)
        && due.is_some_and(|d| d < until && replied.is_none_or(|r| r > d))
}

/// An application as the report counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRecord {
    pub kind: ApplicantKind,
    pub received_on: NaiveDate,
    /// When and how it was concluded, if it was.
    pub concluded: Option<(NaiveDate, Outcome)>,
}

fn column_of(k: ApplicantKind) -> &'static str {
    k.as_str()
}

fn empty_row() -> Row {
    COLUMNS.iter().map(|c| (c.to_string(), 0)).collect()
}

/// Table 三 for year `y`: 一 received in `y`; 二 received before `y` and open at the end of `y-1`;
/// 三 concluded in `y`, each once, by outcome; 四 received by the end of `y` and open then.
pub fn table_three(records: &[AppRecord], y: i32) -> BTreeMap<String, Row> {
    let mut t: BTreeMap<String, Row> = ROWS.iter().map(|r| (r.to_string(), empty_row())).collect();
    let start = NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(NaiveDate::MIN);
    let end = NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(NaiveDate::MAX);
    let mut add = |row: &str, col: &str| {
        if let Some(r) = t.get_mut(row) {
            *r.entry(col.to_owned()).or_insert(0) += 1;
            *r.entry("total".to_owned()).or_insert(0) += 1;
        }
    };
    for a in records {
        let col = column_of(a.kind);
        let concluded_on = a.concluded.map(|(d, _)| d);
        if a.received_on.year() == y {
            add("new", col);
        }
        if a.received_on < start && concluded_on.is_none_or(|d| d >= start) {
            add("carried_in", col);
        }
        if let Some((d, o)) = a.concluded {
            if d.year() == y {
                add(o.as_str(), col);
                add("total_handled", col);
            }
        }
        if a.received_on <= end && concluded_on.is_none_or(|d| d > end) {
            add("carried_out", col);
        }
    }
    t
}

/// A remedy as the report counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemedyRecord {
    /// `reconsideration`, `litigation_direct` or `litigation_after_reconsideration`.
    pub kind: String,
    pub filed_on: NaiveDate,
    /// `upheld`, `corrected`, `other` or `pending`.
    pub outcome: String,
    pub decided_on: Option<NaiveDate>,
}

/// Table 四 for year `y`: cases filed in `y` plus cases still open from earlier years, by their
/// state at the end of `y`.
pub fn table_four(records: &[RemedyRecord], y: i32) -> Remedies {
    let mut r = Remedies::default();
    let end = NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(NaiveDate::MAX);
    let start = NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(NaiveDate::MIN);
    for c in records {
        let filed_this_year = c.filed_on.year() == y;
        let open_from_before = c.filed_on < start && c.decided_on.is_none_or(|d| d >= start);
        if !(filed_this_year || open_from_before) {
            continue;
        }
        let decided_by_end = c.decided_on.is_some_and(|d| d <= end) && c.outcome != "pending";
        let counts = match c.kind.as_str() {
            "reconsideration" => &mut r.reconsideration,
            "litigation_direct" => &mut r.litigation_direct,
            "litigation_after_reconsideration" => &mut r.litigation_after_reconsideration,
            _ => continue,
        };
        match (decided_by_end, c.outcome.as_str()) {
            (true, "upheld") => counts.upheld += 1,
            (true, "corrected") => counts.corrected += 1,
            (true, _) => counts.other += 1,
            (false, _) => counts.pending += 1,
        }
        counts.total += 1;
    }
    r
}

/// The sum of several units' reports (汇总): every table cell added, columns of table 二 merged by
/// name. The checks apply to the sum as to each unit.
pub fn aggregate(unit: &str, unit_name: &str, year: i32, parts: &[Report]) -> Report {
    let mut sum = Report {
        unit: unit.into(),
        unit_name: unit_name.into(),
        year,
        format: "2021".into(),
        ..Default::default()
    };
    sum.applications = table_three(&[], year);
    for r in parts {
        for (row, cols) in &r.applications {
            let target = sum.applications.entry(row.clone()).or_default();
            for (c, v) in cols {
                *target.entry(c.clone()).or_insert(0) += v;
            }
        }
        let (p, q) = (&mut sum.proactive, &r.proactive);
        for (a, b) in [
            (&mut p.rules, &q.rules),
            (&mut p.normative_documents, &q.normative_documents),
        ] {
            a.issued += b.issued;
            a.repealed += b.repealed;
            a.in_force += b.in_force;
        }
        p.licensing += q.licensing;
        p.penalty += q.penalty;
        p.coercion += q.coercion;
        p.fees_wan_yuan += q.fees_wan_yuan;
        p.total += q.total;
        for c in &q.by_column {
            match p.by_column.iter_mut().find(|x| x.column == c.column) {
                Some(x) => x.count += c.count,
                None => p.by_column.push(c.clone()),
            }
        }
        for (a, b) in [
            (
                &mut sum.remedies.reconsideration,
                &r.remedies.reconsideration,
            ),
            (
                &mut sum.remedies.litigation_direct,
                &r.remedies.litigation_direct,
            ),
            (
                &mut sum.remedies.litigation_after_reconsideration,
                &r.remedies.litigation_after_reconsideration,
            ),
        ] {
            a.upheld += b.upheld;
            a.corrected += b.corrected;
            a.other += b.other;
            a.pending += b.pending;
            a.total += b.total;
        }
        sum.fees_charged_yuan += r.fees_charged_yuan;
    }
    sum
}

/// Whether a unit may have rule-making power (规章), judged from its name when nothing else is
/// known (a report read from a file): townships, towns, sub-districts and departments never do.
pub fn may_make_rules(unit_name: &str) -> bool {
    let department = ["局", "委员会", "办公室", "中心", "委", "办"]
        .iter()
        .any(|s| unit_name.ends_with(s));
    let township = ["乡", "镇", "街道"].iter().any(|s| unit_name.contains(s));
    !(department || township)
}

/// A breach of the consistency rules, located by row and column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breach {
    pub rule: u8,
    pub table: &'static str,
    pub row: String,
    pub column: String,
    pub expected: String,
    pub found: String,
    pub message: String,
}

fn cell(rows: &BTreeMap<String, Row>, row: &str, col: &str) -> i64 {
    rows.get(row).and_then(|r| r.get(col)).copied().unwrap_or(0)
}

/// The rule number of a required section left empty (五, 六): a finding of the checks, though not
/// of the arithmetic (a working copy may be generated before the section is written; a draft
/// for publication may not).
pub const NARRATIVE_RULE: u8 = 8;

impl Breach {
    /// Whether the figures themselves are wrong (rules 1-7), as opposed to missing narrative.
    pub fn is_arithmetic(&self) -> bool {
        self.rule != NARRATIVE_RULE
    }
}

/// Checks rules 1-6 of the domain file (rule 5 needs last year's report; rule 7 is the generator's).
/// `has_rule_making_power`: only governments with it may report 规章.
pub fn check(r: &Report, last_year: Option<&Report>, has_rule_making_power: bool) -> Vec<Breach> {
    let mut out = Vec::new();
    // A report that carries its narrative must have sections 五 and 六 written: the national
    // format requires them (a table-only report read for checking carries none).
    if !r.sections.is_empty() {
        let rule = NARRATIVE_RULE;
        for (key, title) in [
            ("五", "存在的主要问题及改进情况"),
            ("六", "其他需要报告的事项"),
        ] {
            if r.sections.get(key).is_none_or(|t| t.trim().is_empty()) {
                out.push(Breach {
                    rule,
                    table: key,
                    row: title.to_owned(),
                    column: String::new(),
                    expected: "已填写".into(),
                    found: "空".into(),
                    message: format!(
                        "第{key}部分“{title}”未填写：这是年报的必备内容，请填写后再生成草稿。"
                    ),
                });
            }
        }
    }
    let t = &r.applications;
    let mut push = |rule: u8,
                    table: &'static str,
                    row: &str,
                    column: &str,
                    expected: String,
                    found: String,
                    message: String| {
        out.push(Breach {
            rule,
            table,
            row: row.to_owned(),
            column: column.to_owned(),
            expected,
            found,
            message,
        });
    };
    for col in COLUMNS {
        // Rule 1: 一 + 二 = 三（七）总计 + 四.
        let left = cell(t, "new", col) + cell(t, "carried_in", col);
        let right = cell(t, "total_handled", col) + cell(t, "carried_out", col);
        if left != right {
            push(
                1,
                "三",
                "new+carried_in",
                col,
                right.to_string(),
                left.to_string(),
                format!(
                    "“{}”列：本年新收 + 上年结转 = {left}，但办理结果总计 + 结转下年 = {right}",
                    column_label(col)
                ),
            );
        }
        // Rule 2: 总计 = the sum of the leaf rows.
        let sum: i64 = leaf_rows().iter().map(|row| cell(t, row, col)).sum();
        let total = cell(t, "total_handled", col);
        if sum != total {
            push(
                2,
                "三",
                "total_handled",
                col,
                sum.to_string(),
                total.to_string(),
                format!(
                    "“{}”列：（七）总计应为各项之和 {sum}，报告为 {total}",
                    column_label(col)
                ),
            );
        }
    }
    // Rule 3: 总计 column = the six applicant columns.
    for row in ROWS {
        let parts: i64 = COLUMNS[..6].iter().map(|c| cell(t, row, c)).sum();
        let total = cell(t, row, "total");
        if parts != total {
            push(
                3,
                "三",
                row,
                "total",
                parts.to_string(),
                total.to_string(),
                format!(
                    "{}：总计应为自然人与各类法人或其他组织之和 {parts}，报告为 {total}",
                    row_label(row)
                ),
            );
        }
    }
    // Rule 4: each 总计 of table 四.
    for (name, c) in [
        ("reconsideration", &r.remedies.reconsideration),
        ("litigation_direct", &r.remedies.litigation_direct),
        (
            "litigation_after_reconsideration",
            &r.remedies.litigation_after_reconsideration,
        ),
    ] {
        let sum = c.upheld + c.corrected + c.other + c.pending;
        if sum != c.total {
            push(
                4,
                "四",
                name,
                "total",
                sum.to_string(),
                c.total.to_string(),
                format!(
                    "表四“{name}”：总计应为维持、纠正、其他、尚未审结之和 {sum}，报告为 {}",
                    c.total
                ),
            );
        }
    }
    // Rule 5: this year's 二 = last year's 四.
    if let Some(prev) = last_year {
        for col in COLUMNS {
            let (now, before) = (
                cell(t, "carried_in", col),
                cell(&prev.applications, "carried_out", col),
            );
            if now != before {
                push(
                    5,
                    "三",
                    "carried_in",
                    col,
                    before.to_string(),
                    now.to_string(),
                    format!(
                        "“{}”列：上年结转 {now} 与上年报告的结转下年度 {before} 不一致",
                        column_label(col)
                    ),
                );
            }
        }
    }
    // Rule 6: plausibility.
    if !has_rule_making_power {
        let rules = &r.proactive.rules;
        for (col, v) in [
            ("issued", rules.issued),
            ("repealed", rules.repealed),
            ("in_force", rules.in_force),
        ] {
            if v != 0 {
                push(
                    6,
                    "二",
                    "rules",
                    col,
                    "0".into(),
                    v.to_string(),
                    "没有规章制定权的单位（乡镇、部门）规章数应为0".into(),
                );
            }
        }
    }
    for (row, vals) in t {
        for (col, v) in vals {
            if *v < 0 {
                push(
                    6,
                    "三",
                    row,
                    col,
                    "≥0".into(),
                    v.to_string(),
                    format!("{}“{}”为负数", row_label(row), column_label(col)),
                );
            }
        }
    }
    for (name, v) in [
        ("licensing", r.proactive.licensing),
        ("penalty", r.proactive.penalty),
        ("coercion", r.proactive.coercion),
    ] {
        if v < 0 {
            push(
                6,
                "二",
                name,
                "count",
                "≥0".into(),
                v.to_string(),
                format!("表二“{name}”为负数"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApplicantKind::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn rec(kind: ApplicantKind, received: &str, concluded: Option<(&str, Outcome)>) -> AppRecord {
        AppRecord {
            kind,
            received_on: d(received),
            concluded: concluded.map(|(c, o)| (d(c), o)),
        }
    }

    /// A year of applications with carry-overs both ways, every applicant type, several outcomes;
    /// the expected cells are worked out by hand in the comments.
    fn year_2025() -> Vec<AppRecord> {
        vec![
            // Received 2024, answered 2025: carried in, handled in 2025 (natural person, granted).
            rec(
                NaturalPerson,
                "2024-12-20",
                Some(("2025-01-15", Outcome::Granted)),
            ),
            // Received 2024, answered 2024: not in 2025 at all.
            rec(
                NaturalPerson,
                "2024-11-01",
                Some(("2024-11-20", Outcome::Granted)),
            ),
            // Received 2024, still open at the end of 2025: carried in and carried out (commercial).
            rec(Commercial, "2024-12-30", None),
            // Received and answered in 2025.
            rec(
                NaturalPerson,
                "2025-03-02",
                Some(("2025-03-20", Outcome::Partial)),
            ),
            rec(
                Research,
                "2025-04-01",
                Some(("2025-04-25", Outcome::UnavailableNotHeld)),
            ),
            rec(
                PublicInterest,
                "2025-05-06",
                Some(("2025-06-01", Outcome::RefusedThirdPartyRights)),
            ),
            rec(
                LegalServices,
                "2025-07-07",
                Some(("2025-07-30", Outcome::NotProcessedRepeated)),
            ),
            rec(
                OtherOrg,
                "2025-08-08",
                Some(("2025-09-10", Outcome::OtherNoCorrection)),
            ),
            // Received in 2025, answered in 2026: new and carried out (natural person).
            rec(
                NaturalPerson,
                "2025-12-25",
                Some(("2026-01-20", Outcome::Granted)),
            ),
        ]
    }

    #[test]
    fn every_cell_matches_the_hand_count() {
        let t = table_three(&year_2025(), 2025);
        let c = |row: &str, col: &str| t[row][col];
        // 一: 6 received in 2025: NP 2 (Mar, Dec), research, public_interest, legal, other_org.
        assert_eq!(
            (
                c("new", "natural_person"),
                c("new", "research"),
                c("new", "public_interest"),
                c("new", "legal_services"),
                c("new", "other_org"),
                c("new", "commercial")
            ),
            (2, 1, 1, 1, 1, 0)
        );
        assert_eq!(c("new", "total"), 6);
        // 二: NP (Dec 2024 answered 2025) and commercial (still open).
        assert_eq!(
            (
                c("carried_in", "natural_person"),
                c("carried_in", "commercial"),
                c("carried_in", "total")
            ),
            (1, 1, 2)
        );
        // 三: concluded in 2025: granted NP 1, partial NP 1, not held research 1, third party 1,
        // repeated 1, no correction 1 → total 6.
        assert_eq!(c("granted", "natural_person"), 1);
        assert_eq!(c("partial", "natural_person"), 1);
        assert_eq!(c("unavailable_not_held", "research"), 1);
        assert_eq!(c("refused_third_party_rights", "public_interest"), 1);
        assert_eq!(c("not_processed_repeated", "legal_services"), 1);
        assert_eq!(c("other_no_correction", "other_org"), 1);
        assert_eq!(c("total_handled", "total"), 6);
        assert_eq!(c("total_handled", "natural_person"), 2);
        // 四: commercial (open since 2024) and NP (Dec 2025, answered 2026).
        assert_eq!(
            (
                c("carried_out", "commercial"),
                c("carried_out", "natural_person"),
                c("carried_out", "total")
            ),
            (1, 1, 2)
        );
        // Every other cell is 0.
        assert_eq!(c("refused_state_secret", "total"), 0);
        let report = Report {
            applications: t,
            ..Default::default()
        };
        assert!(
            check(&report, None, false).is_empty(),
            "{:?}",
            check(&report, None, false)
        );
    }

    /// Every outcome once, cycling through every applicant type: each lands in exactly its cell.
    #[test]
    fn every_outcome_and_applicant_type_lands_in_its_cell() {
        let kinds = ApplicantKind::ALL;
        let recs: Vec<AppRecord> = Outcome::ALL
            .iter()
            .enumerate()
            .map(|(i, o)| AppRecord {
                kind: kinds[i % kinds.len()],
                received_on: d("2025-02-03"),
                concluded: Some((d("2025-03-03"), *o)),
            })
            .collect();
        let t = table_three(&recs, 2025);
        for (i, o) in Outcome::ALL.iter().enumerate() {
            let col = kinds[i % kinds.len()].as_str();
            assert_eq!(t[o.as_str()][col], 1, "{o:?} in {col}");
            assert_eq!(t[o.as_str()]["total"], 1, "{o:?}");
            for other in COLUMNS.iter().filter(|c| **c != col && **c != "total") {
                assert_eq!(t[o.as_str()][*other], 0, "{o:?} not in {other}");
            }
        }
        assert_eq!(t["new"]["total"], 21);
        assert_eq!(t["total_handled"]["total"], 21);
        // 21 outcomes over 6 types: types 0..2 get 4 each, 3..5 get 3 each.
        assert_eq!(t["new"]["natural_person"], 4);
        assert_eq!(t["new"]["other_org"], 3);
        assert_eq!(t["carried_out"]["total"], 0);
        let r = Report {
            applications: t,
            ..Default::default()
        };
        assert!(check(&r, None, false).is_empty());
    }

    #[test]
    fn carry_out_becomes_next_years_carry_in() {
        let recs = year_2025();
        let r25 = Report {
            applications: table_three(&recs, 2025),
            ..Default::default()
        };
        let r26 = Report {
            applications: table_three(&recs, 2026),
            ..Default::default()
        };
        assert!(check(&r26, Some(&r25), false).is_empty());
        assert_eq!(r26.applications["carried_in"]["total"], 2);
    }

    #[test]
    fn remedies_by_state_at_year_end() {
        let recs = vec![
            RemedyRecord {
                kind: "reconsideration".into(),
                filed_on: d("2025-03-01"),
                outcome: "upheld".into(),
                decided_on: Some(d("2025-05-01")),
            },
            RemedyRecord {
                kind: "reconsideration".into(),
                filed_on: d("2025-11-01"),
                outcome: "corrected".into(),
                decided_on: Some(d("2026-01-10")),
            },
            RemedyRecord {
                kind: "litigation_direct".into(),
                filed_on: d("2024-06-01"),
                outcome: "other".into(),
                decided_on: Some(d("2025-02-01")),
            },
            RemedyRecord {
                kind: "litigation_after_reconsideration".into(),
                filed_on: d("2023-01-01"),
                outcome: "upheld".into(),
                decided_on: Some(d("2023-06-01")),
            },
        ];
        let r = table_four(&recs, 2025);
        assert_eq!(
            r.reconsideration,
            RemedyCounts {
                upheld: 1,
                corrected: 0,
                other: 0,
                pending: 1,
                total: 2
            }
        );
        assert_eq!(
            r.litigation_direct,
            RemedyCounts {
                upheld: 0,
                corrected: 0,
                other: 1,
                pending: 0,
                total: 1
            }
        );
        assert_eq!(
            r.litigation_after_reconsideration.total, 0,
            "decided in 2023: not this year's"
        );
    }

    #[test]
    fn planted_breaches_are_each_found_and_located() {
        let mut r = Report {
            applications: table_three(&year_2025(), 2025),
            ..Default::default()
        };
        r.applications
            .get_mut("granted")
            .unwrap()
            .insert("natural_person".into(), 2); // breaks 1 (NP), 2 (NP), 3 (granted)
        r.remedies.reconsideration = RemedyCounts {
            upheld: 1,
            corrected: 1,
            other: 0,
            pending: 0,
            total: 3,
        }; // breaks 4
        r.proactive.rules.in_force = 2; // breaks 6 for a township
        r.applications
            .get_mut("partial")
            .unwrap()
            .insert("research".into(), -1);
        let prev = Report {
            applications: table_three(&year_2025(), 2024),
            ..Default::default()
        };
        let found = check(&r, Some(&prev), false);
        let has = |rule: u8, row: &str, col: &str| {
            found
                .iter()
                .any(|b| b.rule == rule && b.row == row && b.column == col)
        };
        assert!(has(2, "total_handled", "natural_person"), "{found:#?}");
        assert!(has(3, "granted", "total"));
        assert!(has(4, "reconsideration", "total"));
        assert!(has(6, "rules", "in_force"));
        assert!(has(6, "partial", "research"));
        let b = found.iter().find(|b| b.rule == 4).unwrap();
        assert_eq!((b.expected.as_str(), b.found.as_str()), ("2", "3"));
        // Rule 1 and 5 on their own.
        let mut r = Report {
            applications: table_three(&year_2025(), 2025),
            ..Default::default()
        };
        r.applications
            .get_mut("carried_in")
            .unwrap()
            .insert("commercial".into(), 0);
        r.applications
            .get_mut("carried_in")
            .unwrap()
            .insert("total".into(), 1);
        let found = check(&r, Some(&prev), false);
        assert!(found
            .iter()
            .any(|b| b.rule == 1 && b.column == "commercial"));
        assert!(
            found
                .iter()
                .any(|b| b.rule == 5 && b.column == "commercial"),
            "{found:#?}"
        );
    }

    #[test]
    fn aggregation_adds_every_cell_and_stays_consistent() {
        let a = Report {
            applications: table_three(&year_2025(), 2025),
            ..Default::default()
        };
        let mut b = a.clone();
        b.remedies.reconsideration = RemedyCounts {
            upheld: 1,
            corrected: 0,
            other: 0,
            pending: 1,
            total: 2,
        };
        b.proactive.by_column = vec![ColumnCount {
            column: "通知公告".into(),
            count: 3,
        }];
        b.proactive.total = 3;
        let sum = aggregate("city", "禄丰市人民政府", 2025, &[a.clone(), b]);
        assert_eq!(
            sum.applications["new"]["total"],
            2 * a.applications["new"]["total"]
        );
        assert_eq!(sum.applications["carried_out"]["commercial"], 2);
        assert_eq!(sum.remedies.reconsideration.total, 2);
        assert_eq!(sum.proactive.total, 3);
        assert!(check(&sum, None, true).is_empty());
    }

    #[test]
    fn rule_making_power_from_names() {
        assert!(!may_make_rules("妥安乡"));
        assert!(!may_make_rules("金山镇人民政府"));
        assert!(!may_make_rules("禄丰市财政局"));
        assert!(may_make_rules("昆明市人民政府"));
    }

    #[test]
    fn a_year_without_records_is_all_zeros_and_clean() {
        let r = Report {
            applications: table_three(&[], 2025),
            ..Default::default()
        };
        assert!(r
            .applications
            .values()
            .all(|row| row.values().all(|v| *v == 0)));
        assert!(check(&r, None, false).is_empty());
        assert_eq!(r.applications.len(), 25);
    }

    #[test]
    fn json_keys_outside_the_tables_are_optional() {
        let full = serde_json::to_value(Report::default()).unwrap();
        let mut v = full.clone();
        let o = v.as_object_mut().unwrap();
        for k in [
            "generated_at",
            "fees_charged_yuan",
            "unit_name",
            "format",
            "sections",
        ] {
            o.remove(k);
        }
        let p = o["proactive"].as_object_mut().unwrap();
        p.remove("by_column");
        p.remove("total");
        let r = from_json(&v.to_string()).unwrap();
        assert_eq!(r.format, "2021");
        // A key of the wrong shape is named, with its line.
        let bad = full
            .to_string()
            .replacen("\"licensing\":0", "\"licensing\":\"很多\"", 1);
        match from_json(&bad) {
            Err(JsonError::Shape { path, line, .. }) => {
                assert_eq!(path, "proactive.licensing");
                assert_eq!(line, 1);
            }
            other => panic!("{other:?}"),
        }
        let mut missing = full.clone();
        missing.as_object_mut().unwrap().remove("applications");
        match from_json(&missing.to_string()) {
            Err(e @ JsonError::Shape { .. }) => {
                assert!(e.to_string().contains("applications"), "{e}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(from_json("一、总体情况"), Err(JsonError::NotJson));
        // A typo in JSON is named with its line, not taken for "not a report".
        match from_json("{\n  \"applications\": {,\n}") {
            Err(JsonError::Shape { line, .. }) => assert_eq!(line, 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_years_figures_hold_only_that_year() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let rec = |r: &str, c: Option<&str>| AppRecord {
            kind: ApplicantKind::NaturalPerson,
            received_on: d(r),
            concluded: c.map(|c| (d(c), Outcome::Granted)),
        };
        let records = [
            rec("2025-03-01", None),
            rec("2025-11-20", Some("2026-01-10")),
            rec("2025-05-01", Some("2025-06-01")),
            rec("2026-12-02", None),
        ];
        assert_eq!(
            open_at_end(&records, 2025),
            vec![d("2025-03-01"), d("2025-11-20")]
        );
        let today = d("2026-12-02");
        // Received in the later year: not a 2025 figure.
        assert!(!late_in_year(
            2025,
            today,
            d("2026-12-02"),
            Some(d("2026-12-30")),
            None
        ));
        // Due in 2025, unanswered: late in 2025.
        assert!(late_in_year(
            2025,
            today,
            d("2025-11-01"),
            Some(d("2025-11-29")),
            None
        ));
        // Due in 2026: not late within 2025.
        assert!(!late_in_year(
            2025,
            today,
            d("2025-12-20"),
            Some(d("2026-01-20")),
            None
        ));
        // Concluded before 2025 began: not a 2025 figure.
        assert!(!late_in_year(
            2025,
            today,
            d("2024-01-01"),
            Some(d("2024-02-01")),
            Some(d("2024-03-01"))
        ));
    }

    #[test]
    fn empty_required_sections_are_findings() {
        let mut r = Report::default();
        r.sections.insert("一".into(), "总体情况".into());
        r.sections.insert("五".into(), " ".into());
        let b = check(&r, None, false);
        assert!(b.iter().any(|b| b.table == "五" && b.rule == 8), "{b:?}");
        assert!(b.iter().any(|b| b.table == "六"), "{b:?}");
        r.sections.insert("五".into(), "信息量偏少。".into());
        r.sections.insert("六".into(), "未收取信息处理费。".into());
        assert!(check(&r, None, false).iter().all(|b| b.rule != 8));
        assert!(
            check(&Report::default(), None, false)
                .iter()
                .all(|b| b.rule != 8),
            "table-only reports carry no sections"
        );
    }
}
