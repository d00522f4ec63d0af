//! The index's fields, its tokenizers and how an item becomes an index document.
//!
//! Every text is indexed three times: segmented into words by jieba (for relevance: a match on
//! a whole word counts for more); as single characters (a one-character search); and as the
//! pairs of neighbouring characters with their positions (for recall: any run of characters is
//! found as a phrase of the pairs it is made of, so 信息公开 is found inside 政府信息公开工作
//! however jieba cut it). A pair is far rarer than either of its characters, so a two-character
//! search reads one short list and a longer one matches a phrase of a few pairs (信息公开 is 信息
//! then, two places on, 公开), never the positions of characters found in nearly every item.
//! Titles are also indexed as the pairs of the pinyin initials of their characters (zfxxgk finds
//! 政府信息公开). Runs of Latin letters and digits count as one character (2017, pdf).

use crate::db::search::Source;
use pinyin::ToPinyin;
use std::collections::HashMap;
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST,
    INDEXED, STORED, STRING,
};
use tantivy::tokenizer::{LowerCaser, TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{Index, TantivyDocument};

pub const JIEBA: &str = "jieba";
pub const GRAMS: &str = "grams";
pub const PAIRS: &str = "pairs";
pub const INITIALS: &str = "initials";

/// How much of a body is kept in the index for snippets.
const STORED_TEXT_CHARS: usize = 10_000;
/// How much attachment text of one item is indexed.
const FILE_TEXT_CHARS: usize = 200_000;

/// A text's two indexes for finding runs of characters: single characters, and pairs of
/// neighbouring characters with their positions.
#[derive(Clone, Copy)]
pub struct Grams {
    pub one: Field,
    pub pairs: Field,
}

#[derive(Clone, Copy)]
pub struct Fields {
    pub id: Field,
    /// The item's unit and every unit above it (a search of a city includes its townships).
    pub units: Field,
    /// The item's own unit, for the counts beside the results (a unit's count includes its
    /// sub-units', as its filter does: the counts are added up the tree after collecting).
    pub unit: Field,
    pub column: Field,
    pub topic: Field,
    pub validity: Field,
    pub year: Field,
    /// Newest first: the publication date, then the id.
    pub newest: Field,
    pub title_j: Field,
    pub title: Grams,
    /// Pairs of the title's pinyin initials, with positions.
    pub title_py: Field,
    pub body_j: Field,
    pub body: Grams,
    /// 发文字号, 索引号, 发布机构 (as characters only: codes and names, not prose).
    pub meta: Grams,
    /// 发文字号 alone, for its filter.
    pub doc_no: Grams,
    /// Attachments' text (as characters only: jieba over long files would cost much and add
    /// little to the ranking, which titles and bodies decide).
    pub files: Grams,
    /// The body's text, stored for snippets, not indexed.
    pub text: Field,
}

fn text(tokenizer: &str, positions: bool) -> TextOptions {
    let option = if positions {
        IndexRecordOption::WithFreqsAndPositions
    } else {
        IndexRecordOption::WithFreqs
    };
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(option),
    )
}

pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let num = || NumericOptions::default().set_indexed();
    let mut grams = |name: &str| Grams {
        one: b.add_text_field(&format!("{name}_g"), text(GRAMS, false)),
        pairs: b.add_text_field(&format!("{name}_p"), text(PAIRS, true)),
    };
    let (title, body, meta, doc_no, files) = (
        grams("title"),
        grams("body"),
        grams("meta"),
        grams("doc_no"),
        grams("files"),
    );
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        units: b.add_u64_field("units", num()),
        unit: b.add_u64_field("unit", FAST),
        column: b.add_u64_field("column", num()),
        topic: b.add_text_field("topic", STRING),
        validity: b.add_text_field("validity", STRING),
        year: b.add_u64_field("year", num() | FAST),
        newest: b.add_i64_field("newest", FAST),
        title_j: b.add_text_field("title_j", text(JIEBA, false)),
        title,
        title_py: b.add_text_field("title_py", text(INITIALS, true)),
        body_j: b.add_text_field("body_j", text(JIEBA, false)),
        body,
        meta,
        doc_no,
        files,
        text: b.add_text_field("text", STORED),
    };
    (b.build(), fields)
}

/// Registers the tokenizers the schema names; every index opened or created goes through this.
pub fn register(index: &Index) {
    let t = index.tokenizers();
    t.register(
        JIEBA,
        TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::new())
            .filter(LowerCaser)
            .build(),
    );
    t.register(GRAMS, Chars::One);
    t.register(PAIRS, Chars::Pairs);
    t.register(INITIALS, Chars::Initials);
}

/// Whether a character is written as one syllable (a Han character, or kana, or hangul): those
/// are tokens on their own; other letters and digits run together into words.
fn is_syllable(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF
        | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

/// How a text is cut into characters for the index (Latin and digit runs whole, lower-cased).
#[derive(Clone, Copy)]
pub enum Chars {
    /// One by one.
    One,
    /// Each with the next.
    Pairs,
    /// The pinyin initials, each with the next.
    Initials,
}

pub struct Tokens {
    tokens: Vec<Token>,
    at: usize,
}

impl TokenStream for Tokens {
    fn advance(&mut self) -> bool {
        self.at += 1;
        self.at <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.at - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.at - 1]
    }
}

impl Tokenizer for Chars {
    type TokenStream<'a> = Tokens;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Tokens {
        let tokens = match self {
            Chars::One => grams(text, false),
            Chars::Pairs => pairs(grams(text, false)),
            Chars::Initials => pairs(grams(text, true)),
        };
        Tokens { tokens, at: 0 }
    }
}

