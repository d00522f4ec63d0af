//! A search request turned into a tantivy query, run, and its answer read back.

use super::schema::{self, Fields};
use sunshine_core::item::Validity;
use sunshine_core::search::{snippet, Parsed, Snippet, Word};
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EnableScoring, Explanation, Occur,
    PhraseQuery, Query, Scorer, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{
    DocAddress, DocId, DocSet, Order, Score, Searcher, SegmentReader, TantivyDocument, Term,
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

/// A run of tokens in one field: one term, or a phrase of them.
fn run(field: Field, tokens: &[String]) -> Box<dyn Query> {
    match tokens {
        [one] => Box::new(TermQuery::new(
            term(field, one),
            IndexRecordOption::WithFreqs,
        )),
        many => Box::new(PhraseQuery::new(
            many.iter().map(|t| term(field, t)).collect(),
        )),
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
    if grams.is_empty() {
        return None;
    }
    let mut any: Vec<(Occur, Box<dyn Query>)> = [
        (f.title_g, 4.0),
        (f.meta_g, 2.0),
        (f.body_g, 1.0),
        (f.files_g, 0.6),
    ]
    .into_iter()
    .map(|(field, by)| (Occur::Should, boost(run(field, &grams), by)))
    .collect();
    let letters = w.text.chars().count();
    if initials && !w.phrase && letters >= 3 && w.text.chars().all(|c| c.is_ascii_lowercase()) {
        let initials: Vec<String> = w.text.chars().map(String::from).collect();
        any.push((Occur::Should, boost(run(f.title_py, &initials), 0.5)));
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
        let grams = schema::gram_texts(no);
        if grams.is_empty() {
            return None;
        }
        clauses.push(filter(run(f.doc_no_g, &grams)));
    }
    if !clauses.iter().any(|(o, _)| *o == Occur::Must) {
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    Some(Box::new(BooleanQuery::new(clauses)))
}

fn facet_counts(fruit: &tantivy::collector::FacetCounts, root: &str) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = fruit
        .get(root)
        .filter_map(|(facet, n)| {
            let path = facet.to_path();
            path.last().map(|s| (s.to_string(), n))
        })
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// Runs a request. CPU work: call it off the async workers.
pub fn run_request(searcher: &Searcher, f: &Fields, r: &Request) -> tantivy::Result<Answer> {
    let Some(query) = build(f, r) else {
        return Ok(Answer::default());
    };
    let offset = r.offset.min(MAX_OFFSET);
    let limit = r.limit.clamp(1, 100);
    let mut facets = FacetCollector::for_field("facet");
    facets.add_facet("/unit");
    facets.add_facet("/year");
    let top = TopDocs::with_limit(limit).and_offset(offset);
    let (addresses, total, counts): (Vec<DocAddress>, usize, _) = if r.newest {
        let (docs, total, counts) = searcher.search(
            &query,
            &(
                top.order_by_fast_field::<i64>("newest", Order::Desc),
                Count,
                facets,
            ),
        )?;
        (docs.into_iter().map(|(_, a)| a).collect(), total, counts)
    } else {
        let (docs, total, counts) =
            searcher.search(&query, &(top.order_by_score(), Count, facets))?;
        (docs.into_iter().map(|(_, a)| a).collect(), total, counts)
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
        total,
        hits,
        units: facet_counts(&counts, "/unit")
            .into_iter()
            .filter_map(|(s, n)| Some((s.parse().ok()?, n)))
            .collect(),
        years: facet_counts(&counts, "/year")
            .into_iter()
            .filter_map(|(s, n)| Some((s.parse().ok()?, n)))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::search::Source;
    use std::collections::HashMap;

    /// An exclusion over many documents whose characters are there but apart, and sometimes
    /// together: once panicked tantivy's phrase scorer (found by `bench/search`).
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
    }
}
