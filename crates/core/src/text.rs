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

/// Folds full-width digits, letters and signs to ASCII and drops invisible characters: for
/// identifiers people type or paste (ID numbers, phone numbers, e-mail addresses, dates, codes),
/// never for running text.
pub fn fold_width(s: &str) -> String {
    s.chars()
        .filter(|c| !is_invisible(*c))
        .map(fold_char)
        .collect()
}

/// A typed text as it is kept: control characters (NUL, escape sequences …) removed, line
/// breaks and tabs kept, surrounding blanks trimmed.
pub fn clean_text(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect::<String>()
        .trim()
        .to_owned()
}

/// How many characters a reader would see: blanks and invisible characters not counted (a
/// reason of six zero-width spaces is no reason).
pub fn visible_len(s: &str) -> usize {
    s.chars()
        .filter(|c| !c.is_whitespace() && !is_invisible(*c) && !c.is_control())
        .count()
}

/// What a JSON deserialiser said, in Chinese (its messages are English): the kinds of problem
/// and the names of JSON types translated, field names and values kept.
pub fn json_problem_zh(msg: &str) -> String {
    let zh = json_problem_zh_whole(msg);
    // A value quoted back is cut short: the body may hold megabytes of it.
    if zh.chars().count() > 300 {
        let mut cut: String = zh.chars().take(300).collect();
        cut.push('…');
        cut
    } else {
        zh
    }
}

fn json_problem_zh_whole(msg: &str) -> String {
    let ty = |t: &str| -> String {
        let t = t.trim();
        let known = [
            ("null", "空值 null"),
            ("a string", "字符串"),
            ("string", "字符串"),
            ("a boolean", "true 或 false"),
            ("boolean", "true 或 false"),
            ("a sequence", "数组"),
            ("sequence", "数组"),
            ("a map", "对象"),
            ("map", "对象"),
            ("a number", "数字"),
            ("floating point", "数字"),
            ("an integer", "整数"),
            ("integer", "整数"),
        ];
        if let Some((_, zh)) = known.iter().find(|(en, _)| t == *en) {
            return (*zh).to_owned();
        }
        if t.starts_with("struct ") || t.starts_with("map") {
            return "对象".into();
        }
        if [
            "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "usize", "isize",
        ]
        .contains(&t)
        {
            return "整数".into();
        }
        if ["f32", "f64"].contains(&t) {
            return "数字".into();
        }
        if let Some(rest) = t.strip_prefix("integer ") {
            return format!("整数 {rest}");
        }
        if let Some(rest) = t.strip_prefix("string ") {
            return format!("字符串 {rest}");
        }
        t.to_owned()
    };
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        if let Some((got, want)) = rest.split_once(", expected ") {
            return format!("类型不对：收到的是{}，应为{}", ty(got), ty(want));
        }
    }
    if let Some(rest) = msg.strip_prefix("invalid value: ") {
        if let Some((got, want)) = rest.split_once(", expected ") {
            return format!("取值不对：收到的是{}，应为{}", ty(got), ty(want));
        }
    }
    if let Some(rest) = msg.strip_prefix("missing field ") {
        return format!("缺少字段 {}", rest.trim_matches('`'));
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        return format!(
            "取值不认识：{}",
            rest.replace(", expected one of ", "，可用：")
        );
    }
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        return format!(
            "没有这个字段：{}",
            rest.replace(", expected one of ", "，可用：")
        );
    }
    if msg.starts_with("invalid length") {
        return "数组长度不对".into();
    }
    if msg.starts_with("trailing characters") {
        return "JSON 之后还有多余的字符".into();
    }
    if msg.starts_with("EOF while parsing") {
        return "JSON 不完整（提前结束）".into();
    }
    if msg.starts_with("expected")
        || msg.starts_with("key must be")
        || msg.starts_with("control character")
    {
        return "JSON 语法有误".into();
    }
    "格式不对".into()
}

/// Characters a reader does not see: zero-width spaces and joiners, the word joiner, the byte
/// order mark, the soft hyphen, direction marks and embeddings, and the fillers and blank that
/// show as nothing (Hangul fillers, the braille blank).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FFA0}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
    )
}

/// A text derived from a source (an HTML body, a typed string) that remembers, for each of its
/// bytes, which bytes of the source it came from: what is found in the derived text can be shown
/// and masked in the original.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapped {
    pub text: String,
    /// For each byte of `text`, the source range of the character or entity it came from
    /// (32-bit offsets: texts screened are a few megabytes at most).
    from: Vec<(u32, u32)>,
}

