//! A search request turned into a tantivy query, run, and its answer read back.

use super::schema::Grams;
use super::schema::{self, Fields};
use std::collections::HashMap;
use std::sync::Arc;
use sunshine_core::item::Validity;
use sunshine_core::search::{snippet, Parsed, Snippet, Word};
use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::columnar::ColumnValues;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EnableScoring, Explanation, Occur,
    PhraseQuery, Query, Scorer, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{
    DocAddress, DocId, DocSet, Order, Score, Searcher, SegmentOrdinal, SegmentReader,
    TantivyDocument, Term,
};

/// The deepest a result list may be paged (tantivy ranks `offset + limit` documents).
pub const MAX_OFFSET: usize = 5_000;
/// How long a snippet is, in characters.
const SNIPPET_CHARS: usize = 120;

/// What to look for and where.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub parsed: Parsed,
    /// A unit and the units below it.
    pub unit: Option<i64>,
    pub column: Option<i64>,
    pub topic: Option<String>,
    pub year: Option<i32>,
    pub validity: Option<Validity>,
    /// Part of a 发文字号.
    pub doc_no: Option<String>,
    pub newest: bool,
    pub offset: usize,
    pub limit: usize,
}

impl Request {
    /// Whether anything narrows the search (a query or a filter).
    pub fn is_empty(&self) -> bool {
        self.parsed.is_empty()
            && self.unit.is_none()
            && self.column.is_none()
            && self.topic.is_none()
            && self.year.is_none()
            && self.validity.is_none()
            && self.doc_no.is_none()
    }
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub id: i64,
    pub snippet: Snippet,
}

#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub total: usize,
    pub hits: Vec<Hit>,
    /// Results per unit (the item's own unit) and per year of publication, most first.
    pub units: Vec<(i64, u64)>,
    pub years: Vec<(i32, u64)>,
}

fn term(field: Field, text: &str) -> Term {
    Term::from_field_text(field, text)
}

/// A run of characters (as [`schema::gram_texts`] cuts them) in one text: a single character
/// is looked up in its characters, two as one pair, more as a phrase of every other pair and
/// the last (信息公开: 信息 and, two places on, 公开). `None` for no characters.
fn run(g: Grams, chars: &[String]) -> Option<Box<dyn Query>> {
    let pair_term = |i: usize| term(g.pairs, &schema::pair(&chars[i], &chars[i + 1]));
    match chars.len() {
        0 => None,
        1 => Some(Box::new(TermQuery::new(
            term(g.one, &chars[0]),
            IndexRecordOption::WithFreqs,
        ))),
        2 => Some(Box::new(TermQuery::new(
            pair_term(0),
            IndexRecordOption::WithFreqs,
        ))),
        n => {
            let mut at: Vec<usize> = (0..n - 1).step_by(2).collect();
            if at.last() != Some(&(n - 2)) {
                at.push(n - 2);
            }
            Some(Box::new(PhraseQuery::new_with_offset(
                at.into_iter().map(|i| (i, pair_term(i))).collect(),
            )))
        }
    }
}

fn boost(q: Box<dyn Query>, by: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(q, by))
}

/// What makes a document match a word: its characters in a row in some field, or, with
/// `initials`, for three or more Latin letters, the pinyin initials of the title (never for an
/// excluded word: `-gk` must not exclude every title with 公开). `None` for a word without
/// tokens.
fn matches(f: &Fields, w: &Word, initials: bool) -> Option<Box<dyn Query>> {
    let grams = schema::gram_texts(&w.text);
    let mut any: Vec<(Occur, Box<dyn Query>)> =
        [(f.title, 4.0), (f.meta, 2.0), (f.body, 1.0), (f.files, 0.6)]
            .into_iter()
            .filter_map(|(g, by)| Some((Occur::Should, boost(run(g, &grams)?, by))))
            .collect();
    if any.is_empty() {
        return None;
    }
    let letters = w.text.chars().count();
    if initials && !w.phrase && letters >= 3 && w.text.chars().all(|c| c.is_ascii_lowercase()) {
        let chars: Vec<String> = w.text.chars().map(String::from).collect();
        // The initials are indexed as pairs only: as many "characters" as pairs suffice.
        let py = Grams {
            one: f.title_py,
            pairs: f.title_py,
        };
        if let Some(q) = run(py, &chars) {
            any.push((Occur::Should, boost(q, 0.5)));
        }
    }
    Some(Box::new(BooleanQuery::new(any)))
}

