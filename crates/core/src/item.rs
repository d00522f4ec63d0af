//! Items (政府信息): the catalog metadata every published record carries, and the rules for
//! turning what a person typed into a valid item.

use crate::review::{Importance, PreReview};
use crate::{html, FieldError};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// 公开属性 (disclosure attribute). Only `Active` items ever appear on the portal.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disclosure {
    /// 主动公开
    Active,
    /// 依申请公开
    OnRequest,
    /// 不予公开 (with the legal reason)
    Withheld,
}

impl Disclosure {
    pub const ALL: [Disclosure; 3] = [
        Disclosure::Active,
        Disclosure::OnRequest,
        Disclosure::Withheld,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Disclosure::Active => "active",
            Disclosure::OnRequest => "on_request",
            Disclosure::Withheld => "withheld",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Disclosure::Active => "主动公开",
            Disclosure::OnRequest => "依申请公开",
            Disclosure::Withheld => "不予公开",
        }
    }
}

/// 有效性
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Validity {
    Valid,
    Expired,
    Repealed,
}

impl Validity {
    pub const ALL: [Validity; 3] = [Validity::Valid, Validity::Expired, Validity::Repealed];
    pub fn as_str(self) -> &'static str {
        match self {
            Validity::Valid => "valid",
            Validity::Expired => "expired",
            Validity::Repealed => "repealed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Validity::Valid => "有效",
            Validity::Expired => "失效",
            Validity::Repealed => "废止",
        }
    }
}

/// Where an item is in its life. The review workflow adds its steps between draft and
/// published; withdrawal keeps the record and its index number.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    Draft,
    InReview,
    Approved,
    Published,
    Withdrawn,
}

impl ItemState {
    pub const ALL: [ItemState; 5] = [
        ItemState::Draft,
        ItemState::InReview,
        ItemState::Approved,
        ItemState::Published,
        ItemState::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Draft => "draft",
            ItemState::InReview => "in_review",
            ItemState::Approved => "approved",
            ItemState::Published => "published",
            ItemState::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            ItemState::Draft => "草稿",
            ItemState::InReview => "待审",
            ItemState::Approved => "已批准",
            ItemState::Published => "已发布",
            ItemState::Withdrawn => "已撤回",
        }
    }
}

/// An item as typed into the back-office form or sent to the API: all strings, unchecked.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ItemInput {
    pub column: String,
    pub title: String,
    pub body_html: String,
    pub publisher: String,
    pub author: String,
    pub source: String,
    pub doc_no: String,
    pub written_on: String,
    pub topic: String,
    pub validity: String,
    pub disclosure: String,
    pub withheld_reason: String,
    /// 一般 / 重要 / 特别重要 (`general`, `important`, `critical`); decides the review chain.
    pub importance: String,
    /// The pre-review form (预审), checked when the item is submitted.
    pub prereview: PreReview,
    /// `rule` (规章), `normative` (行政规范性文件) or empty: counted in the annual report's table 二.
    pub doc_type: String,
    /// 废止日期 of a rule or normative document.
    pub repealed_on: String,
}

/// A checked item: every field within bounds, the body sanitized, dates parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemFields {
    pub column: String,
    pub title: String,
    pub body_html: String,
    pub publisher: String,
    pub author: String,
    pub source: String,
    pub doc_no: Option<String>,
    pub written_on: Option<NaiveDate>,
    pub topic: String,
    pub validity: Validity,
    pub disclosure: Disclosure,
    pub withheld_reason: String,
    pub importance: Importance,
    pub prereview: PreReview,
    pub doc_type: String,
    pub repealed_on: Option<NaiveDate>,
}

pub const MAX_TITLE: usize = 200;
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

fn bounded(
    field: &'static str,
    label: &str,
    v: &str,
    max: usize,
    errs: &mut Vec<FieldError>,
) -> String {
    let v = crate::text::clean_text(v);
    if v.chars().count() > max {
        errs.push(FieldError::new(
            field,
            format!("{label}不能超过{max}个字符"),
        ));
    }
    if crate::text::visible_len(&v) == 0 {
        return String::new();
    }
    v
}