fn offset(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Mapped {
    pub fn push(&mut self, c: char, source: (usize, usize)) {
        self.text.push(c);
        let s = (offset(source.0), offset(source.1));
        for _ in 0..c.len_utf8() {
            self.from.push(s);
        }
    }

    /// The source range of `text[start..end]`, or none for an empty or out-of-range span.
    pub fn source_range(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        if start >= end || end > self.from.len() {
            return None;
        }
        Some((self.from[start].0 as usize, self.from[end - 1].1 as usize))
    }

    /// A text folded for matching (full-width forms to ASCII, invisible characters dropped),
    /// mapped onto the text itself.
    pub fn folded_from(s: &str) -> Mapped {
        let mut m = Mapped {
            text: String::with_capacity(s.len()),
            from: Vec::with_capacity(s.len()),
        };
        for (i, c) in s.char_indices() {
            if !is_invisible(c) {
                m.push(fold_char(c), (i, i + c.len_utf8()));
            }
        }
        m
    }

    /// Appends another mapped text (of the same source).
    pub fn append(&mut self, other: Mapped) {
        self.text.push_str(&other.text);
        self.from.extend(other.from);
    }

    /// The identity mapping of a text onto itself.
    pub fn of(s: &str) -> Mapped {
        let mut m = Mapped::default();
        for (i, c) in s.char_indices() {
            m.push(c, (i, i + c.len_utf8()));
        }
        m
    }

    /// This text with its characters folded for matching (full-width forms to ASCII, invisible
    /// characters dropped), still mapped to this text's own source.
    pub fn folded(&self) -> Mapped {
        let mut m = Mapped::default();
        for (i, c) in self.text.char_indices() {
            if is_invisible(c) {
                continue;
            }
            let (s, _) = self.from[i];
            let (_, e) = self.from[i + c.len_utf8() - 1];
            m.push(fold_char(c), (s as usize, e as usize));
        }
        m
    }
}

/// Replaces the given source ranges of `s` with `with` (ranges may come in any order; one that
/// overlaps an earlier one, or does not fall on character boundaries, is skipped).
pub fn replace_ranges(s: &str, ranges: &[(usize, usize)], with: &str) -> String {
    let mut r: Vec<(usize, usize)> = ranges.to_vec();
    r.sort_unstable();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for (a, b) in r {
        if a < last || b > s.len() || !s.is_char_boundary(a) || !s.is_char_boundary(b) {
            continue;
        }
        out.push_str(&s[last..a]);
        out.push_str(with);
        last = b;
    }
    out.push_str(&s[last..]);
    out
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
    fn mapped_text_points_back_at_its_source() {
        let m = Mapped::of("身份证１２\u{200b}３").folded();
        assert_eq!(m.text, "身份证123");
        let start = m.text.find('1').unwrap();
        let (a, b) = m.source_range(start, m.text.len()).unwrap();
        assert_eq!(&"身份证１２\u{200b}３"[a..b], "１２\u{200b}３");
        assert_eq!(replace_ranges("ab１２cd", &[(2, 8)], "**"), "ab**cd");
        assert_eq!(replace_ranges("abc", &[(1, 9)], "*"), "abc");
    }

    #[test]
    fn blank_looking_text_is_blank() {
        assert_eq!(visible_len("\u{200b}\u{200b}\u{3000} \u{feff}"), 0);
        assert_eq!(visible_len("\u{2800}\u{3164}\u{ffa0}"), 0);
        assert_eq!(visible_len("理由充分"), 4);
        assert_eq!(clean_text(" 张\u{0}三\u{1b}[31m \n"), "张三[31m");
        assert_eq!(fold_width("１３８\u{200b}1234"), "1381234");
    }

    #[test]
    fn json_problems_in_chinese() {
        assert_eq!(
            json_problem_zh("invalid type: null, expected a string"),
            "类型不对：收到的是空值 null，应为字符串"
        );
        assert_eq!(
            json_problem_zh("missing field `applications`"),
            "缺少字段 applications"
        );
        assert!(
            json_problem_zh("invalid type: string \"两件\", expected i64").contains("应为整数")
        );
        assert_eq!(json_problem_zh("something else entirely"), "格式不对");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            to_html("一、总体\n\n<b>x</b>\n"),
            "<h2>一、总体</h2>\n<p>&lt;b&gt;x&lt;/b&gt;</p>\n"
        );
    }
}