/// A word: it must match; its jieba words, where they are whole words of the text, add to the
/// score.
fn word(f: &Fields, w: &Word) -> Option<Box<dyn Query>> {
    let must = matches(f, w, true)?;
    let mut clauses = vec![(Occur::Must, must)];
    let words = schema::jieba_words(&w.text);
    for (field, by) in [(f.title_j, 2.0), (f.body_j, 1.0)] {
        let terms: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .map(|t| {
                let q: Box<dyn Query> =
                    Box::new(TermQuery::new(term(field, t), IndexRecordOption::WithFreqs));
                (Occur::Should, q)
            })
            .collect();
        if !terms.is_empty() {
            clauses.push((Occur::Should, boost(Box::new(BooleanQuery::new(terms)), by)));
        }
    }
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// An exclusion as tantivy 0.27 can take it: its scorer is only ever sought forwards from a
/// valid position. (An exclusion asks a phrase scorer `seek_danger` after an earlier answer
/// left it past the new target, which that scorer's debug assertion refuses; through `seek`
/// from the last document it stays in step.)
#[derive(Debug)]
struct Forward(Box<dyn Query>);

impl Clone for Forward {
    fn clone(&self) -> Self {
        Forward(self.0.box_clone())
    }
}

impl Query for Forward {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ForwardWeight(self.0.weight(scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct ForwardWeight(Box<dyn Weight>);

impl Weight for ForwardWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(ForwardScorer(self.0.scorer(reader, boost)?)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

struct ForwardScorer(Box<dyn Scorer>);

impl DocSet for ForwardScorer {
    fn advance(&mut self) -> DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let doc = self.0.doc();
        if doc >= target {
            doc
        } else {
            self.0.seek(target)
        }
    }

    fn doc(&self) -> DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }
}

impl Scorer for ForwardScorer {
    fn score(&mut self) -> Score {
        self.0.score()
    }
}

fn filter(q: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
    (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))
}

fn u64_term(field: Field, v: u64) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_u64(field, v),
        IndexRecordOption::Basic,
    ))
}

