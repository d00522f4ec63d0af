//! What a citizen typed into the search box, read into words, and the snippet shown under each
//! result. The index itself (tantivy) is in the shell; this is the part with rules and no I/O.
//!
//! The search box understands a little syntax, the kind people already type into web search:
//! words are all required; `"…"` (or `“…”`) keeps a phrase together; a word after `-` must not
//! appear; `OR` between two words accepts either. Every other punctuation mark separates words,
//! so nothing a person types can make a query fail.

/// The longest query read; the rest is dropped (and the page says so).
pub const MAX_QUERY_CHARS: usize = 200;
/// The most words a query is read into; the rest are dropped.
pub const MAX_WORDS: usize = 12;

/// A word (or a quoted phrase) of a query, lower-cased, full-width letters and digits folded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub phrase: bool,
}

/// A query read into words: every group must match (a group matches when any of its
/// alternatives does), and no excluded word may.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub all: Vec<Vec<Word>>,
    pub none: Vec<Word>,
    /// The input was longer than [`MAX_QUERY_CHARS`] or had more than [`MAX_WORDS`] words.
    pub truncated: bool,
}

impl Parsed {
    /// Nothing to look for (excluded words alone do not make a query).
    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// The words to highlight: every wanted word and phrase.
    pub fn wanted(&self) -> Vec<&str> {
        self.all.iter().flatten().map(|w| w.text.as_str()).collect()
    }

    /// The query written back in its canonical form (what the page says it searched for).
    pub fn display(&self) -> String {
        let word = |w: &Word| {
            if w.phrase {
                format!("\"{}\"", w.text)
            } else {
                w.text.clone()
            }
        };
        let mut parts: Vec<String> = self
            .all
            .iter()
            .map(|g| g.iter().map(word).collect::<Vec<_>>().join(" OR "))
            .collect();
        parts.extend(self.none.iter().map(|w| format!("-{}", word(w))));
        parts.join(" ")
    }
}

fn lower(c: char) -> char {
    // One character for one: offsets into the text stay valid.
    let mut l = c.to_lowercase();
    match (l.next(), l.next()) {
        (Some(x), None) => x,
        _ => c,
    }
}

/// Whether a character belongs to a word: letters and digits of any script.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '「' | '」')
}

enum Token {
    Word(Word),
    Minus(Word),
    Or,
}

/// Reads a query. Never fails: control characters and syntax characters separate words.
pub fn parse(input: &str) -> Parsed {
    let total = input.chars().count();
    let chars: Vec<char> = input
        .chars()
        .take(MAX_QUERY_CHARS)
        .map(|c| {
            if c.is_control() {
                ' '
            } else {
                lower(crate::text::fold_char(c))
            }
        })
        .collect();
    let mut truncated = total > MAX_QUERY_CHARS;
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_quote(c) {
            // A phrase runs to the next quote mark, or to the end.
            let mut j = i + 1;
            while j < chars.len() && !is_quote(chars[j]) {
                j += 1;
            }
            let text = words_of(&chars[i + 1..j]).join(" ");
            if !text.is_empty() {
                tokens.push(Token::Word(Word { text, phrase: true }));
            }
            i = j + 1;
            continue;
        }
        let at_start = i == 0 || chars[i - 1].is_whitespace();
        if c == '-'
            && at_start
            && chars
                .get(i + 1)
                .is_some_and(|n| is_word_char(*n) || is_quote(*n))
        {
            // `-word` or `-"phrase"`: read what follows, then mark it excluded.
            let rest = &chars[i + 1..];
            let (word, used) = if rest.first().copied().is_some_and(is_quote) {
                let end = rest[1..]
                    .iter()
                    .position(|c| is_quote(*c))
                    .map_or(rest.len(), |p| p + 1);
                let text = words_of(&rest[1..end]).join(" ");
                (Word { text, phrase: true }, end + 1)
            } else {
                let end = rest
                    .iter()
                    .position(|c| !is_word_char(*c))
                    .unwrap_or(rest.len());
                (
                    Word {
                        text: rest[..end].iter().collect(),
                        phrase: false,
                    },
                    end,
                )
            };
            if !word.text.is_empty() {
                tokens.push(Token::Minus(word));
            }
            i += 1 + used;
            continue;
        }
        if is_word_char(c) {
            let end = chars[i..]
                .iter()
                .position(|c| !is_word_char(*c))
                .map_or(chars.len(), |p| i + p);
            let text: String = chars[i..end].iter().collect();
            // `OR` as typed (upper case) joins alternatives; the input is lower-cased, so look
            // at what was typed.
            let typed: String = input
                .chars()
                .skip(i)
                .take(end - i)
                .map(crate::text::fold_char)
                .collect();
            if typed == "OR" {
                tokens.push(Token::Or);
            } else {
                tokens.push(Token::Word(Word {
                    text,
                    phrase: false,
                }));
            }
            i = end;
            continue;
        }
        i += 1;
    }
    let mut out = Parsed::default();
    let mut join = false;
    let mut count = 0;
    for t in tokens {
        match t {
            Token::Or => join = !out.all.is_empty(),
            Token::Word(w) | Token::Minus(w) if count >= MAX_WORDS => {
                let _ = w;
                truncated = true;
            }
            Token::Word(w) => {
                count += 1;
                match out.all.last_mut() {
                    Some(g) if join => g.push(w),
                    _ => out.all.push(vec![w]),
                }
                join = false;
            }
            Token::Minus(w) => {
                count += 1;
                out.none.push(w);
                join = false;
            }
        }
    }
    out.truncated = truncated;
    out
}

