//! 政府信息公开目录 (Art. 12): the published 主动公开 items with the catalog's fields, filtered
//! and sorted as the catalog pages ask, a bounded page at a time.

use super::items::{date, PUBLIC};
use super::listing::{Count, Sql};
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
    /// The expression the catalog is ordered by; each has an index (a published item always has
    /// its 发布日期, 索引号 and 名称; one without a 成文日期 is ordered by its 发布日期).
    fn column(self) -> &'static str {
        match self {
            SortKey::Published => "i.published_on",
            SortKey::Written => "COALESCE(i.written_on, i.published_on)",
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

/// The catalog's condition, its arguments added to `q`.
fn condition(q: &mut Sql, f: &Filter) -> String {
    let mut sql = PUBLIC.to_string();
    if let Some(ids) = &f.units {
        if ids.is_empty() {
            sql.push_str(" AND 1 = 0");
        } else {
            let marks = q.ids(ids);
            sql.push_str(&format!(" AND i.unit_id IN ({marks})"));
        }
    }
    if let Some(ids) = &f.columns {
        if ids.is_empty() {
            sql.push_str(" AND 1 = 0");
        } else {
            let marks = q.ids(ids);
            sql.push_str(&format!(" AND i.column_id IN ({marks})"));
        }
    }
    if let Some(t) = &f.topic {
        let m = q.text(t.clone());
        sql.push_str(&format!(" AND i.topic = {m}"));
    }
    if let Some(y) = f.year {
        let (from, until) = super::year_range(y);
        let a = q.text(from);
        let b = q.text(until);
        sql.push_str(&format!(
            " AND i.published_on >= {a} AND i.published_on < {b}"
        ));
    }
    if let Some(v) = f.validity {
        let m = q.text(v.as_str());
        sql.push_str(&format!(" AND i.validity = {m}"));
    }
    if let Some(no) = &f.doc_no {
        let m = q.text(contains(no));
        sql.push_str(&format!(" AND i.doc_no LIKE {m} ESCAPE '\\'"));
    }
    sql
}

/// The statement of the catalog's items under `f` in order `sort`, selecting `what`.
pub fn catalog_sql(f: &Filter, sort: Sort, what: &str) -> Sql {
    let mut q = Sql::new("catalog");
    let cond = condition(&mut q, f);
    let dir = if sort.ascending { "ASC" } else { "DESC" };
    let key = sort.key.column();
    q.text = format!(
        "{what} FROM items i JOIN units u ON u.id = i.unit_id JOIN columns c ON c.id = i.column_id \
         WHERE {cond} ORDER BY {key} {dir}, i.id {dir}"
    );
    q
}

/// How many items the filter leaves (counted up to [`super::listing::COUNT_CAP`]).
pub async fn count(conn: &mut Conn, f: &Filter) -> sqlx::Result<Count> {
    catalog_sql(f, Sort::default(), "SELECT 1")
        .capped_count("catalog count")
        .count(conn)
        .await
}

const ENTRY: &str = "SELECT i.id, i.index_no, i.title, substr(i.body_html, 1, 4000) AS body_html, i.written_on, \
    i.published_on, i.publisher, i.doc_no, i.topic, i.validity, u.code AS unit_code, u.name AS unit_name, \
    c.slug AS column_slug, c.name AS column_name, i.updated_at";

/// One page of the catalog in the given order (ties broken by id, so pages never overlap).
pub async fn page(conn: &mut Conn, f: &Filter, sort: Sort, page: Page) -> sqlx::Result<Vec<Entry>> {
    let mut q = catalog_sql(f, sort, ENTRY);
    let (limit, offset) = (q.int(page.limit()), q.int(page.offset()));
    q.text.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
    let rows: Vec<Row> = q.query_as().fetch_all(conn).await?;
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

/// The statement of the 主题分类 in use among published items (of `units`, if given).
pub fn topics_sql(units: Option<&[i64]>) -> Sql {
    let f = Filter {
        units: units.map(<[i64]>::to_vec),
        ..Filter::default()
    };
    let mut q = Sql::new("topics");
    let cond = condition(&mut q, &f);
    q.text = format!(
        "SELECT i.topic, COUNT(*) FROM items i JOIN columns c ON c.id = i.column_id \
         WHERE {cond} AND i.topic <> '' GROUP BY i.topic ORDER BY COUNT(*) DESC, i.topic LIMIT 200"
    );
    q
}

/// The 主题分类 in use among published items (of `units`, if given), with how many each has.
pub async fn topics(conn: &mut Conn, units: Option<&[i64]>) -> sqlx::Result<Vec<(String, i64)>> {
    topics_sql(units).query_as().fetch_all(conn).await
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
        let mut q = Sql::new("test");
        let sql = condition(
            &mut q,
            &Filter {
                units: Some(vec![3, 4]),
                year: Some(2017),
                doc_no: Some("12".into()),
                ..Filter::default()
            },
        );
        let vals = q.args;
        assert!(sql.contains("i.unit_id IN ($1, $2)"), "{sql}");
        assert!(
            sql.contains("i.published_on >= $3 AND i.published_on < $4"),
            "{sql}"
        );
        assert!(sql.contains("i.doc_no LIKE $5"), "{sql}");
        assert_eq!(vals.len(), 5);
        let none = condition(
            &mut Sql::new("test"),
            &Filter {
                units: Some(vec![]),
                ..Filter::default()
            },
        );
        assert!(none.contains("1 = 0"));
    }
}
