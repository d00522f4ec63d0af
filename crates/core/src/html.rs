//! Rich text of item bodies: what staff may write (paragraphs, headings, lists, tables, links,
//! images), cleaned with ammonia so that nothing executable ever reaches a reader.

use std::collections::HashSet;
use std::sync::OnceLock;

fn cleaner() -> &'static ammonia::Builder<'static> {
    static B: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    B.get_or_init(|| {
        let tags: HashSet<&str> = [
            "p",
            "br",
            "h2",
            "h3",
            "h4",
            "h5",
            "ul",
            "ol",
            "li",
            "table",
            "thead",
            "tbody",
            "tfoot",
            "tr",
            "th",
            "td",
            "caption",
            "a",
            "strong",
            "em",
            "b",
            "i",
            "u",
            "sub",
            "sup",
            "blockquote",
            "hr",
            "img",
            "span",
            "div",
            "pre",
        ]
        .into_iter()
        .collect();
        let mut b = ammonia::Builder::default();
        b.tags(tags)
            .add_tag_attributes("a", ["href", "title"])
            .add_tag_attributes("img", ["src", "alt", "width", "height"])
            .add_tag_attributes("td", ["colspan", "rowspan"])
            .add_tag_attributes("th", ["colspan", "rowspan", "scope"])
            .url_schemes(["http", "https", "mailto"].into_iter().collect())
            .link_rel(Some("noopener noreferrer"));
        b
    })
}

/// Cleans user HTML: scripts, event handlers, styles and unknown tags are dropped.
pub fn sanitize(input: &str) -> String {
    cleaner().clean(input).to_string()
}

/// The text a reader would see, for emptiness checks and summaries.
pub fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// Escapes text for inclusion in HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_handlers_removed() {
        let dirty = r#"<p onclick="x()">正文<script>alert(1)</script></p><a href="javascript:alert(1)">链接</a><img src=x onerror=alert(1)>"#;
        let clean = sanitize(dirty);
        assert!(!clean.contains("script"), "{clean}");
        assert!(!clean.contains("onclick"), "{clean}");
        assert!(!clean.contains("onerror"), "{clean}");
        assert!(!clean.contains("javascript"), "{clean}");
        assert!(clean.contains("<p>正文</p>"), "{clean}");
    }

    #[test]
    fn structure_kept() {
        let html = r#"<h2>一、总体情况</h2><ul><li>甲</li></ul><table><tbody><tr><td colspan="2">1</td></tr></tbody></table><a href="https://www.lufeng.gov.cn/">禄丰</a>"#;
        let clean = sanitize(html);
        for frag in [
            "<h2>",
            "<li>甲</li>",
            "colspan=\"2\"",
            "href=\"https://www.lufeng.gov.cn/\"",
            "noopener",
        ] {
            assert!(clean.contains(frag), "{frag} missing in {clean}");
        }
    }

    #[test]
    fn visible_text_strips_tags() {
        assert_eq!(visible_text("<p>a</p><p></p>").trim(), "a");
        assert!(visible_text("<p> </p>").trim().is_empty());
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
