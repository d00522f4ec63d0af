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

/// Tags that end a block of text: what they separate, a reader reads apart.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "br",
    "div",
    "li",
    "ul",
    "ol",
    "td",
    "th",
    "tr",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "caption",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "hr",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "dd",
    "dt",
    "dl",
    "figure",
    "figcaption",
    "address",
];

/// A short summary of an HTML body for a page's description or a catalog's 内容概述: the
/// reader's text from its first line that says something (not an addressee line such as
/// "各村委会：", not a table's one-word heading), up to the end of its first sentence (。！？ or
/// the line's end), at most `max` characters (cut at a character, with … when cut).
pub fn summary(html: &str, max: usize) -> String {
    let text = reader_text(html).text;
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let says = |l: &&&str| {
        let n = l.chars().count();
        let addressee = (l.ends_with('：') || l.ends_with(':')) && n < 30;
        !addressee && n >= 4
    };
    let first = lines
        .iter()
        .find(says)
        .or(lines.first())
        .copied()
        .unwrap_or("");
    let mut out = String::new();
    for (n, ch) in first.chars().enumerate() {
        if n + 1 == max && first.chars().count() > max {
            out.push('…');
            return out;
        }
        out.push(ch);
        if matches!(ch, '。' | '！' | '？') {
            break;
        }
    }
    out
}

/// The text a reader reads in an HTML body, mapped back to the HTML: inline formatting (`<span>`,
/// `<strong>`, `<a>` …) joins text as the page shows it joined, block boundaries (paragraphs,
/// cells, line breaks) separate it with a line break, entities are decoded, and the content of
/// `<script>` and `<style>` is not text. The values of `title`, `alt`, `href` and `src`
/// attributes, which a reader also sees, follow the running text, each on a line of its own. Screening reads this, and masks through its map.
pub fn reader_text(html: &str) -> crate::text::Mapped {
    let mut out = crate::text::Mapped::default();
    // Attribute values a reader can see, kept apart and put after the running text.
    let mut shown = crate::text::Mapped::default();
    let mut i = 0;
    let bytes = html.as_bytes();
    let mut skip_until: Option<&'static str> = None;
    while i < html.len() {
        let rest = &html[i..];
        if bytes[i] == b'<' {
            let (tag, end) = match rest.find('>') {
                Some(g) => (&rest[1..g], i + g + 1),
                None => (&rest[1..], html.len()),
            };
            let closing = tag.starts_with('/');
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            if let Some(until) = skip_until {
                if closing && name == until {
                    skip_until = None;
                }
                i = end;
                continue;
            }
            if !closing && (name == "script" || name == "style") {
                skip_until = Some(if name == "script" { "script" } else { "style" });
            } else if BLOCK_TAGS.contains(&name.as_str()) {
                out.push('\n', (i, end));
            }
            if !closing {
                // What a reader sees on hovering or in place of an image, and where a link goes,
                // each apart from the running text.
                attribute_text(html, i + 1, i + 1 + tag.len(), &mut shown);
            }
            i = end;
            continue;
        }
        if skip_until.is_some() {
            let c = rest.chars().next().map(char::len_utf8).unwrap_or(1);
            i += c;
            continue;
        }
        if bytes[i] == b'&' {
            if let Some((c, len)) = entity(rest) {
                out.push(c, (i, i + len));
                i += len;
                continue;
            }
        }
        let Some(c) = rest.chars().next() else {
            break;
        };
        out.push(c, (i, i + c.len_utf8()));
        i += c.len_utf8();
    }
    out.append(shown);
    out
}

/// Attributes whose values a reader can see: `title` (a tooltip), `alt` (an image's text), `href`
/// and `src` (a link's address).
const SHOWN_ATTRIBUTES: &[&str] = &["title", "alt", "href", "src"];