/// Two neighbouring characters as one term: run together, or with a space between two runs of
/// Latin letters or digits (which would otherwise read as one).
pub fn pair(a: &str, b: &str) -> String {
    let latin = |c: Option<char>| c.is_some_and(|c| !is_syllable(c));
    if latin(a.chars().next_back()) && latin(b.chars().next()) {
        format!("{a} {b}")
    } else {
        format!("{a}{b}")
    }
}

/// Each token with the next, at the first one's position; nothing for a single token.
fn pairs(tokens: Vec<Token>) -> Vec<Token> {
    tokens
        .windows(2)
        .map(|w| Token {
            offset_from: w[0].offset_from,
            offset_to: w[1].offset_to,
            position: w[0].position,
            text: pair(&w[0].text, &w[1].text),
            position_length: 1,
        })
        .collect()
}

/// The tokens of a text, as the index sees them.
pub fn grams(text: &str, initials: bool) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    let mut run: Option<(usize, String)> = None;
    let push = |out: &mut Vec<Token>, from: usize, to: usize, text: String| {
        let position = out.len();
        out.push(Token {
            offset_from: from,
            offset_to: to,
            position,
            text,
            position_length: 1,
        });
    };
    for (at, c) in text.char_indices() {
        let c = sunshine_core::text::fold_char(c);
        if c.is_alphanumeric() && !is_syllable(c) {
            run.get_or_insert_with(|| (at, String::new()))
                .1
                .extend(c.to_lowercase());
            continue;
        }
        if let Some((from, word)) = run.take() {
            push(&mut out, from, at, word);
        }
        if is_syllable(c) {
            let end = at + c.len_utf8();
            if initials {
                if let Some(p) = c.to_pinyin() {
                    push(&mut out, at, end, p.first_letter().to_string());
                }
            } else {
                push(&mut out, at, end, c.to_string());
            }
        }
    }
    if let Some((from, word)) = run.take() {
        push(&mut out, from, text.len(), word);
    }
    out
}

/// The texts of a text's character tokens, as a query looks for them.
pub fn gram_texts(text: &str) -> Vec<String> {
    grams(text, false).into_iter().map(|t| t.text).collect()
}

/// A text's words as jieba cuts them (search mode: long words and the words inside them).
pub fn jieba_words(text: &str) -> Vec<String> {
    let mut t = tantivy_jieba::JiebaTokenizer::new();
    let mut stream = t.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.to_lowercase());
    }
    out
}

fn add_grams(d: &mut TantivyDocument, g: Grams, text: &str) {
    d.add_text(g.one, text);
    d.add_text(g.pairs, text);
}

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// The index document of a published item. `ancestors` maps a unit to the unit above it.
pub fn document(f: &Fields, s: &Source, ancestors: &HashMap<i64, i64>) -> TantivyDocument {
    let mut d = TantivyDocument::new();
    d.add_u64(f.id, s.id as u64);
    let mut unit = Some(s.unit_id);
    let mut depth = 0;
    while let Some(u) = unit {
        d.add_u64(f.units, u as u64);
        unit = ancestors.get(&u).copied();
        depth += 1;
        if depth > 16 {
            break;
        }
    }
    d.add_u64(f.column, s.column_id as u64);
    if !s.topic.is_empty() {
        d.add_text(f.topic, &s.topic);
    }
    d.add_text(f.validity, s.validity.as_str());
    let year = chrono::Datelike::year(&s.published_on);
    d.add_u64(f.year, year as u64);
    let day = chrono::Datelike::num_days_from_ce(&s.published_on) as i64;
    d.add_i64(f.newest, day * 1_000_000_000 + s.id % 1_000_000_000);
    d.add_u64(f.unit, s.unit_id as u64);
    for field in [f.title_j, f.title.one, f.title.pairs, f.title_py] {
        d.add_text(field, &s.title);
    }
    let body = sunshine_core::html::visible_text(&s.body_html);
    let body: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    d.add_text(f.body_j, &body);
    d.add_text(f.body.one, &body);
    d.add_text(f.body.pairs, &body);
    d.add_text(f.text, cut(&body, STORED_TEXT_CHARS));
    let meta = [
        s.doc_no.as_deref().unwrap_or(""),
        s.index_no.as_deref().unwrap_or(""),
        &s.publisher,
    ]
    .join(" ");
    add_grams(&mut d, f.meta, &meta);
    if let Some(no) = &s.doc_no {
        add_grams(&mut d, f.doc_no, no);
    }
    let files = cut(&s.files.join("\n"), FILE_TEXT_CHARS);
    if !files.is_empty() {
        add_grams(&mut d, f.files, &files);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(t: Vec<Token>) -> Vec<String> {
        t.into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn characters_runs_and_initials() {
        assert_eq!(
            texts(grams("2017年PDF文件，Ｖ2", false)),
            ["2017", "年", "pdf", "文", "件", "v2"]
        );
        assert_eq!(
            texts(grams("政府信息公开", true)),
            ["z", "f", "x", "x", "g", "k"]
        );
        let t = grams("年报ab", false);
        assert_eq!((t[2].offset_from, t[2].offset_to, t[2].position), (6, 8, 2));
    }

    #[test]
    fn pairs_of_neighbours_with_their_positions() {
        let t = pairs(grams("信息，公开pdf 2017", false));
        assert_eq!(
            texts(t.clone()),
            ["信息", "息公", "公开", "开pdf", "pdf 2017"]
        );
        assert_eq!(t[2].position, 2);
        assert!(pairs(grams("公", false)).is_empty());
        assert_eq!(texts(pairs(grams("政府公开", true))), ["z f", "f g", "g k"]);
    }
}
