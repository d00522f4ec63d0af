//! Automatic screening before review (上网信息不涉密，涉密信息不上网): classification marks and
//! personal data in titles, bodies and the text of attachments.
//!
//! Blocking: classification marks (绝密/机密/秘密 as marks, 内部资料, 不得外传 …), resident ID
//! numbers with a valid GB 11643 check character, bank card numbers passing Luhn.
//! Warnings: mobile numbers, e-mail addresses, 15-digit ID numbers, ID-like numbers with a bad
//! check character, attachments whose text cannot be read.
//! Not flagged: index numbers, 发文字号, dates, amounts of money, the office's own phone numbers
//! and e-mail, and the words 秘密/机密 in running text (商业秘密, 属于国家秘密).

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Blocking,
    Warning,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = FindingKind))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    ClassificationMark,
    ResidentId,
    BankCard,
    Mobile,
    Email,
    ShortId,
    BadCheckId,
    Unreadable,
    /// An attachment that could be read only in part (its decoded content exceeds the limit, or
    /// a part of it fails): what was not read was not screened, so it blocks.
    NotFullyScreened,
}

impl Kind {
    pub fn severity(self) -> Severity {
        match self {
            Kind::ClassificationMark
            | Kind::ResidentId
            | Kind::BankCard
            | Kind::NotFullyScreened => Severity::Blocking,
            _ => Severity::Warning,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Kind::ClassificationMark => "密级或内部标志",
            Kind::ResidentId => "居民身份证号码",
            Kind::BankCard => "银行卡号",
            Kind::Mobile => "手机号码",
            Kind::Email => "电子邮箱地址",
            Kind::ShortId => "15位身份证号码",
            Kind::BadCheckId => "疑似身份证号码（校验位不符）",
            Kind::Unreadable => "无法读取的附件",
            Kind::NotFullyScreened => "未能完整筛查的附件",
        }
    }
}

/// One thing the screener found.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: Kind,
    pub severity: Severity,
    /// Where: 标题, 正文, 附件“…”.
    pub location: String,
    /// The surrounding text with the finding masked.
    pub excerpt: String,
    /// The masked form that one click puts in place of the original.
    pub masked: String,
    /// What to do about it.
    pub message: String,
    /// Whether one click can mask it (title and body; not attachments or marks).
    pub maskable: bool,
    /// The original text, kept only in memory to apply a mask; never stored or shown.
    #[serde(skip)]
    pub original: String,
    /// Where the finding is in its segment's text (byte range), kept only in memory to apply a
    /// mask in place.
    #[serde(skip)]
    pub span: Option<(usize, usize)>,
}

pub const TITLE: &str = "标题";
pub const BODY: &str = "正文";

/// A piece of text to screen and where it came from.
pub struct Segment {
    pub location: String,
    pub text: String,
}

/// The office's own contact details, which are meant to be public.
#[derive(Debug, Clone, Default)]
pub struct Exemptions {
    pub phones: Vec<String>,
    pub emails: Vec<String>,
}

impl Exemptions {
    /// From the unit settings' phone, fax and e-mail fields (several numbers may be listed).
    pub fn from_contact(phone: &str, fax: &str, email: &str) -> Self {
        let phones = [phone, fax]
            .iter()
            .flat_map(|s| s.split(|c: char| !c.is_ascii_digit() && c != '-' && c != ' '))
            .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>())
            .filter(|p| p.len() >= 7)
            .collect();
        let emails = email
            .split([',', '，', ';', '；', ' ', '、'])
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty())
            .collect();
        Exemptions { phones, emails }
    }

    fn phone_exempt(&self, digits: &str) -> bool {
        self.phones
            .iter()
            .any(|p| p == digits || p.ends_with(digits))
    }
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("valid screening pattern"))
}

/// A run of digits, possibly grouped by single spaces or hyphens, possibly ending in X.
fn digit_runs() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r"[0-9]+(?:[ \-][0-9]+)*[Xx]?")
}