impl ItemInput {
    /// Checks every field and reports all problems at once, each naming its field.
    pub fn parse(&self, today: NaiveDate) -> Result<ItemFields, Vec<FieldError>> {
        let mut errs = Vec::new();
        let title = bounded("title", "标题", &self.title, MAX_TITLE, &mut errs);
        if title.is_empty() {
            errs.push(FieldError::new("title", "请填写标题"));
        }
        let column = self.column.trim().to_owned();
        if column.is_empty() {
            errs.push(FieldError::new("column", "请选择栏目"));
        }
        if self.body_html.len() > MAX_BODY_BYTES {
            errs.push(FieldError::new(
                "body_html",
                "正文过长（超过2MB），请把大段内容作为附件上传",
            ));
        }
        let body_html = html::sanitize(&crate::text::clean_text(&self.body_html));
        // A body of only an image is a body: its alt text, or the image itself, is what shows.
        if crate::text::visible_len(&html::visible_text(&body_html)) == 0
            && !body_html.contains("<img")
        {
            errs.push(FieldError::new("body_html", "请填写正文"));
        }
        let publisher = bounded("publisher", "发布机构", &self.publisher, 100, &mut errs);
        let author = bounded("author", "作者", &self.author, 50, &mut errs);
        let source = bounded("source", "来源", &self.source, 100, &mut errs);
        let topic = bounded("topic", "主题分类", &self.topic, 50, &mut errs);
        let doc_no = bounded("doc_no", "发文字号", &self.doc_no, 60, &mut errs);
        let doc_no = (!doc_no.is_empty()).then(|| normalize_doc_no(&doc_no));
        let written_on = match crate::text::fold_width(&self.written_on).trim() {
            "" => None,
            s => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) if d > today => {
                    errs.push(FieldError::new("written_on", "成文日期不能晚于今天"));
                    None
                }
                Ok(d) if d.year() < 1949 => {
                    errs.push(FieldError::new("written_on", "成文日期不正确"));
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    errs.push(FieldError::new(
                        "written_on",
                        "成文日期格式应为 年-月-日，例如 2026-11-28",
                    ));
                    None
                }
            },
        };
        let validity = match self.validity.trim() {
            "" => Some(Validity::Valid),
            s => Validity::parse(s),
        };
        if validity.is_none() {
            errs.push(FieldError::new(
                "validity",
                "有效性只能是 有效、失效 或 废止",
            ));
        }
        let disclosure = match self.disclosure.trim() {
            "" => Some(Disclosure::Active),
            s => Disclosure::parse(s),
        };
        if disclosure.is_none() {
            errs.push(FieldError::new(
                "disclosure",
                "公开属性只能是 主动公开、依申请公开 或 不予公开",
            ));
        }
        let withheld_reason = bounded(
            "withheld_reason",
            "不予公开理由",
            &self.withheld_reason,
            500,
            &mut errs,
        );
        if disclosure == Some(Disclosure::Withheld) && withheld_reason.is_empty() {
            errs.push(FieldError::new(
                "withheld_reason",
                "不予公开的信息必须写明理由和法律依据",
            ));
        }
        let importance = match self.importance.trim() {
            "" => Some(Importance::General),
            s => Importance::parse(s),
        };
        if importance.is_none() {
            errs.push(FieldError::new(
                "importance",
                "重要程度只能是 general（一般）、important（重要）或 critical（特别重要）",
            ));
        }
        let doc_type = self.doc_type.trim().to_owned();
        if !["", "rule", "normative"].contains(&doc_type.as_str()) {
            errs.push(FieldError::new(
                "doc_type",
                "文件类型只能是 rule（规章）、normative（行政规范性文件）或留空",
            ));
        }
        let repealed_on = match crate::text::fold_width(&self.repealed_on).trim() {
            "" => None,
            s => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) if written_on.is_some_and(|w| d < w) => {
                    errs.push(FieldError::new("repealed_on", "废止日期不能早于成文日期"));
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    errs.push(FieldError::new(
                        "repealed_on",
                        "废止日期格式应为 年-月-日，例如 2026-11-28",
                    ));
                    None
                }
            },
        };
        if repealed_on.is_some() && doc_type.is_empty() {
            errs.push(FieldError::new(
                "repealed_on",
                "只有规章或行政规范性文件需要填写废止日期",
            ));
        }
        for e in self.prereview.validate() {
            // The form may be incomplete in a draft (checked on submit); overlong fields never.
            if e.message.contains("不能超过") {
                errs.push(e);
            }
        }
        match (validity, disclosure, importance) {
            (Some(validity), Some(disclosure), Some(importance)) if errs.is_empty() => {
                Ok(ItemFields {
                    column,
                    title,
                    body_html,
                    publisher,
                    author,
                    source,
                    doc_no,
                    written_on,
                    topic,
                    validity,
                    disclosure,
                    withheld_reason,
                    importance,
                    prereview: self.prereview.clone(),
                    doc_type,
                    repealed_on,
                })
            }
            _ => Err(errs),
        }
    }
}