/// The words in a run of characters (inside a phrase, punctuation separates words).
fn words_of(chars: &[char]) -> Vec<String> {
    chars
        .split(|c| !is_word_char(*c))
        .filter(|w| !w.is_empty())
        .map(|w| w.iter().collect())
        .collect()
}

/// A short passage of a text around the first place a wanted word appears, with every
/// appearance marked. Marks are character offsets into `text`, start inclusive, end exclusive.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snippet {
    pub text: String,
    pub marks: Vec<(usize, usize)>,
}

impl Snippet {
    /// The snippet as HTML: the text escaped, each mark in `<mark>`.
    pub fn html(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 16 * self.marks.len());
        let mut marks = self.marks.iter().peekable();
        let mut open = false;
        let mut buf = [0u8; 4];
        for (i, c) in self.text.chars().enumerate() {
            if open && marks.peek().is_some_and(|m| m.1 == i) {
                out.push_str("</mark>");
                open = false;
                marks.next();
            }
            if !open && marks.peek().is_some_and(|m| m.0 == i) {
                out.push_str("<mark>");
                open = true;
            }
            out.push_str(&crate::html::escape(c.encode_utf8(&mut buf)));
        }
        if open {
            out.push_str("</mark>");
        }
        out
    }
}

/// Where the words (already lower-cased, as [`parse`] gives them) appear in `text`, as merged,
/// sorted character ranges. A phrase's words may be separated by anything that is not a word.
fn find_all(text: &[char], words: &[&str]) -> Vec<(usize, usize)> {
    let lowered: Vec<char> = text
        .iter()
        .map(|c| lower(crate::text::fold_char(*c)))
        .collect();
    let mut found = Vec::new();
    for w in words {
        // A phrase is looked for as its characters with the separators taken out.
        let needle: Vec<char> = w.chars().filter(|c| is_word_char(*c)).collect();
        if needle.is_empty() {
            continue;
        }
        let mut i = 0;
        while i < lowered.len() {
            if let Some(end) = match_at(&lowered, i, &needle) {
                found.push((i, end));
                i = end;
            } else {
                i += 1;
            }
        }
    }
    found.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in found {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// Whether the needle's characters start at `at`, skipping separators between them (not
/// before the first); where the match ends.
fn match_at(hay: &[char], at: usize, needle: &[char]) -> Option<usize> {
    let mut i = at;
    for (n, want) in needle.iter().enumerate() {
        if n > 0 {
            // Separators between a phrase's words are skipped (the needle holds none).
            while i < hay.len() && !is_word_char(hay[i]) {
                i += 1;
            }
        }
        if hay.get(i) != Some(want) {
            return None;
        }
        i += 1;
    }
    Some(i)
}

/// A snippet of at most `max` characters (… marks a cut at either end) around the first
/// appearance of any word; the text's beginning when none appears.
pub fn snippet(text: &str, words: &[&str], max: usize) -> Snippet {
    let chars: Vec<char> = text.chars().collect();
    let found = find_all(&chars, words);
    if chars.len() <= max {
        return Snippet {
            text: chars.iter().collect(),
            marks: found,
        };
    }
    let room = max.saturating_sub(2).max(1);
    let first = found.first().map_or(0, |m| m.0);
    // Some context before the first appearance, then as much after as fits.
    let mut start = first.saturating_sub(room / 4);
    if start + room > chars.len() {
        start = chars.len().saturating_sub(room);
    }
    let end = (start + room).min(chars.len());
    let mut out = String::new();
    let lead = usize::from(start > 0);
    if start > 0 {
        out.push('…');
    }
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    let marks = found
        .into_iter()
        .filter(|(s, e)| *s >= start && *e <= end)
        .map(|(s, e)| (s - start + lead, e - start + lead))
        .collect();
    Snippet { text: out, marks }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(p: &Parsed) -> Vec<Vec<&str>> {
        p.all
            .iter()
            .map(|g| g.iter().map(|w| w.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn words_phrases_exclusions_and_alternatives() {
        let p = parse("信息公开  \"保密 审查\" -草稿 年报 OR 报告");
        assert_eq!(
            words(&p),
            vec![vec!["信息公开"], vec!["保密 审查"], vec!["年报", "报告"]]
        );
        assert!(p.all[1][0].phrase);
        assert_eq!(p.none[0].text, "草稿");
        assert_eq!(p.display(), "信息公开 \"保密 审查\" 年报 OR 报告 -草稿");
    }

    #[test]
    fn syntax_characters_separate_words_and_never_fail() {
        for q in [
            "\"", ":", "(", "*", "-", "OR", "a:b(c*", "((((", "\"\"\"", "- -", "OR OR",
        ] {
            let p = parse(q);
            assert!(p.all.iter().flatten().all(|w| !w.text.is_empty()), "{q}");
        }
        assert_eq!(
            words(&parse("title:年报")),
            vec![vec!["title"], vec!["年报"]]
        );
        assert!(parse("OR").is_empty());
        assert!(
            parse("-草稿").is_empty(),
            "excluded words alone look for nothing"
        );
        // A hyphen inside a word (an index number) is not an exclusion.
        assert_eq!(
            words(&parse("2018-00222")),
            vec![vec!["2018"], vec!["00222"]]
        );
        assert!(parse("2018-00222").none.is_empty());
    }

    #[test]
    fn control_characters_whitespace_and_width() {
        assert!(parse(" \t\u{3000}\n ").is_empty());
        assert_eq!(words(&parse("年\u{0}报")), vec![vec!["年"], vec!["报"]]);
        assert_eq!(words(&parse("ＰＤＦ２０１７")), vec![vec!["pdf2017"]]);
        assert_eq!(words(&parse("PDF文件")), vec![vec!["pdf文件"]]);
    }

    #[test]
    fn long_queries_are_cut_and_say_so() {
        let long = "公开".repeat(150);
        let p = parse(&long);
        assert!(p.truncated);
        assert_eq!(p.all[0][0].text.chars().count(), MAX_QUERY_CHARS);
        let many = (0..30)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        let p = parse(&many);
        assert!(p.truncated);
        assert_eq!(p.all.len(), MAX_WORDS);
        assert!(!parse("年报").truncated);
    }

    #[test]
    fn snippets_mark_every_appearance() {
        let s = snippet(
            "关于政府信息公开工作的报告。信息公开是法定义务。",
            &["信息公开"],
            100,
        );
        assert_eq!(s.marks, vec![(4, 8), (14, 18)]);
        assert_eq!(
            s.html(),
            "关于政府<mark>信息公开</mark>工作的报告。<mark>信息公开</mark>是法定义务。"
        );
        // Case-insensitive for Latin letters; a phrase across a separator.
        let s = snippet("附件为PDF格式，保密、审查", &["pdf", "保密 审查"], 100);
        assert_eq!(s.marks, vec![(3, 6), (9, 14)]);
    }

    #[test]
    fn snippets_cut_around_the_first_appearance() {
        let text = format!("{}保密审查{}", "前".repeat(300), "后".repeat(300));
        let s = snippet(&text, &["保密审查"], 60);
        assert!(s.text.starts_with('…') && s.text.ends_with('…'));
        assert!(s.text.chars().count() <= 60);
        let (a, b) = s.marks[0];
        let marked: String = s.text.chars().skip(a).take(b - a).collect();
        assert_eq!(marked, "保密审查");
        // Nothing found: the beginning.
        let s = snippet(&text, &["没有"], 10);
        assert!(s.text.starts_with("前前") && s.marks.is_empty());
        // Escaped.
        assert_eq!(
            snippet("<b>&", &["b"], 10).html(),
            "&lt;<mark>b</mark>&gt;&amp;"
        );
    }
}
