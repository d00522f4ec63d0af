//! Plain text of published documents (a report as copied from a portal, like the seed) turned
//! into structured HTML: 一、 lines become section headings, (一) lines sub-headings, the rest
//! paragraphs.

use crate::html::escape;

/// How a line of a plain-text government document reads.
#[derive(Debug, PartialEq, Eq)]
pub enum LineKind {
    /// 一、基本情况
    Section,
    /// (一)组织领导…… / （一）……
    Subsection,
    Paragraph,
}

const CN_NUMERALS: &str = "一二三四五六七八九十";

/// The ASCII form of a full-width character (U+FF01 to U+FF5E, as Chinese phone keyboards type
/// digits, letters and signs), and of the ideographic space; other characters as they are.
pub fn fold_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Folds full-width digits, letters and signs to ASCII: for identifiers people type (ID numbers,
/// phone numbers, e-mail addresses, dates, codes), never for running text.
pub fn fold_width(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

pub fn classify(line: &str) -> LineKind {
    let l = line.trim();
    let mut chars = l.chars();
    let first = chars.clone().next().unwrap_or(' ');
    if CN_NUMERALS.contains(first) {
        let numeral_len = l.chars().take_while(|c| CN_NUMERALS.contains(*c)).count();
        if l.chars().nth(numeral_len) == Some('、') && l.chars().count() <= 40 {
            return LineKind::Section;
        }
    }
    if matches!(chars.next(), Some('(' | '（')) {
        let inner: String = chars
            .clone()
            .take_while(|c| CN_NUMERALS.contains(*c))
            .collect();
        let after = chars.nth(inner.chars().count());
        if !inner.is_empty() && matches!(after, Some(')' | '）')) && l.chars().count() <= 60 {
            return LineKind::Subsection;
        }
    }
    LineKind::Paragraph
}

/// Renders plain text as HTML, one block per non-empty line, all text escaped.
pub fn to_html(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (open, close) = match classify(line) {
            LineKind::Section => ("<h2>", "</h2>"),
            LineKind::Subsection => ("<h3>", "</h3>"),
            LineKind::Paragraph => ("<p>", "</p>"),
        };
        out.push_str(open);
        out.push_str(&escape(line));
        out.push_str(close);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_recognised() {
        assert_eq!(classify("一、基本情况"), LineKind::Section);
        assert_eq!(
            classify("八、本年度推进政府信息公开工作存在的问题及改进措施"),
            LineKind::Section
        );
        assert_eq!(
            classify("(一)组织领导、工作机构、人员配备情况"),
            LineKind::Subsection
        );
        assert_eq!(classify("（二）改进措施"), LineKind::Subsection);
        assert_eq!(
            classify("一是政务公开信息量少。二是……"),
            LineKind::Paragraph
        );
        assert_eq!(
            classify("1.政府信息公开工作领导、工作机构、人员情况。"),
            LineKind::Paragraph
        );
    }

    #[test]
    fn full_width_forms_fold_to_ascii() {
        assert_eq!(
            fold_width("５３０１０２ＡＢｃ＠ｑｑ．ｃｏｍ"),
            "530102ABc@qq.com"
        );
        assert_eq!(fold_width("２０２６－１１－２８\u{3000}"), "2026-11-28 ");
        assert_eq!(fold_width("禄政发〔2017〕12号"), "禄政发〔2017〕12号");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            to_html("一、总体\n\n<b>x</b>\n"),
            "<h2>一、总体</h2>\n<p>&lt;b&gt;x&lt;/b&gt;</p>\n"
        );
    }
}
