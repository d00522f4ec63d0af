//! 政府信息公开目录 (Art. 12): the published 主动公开 items with the catalog's fields, filtered
//! and sorted as the catalog pages ask, a bounded page at a time.

use super::items::{date, PUBLIC};
use super::Conn;
use chrono::NaiveDate;
use sunshine_core::item::Validity;
use sunshine_core::page::Page;

/// What the catalog is narrowed to; every part optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Items of these units (a unit and the units below it); `None` for all.
    pub units: Option<Vec<i64>>,
    /// Items of these columns (a column and the columns under it).
    pub columns: Option<Vec<i64>>,
    pub topic: Option<String>,
    pub year: Option<i32>,
    pub validity: Option<Validity>,
    /// Part of a 发文字号.
    pub doc_no: Option<String>,
}

/// The orders the catalog can be read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// 发布日期 (the default, newest first).
    #[default]
    Published,
    /// 生成日期.
    Written,
    /// 索引号.
    IndexNo,
    /// 名称.
    Title,
}

impl SortKey {
    pub const ALL: [SortKey; 4] = [
        SortKey::Published,
        SortKey::Written,
        SortKey::IndexNo,
        SortKey::Title,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Published => "published",
            SortKey::Written => "written",
            SortKey::IndexNo => "index_no",
            SortKey::Title => "title",
        }
    }
    pub fn parse(s: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.as_str() == s)
    }
    fn column(self) -> &'static str {
        match self {
            SortKey::Published => "i.published_on",
            SortKey::Written => "i.written_on",
            SortKey::IndexNo => "i.index_no",
            SortKey::Title => "i.title",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sort {
    pub key: SortKey,
    pub ascending: bool,
}

/// One line of the catalog.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: i64,
    pub index_no: String,
    pub title: String,
    /// The body's beginning (4,000 characters), from which the 内容概述 is taken.
    pub body_html: String,
    pub written_on: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    pub publisher: String,
    pub doc_no: String,
    pub topic: String,
    pub validity: Validity,
    pub unit_code: String,
    pub unit_name: String,
    pub column_slug: String,
    pub column_name: String,
    /// When the item last changed (Unix seconds).
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    index_no: Option<String>,
    title: String,
    body_html: String,
    written_on: Option<String>,
    published_on: Option<String>,
    publisher: String,
    doc_no: Option<String>,
    topic: String,
    validity: String,
    unit_code: String,
    unit_name: String,
    column_slug: String,
    column_name: String,
    updated_at: i64,
}

enum Val {
    Int(i64),
    Text(String),
}

