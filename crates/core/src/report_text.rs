//! Reading a report as published (HTML or text copied from a portal): which national layout it
//! uses, and its tables as numbers, so the consistency checks can run on any unit's report.
//!
//! Layouts recognised: the national format of 2021 (国办公开办函〔2021〕30号: table 二 counts 本年制发件数
//! / 本年废止件数 / 现行有效件数) and the 2019 trial format (table 二 counts 本年新制作数量 / 本年新公开数量
//! / 对外公开总数量). Older free-form reports (like 妥安乡's 2017 report) have no tables to check.

use crate::report::{DocCounts, Remedies, RemedyCounts, Report, COLUMNS, ROWS};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    National2021,
    Trial2019,
}

impl Layout {
    pub fn name(self) -> &'static str {
        match self {
            Layout::National2021 => "2021年国家格式（国办公开办函〔2021〕30号）",
            Layout::Trial2019 => "2019年试行格式",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("不是政府信息公开年度报告：没有找到“收到和处理政府信息公开申请情况”等表格")]
    NotAReport,
    #[error("无法识别的报告格式：{0}")]
    UnknownLayout(String),
    #[error("表格无法读取：{0}")]
    Unreadable(String),
    #[error("第{row}行“{label}”的“{column}”不是数字：{found}")]
    NotANumber {
        row: usize,
        label: String,
        column: String,
        found: String,
    },
}

/// The visible text of an HTML page: tags dropped, block ends and cells as separators.
pub fn text_of_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            break;
        };
        let tag = rest[lt + 1..lt + gt]
            .trim_start_matches('/')
            .to_ascii_lowercase();
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        if matches!(name, "td" | "th") {
            out.push('\t');
        } else if matches!(
            name,
            "p" | "br" | "tr" | "div" | "h1" | "h2" | "h3" | "h4" | "li" | "table"
        ) {
            out.push('\n');
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(rest);
    out.replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
}

/// The labels of table 三's rows as printed, with the key each number row fills.
const ROW_LABELS: &[(&str, &str)] = &[
    ("本年新收政府信息公开申请数量", "new"),
    ("上年结转政府信息公开申请数量", "carried_in"),
    ("予以公开", "granted"),
    ("部分公开", "partial"),
    ("属于国家秘密", "refused_state_secret"),
    ("其他法律行政法规禁止公开", "refused_prohibited_by_law"),
    ("危及“三安全一稳定”", "refused_three_security_one_stability"),
    ("保护第三方合法权益", "refused_third_party_rights"),
    ("属于三类内部事务信息", "refused_internal_affairs"),
    ("属于四类过程性信息", "refused_process_information"),
    ("属于行政执法案卷", "refused_enforcement_file"),
    ("属于行政查询事项", "refused_administrative_query"),
    ("本机关不掌握相关政府信息", "unavailable_not_held"),
    ("没有现成信息需要另行制作", "unavailable_needs_creation"),
    (
        "补正后申请内容仍不明确",
        "unavailable_unclear_after_correction",
    ),
    ("信访举报投诉类申请", "not_processed_petition_complaint"),
    ("重复申请", "not_processed_repeated"),
    ("要求提供公开出版物", "not_processed_publication"),
    ("无正当理由大量反复申请", "not_processed_excessive"),
    (
        "要求行政机关确认或重新出具已获取信息",
        "not_processed_confirmation",
    ),
    ("逾期不补正", "other_no_correction"),
    ("逾期未按收费通知要求缴纳费用", "other_fee_unpaid"),
    ("3.其他", "other_other"),
    ("总计", "total_handled"),
    ("结转下年度继续办理", "carried_out"),
];

/// The `count` numbers following position `from`, and the position after the last one. Dashes
/// and 无 in a cell mean 0; a word where a number belongs is an error naming the cell.
fn numbers_after(
    text: &str,
    from: usize,
    count: usize,
    label: &str,
    row: usize,
) -> Result<(Vec<i64>, usize), ReadError> {
    let mut out = Vec::with_capacity(count);
    let mut pos = from;
    let is_sep = |c: char| c.is_whitespace() || c == '|';
    while out.len() < count && pos < text.len() {
        let rest = &text[pos..];
        let Some(start) = rest.find(|c: char| !is_sep(c)) else {
            break;
        };
        let tok_start = pos + start;
        let len = text[tok_start..]
            .find(is_sep)
            .unwrap_or(text.len() - tok_start);
        let tok = &text[tok_start..tok_start + len];
        pos = tok_start + len;
        let t = tok.trim_matches(|c: char| c == '，' || c == ',' || c == '。');
        match t.parse::<i64>() {
            Ok(n) => out.push(n),
            Err(_) if !t.is_empty() && t.chars().all(|c| matches!(c, '-' | '—' | '/' | '无')) => {
                out.push(0)
            }
            // Words before the first number belong to the label (a long label split over cells).
            Err(_) if out.is_empty() => continue,
            Err(_) => {
                return Err(ReadError::NotANumber {
                    row,
                    label: label.into(),
                    column: COLUMNS.get(out.len()).copied().unwrap_or("?").into(),
                    found: t.into(),
                })
            }
        }
    }
    if out.len() < count {
        return Err(ReadError::Unreadable(format!(
            "“{label}”后面应有{count}个数字，只找到{}个",
            out.len()
        )));
    }
    Ok((out, pos))
}