/// The digest an approval binds to: SHA-256 over every field of the content (length-prefixed,
/// in a fixed order) and the SHA-256 of each attachment's bytes. Any change to any of them gives
/// a different digest.
pub fn content_digest(fields: &[(&str, &str)], attachment_sha256: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (name, value) in fields {
        for part in [name, value] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
    }
    for a in attachment_sha256 {
        h.update(b"attachment");
        h.update(a.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Writes a 发文字号 the standard way: the year in 六角括号 〔〕, whatever brackets were typed
/// (禄政发[2017]12号 → 禄政发〔2017〕12号), without inner spaces.
pub fn normalize_doc_no(s: &str) -> String {
    let s: String = crate::text::fold_width(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let open = ['[', '【', '(', '（', '〔', '［'];
    let close = [']', '】', ')', '）', '〕', '］'];
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if open.contains(&c)
            && i + 5 < chars.len()
            && chars[i + 1..i + 5].iter().all(|d| d.is_ascii_digit())
            && close.contains(&chars[i + 5])
        {
            out.push('〔');
            out.extend(&chars[i + 1..i + 5]);
            out.push('〕');
            i += 6;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    fn ok_input() -> ItemInput {
        ItemInput {
            column: "notices".into(),
            title: "关于开展森林防火检查的通知".into(),
            body_html: "<p>各村委会：</p>".into(),
            ..Default::default()
        }
    }

    #[test]
    fn minimal_item_gets_defaults() {
        let f = ok_input().parse(today()).unwrap();
        assert_eq!(f.disclosure, Disclosure::Active);
        assert_eq!(f.validity, Validity::Valid);
        assert_eq!(f.doc_no, None);
    }

    #[test]
    fn every_missing_or_bad_field_is_named() {
        let input = ItemInput {
            title: " ".into(),
            body_html: "<script>alert(1)</script>".into(),
            written_on: "2026/11/01".into(),
            validity: "maybe".into(),
            disclosure: "withheld".into(),
            ..Default::default()
        };
        let fields: Vec<_> = input
            .parse(today())
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        for f in [
            "title",
            "column",
            "body_html",
            "written_on",
            "validity",
            "withheld_reason",
        ] {
            assert!(fields.contains(&f), "{f} not reported in {fields:?}");
        }
    }

    #[test]
    fn future_written_date_refused() {
        let input = ItemInput {
            written_on: "2026-11-29".into(),
            ..ok_input()
        };
        let e = input.parse(today()).unwrap_err();
        assert_eq!(e[0].field, "written_on");
    }

    #[test]
    fn doc_numbers_normalized() {
        assert_eq!(normalize_doc_no("禄政发[2017]12号"), "禄政发〔2017〕12号");
        assert_eq!(normalize_doc_no("禄政发（2017）12号"), "禄政发〔2017〕12号");
        assert_eq!(
            normalize_doc_no("禄政发 【2017】 12 号"),
            "禄政发〔2017〕12号"
        );
        assert_eq!(normalize_doc_no("禄政发〔2017〕12号"), "禄政发〔2017〕12号");
        assert_eq!(normalize_doc_no("妥政通(12)号"), "妥政通(12)号");
    }

    #[test]
    fn every_state_round_trips_and_has_a_label() {
        for st in ItemState::ALL {
            assert_eq!(ItemState::parse(st.as_str()), Some(st));
        }
        assert_eq!(
            ItemState::parse("in_review").map(|s| s.label()),
            Some("待审")
        );
    }

    #[test]
    fn digest_changes_with_any_part() {
        let base = content_digest(&[("title", "a"), ("body", "b")], &["x"]);
        assert_eq!(
            base,
            content_digest(&[("title", "a"), ("body", "b")], &["x"])
        );
        assert_ne!(
            base,
            content_digest(&[("title", "a"), ("body", "c")], &["x"])
        );
        assert_ne!(
            base,
            content_digest(&[("title", "ab"), ("body", "")], &["x"])
        );
        assert_ne!(
            base,
            content_digest(&[("title", "a"), ("body", "b")], &["y"])
        );
        assert_ne!(base, content_digest(&[("title", "a"), ("body", "b")], &[]));
    }

    #[test]
    fn importance_checked() {
        let input = ItemInput {
            importance: "urgent".into(),
            ..ok_input()
        };
        assert_eq!(input.parse(today()).unwrap_err()[0].field, "importance");
        let input = ItemInput {
            importance: "critical".into(),
            ..ok_input()
        };
        assert_eq!(
            input.parse(today()).unwrap().importance,
            Importance::Critical
        );
    }

    #[test]
    fn long_title_refused() {
        let input = ItemInput {
            title: "长".repeat(201),
            ..ok_input()
        };
        assert_eq!(input.parse(today()).unwrap_err()[0].field, "title");
    }
}