/// `LIKE` text for "contains", with the pattern characters the user typed taken literally.
fn contains(s: &str) -> String {
    let mut out = String::from("%");
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn condition(f: &Filter) -> (String, Vec<Val>) {
    let mut sql = PUBLIC.to_string();
    let mut vals = Vec::new();
    let next = |vals: &mut Vec<Val>, v: Val| {
        vals.push(v);
        format!("${}", vals.len())
    };
    if let Some(ids) = &f.units {
        if ids.is_empty() {
            sql.push_str(" AND 1 = 0");
        } else {
            let marks: Vec<String> = ids
                .iter()
                .map(|id| next(&mut vals, Val::Int(*id)))
                .collect();
            sql.push_str(&format!(" AND i.unit_id IN ({})", marks.join(", ")));
        }
    }
    if let Some(ids) = &f.columns {
        let marks: Vec<String> = ids
            .iter()
            .map(|id| next(&mut vals, Val::Int(*id)))
            .collect();
        if marks.is_empty() {
            sql.push_str(" AND 1 = 0");
        } else {
            sql.push_str(&format!(" AND i.column_id IN ({})", marks.join(", ")));
        }
    }
    if let Some(t) = &f.topic {
        let m = next(&mut vals, Val::Text(t.clone()));
        sql.push_str(&format!(" AND i.topic = {m}"));
    }
    if let Some(y) = f.year {
        let (from, until) = super::year_range(y);
        let a = next(&mut vals, Val::Text(from));
        let b = next(&mut vals, Val::Text(until));
        sql.push_str(&format!(
            " AND i.published_on >= {a} AND i.published_on < {b}"
        ));
    }
    if let Some(v) = f.validity {
        let m = next(&mut vals, Val::Text(v.as_str().into()));
        sql.push_str(&format!(" AND i.validity = {m}"));
    }
    if let Some(no) = &f.doc_no {
        let m = next(&mut vals, Val::Text(contains(no)));
        sql.push_str(&format!(" AND i.doc_no LIKE {m} ESCAPE '\\'"));
    }
    (sql, vals)
}

macro_rules! bind_all {
    ($q:expr, $vals:expr) => {
        $vals.iter().fold($q, |q, v| match v {
            Val::Int(i) => q.bind(*i),
            Val::Text(s) => q.bind(s.clone()),
        })
    };
}

/// How many items the filter leaves.
pub async fn count(conn: &mut Conn, f: &Filter) -> sqlx::Result<i64> {
    let (cond, vals) = condition(f);
    let sql =
        format!("SELECT COUNT(*) FROM items i JOIN columns c ON c.id = i.column_id WHERE {cond}");
    bind_all!(sqlx::query_scalar(&sql), vals)
        .fetch_one(conn)
        .await
}

/// One page of the catalog in the given order (ties broken by id, so pages never overlap).
pub async fn page(conn: &mut Conn, f: &Filter, sort: Sort, page: Page) -> sqlx::Result<Vec<Entry>> {
    let (cond, vals) = condition(f);
    let dir = if sort.ascending { "ASC" } else { "DESC" };
    // Items without the value (an undated one, say) last either way, on both backends (their
    // NULLs sort differently).
    let key = sort.key.column();
    let n = vals.len();
    let sql = format!(
        "SELECT i.id, i.index_no, i.title, substr(i.body_html, 1, 4000) AS body_html, i.written_on, i.published_on, i.publisher, \
         i.doc_no, i.topic, i.validity, u.code AS unit_code, u.name AS unit_name, \
         c.slug AS column_slug, c.name AS column_name, i.updated_at \
         FROM items i JOIN units u ON u.id = i.unit_id JOIN columns c ON c.id = i.column_id \
         WHERE {cond} ORDER BY ({key} IS NULL), {key} {dir}, i.id {dir} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let rows: Vec<Row> = bind_all!(sqlx::query_as(&sql), vals)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(conn)
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Entry {
                written_on: date("items", r.id, "written_on", r.written_on)?,
                published_on: date("items", r.id, "published_on", r.published_on)?,
                validity: Validity::parse(&r.validity)
                    .ok_or_else(|| super::items::unknown("items", r.id, "validity", &r.validity))?,
                id: r.id,
                index_no: r.index_no.unwrap_or_default(),
                title: r.title,
                body_html: r.body_html,
                publisher: r.publisher,
                doc_no: r.doc_no.unwrap_or_default(),
                topic: r.topic,
                unit_code: r.unit_code,
                unit_name: r.unit_name,
                column_slug: r.column_slug,
                column_name: r.column_name,
                updated_at: r.updated_at,
            })
        })
        .collect()
}

/// The 主题分类 in use among published items (of `units`, if given), with how many each has.
pub async fn topics(conn: &mut Conn, units: Option<&[i64]>) -> sqlx::Result<Vec<(String, i64)>> {
    let f = Filter {
        units: units.map(<[i64]>::to_vec),
        ..Filter::default()
    };
    let (cond, vals) = condition(&f);
    let sql = format!(
        "SELECT i.topic, COUNT(*) FROM items i JOIN columns c ON c.id = i.column_id \
         WHERE {cond} AND i.topic <> '' GROUP BY i.topic ORDER BY COUNT(*) DESC, i.topic LIMIT 200"
    );
    bind_all!(sqlx::query_as(&sql), vals).fetch_all(conn).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_are_taken_literally() {
        assert_eq!(contains("12%_\\"), "%12\\%\\_\\\\%");
        assert_eq!(contains("禄政发"), "%禄政发%");
    }

    #[test]
    fn placeholders_are_numbered_in_order() {
        let (sql, vals) = condition(&Filter {
            units: Some(vec![3, 4]),
            year: Some(2017),
            doc_no: Some("12".into()),
            ..Filter::default()
        });
        assert!(sql.contains("i.unit_id IN ($1, $2)"), "{sql}");
        assert!(
            sql.contains("i.published_on >= $3 AND i.published_on < $4"),
            "{sql}"
        );
        assert!(sql.contains("i.doc_no LIKE $5"), "{sql}");
        assert_eq!(vals.len(), 5);
        let (none, _) = condition(&Filter {
            units: Some(vec![]),
            ..Filter::default()
        });
        assert!(none.contains("1 = 0"));
    }
}