/// A word as a pattern whose characters may stand apart by `sep` (letter-spaced headings, as
/// 机　密 is often typeset, or spaces put in to slip past a screener).
fn spaced(word: &str, sep: &str) -> String {
    word.chars()
        .map(|c| regex::escape(&c.to_string()))
        .collect::<Vec<_>>()
        .join(sep)
}

fn mark_patterns() -> &'static [Regex] {
    static R: OnceLock<Vec<Regex>> = OnceLock::new();
    R.get_or_init(|| {
        // Within a line: spaces, tabs, no-break spaces (the ideographic space is folded to one).
        let h = r"[ \t\u{00A0}]*";
        let levels = |sep: &str| ["绝密", "机密", "秘密"].map(|w| spaced(w, sep)).join("|");
        let words = [
            "内部资料",
            "内部使用",
            "内部文件",
            "内部刊物",
            "内部发行",
            "内部传阅",
            "仅供内部",
            "不得外传",
            "严禁外传",
            "禁止外传",
            "不得翻印",
            "注意保密",
            "涉密文件",
        ]
        .map(|w| spaced(w, h))
        .join("|");
        [
            // A level with its star: even split over lines or cells, a reader sees the mark.
            format!(r"(?:{})\s*[★☆＊*]", levels(r"\s*")),
            format!(
                r"[【\[（(〔]{h}(?:{}|{}){h}[】\]）)〕]",
                levels(h),
                spaced("内部", h)
            ),
            format!(r"{}{h}[:：]?{h}(?:{})", spaced("密级", h), levels(h)),
            format!(r"(?m)^\s*(?:{})(?:{h}级)?\s*$", levels(h)),
            words,
        ]
        .iter()
        .map(|p| Regex::new(p).expect("valid mark pattern"))
        .collect()
    })
}

fn email_pattern() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(
        &R,
        r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}",
    )
}

/// GB 11643: the 18th character of a resident ID number.
pub fn id_check_char(first17: &str) -> Option<char> {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.chars().zip(W) {
        sum += c.to_digit(10)? * w;
    }
    "10X98765432".chars().nth((sum % 11) as usize)
}

fn valid_date(y: i32, m: u32, d: u32) -> bool {
    (1900..=2100).contains(&y) && chrono::NaiveDate::from_ymd_opt(y, m, d).is_some()
}

fn num(s: &str) -> Option<u32> {
    s.parse().ok()
}

/// Region code plausible (1-8) and birth date valid: the number is shaped like an ID.
fn id18_shaped(s: &str) -> bool {
    let b = s.as_bytes();
    (b'1'..=b'8').contains(&b[0])
        && match (s[6..10].parse::<i32>(), num(&s[10..12]), num(&s[12..14])) {
            (Ok(y), Some(m), Some(d)) => valid_date(y, m, d),
            _ => false,
        }
}

fn id15_shaped(s: &str) -> bool {
    let b = s.as_bytes();
    (b'1'..=b'8').contains(&b[0])
        && match (s[6..8].parse::<i32>(), num(&s[8..10]), num(&s[10..12])) {
            (Ok(y), Some(m), Some(d)) => valid_date(1900 + y, m, d),
            _ => false,
        }
}