/// The whole query. `None` when a filter can match nothing (a 发文字号 without a character).
pub fn build(f: &Fields, r: &Request) -> Option<Box<dyn Query>> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for group in &r.parsed.all {
        let alternatives: Vec<(Occur, Box<dyn Query>)> = group
            .iter()
            .filter_map(|w| word(f, w))
            .map(|q| (Occur::Should, q))
            .collect();
        if !alternatives.is_empty() {
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
        }
    }
    for w in &r.parsed.none {
        if let Some(q) = matches(f, w, false) {
            clauses.push((Occur::MustNot, Box::new(Forward(q))));
        }
    }
    if let Some(u) = r.unit {
        clauses.push(filter(u64_term(f.units, u as u64)));
    }
    if let Some(c) = r.column {
        clauses.push(filter(u64_term(f.column, c as u64)));
    }
    if let Some(y) = r.year {
        clauses.push(filter(u64_term(f.year, u64::try_from(y).unwrap_or(0))));
    }
    if let Some(t) = &r.topic {
        clauses.push(filter(Box::new(TermQuery::new(
            term(f.topic, t),
            IndexRecordOption::Basic,
        ))));
    }
    if let Some(v) = r.validity {
        clauses.push(filter(Box::new(TermQuery::new(
            term(f.validity, v.as_str()),
            IndexRecordOption::Basic,
        ))));
    }
    if let Some(no) = &r.doc_no {
        clauses.push(filter(run(f.doc_no, &schema::gram_texts(no))?));
    }
    if !clauses.iter().any(|(o, _)| *o == Occur::Must) {
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// Counts the matching documents, by their own unit and by year, from the fast fields (one
/// read of each per document; a unit's count takes in its sub-units' afterwards).
struct Tally;

#[derive(Default)]
struct Tallied {
    total: usize,
    /// Indexed by unit id, for ids below [`DENSE`]; others in `sparse`.
    units: Vec<u64>,
    sparse: HashMap<u64, u64>,
    years: HashMap<u64, u64>,
}

/// Unit ids counted in a plain array (a province's units are numbered from 1 up).
const DENSE: u64 = 1 << 16;

struct SegmentTally {
    unit: Arc<dyn ColumnValues<u64>>,
    year: Arc<dyn ColumnValues<u64>>,
    /// Years counted from 1900, in an array.
    years: Vec<u64>,
    out: Tallied,
}

impl Collector for Tally {
    type Fruit = Tallied;
    type Child = SegmentTally;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentTally> {
        let fast = segment.fast_fields();
        Ok(SegmentTally {
            unit: fast.u64("unit")?.first_or_default_col(0),
            year: fast.u64("year")?.first_or_default_col(0),
            years: vec![0; 300],
            out: Tallied::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Tallied>) -> tantivy::Result<Tallied> {
        let mut all = Tallied::default();
        for f in fruits {
            all.total += f.total;
            if all.units.len() < f.units.len() {
                all.units.resize(f.units.len(), 0);
            }
            for (a, n) in all.units.iter_mut().zip(&f.units) {
                *a += n;
            }
            for (map, from) in [(&mut all.sparse, f.sparse), (&mut all.years, f.years)] {
                for (k, n) in from {
                    *map.entry(k).or_default() += n;
                }
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentTally {
    type Fruit = Tallied;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.out.total += 1;
        let unit = self.unit.get_val(doc);
        if unit < DENSE {
            let i = unit as usize;
            if i >= self.out.units.len() {
                self.out.units.resize(i + 1, 0);
            }
            self.out.units[i] += 1;
        } else {
            *self.out.sparse.entry(unit).or_default() += 1;
        }
        let year = self.year.get_val(doc);
        match self.years.get_mut(year.wrapping_sub(1900) as usize) {
            Some(n) => *n += 1,
            None => *self.out.years.entry(year).or_default() += 1,
        }
    }

    fn harvest(mut self) -> Tallied {
        for (i, n) in self.years.iter().enumerate() {
            if *n > 0 {
                *self.out.years.entry(1900 + i as u64).or_default() += n;
            }
        }
        self.out
    }
}

/// Most first, then by key.
fn most_first<K: Ord>(mut v: Vec<(K, u64)>) -> Vec<(K, u64)> {
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

impl Tallied {
    /// Per unit with the units below it, through `ancestors` (a unit to the one above it).
    fn units(&self, ancestors: &HashMap<i64, i64>) -> Vec<(i64, u64)> {
        let own = self
            .units
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(u, n)| (u as u64, *n))
            .chain(self.sparse.iter().map(|(u, n)| (*u, *n)));
        let mut up: HashMap<i64, u64> = HashMap::new();
        for (u, n) in own {
            let mut unit = i64::try_from(u).ok();
            let mut depth = 0;
            while let Some(x) = unit {
                *up.entry(x).or_default() += n;
                unit = ancestors.get(&x).copied();
                depth += 1;
                if depth > 16 {
                    break;
                }
            }
        }
        most_first(up.into_iter().collect())
    }

    fn years(&self) -> Vec<(i32, u64)> {
        most_first(
            self.years
                .iter()
                .filter_map(|(y, n)| Some((i32::try_from(*y).ok()?, *n)))
                .collect(),
        )
    }
}

/// Runs a request; `ancestors` maps a unit to the one above it (for the counts per unit).
/// CPU work: call it off the async workers.
pub fn run_request(
    searcher: &Searcher,
    f: &Fields,
    ancestors: &HashMap<i64, i64>,
    r: &Request,
) -> tantivy::Result<Answer> {
    let Some(query) = build(f, r) else {
        return Ok(Answer::default());
    };
    let offset = r.offset.min(MAX_OFFSET);
    let limit = r.limit.clamp(1, 100);
    let top = TopDocs::with_limit(limit).and_offset(offset);
    let (addresses, tally): (Vec<DocAddress>, Tallied) = if r.newest {
        let (docs, tally) = searcher.search(
            &query,
            &(top.order_by_fast_field::<i64>("newest", Order::Desc), Tally),
        )?;
        (docs.into_iter().map(|(_, a)| a).collect(), tally)
    } else {
        let (docs, tally) = searcher.search(&query, &(top.order_by_score(), Tally))?;
        (docs.into_iter().map(|(_, a)| a).collect(), tally)
    };
    let wanted = r.parsed.wanted();
    let mut hits = Vec::with_capacity(addresses.len());
    for a in addresses {
        let doc: TantivyDocument = searcher.doc(a)?;
        let Some(id) = doc.get_first(f.id).and_then(|v| v.as_u64()) else {
            continue;
        };
        let text = doc.get_first(f.text).and_then(|v| v.as_str()).unwrap_or("");
        hits.push(Hit {
            id: id as i64,
            snippet: snippet(text, &wanted, SNIPPET_CHARS),
        });
    }
    Ok(Answer {
        total: tally.total,
        hits,
        units: tally.units(ancestors),
        years: tally.years(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::search::Source;
    use std::collections::HashMap;

    /// An exclusion over many documents whose characters are there but apart, and sometimes
    /// together: once panicked tantivy's phrase scorer (found by `bench/search`, when every
    /// character was a term and every word a phrase; now words of three or more characters
    /// are phrases of pairs).
    #[test]
    fn exclusions_over_many_documents_exclude_exactly() {
        let (schema, f) = schema::schema();
        let index = tantivy::Index::create_in_ram(schema);
        schema::register(&index);
        let mut writer = index.writer(50_000_000).expect("an index writer in memory");
        let ancestors = HashMap::new();
        let (mut excluded, mut numbered) = (0, 0);
        for id in 1..=3000i64 {
            let body = match id % 7 {
                0 => {
                    excluded += 1;
                    "涉及问题已整改销号。".to_string()
                }
                1 | 3 => {
                    numbered += 1;
                    "涉及整改，销售台账编号。".to_string()
                }
                _ => format!("涉及第{id}项工作。"),
            };
            let s = Source {
                id,
                unit_id: 1,
                column_id: 1,
                title: format!("通知{id}"),
                body_html: format!("<p>{body}</p>"),
                publisher: String::new(),
                doc_no: None,
                index_no: None,
                topic: String::new(),
                validity: Validity::Valid,
                published_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("a date"),
                files: vec![],
            };
            writer
                .add_document(schema::document(&f, &s, &ancestors))
                .expect("add a document");
            if id % 500 == 0 {
                writer.commit().expect("commit in memory");
            }
        }
        writer.commit().expect("commit in memory");
        let searcher = index.reader().expect("a reader").searcher();
        let ask = |q: &str| {
            run_request(
                &searcher,
                &f,
                &ancestors,
                &Request {
                    parsed: sunshine_core::search::parse(q),
                    limit: 10,
                    ..Request::default()
                },
            )
            .expect("the query runs")
            .total
        };
        assert_eq!(ask("涉及"), 3000);
        assert_eq!(ask("销号"), excluded);
        assert_eq!(ask("涉及 -销号"), 3000 - excluded);
        assert_eq!(ask("涉及 -\"销号\" -编号"), 3000 - excluded - numbered);
        // Longer exclusions are phrases of pairs (three characters: two pairs in a row; four:
        // the first and the third), with the characters found together and apart.
        assert_eq!(ask("涉及 -改销号"), 3000 - excluded);
        assert_eq!(ask("涉及 -整改销号"), 3000 - excluded);
        // Punctuation between characters does not part them (改，销售 holds 改销售).
        assert_eq!(ask("涉及 -改销售"), 3000 - numbered);
        assert_eq!(ask("涉及 -整改销售台账"), 3000 - numbered);
    }
}
