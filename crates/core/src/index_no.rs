//! 索引号: the catalog index number, assigned at first publication and never reused.
//!
//! There is no national format. The default is `{org}/{YYYY}-{NNNNN}` (the central government
//! catalog's style, e.g. `000014349/2018-00222`): the unit's organisation code, the year of
//! publication and a per-unit, per-year counter. A unit may configure another pattern built from
//! the same placeholders.

use crate::FieldError;

pub const DEFAULT_PATTERN: &str = "{org}/{YYYY}-{NNNNN}";

/// A validated index-number pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexPattern(String);

#[derive(Debug, PartialEq)]
enum Token<'a> {
    Lit(&'a str),
    Org,
    Unit,
    Year,
    Counter(usize),
}

fn tokens(p: &str) -> Result<Vec<Token<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = p;
    while let Some(start) = rest.find('{') {
        if start > 0 {
            out.push(Token::Lit(&rest[..start]));
        }
        let end = rest[start..].find('}').ok_or("“{”没有对应的“}”")? + start;
        let name = &rest[start + 1..end];
        out.push(match name {
            "org" => Token::Org,
            "unit" => Token::Unit,
            "YYYY" => Token::Year,
            n if !n.is_empty() && n.len() <= 8 && n.bytes().all(|b| b == b'N') => {
                Token::Counter(n.len())
            }
            other => {
                return Err(format!(
                    "不认识的占位符“{{{other}}}”，可用 {{org}} {{unit}} {{YYYY}} {{NNNNN}}"
                ))
            }
        });
        rest = &rest[end + 1..];
    }
    if rest.contains('}') {
        return Err("“}”没有对应的“{”".into());
    }
    if !rest.is_empty() {
        out.push(Token::Lit(rest));
    }
    Ok(out)
}

impl IndexPattern {
    /// A pattern must contain the year and a counter, and name the unit (by organisation code or
    /// unit code) so that numbers stay unique across units.
    pub fn parse(p: &str) -> Result<Self, FieldError> {
        let err = |m: String| FieldError::new("index_pattern", m);
        let p = p.trim();
        if p.is_empty() || p.chars().count() > 60 {
            return Err(err("索引号格式不能为空，且不超过60个字符".into()));
        }
        let toks = tokens(p).map_err(err)?;
        let has = |f: fn(&Token) -> bool| toks.iter().filter(|t| f(t)).count();
        if has(|t| matches!(t, Token::Counter(_))) != 1 {
            return Err(err(
                "索引号格式必须恰好包含一个流水号占位符，如 {NNNNN}".into()
            ));
        }
        if has(|t| matches!(t, Token::Year)) == 0 {
            return Err(err("索引号格式必须包含年份 {YYYY}".into()));
        }
        if has(|t| matches!(t, Token::Org | Token::Unit)) == 0 {
            return Err(err(
                "索引号格式必须包含 {org}（组织机构代码）或 {unit}（单位代码）".into(),
            ));
        }
        Ok(Self(p.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Formats the index number for the `counter`-th publication of `year` in the unit.
    pub fn format(&self, org_code: &str, unit_code: &str, year: i32, counter: i64) -> String {
        let mut s = String::new();
        for t in tokens(&self.0).unwrap_or_default() {
            match t {
                Token::Lit(l) => s.push_str(l),
                Token::Org => s.push_str(org_code),
                Token::Unit => s.push_str(unit_code),
                Token::Year => s.push_str(&format!("{year:04}")),
                Token::Counter(w) => s.push_str(&format!("{counter:0w$}")),
            }
        }
        s
    }
}

impl Default for IndexPattern {
    fn default() -> Self {
        Self(DEFAULT_PATTERN.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_format_matches_central_catalog_style() {
        let p = IndexPattern::default();
        assert_eq!(
            p.format("000014349", "gov", 2018, 222),
            "000014349/2018-00222"
        );
        assert_eq!(
            p.format("11532331MB", "tuoan", 2026, 1),
            "11532331MB/2026-00001"
        );
    }

    #[test]
    fn counter_wider_than_pad_is_kept_whole() {
        assert_eq!(
            IndexPattern::default().format("X", "x", 2026, 123456),
            "X/2026-123456"
        );
    }

    #[test]
    fn custom_patterns() {
        let p = IndexPattern::parse("LF-{unit}-{YYYY}-{NNN}").unwrap();
        assert_eq!(p.format("o", "tuoan", 2026, 7), "LF-tuoan-2026-007");
    }

    #[test]
    fn bad_patterns_are_refused_with_reason() {
        for (bad, hint) in [
            ("{org}/{YYYY}", "流水号"),
            ("{org}/{NNN}", "年份"),
            ("{YYYY}-{NNN}", "{org}"),
            ("{org}/{YYYY}-{NNN}-{NN}", "恰好"),
            ("{org}/{yyyy}-{NNN}", "不认识"),
            ("{org/{YYYY}-{NNN}", "不认识"),
            ("{org}/{YYYY}-{NNN", "没有对应"),
            ("", "不能为空"),
        ] {
            let e = IndexPattern::parse(bad).unwrap_err();
            assert!(e.message.contains(hint), "{bad}: {}", e.message);
        }
    }
}