/// Luhn check for card numbers.
pub fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.chars().rev().enumerate() {
        let Some(mut d) = c.to_digit(10) else {
            return false;
        };
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// Keeps the first `head` and last `tail` characters, stars in between.
pub fn mask_middle(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

pub fn mask_email(e: &str) -> String {
    match e.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => mask_middle(e, 1, 0),
    }
}

/// Classifies a run of digits (separators removed).
fn classify(compact: &str, ex: &Exemptions) -> Option<(Kind, String)> {
    let len = compact.len();
    let upper = compact.to_ascii_uppercase();
    let ends_x = upper.ends_with('X');
    if len == 18 && upper[..17].bytes().all(|b| b.is_ascii_digit()) && id18_shaped(&upper) {
        let ok = id_check_char(&upper[..17]) == upper.chars().last();
        let kind = if ok {
            Kind::ResidentId
        } else {
            Kind::BadCheckId
        };
        return Some((kind, mask_middle(&upper, 4, 4)));
    }
    if ends_x {
        return None;
    }
    if len == 15 && id15_shaped(compact) {
        return Some((Kind::ShortId, mask_middle(compact, 4, 4)));
    }
    if (16..=19).contains(&len) && matches!(compact.as_bytes()[0], b'3'..=b'6') && luhn(compact) {
        return Some((Kind::BankCard, mask_middle(compact, 4, 4)));
    }
    if len == 11
        && compact.starts_with('1')
        && matches!(compact.as_bytes()[1], b'3'..=b'9')
        && !ex.phone_exempt(compact)
    {
        return Some((Kind::Mobile, mask_middle(compact, 3, 4)));
    }
    None
}

/// Money, percentages and decimals are not personal numbers.
fn is_amount(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let mut after = text[end..].chars();
    let a1 = after.next();
    let a2 = after.next();
    matches!(before, Some('¥' | '￥' | '$'))
        || matches!(a1, Some('元' | '万' | '亿' | '%' | '％'))
        || (matches!(a1, Some('.')) && a2.is_some_and(|c| c.is_ascii_digit()))
}

fn excerpt(text: &str, start: usize, end: usize, replacement: &str) -> String {
    let before: String = text[..start]
        .chars()
        .rev()
        .take(12)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let after: String = text[end..].chars().take(12).collect();
    format!(
        "…{}{}{}…",
        before.replace('\n', " "),
        replacement,
        after.replace('\n', " ")
    )
}

fn message(kind: Kind, maskable: bool) -> String {
    message_at(kind, maskable, true)
}

/// What a finding asks for: masked in one click (title, body), the field edited (the other
/// fields the portal shows), or the file replaced (attachments).
fn message_at(kind: Kind, maskable: bool, in_attachment: bool) -> String {
    let fix = if maskable {
        "可一键遮盖，或修改原文"
    } else if in_attachment {
        "请修改或替换附件"
    } else {
        "请修改该字段"
    };
    match kind {
        Kind::ClassificationMark => "含有密级或“内部”标志：涉密信息不上网。请删除该内容或停止公开；确属误判的，由审核链最后一位审核人书面说明理由后放行。".into(),
        Kind::ResidentId => format!("含有有效的居民身份证号码（个人敏感信息），发布前必须处理：{fix}。"),
        Kind::BankCard => format!("含有银行卡号（个人敏感信息），发布前必须处理：{fix}。"),
        Kind::Mobile => format!("含有手机号码，请确认是否应当公开；不应公开的，{fix}。"),
        Kind::Email => format!("含有电子邮箱地址，请确认是否应当公开；不应公开的，{fix}。"),
        Kind::ShortId => format!("含有15位身份证号码，请确认；不应公开的，{fix}。"),
        Kind::BadCheckId => format!("含有形似身份证号码的数字（校验位不符），请人工核对；属于个人信息的，{fix}。"),
        Kind::Unreadable => "无法读取此附件的文字，不能自动检查，请人工逐页核对。".into(),
        Kind::NotFullyScreened => "此附件只能读取一部分（解压后内容超过筛查上限或部分内容损坏），未读取的部分没有经过筛查，不能发布。请拆分或重新生成附件；确需原样公开的，由审核链最后一位审核人逐页核对后书面放行。".into(),
    }
}

/// A finding located in its segment, before its excerpt is cut.
struct Span {
    kind: Kind,
    start: usize,
    end: usize,
    masked: String,
}

/// Turns a segment's spans into findings, in text order. Excerpts are cut from the segment with
/// *every* finding masked, so the context around one never shows part of another.
fn finish(out: &mut Vec<Finding>, seg: &Segment, mut spans: Vec<Span>) {
    spans.sort_by_key(|s| (s.start, s.end));
    spans.dedup_by(|later, earlier| later.start < earlier.end);
    let mut masked_text = String::with_capacity(seg.text.len());
    let mut positions = Vec::with_capacity(spans.len());
    let mut last = 0;
    for sp in &spans {
        masked_text.push_str(&seg.text[last..sp.start]);
        let shown = if sp.kind == Kind::ClassificationMark {
            &seg.text[sp.start..sp.end]
        } else {
            sp.masked.as_str()
        };
        let s = masked_text.len();
        masked_text.push_str(shown);
        positions.push((s, masked_text.len()));
        last = sp.end;
    }
    masked_text.push_str(&seg.text[last..]);
    for (sp, (s, e)) in spans.into_iter().zip(positions) {
        let maskable =
            (seg.location == TITLE || seg.location == BODY) && sp.kind != Kind::ClassificationMark;
        out.push(Finding {
            kind: sp.kind,
            severity: sp.kind.severity(),
            location: seg.location.clone(),
            excerpt: excerpt(&masked_text, s, e, &masked_text[s..e]),
            message: message_at(sp.kind, maskable, seg.location.starts_with("附件")),
            maskable,
            original: seg.text[sp.start..sp.end].to_owned(),
            span: Some((sp.start, sp.end)),
            masked: sp.masked,
        });
    }
}

/// A finding for an attachment whose text could not be read.
pub fn unreadable(location: String, why: &str) -> Finding {
    Finding {
        kind: Kind::Unreadable,
        severity: Severity::Warning,
        excerpt: why.to_owned(),
        masked: String::new(),
        message: message(Kind::Unreadable, false),
        maskable: false,
        original: String::new(),
        span: None,
        location,
    }
}

/// A finding for an attachment that could be read only in part: blocking, never a silent pass.
pub fn not_fully_screened(location: String, why: &str) -> Finding {
    Finding {
        kind: Kind::NotFullyScreened,
        severity: Severity::Blocking,
        excerpt: why.to_owned(),
        masked: String::new(),
        message: message(Kind::NotFullyScreened, false),
        maskable: false,
        original: String::new(),
        span: None,
        location,
    }
}

/// Screens every segment as a reader reads it: full-width forms are folded to ASCII and
/// invisible characters dropped before matching (so `１１０１…` and `110\u{200b}105…` are the
/// numbers they look like), while excerpts, originals and spans point at the segment's own text.
pub fn screen(segments: &[Segment], ex: &Exemptions) -> Vec<Finding> {
    let mut out = Vec::new();
    for seg in segments {
        let folded = crate::text::Mapped::folded_from(&seg.text);
        let text = &folded.text;
        // Spans are found in the folded text, then carried back to the segment's text.
        let mut found: Vec<Span> = Vec::new();
        for p in mark_patterns() {
            for m in p.find_iter(text) {
                if !found.iter().any(|s| m.start() < s.end && s.start < m.end()) {
                    found.push(Span {
                        kind: Kind::ClassificationMark,
                        start: m.start(),
                        end: m.end(),
                        masked: String::new(),
                    });
                }
            }
        }
        for m in digit_runs().find_iter(text) {
            if is_amount(text, m.start(), m.end()) {
                continue;
            }
            let raw = m.as_str();
            let compact: String = raw.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            if let Some((kind, masked)) = classify(&compact, ex) {
                found.push(Span {
                    kind,
                    start: m.start(),
                    end: m.end(),
                    masked,
                });
                continue;
            }
            // A grouped run that is not one number as a whole may hold one in a part.
            if raw.contains([' ', '-']) {
                let mut offset = m.start();
                for part in raw.split([' ', '-']) {
                    let (s, e) = (offset, offset + part.len());
                    offset = e + 1;
                    if let Some((kind, masked)) = classify(part, ex) {
                        found.push(Span {
                            kind,
                            start: s,
                            end: e,
                            masked,
                        });
                    }
                }
            }
        }
        for m in email_pattern().find_iter(text) {
            if !ex.emails.contains(&m.as_str().to_lowercase()) {
                found.push(Span {
                    kind: Kind::Email,
                    start: m.start(),
                    end: m.end(),
                    masked: mask_email(m.as_str()),
                });
            }
        }
        let spans = found
            .into_iter()
            .filter_map(|sp| {
                let (start, end) = folded.source_range(sp.start, sp.end)?;
                Some(Span { start, end, ..sp })
            })
            .collect();
        finish(&mut out, seg, spans);
    }
    out
}

/// A text with every personal number in it masked, for records that keep text for good (the
/// audit log keeps a draft's title; an ID number typed into it must not stay there in full).
pub fn redacted(text: &str) -> String {
    let found = screen(
        &[Segment {
            location: TITLE.into(),
            text: text.to_owned(),
        }],
        &Exemptions::default(),
    );
    let spans: Vec<(usize, usize, &str)> = found
        .iter()
        .filter(|f| f.kind != Kind::ClassificationMark)
        .filter_map(|f| f.span.map(|(a, b)| (a, b, f.masked.as_str())))
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (a, b, m) in spans {
        if a < last || !text.is_char_boundary(a) || !text.is_char_boundary(b) {
            continue;
        }
        out.push_str(&text[last..a]);
        out.push_str(m);
        last = b;
    }
    out.push_str(&text[last..]);
    out
}

/// Whether any finding blocks publication.
pub fn has_blocking(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Blocking)
}