/// Appends the shown attributes' values of the tag text `html[start..end]`, each between line
/// breaks, mapped to where they stand in the tag.
fn attribute_text(html: &str, start: usize, end: usize, out: &mut crate::text::Mapped) {
    let tag = &html[start..end];
    let b = tag.as_bytes();
    // Past the tag's name.
    let mut i = tag
        .find(|c: char| c.is_whitespace() || c == '/')
        .unwrap_or(tag.len());
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let name_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'/' {
            i += 1;
        }
        let name = tag[name_start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() || b[i] != b'=' {
            if i == name_start {
                i += 1;
            }
            continue;
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let (v_start, v_end) = match b.get(i) {
            Some(q @ (b'"' | b'\'')) => {
                let close = tag[i + 1..]
                    .find(*q as char)
                    .map(|p| i + 1 + p)
                    .unwrap_or(tag.len());
                let r = (i + 1, close);
                i = (close + 1).min(tag.len());
                r
            }
            _ => {
                let s0 = i;
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                (s0, i)
            }
        };
        if !SHOWN_ATTRIBUTES.contains(&name.as_str()) || v_start >= v_end {
            continue;
        }
        out.push('\n', (start + v_start, start + v_start));
        let value = &tag[v_start..v_end];
        let mut j = 0;
        while j < value.len() {
            let rest = &value[j..];
            if rest.starts_with('&') {
                if let Some((c, len)) = entity(rest) {
                    out.push(c, (start + v_start + j, start + v_start + j + len));
                    j += len;
                    continue;
                }
            }
            let Some(c) = rest.chars().next() else {
                break;
            };
            out.push(c, (start + v_start + j, start + v_start + j + c.len_utf8()));
            j += c.len_utf8();
        }
        out.push('\n', (start + v_end, start + v_end));
    }
}

/// The character an entity at the start of `s` stands for, and the entity's length.
fn entity(s: &str) -> Option<(char, usize)> {
    let head_end = s.char_indices().nth(12).map(|(i, _)| i).unwrap_or(s.len());
    let semi = s[..head_end].find(';')?;
    let name = &s[1..semi];
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ensp" | "emsp" | "thinsp" => ' ',
        "zwj" => '\u{200d}',
        "zwnj" => '\u{200c}',
        "shy" => '\u{00ad}',
        n if n.starts_with("#x") || n.starts_with("#X") => {
            char::from_u32(u32::from_str_radix(&n[2..], 16).ok()?)?
        }
        n if n.starts_with('#') => char::from_u32(n[1..].parse().ok()?)?,
        _ => return None,
    };
    Some((c, semi + 1))
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
    fn reader_text_joins_inline_and_separates_blocks() {
        let html = "<p>内部<strong>资料</strong></p><p><span>机</span><span>密</span>★</p><table><tr><td>1234</td><td>5678</td></tr></table>&#x673a;&amp;";
        let r = reader_text(html);
        assert!(r.text.contains("内部资料"), "{:?}", r.text);
        assert!(r.text.contains("机密★"), "{:?}", r.text);
        assert!(
            !r.text.contains("1234 5678") && !r.text.contains("12345678"),
            "{:?}",
            r.text
        );
        assert!(r.text.ends_with("机&"), "{:?}", r.text);
        let at = r.text.find("资料").unwrap();
        let (a, b) = r.source_range(at, at + "资料".len()).unwrap();
        assert_eq!(&html[a..b], "资料");
        let at = r.text.find("机&").unwrap();
        let (a, b) = r.source_range(at, at + "机&".len()).unwrap();
        assert_eq!(&html[a..b], "&#x673a;&amp;");
        assert_eq!(reader_text("<script>13812345678</script>x").text, "x");
        assert_eq!(reader_text("a<").text, "a");
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn a_summary_is_the_first_sentence_cut_at_a_character() {
        assert_eq!(
            summary("<p>各村委会：</p><p>为做好工作。现通知如下</p>", 40),
            "为做好工作。"
        );
        assert_eq!(
            summary(
                "<table><tr><td>序号</td><td>村名</td></tr></table><p>补助名单如下表。</p>",
                40
            ),
            "补助名单如下表。"
        );
        assert_eq!(summary("<p>各村委会：</p>", 40), "各村委会：");
        // A long opening paragraph that ends with a colon is the text itself.
        let opening = "乡党委、政府高度重视政府信息公开工作，根据县级要求，我乡认真进行了自查，现将自查情况报告如下:";
        assert_eq!(
            summary(&format!("<p>{opening}</p><p>一、基本情况</p>"), 80),
            opening
        );
        assert_eq!(
            summary(
                "<p>  </p><p>为做好<strong>冬春</strong>安全生产。其余</p>",
                40
            ),
            "为做好冬春安全生产。"
        );
        assert_eq!(summary("<p>一二三四五六</p>", 4), "一二三…");
        assert_eq!(summary("<p>一二三四</p>", 4), "一二三四");
        assert_eq!(summary("", 10), "");
    }
}