/// Reads a report published as HTML or text.
pub fn read(input: &str) -> Result<(Layout, Report), ReadError> {
    let text = if input.contains("<td") || input.contains("<p") || input.contains("<html") {
        text_of_html(input)
    } else {
        input.to_owned()
    };
    if !text.contains("收到和处理政府信息公开申请情况")
        && !text.contains("本年新收政府信息公开申请数量")
    {
        return Err(ReadError::NotAReport);
    }
    let layout = if text.contains("本年制发件数") || text.contains("现行有效件数") {
        Layout::National2021
    } else if text.contains("本年新制作数量") || text.contains("对外公开总数量") {
        Layout::Trial2019
    } else {
        return Err(ReadError::UnknownLayout(
            "表二的栏目既不是2021年格式（本年制发件数）也不是2019年试行格式（本年新制作数量）"
                .into(),
        ));
    };
    let mut r = Report {
        format: if layout == Layout::National2021 {
            "2021".into()
        } else {
            "2019".into()
        },
        ..Default::default()
    };
    // Table 三.
    let start = text
        .find("本年新收政府信息公开申请数量")
        .ok_or(ReadError::NotAReport)?;
    let mut pos = start;
    let mut rows: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (i, (label, key)) in ROW_LABELS.iter().enumerate() {
        let at = text[pos..]
            .find(label)
            .ok_or_else(|| ReadError::Unreadable(format!("表三缺少“{label}”一行")))?
            + pos;
        let (vals, next) = numbers_after(&text, at + label.len(), 7, label, i + 1)?;
        rows.insert(
            (*key).into(),
            COLUMNS
                .iter()
                .zip(vals)
                .map(|(c, v)| (c.to_string(), v))
                .collect(),
        );
        pos = next;
    }
    debug_assert_eq!(rows.len(), ROWS.len());
    r.applications = rows;
    // Table 四: 15 numbers after its heading row.
    if let Some(h) = text.find("行政复议、行政诉讼情况") {
        let after = &text[h..];
        let after = &after[..after.find("五、存在的主要问题").unwrap_or(after.len())];
        let skip = after
            .rfind("尚未审结")
            .map(|i| i + "尚未审结".len())
            .unwrap_or(0);
        let skip = after[skip..]
            .find("总计")
            .map(|i| skip + i + "总计".len())
            .unwrap_or(skip);
        let (v, _) = numbers_after(after, skip, 15, "行政复议、行政诉讼", 0)?;
        let c = |o: usize| RemedyCounts {
            upheld: v[o],
            corrected: v[o + 1],
            other: v[o + 2],
            pending: v[o + 3],
            total: v[o + 4],
        };
        r.remedies = Remedies {
            reconsideration: c(0),
            litigation_direct: c(5),
            litigation_after_reconsideration: c(10),
        };
    }
    // Table 二 (the 2021 layout's counts).
    if layout == Layout::National2021 {
        let three = |label: &str| -> Result<DocCounts, ReadError> {
            match text.find(label) {
                Some(i) => {
                    numbers_after(&text, i + label.len(), 3, label, 0).map(|(v, _)| DocCounts {
                        issued: v[0],
                        repealed: v[1],
                        in_force: v[2],
                    })
                }
                None => Ok(DocCounts::default()),
            }
        };
        r.proactive.rules = three("\n规章").or_else(|_| three("规章"))?;
        r.proactive.normative_documents = three("行政规范性文件")?;
        let one = |label: &str| -> Result<i64, ReadError> {
            match text.find(label) {
                Some(i) => numbers_after(&text, i + label.len(), 1, label, 0).map(|(v, _)| v[0]),
                None => Ok(0),
            }
        };
        r.proactive.licensing = one("行政许可")?;
        r.proactive.penalty = one("行政处罚")?;
        r.proactive.coercion = one("行政强制")?;
    }
    Ok((layout, r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::check;

    /// A report in the 2021 layout as it reads when copied from a portal page (tab-separated cells).
    pub fn sample_2021(granted_np: i64) -> String {
        let mut t = String::from("一、总体情况\n……\n二、主动公开政府信息情况\n第二十条第（一）项\n信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n规章\t0\t0\t0\n行政规范性文件\t2\t1\t5\n第二十条第（五）项\n信息内容\t本年处理决定数量\n行政许可\t12\n第二十条第（六）项\n行政处罚\t3\n行政强制\t0\n三、收到和处理政府信息公开申请情况\n");
        let rows: Vec<(&str, [i64; 7])> = vec![
            ("一、本年新收政府信息公开申请数量", [3, 1, 0, 0, 0, 0, 4]),
            ("二、上年结转政府信息公开申请数量", [1, 0, 0, 0, 0, 0, 1]),
            (
                "三、本年度办理结果\n（一）予以公开",
                [granted_np, 0, 0, 0, 0, 0, granted_np],
            ),
            (
                "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
                [1, 0, 0, 0, 0, 0, 1],
            ),
            ("（三）不予公开\n1.属于国家秘密", [0; 7]),
            ("2.其他法律行政法规禁止公开", [0; 7]),
            ("3.危及“三安全一稳定”", [0; 7]),
            ("4.保护第三方合法权益", [0; 7]),
            ("5.属于三类内部事务信息", [0; 7]),
            ("6.属于四类过程性信息", [0; 7]),
            ("7.属于行政执法案卷", [0; 7]),
            ("8.属于行政查询事项", [0; 7]),
            (
                "（四）无法提供\n1.本机关不掌握相关政府信息",
                [0, 1, 0, 0, 0, 0, 1],
            ),
            ("2.没有现成信息需要另行制作", [0; 7]),
            ("3.补正后申请内容仍不明确", [0; 7]),
            ("（五）不予处理\n1.信访举报投诉类申请", [0; 7]),
            ("2.重复申请", [0; 7]),
            ("3.要求提供公开出版物", [0; 7]),
            ("4.无正当理由大量反复申请", [0; 7]),
            ("5.要求行政机关确认或重新出具已获取信息", [0; 7]),
            (
                "（六）其他处理\n1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                [0; 7],
            ),
            (
                "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                [0; 7],
            ),
            ("3.其他", [0; 7]),
            ("（七）总计", [2, 1, 0, 0, 0, 0, 3]),
            ("四、结转下年度继续办理", [2, 0, 0, 0, 0, 0, 2]),
        ];
        for (label, v) in rows {
            t.push_str(label);
            for n in v {
                t.push_str(&format!("\t{n}"));
            }
            t.push('\n');
        }
        t.push_str("四、政府信息公开行政复议、行政诉讼情况\n行政复议\t行政诉讼\n结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t未经复议直接起诉\t复议后起诉\n结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计\n");
        t.push_str("1\t0\t0\t0\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\n五、存在的主要问题及改进情况\n");
        t
    }

    #[test]
    fn a_clean_2021_report_reads_and_passes() {
        let (layout, r) = read(&sample_2021(1)).unwrap();
        assert_eq!(layout, Layout::National2021);
        assert_eq!(r.applications["new"]["total"], 4);
        assert_eq!(r.applications["unavailable_not_held"]["commercial"], 1);
        assert_eq!(r.applications["carried_out"]["natural_person"], 2);
        assert_eq!(r.remedies.reconsideration.total, 1);
        assert_eq!(
            r.proactive.normative_documents,
            DocCounts {
                issued: 2,
                repealed: 1,
                in_force: 5
            }
        );
        assert_eq!(r.proactive.licensing, 12);
        assert!(
            check(&r, None, false).is_empty(),
            "{:?}",
            check(&r, None, false)
        );
    }

    #[test]
    fn arithmetic_errors_in_a_published_report_are_found() {
        let (_, r) = read(&sample_2021(2)).unwrap();
        let found = check(&r, None, false);
        assert!(
            found
                .iter()
                .any(|b| b.rule == 2 && b.row == "total_handled" && b.column == "natural_person"),
            "{found:?}"
        );
        assert!(
            found.iter().any(|b| b.rule == 2 && b.column == "total"),
            "{found:?}"
        );
        // The printed 总计 still balances 一 + 二 = 三 + 四, so rule 1 holds: only the sum is wrong.
        assert!(!found.iter().any(|b| b.rule == 1), "{found:?}");
    }

    #[test]
    fn html_pages_read_too() {
        let html = sample_2021(1)
            .lines()
            .map(|l| format!("<tr><td>{}</td></tr>", l.replace('\t', "</td><td>")))
            .collect::<Vec<_>>()
            .join("");
        let (_, r) = read(&format!("<html><table>{html}</table></html>")).unwrap();
        assert_eq!(r.applications["new"]["total"], 4);
    }

    #[test]
    fn not_a_number_and_other_layouts_are_named() {
        let bad = sample_2021(1).replacen("\t3\t1\t0", "\t三\t1\t0", 1);
        let e = read(&bad).unwrap_err();
        assert!(matches!(e, ReadError::NotANumber { .. }), "{e}");
        let seed = "妥安乡2017年政府信息公开工作年度报告\n一、基本情况\n我乡认真进行了自查";
        assert_eq!(read(seed).unwrap_err(), ReadError::NotAReport);
        let trial = sample_2021(1)
            .replace("本年制发件数", "本年新制作数量")
            .replace("现行有效件数", "对外公开总数量");
        assert_eq!(read(&trial).unwrap().0, Layout::Trial2019);
        let odd = sample_2021(1)
            .replace("本年制发件数", "数量一")
            .replace("现行有效件数", "数量三");
        assert!(matches!(
            read(&odd).unwrap_err(),
            ReadError::UnknownLayout(_)
        ));
    }
}