/// Replaces every occurrence of a finding's original text with its masked form.
pub fn apply_mask(text: &str, f: &Finding) -> String {
    if f.original.is_empty() || !f.maskable {
        return text.to_owned();
    }
    text.replace(&f.original, &f.masked)
}

/// Masks a finding wherever the same number stands in one segment: the spans, in the segment's
/// text, of every finding of that location with the same kind and masked form.
pub fn mask_spans(findings: &[Finding], f: &Finding) -> Vec<(usize, usize)> {
    findings
        .iter()
        .filter(|g| {
            g.maskable && g.location == f.location && g.kind == f.kind && g.masked == f.masked
        })
        .filter_map(|g| g.span)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(s: &str) -> Vec<Finding> {
        screen(
            &[Segment {
                location: BODY.into(),
                text: s.into(),
            }],
            &Exemptions::default(),
        )
    }

    fn kinds(s: &str) -> Vec<Kind> {
        body(s).into_iter().map(|f| f.kind).collect()
    }

    /// Builds a valid ID from 17 digits.
    fn id(first17: &str) -> String {
        format!("{first17}{}", id_check_char(first17).unwrap())
    }

    #[test]
    fn check_character() {
        // GB 11643 worked example.
        assert_eq!(id_check_char("11010519491231002"), Some('X'));
        assert_eq!(id_check_char("44052418800101001"), Some('4'));
    }

    #[test]
    fn valid_ids_block_and_are_masked() {
        let n = id("53010219900101123");
        let f = body(&format!("申请人身份证号{n}，请核实。"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, Kind::ResidentId);
        assert_eq!(f[0].severity, Severity::Blocking);
        assert_eq!(f[0].masked, format!("5301**********{}", &n[14..]));
        assert!(!f[0].excerpt.contains(&n));
        assert!(f[0].maskable);
        let masked = apply_mask(&format!("号码{n}。"), &f[0]);
        assert!(!masked.contains(&n));
    }

    #[test]
    fn lookalikes() {
        let good = id("53010219900101123");
        let last = good.chars().last().unwrap();
        let wrong = if last == '0' { '1' } else { '0' };
        let bad = format!("{}{}", &good[..17], wrong);
        assert_eq!(kinds(&bad), vec![Kind::BadCheckId]);
        assert_eq!(kinds("身份证130503670401001"), vec![Kind::ShortId]);
        assert_eq!(kinds("手机13812345678"), vec![Kind::Mobile]);
        assert_eq!(kinds("电话 138-1234-5678"), vec![Kind::Mobile]);
        assert_eq!(
            kinds("卡号 6222 0212 3456 7890 128"),
            if luhn("6222021234567890128") {
                vec![Kind::BankCard]
            } else {
                vec![]
            }
        );
        assert_eq!(kinds("联系邮箱 zhang.san@qq.com"), vec![Kind::Email]);
    }

    #[test]
    fn cards_pass_luhn() {
        assert!(luhn("4111111111111111"));
        assert!(!luhn("4111111111111112"));
        assert_eq!(kinds("卡号4111111111111111"), vec![Kind::BankCard]);
        assert!(kinds("编号4111111111111112").is_empty());
    }

    #[test]
    fn no_false_alarms_on_official_numbers() {
        for s in [
            "索引号：000014349/2018-00222",
            "禄政发〔2017〕12号",
            "2017年12月30日",
            "2026-11-28",
            "拨付资金12345678901.50元",
            "合计13800000000元",
            "￥13912345678",
            "增长13812345678%",
            "1.属于国家秘密",
            "依法保护商业秘密和个人隐私",
            "属于三类内部事务信息",
            "机关内部管理",
            "统一社会信用代码 11532331015174046X",
        ] {
            assert!(body(s).is_empty(), "false alarm on {s}: {:?}", body(s));
        }
    }

    #[test]
    fn office_numbers_are_exempt() {
        let ex = Exemptions::from_contact("0878-4121234、13887654321", "", "gk@lf.gov.cn");
        let f = screen(
            &[Segment {
                location: BODY.into(),
                text: "咨询电话13887654321，邮箱gk@lf.gov.cn".into(),
            }],
            &ex,
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn classification_marks() {
        for s in [
            "秘密★1年",
            "机密★",
            "绝密 ★ 10年",
            "【内部】",
            "（秘密）",
            "密级：机密",
            "秘密\n关于…的通知",
            "内部资料 注意保存",
            "不得外传",
        ] {
            assert_eq!(kinds(s).first(), Some(&Kind::ClassificationMark), "{s}");
        }
        let f = body("机密★5年");
        assert!(!f[0].maskable, "marks are fixed by hand, not masked");
    }

    #[test]
    fn excerpts_never_show_a_neighbouring_number() {
        let n = id("11010519491231002");
        let f = body(&format!("身份证号{n}，联系电话13812345678。"));
        assert_eq!(f.len(), 2);
        for x in &f {
            assert!(!x.excerpt.contains("1381234"), "{}", x.excerpt);
            assert!(!x.excerpt.contains("231002"), "{}", x.excerpt);
        }
    }

    #[test]
    fn redacted_text_keeps_no_number_whole() {
        let n = id("53010219900101123");
        let r = redacted(&format!("关于{n}的申请，电话13812345678"));
        assert!(!r.contains(&n) && !r.contains("13812345678"), "{r}");
        assert!(r.starts_with("关于5301") && r.contains("的申请"), "{r}");
    }

    #[test]
    fn title_findings_say_where() {
        let f = screen(
            &[
                Segment {
                    location: TITLE.into(),
                    text: "13812345678的情况".into(),
                },
                Segment {
                    location: "附件“a.pdf”".into(),
                    text: "13812345678".into(),
                },
            ],
            &Exemptions::default(),
        );
        assert_eq!(f[0].location, TITLE);
        assert!(f[0].maskable);
        assert!(!f[1].maskable, "attachments are replaced, not masked");
    }
}
