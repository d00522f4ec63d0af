//! Items: drafts, publication with 索引号, public listings.
//!
//! Public queries all share one condition (`PUBLIC`): published, 主动公开, in a visible column.
//! Listings are a fixed number of queries per page, never one per row.

use super::listing::{Count, Sql};
use super::{BindIds, Conn, Scope, Tx};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use sunshine_core::index_no::IndexPattern;
use sunshine_core::item::{Disclosure, ItemFields, ItemState, Validity};
use sunshine_core::page::Page;
use sunshine_core::review::{Importance, PreReview};
use sunshine_core::screening::Finding;
use sunshine_core::unit::UnitKind;
use sunshine_core::FieldError;

/// An item as the database stores it: text and integers, read by sqlx and converted once into
/// [`Item`], which fails loudly on a value it does not know.
#[derive(Debug, Clone, sqlx::FromRow)]
struct ItemRow {
    id: i64,
    unit_id: i64,
    column_id: i64,
    title: String,
    body_html: String,
    publisher: String,
    author: String,
    source: String,
    doc_no: Option<String>,
    written_on: Option<String>,
    published_on: Option<String>,
    topic: String,
    validity: String,
    disclosure: String,
    withheld_reason: String,
    index_no: Option<String>,
    state: String,
    created_by: Option<i64>,
    updated_at: i64,
    hits: i64,
    importance: String,
    prereview: String,
    doc_type: String,
    repealed_on: Option<String>,
    publish_at: Option<i64>,
    withdrawn_reason: String,
    withdrawn_at: Option<i64>,
    screening: String,
    review_comment: String,
    importance_floor: String,
    unit_code: String,
    unit_name: String,
    unit_kind: String,
    column_slug: String,
    column_name: String,
    column_hidden: i64,
}

/// An item with the names of its unit and column, as every page needs them.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: i64,
    pub unit_id: i64,
    pub column_id: i64,
    pub title: String,
    pub body_html: String,
    pub publisher: String,
    pub author: String,
    pub source: String,
    pub doc_no: Option<String>,
    pub written_on: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    pub topic: String,
    pub validity: Validity,
    pub disclosure: Disclosure,
    pub withheld_reason: String,
    pub index_no: Option<String>,
    pub state: ItemState,
    pub created_by: Option<i64>,
    pub updated_at: i64,
    pub hits: i64,
    pub importance: Importance,
    pub prereview: PreReview,
    /// The pre-review answers exactly as stored: approvals' content digests bind to this text.
    #[serde(skip)]
    pub prereview_json: String,
    pub doc_type: String,
    pub repealed_on: Option<NaiveDate>,
    pub publish_at: Option<i64>,
    pub withdrawn_reason: String,
    pub withdrawn_at: Option<i64>,
    pub findings: Vec<Finding>,
    pub review_comment: String,
    /// The lowest importance editors may give the item (set at submission and by reviewers).
    pub importance_floor: Importance,
    pub unit_code: String,
    pub unit_name: String,
    pub unit_kind: UnitKind,
    pub column_slug: String,
    pub column_name: String,
    pub column_hidden: bool,
}

/// A stored value that is not one the code knows: the row is refused, naming it, rather than
/// read as some default.
pub(crate) fn unknown(table: &str, id: i64, column: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(
        format!("{table} row {id}: {column} holds “{value}”, which is not a known value").into(),
    )
}

/// A stored `YYYY-MM-DD` date.
pub(crate) fn date(
    table: &str,
    id: i64,
    column: &str,
    v: Option<String>,
) -> sqlx::Result<Option<NaiveDate>> {
    match v.as_deref() {
        None | Some("") => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| unknown(table, id, column, s)),
    }
}

impl TryFrom<ItemRow> for Item {
    type Error = sqlx::Error;

    fn try_from(r: ItemRow) -> sqlx::Result<Item> {
        let id = r.id;
        let bad = |column: &str, value: &str| unknown("items", id, column, value);
        let importance = |column: &str, v: &str| Importance::parse(v).ok_or_else(|| bad(column, v));
        Ok(Item {
            written_on: date("items", id, "written_on", r.written_on)?,
            published_on: date("items", id, "published_on", r.published_on)?,
            repealed_on: date("items", id, "repealed_on", r.repealed_on)?,
            validity: Validity::parse(&r.validity).ok_or_else(|| bad("validity", &r.validity))?,
            disclosure: Disclosure::parse(&r.disclosure)
                .ok_or_else(|| bad("disclosure", &r.disclosure))?,
            state: ItemState::parse(&r.state).ok_or_else(|| bad("state", &r.state))?,
            importance: importance("importance", &r.importance)?,
            importance_floor: importance("importance_floor", &r.importance_floor)?,
            prereview: if r.prereview.is_empty() {
                PreReview::default()
            } else {
                serde_json::from_str(&r.prereview).map_err(|_| bad("prereview", "…"))?
            },
            findings: if r.screening.is_empty() {
                Vec::new()
            } else {
                serde_json::from_str(&r.screening).map_err(|_| bad("screening", "…"))?
            },
            unit_kind: UnitKind::parse(&r.unit_kind)
                .ok_or_else(|| bad("unit_kind", &r.unit_kind))?,
            column_hidden: r.column_hidden != 0,
            prereview_json: r.prereview,
            id,
            unit_id: r.unit_id,
            column_id: r.column_id,
            title: r.title,
            body_html: r.body_html,
            publisher: r.publisher,
            author: r.author,
            source: r.source,
            doc_no: r.doc_no,
            topic: r.topic,
            withheld_reason: r.withheld_reason,
            index_no: r.index_no,
            created_by: r.created_by,
            updated_at: r.updated_at,
            hits: r.hits,
            doc_type: r.doc_type,
            publish_at: r.publish_at,
            withdrawn_reason: r.withdrawn_reason,
            withdrawn_at: r.withdrawn_at,
            review_comment: r.review_comment,
            unit_code: r.unit_code,
            unit_name: r.unit_name,
            column_slug: r.column_slug,
            column_name: r.column_name,
        })
    }
}

fn one(row: Option<ItemRow>) -> sqlx::Result<Option<Item>> {
    row.map(Item::try_from).transpose()
}

fn all(rows: Vec<ItemRow>) -> sqlx::Result<Vec<Item>> {
    rows.into_iter().map(Item::try_from).collect()
}

impl Item {
    /// The content digest approvals bind to: every field a reader or reviewer sees, the
    /// pre-review answers, and the attachments' bytes (by their SHA-256).
    pub fn digest(&self, attachment_sha256: &[&str]) -> String {
        let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        sunshine_core::item::content_digest(
            &[
                ("column", &self.column_slug),
                ("title", &self.title),
                ("body_html", &self.body_html),
                ("publisher", &self.publisher),
                ("author", &self.author),
                ("source", &self.source),
                ("doc_no", self.doc_no.as_deref().unwrap_or("")),
                ("written_on", &day(self.written_on)),
                ("topic", &self.topic),
                ("validity", self.validity.as_str()),
                ("disclosure", self.disclosure.as_str()),
                ("withheld_reason", &self.withheld_reason),
                ("prereview", &self.prereview_json),
                ("doc_type", &self.doc_type),
                ("repealed_on", &day(self.repealed_on)),
            ],
            attachment_sha256,
        )
    }

    /// 发布日期 as shown (empty before publication).
    pub fn published(&self) -> String {
        self.published_on.map(|d| d.to_string()).unwrap_or_default()
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    title: String,
    index_no: Option<String>,
    published_on: Option<String>,
    state: String,
    unit_code: String,
    unit_name: String,
    column_slug: String,
    column_name: String,
}

/// One line of a listing.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub id: i64,
    pub title: String,
    pub index_no: Option<String>,
    pub published_on: Option<NaiveDate>,
    pub state: ItemState,
    pub unit_code: String,
    pub unit_name: String,
    pub column_slug: String,
    pub column_name: String,
}

impl TryFrom<SummaryRow> for Summary {
    type Error = sqlx::Error;

    fn try_from(r: SummaryRow) -> sqlx::Result<Summary> {
        Ok(Summary {
            published_on: date("items", r.id, "published_on", r.published_on)?,
            state: ItemState::parse(&r.state)
                .ok_or_else(|| unknown("items", r.id, "state", &r.state))?,
            id: r.id,
            title: r.title,
            index_no: r.index_no,
            unit_code: r.unit_code,
            unit_name: r.unit_name,
            column_slug: r.column_slug,
            column_name: r.column_name,
        })
    }
}

impl Summary {
    /// 发布日期 as shown (empty before publication).
    pub fn published(&self) -> String {
        self.published_on.map(|d| d.to_string()).unwrap_or_default()
    }
}

fn summary(row: Option<SummaryRow>) -> sqlx::Result<Option<Summary>> {
    row.map(Summary::try_from).transpose()
}

fn summaries(rows: Vec<SummaryRow>) -> sqlx::Result<Vec<Summary>> {
    rows.into_iter().map(Summary::try_from).collect()
}

const SELECT: &str = "SELECT i.id, i.unit_id, i.column_id, i.title, i.body_html, i.publisher, i.author, i.source, \
    i.doc_no, i.written_on, i.published_on, i.topic, i.validity, i.disclosure, i.withheld_reason, i.index_no, \
    i.state, i.created_by, i.updated_at, i.hits, i.importance, i.prereview, i.doc_type, i.repealed_on, i.publish_at, i.withdrawn_reason, \
    i.withdrawn_at, i.screening, i.review_comment, i.importance_floor, u.code AS unit_code, u.name AS unit_name, u.kind AS unit_kind, \
    c.slug AS column_slug, c.name AS column_name, c.hidden AS column_hidden \
    FROM items i JOIN units u ON u.id = i.unit_id JOIN columns c ON c.id = i.column_id";

macro_rules! summary_fields {
    () => {
        "i.id, i.title, i.index_no, i.published_on, i.state, u.code AS unit_code, \
         u.name AS unit_name, c.slug AS column_slug, c.name AS column_name"
    };
}

const SUMMARY_FIELDS: &str = summary_fields!();
const SUMMARY_COLS: &str = concat!("SELECT ", summary_fields!());
const SUMMARY: &str = concat!(
    "SELECT ",
    summary_fields!(),
    " FROM items i JOIN units u ON u.id = i.unit_id JOIN columns c ON c.id = i.column_id"
);

pub(crate) const PUBLIC: &str =
    "i.state = 'published' AND i.disclosure = 'active' AND c.hidden = 0";

/// [`PUBLIC`] for queries that name items by id: the state is compared as an expression, so
/// the planner reads the ids through the primary key. (Without statistics SQLite otherwise takes
/// the state index and walks every published item: 37 ms instead of 0.1 ms for ten ids among
/// 100,000.)
pub(crate) const PUBLIC_BY_ID: &str =
    "i.state || '' = 'published' AND i.disclosure = 'active' AND c.hidden = 0";

/// An item by id, whatever its state, within the scope: an item of another unit is not found,
/// exactly as if it did not exist.
pub async fn get(conn: &mut Conn, scope: &Scope, id: i64) -> sqlx::Result<Option<Item>> {
    let sql = format!(
        "{SELECT} WHERE i.id = $1 AND {}",
        scope.condition("i.unit_id", 2)
    );
    one(sqlx::query_as(&sql)
        .bind(id)
        .bind_ids(scope.ids())
        .fetch_optional(conn)
        .await?)
}

/// A withdrawn item that was public: its page answers with the withdrawal notice.
pub async fn get_withdrawn(conn: &mut Conn, id: i64) -> sqlx::Result<Option<Item>> {
    one(sqlx::query_as(&format!(
        "{SELECT} WHERE i.id = $1 AND i.state = 'withdrawn' AND i.disclosure = 'active' \
         AND i.index_no IS NOT NULL"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

pub async fn get_public(conn: &mut Conn, id: i64) -> sqlx::Result<Option<Item>> {
    one(
        sqlx::query_as(&format!("{SELECT} WHERE i.id = $1 AND {PUBLIC}"))
            .bind(id)
            .fetch_optional(conn)
            .await?,
    )
}

/// Filters for public listings.
#[derive(Debug, Default, Clone, Copy)]
pub struct Filter {
    pub unit_id: Option<i64>,
    pub column_id: Option<i64>,
}

/// The statement of a public list, newest first: every public item, a unit's or a column's.
/// Each shape has its own statement (a condition such as `($1 = 0 OR unit_id = $1)` would keep
/// the planner from the index that serves it).
pub fn public_list_sql(f: Filter, what: &str) -> Sql {
    let mut q = Sql::new("public list");
    let cond = match (f.column_id, f.unit_id) {
        (Some(c), _) => format!("{PUBLIC} AND i.column_id = {}", q.int(c)),
        (None, Some(u)) => format!("{PUBLIC} AND i.unit_id = {}", q.int(u)),
        (None, None) => PUBLIC.to_owned(),
    };
    q.text = format!(
        "{what} FROM items i JOIN units u ON u.id = i.unit_id JOIN columns c ON c.id = i.column_id \
         WHERE {cond} ORDER BY i.published_on DESC, i.id DESC"
    );
    q
}

/// A page of a public list and how many items it has (counted up to [`listing::COUNT_CAP`]).
pub async fn list_public(
    conn: &mut Conn,
    f: Filter,
    page: Page,
) -> sqlx::Result<(Vec<Summary>, Count)> {
    let total = public_list_sql(f, "SELECT 1")
        .capped_count("public list count")
        .count(&mut *conn)
        .await?;
    let rows = latest_public(conn, f, page).await?;
    Ok((rows, total))
}

/// A page of a public list without its count (the home page's latest, a feed).
pub async fn latest_public(conn: &mut Conn, f: Filter, page: Page) -> sqlx::Result<Vec<Summary>> {
    let mut q = public_list_sql(f, SUMMARY_COLS);
    let (limit, offset) = (q.int(page.limit()), q.int(page.offset()));
    q.text.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
    summaries(q.query_as().fetch_all(conn).await?)
}

/// The public items among `ids`, in no particular order (a search's results, read in one
/// query; an item withdrawn since it was indexed is left out).
pub async fn public_by_ids(conn: &mut Conn, ids: &[i64]) -> sqlx::Result<Vec<Summary>> {
    summaries(public_by_ids_sql(ids).query_as().fetch_all(conn).await?)
}

pub fn public_by_ids_sql(ids: &[i64]) -> Sql {
    let mut q = Sql::new("search lines");
    let list = q.ids(ids);
    q.text = format!("{SUMMARY} WHERE {PUBLIC_BY_ID} AND i.id IN ({list})");
    q
}

/// The statement of the latest `per_column` public items of each of `columns`: one bounded
/// look-up per column through the column index, in one statement.
pub fn latest_by_column_sql(columns: &[i64], per_column: i64) -> Sql {
    let mut q = Sql::new("latest by column");
    let parts: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(n, &col)| {
            let (c, l) = (q.int(col), q.int(per_column));
            format!(
                "SELECT * FROM (SELECT i.column_id, {SUMMARY_FIELDS} FROM items i JOIN units u ON u.id = i.unit_id \
                 JOIN columns c ON c.id = i.column_id WHERE i.column_id = {c} AND {PUBLIC} \
                 ORDER BY i.published_on DESC, i.id DESC LIMIT {l}) AS part{n}"
            )
        })
        .collect();
    q.text = if parts.is_empty() {
        format!("SELECT i.column_id, {SUMMARY_FIELDS} FROM items i JOIN units u ON u.id = i.unit_id JOIN columns c ON c.id = i.column_id WHERE 1 = 0")
    } else {
        parts.join(" UNION ALL ")
    };
    q
}

/// The latest `per_column` public items of each of a unit's `columns`, in one statement.
pub async fn latest_by_column(
    conn: &mut Conn,
    columns: &[i64],
    per_column: i64,
) -> sqlx::Result<Vec<(i64, Summary)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        column_id: i64,
        #[sqlx(flatten)]
        summary: SummaryRow,
    }
    let q = latest_by_column_sql(columns, per_column);
    let rows: Vec<Row> = q.query_as().fetch_all(conn).await?;
    rows.into_iter()
        .map(|r| Ok((r.column_id, Summary::try_from(r.summary)?)))
        .collect()
}

/// The statement of an item's neighbour in its column's list: the newer one (上一条) or the
/// older one (下一条), the next step along the column index.
pub fn neighbour_sql(column_id: i64, published_on: &str, id: i64, newer: bool) -> Sql {
    let mut q = Sql::new(if newer {
        "newer neighbour"
    } else {
        "older neighbour"
    });
    let (c, on, on2, i) = (
        q.int(column_id),
        q.text(published_on),
        q.text(published_on),
        q.int(id),
    );
    let (cmp, dir) = if newer { (">", "ASC") } else { ("<", "DESC") };
    q.text = format!(
        "{SUMMARY} WHERE i.column_id = {c} AND {PUBLIC} AND (i.published_on {cmp} {on} OR (i.published_on = {on2} AND i.id {cmp} {i})) \
         ORDER BY i.published_on {dir}, i.id {dir} LIMIT 1"
    );
    q
}

/// 上一条 (the newer neighbour in the column's list) and 下一条 (the older one).
pub async fn neighbours(
    conn: &mut Conn,
    item: &Item,
) -> sqlx::Result<(Option<Summary>, Option<Summary>)> {
    let on = item.published();
    let q = neighbour_sql(item.column_id, &on, item.id, true);
    let prev = summary(q.query_as().fetch_optional(&mut *conn).await?)?;
    let q = neighbour_sql(item.column_id, &on, item.id, false);
    let next = summary(q.query_as().fetch_optional(conn).await?)?;
    Ok((prev, next))
}

/// The statement of a unit's items for the back office, last changed first.
pub fn unit_items_sql(unit_id: i64, what: &str) -> Sql {
    let mut q = Sql::new("back office items");
    let u = q.int(unit_id);
    q.text = format!(
        "{what} FROM items i JOIN units u ON u.id = i.unit_id JOIN columns c ON c.id = i.column_id \
         WHERE i.unit_id = {u} ORDER BY i.updated_at DESC, i.id DESC"
    );
    q
}

/// Every item of a unit for the back office, last changed first, a page at a time.
pub async fn list_for_unit(
    conn: &mut Conn,
    unit_id: i64,
    page: Page,
) -> sqlx::Result<(Vec<Summary>, Count)> {
    let total = unit_items_sql(unit_id, "SELECT 1")
        .capped_count("back office items count")
        .count(&mut *conn)
        .await?;
    let mut q = unit_items_sql(unit_id, SUMMARY_COLS);
    let (limit, offset) = (q.int(page.limit()), q.int(page.offset()));
    q.text.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
    Ok((summaries(q.query_as().fetch_all(conn).await?)?, total))
}

/// Why an item could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("{0}")]
    Field(FieldError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn doc_no_taken(e: sqlx::Error) -> SaveError {
    if super::is_unique_violation(&e) {
        SaveError::Field(FieldError::new(
            "doc_no",
            "本单位已有一条信息使用了这个发文字号，请核对后修改",
        ))
    } else {
        SaveError::Db(e)
    }
}

pub async fn insert(
    conn: &mut Conn,
    unit_id: i64,
    column_id: i64,
    f: &ItemFields,
    created_by: Option<i64>,
) -> Result<i64, SaveError> {
    let now = super::now();
    sqlx::query_scalar(
        "INSERT INTO items (unit_id, column_id, title, body_html, publisher, author, source, doc_no, written_on, \
         topic, validity, disclosure, withheld_reason, state, created_by, created_at, updated_at, importance, prereview, \
         doc_type, repealed_on) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,'draft',$14,$15,$15,$16,$17,$18,$19) RETURNING id",
    )
    .bind(unit_id)
    .bind(column_id)
    .bind(&f.title)
    .bind(&f.body_html)
    .bind(&f.publisher)
    .bind(&f.author)
    .bind(&f.source)
    .bind(f.doc_no.as_deref())
    .bind(f.written_on.map(|d| d.to_string()))
    .bind(&f.topic)
    .bind(f.validity.as_str())
    .bind(f.disclosure.as_str())
    .bind(&f.withheld_reason)
    .bind(created_by)
    .bind(now)
    .bind(f.importance.as_str())
    .bind(serde_json::to_string(&f.prereview).unwrap_or_default())
    .bind(&f.doc_type)
    .bind(f.repealed_on.map(|d| d.to_string()))
    .fetch_one(conn)
    .await
    .map_err(doc_no_taken)
}

/// Saves an edit. A published item's edit is logged for the search index and feeds.
pub async fn update(
    tx: &mut Tx<'_>,
    item: &Item,
    column_id: i64,
    f: &ItemFields,
) -> Result<(), SaveError> {
    sqlx::query(
        "UPDATE items SET column_id=$1, title=$2, body_html=$3, publisher=$4, author=$5, source=$6, doc_no=$7, \
         written_on=$8, topic=$9, validity=$10, disclosure=$11, withheld_reason=$12, updated_at=$13, importance=$15, \
         prereview=$16, doc_type=$17, repealed_on=$18 WHERE id=$14",
    )
    .bind(column_id)
    .bind(&f.title)
    .bind(&f.body_html)
    .bind(&f.publisher)
    .bind(&f.author)
    .bind(&f.source)
    .bind(f.doc_no.as_deref())
    .bind(f.written_on.map(|d| d.to_string()))
    .bind(&f.topic)
    .bind(f.validity.as_str())
    .bind(f.disclosure.as_str())
    .bind(&f.withheld_reason)
    .bind(super::now())
    .bind(item.id)
    .bind(f.importance.as_str())
    .bind(serde_json::to_string(&f.prereview).unwrap_or_default())
    .bind(&f.doc_type)
    .bind(f.repealed_on.map(|d| d.to_string()))
    .execute(&mut **tx)
    .await
    .map_err(doc_no_taken)?;
    if item.state == ItemState::Published {
        log_change(tx, item.id, item.unit_id, "update").await?;
    }
    Ok(())
}

/// Records a change to what the public sees, in the caller's transaction.
pub async fn log_change(conn: &mut Conn, item_id: i64, unit_id: i64, op: &str) -> sqlx::Result<()> {
    write_log(conn, Some(item_id), unit_id, op).await
}

async fn write_log(
    conn: &mut Conn,
    item_id: Option<i64>,
    unit_id: i64,
    op: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO change_log (item_id, unit_id, op, at) VALUES ($1,$2,$3,$4)")
        .bind(item_id)
        .bind(unit_id)
        .bind(op)
        .bind(super::now())
        .execute(conn)
        .await?;
    Ok(())
}

/// Records, in the caller's transaction, a change to what a unit's pages show around its items
/// (its settings, its columns; a new unit): page caches on every node drop what they hold.
pub async fn log_site_change(conn: &mut Conn, unit_id: i64, op: &str) -> sqlx::Result<()> {
    write_log(conn, None, unit_id, op).await
}

/// Hands out the next counter of a unit's year. Numbers are never handed out twice: the row
/// is only ever incremented, and the update locks it until the transaction ends.
pub async fn next_counter(conn: &mut Conn, unit_id: i64, year: i64) -> sqlx::Result<i64> {
    sqlx::query("INSERT INTO index_counters (unit_id, year, last) VALUES ($1,$2,0) ON CONFLICT (unit_id, year) DO NOTHING")
        .bind(unit_id)
        .bind(year)
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar(
        "UPDATE index_counters SET last = last + 1 WHERE unit_id = $1 AND year = $2 RETURNING last",
    )
    .bind(unit_id)
    .bind(year)
    .fetch_one(conn)
    .await
}

/// Publishes a draft on `on`: assigns its 索引号 at first publication and logs the change.
/// Returns the index number.
pub async fn publish(
    tx: &mut Tx<'_>,
    item: &Item,
    org_code: &str,
    pattern: &IndexPattern,
    on: NaiveDate,
) -> sqlx::Result<String> {
    let index_no = match &item.index_no {
        Some(n) => n.clone(),
        None => {
            let counter = next_counter(tx, item.unit_id, i64::from(on.year())).await?;
            pattern.format(org_code, &item.unit_code, on.year(), counter)
        }
    };
    sqlx::query(
        "UPDATE items SET state='published', index_no=$1, published_on=$2, published_at=$3, updated_at=$3, publish_at=NULL \
         WHERE id=$4",
    )
    .bind(&index_no)
    .bind(on.to_string())
    .bind(super::now())
    .bind(item.id)
    .execute(&mut **tx)
    .await?;
    // The column's row is held until commit: showing or hiding the column waits for the
    // publication (and logs the item), or the publication waits for it (and is applied with
    // the column as it then is). Without it, a column shown while an item in it is published
    // could leave the item out of the search index.
    super::columns::hold(tx, item.column_id).await?;
    log_change(tx, item.id, item.unit_id, "publish").await?;
    Ok(index_no)
}

/// Adds batched click counts.
pub async fn add_hits(conn: &mut Conn, id: i64, n: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE items SET hits = hits + $1 WHERE id = $2")
        .bind(n)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_state(conn: &mut Conn, id: i64, state: ItemState) -> sqlx::Result<()> {
    sqlx::query("UPDATE items SET state = $1, updated_at = $2 WHERE id = $3")
        .bind(state.as_str())
        .bind(super::now())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets the importance and the floor below which editors may not set it.
pub async fn set_importance(
    conn: &mut Conn,
    id: i64,
    importance: &str,
    floor: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE items SET importance = $1, importance_floor = $2 WHERE id = $3")
        .bind(importance)
        .bind(floor)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records that `user_id` wrote or changed the item's content (four eyes: they never approve or
/// publish it). Idempotent.
pub async fn add_author(
    conn: &mut Conn,
    item_id: i64,
    unit_id: i64,
    user_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO item_authors (item_id, user_id, unit_id, at) VALUES ($1,$2,$3,$4) ON CONFLICT (item_id, user_id) DO NOTHING",
    )
    .bind(item_id)
    .bind(user_id)
    .bind(unit_id)
    .bind(super::now())
    .execute(conn)
    .await?;
    Ok(())
}

/// Everyone who wrote or changed the item's content.
pub async fn authors(conn: &mut Conn, item_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT user_id FROM item_authors WHERE item_id = $1 ORDER BY user_id")
        .bind(item_id)
        .fetch_all(conn)
        .await
}

/// The authors of several items at once (for queues): `(item_id, user_id)` pairs.
pub async fn authors_of(conn: &mut Conn, item_ids: &[i64]) -> sqlx::Result<Vec<(i64, i64)>> {
    if item_ids.is_empty() {
        return Ok(vec![]);
    }
    use super::BindIds;
    let list = super::placeholders(1, item_ids.len());
    sqlx::query_as(&format!(
        "SELECT item_id, user_id FROM item_authors WHERE item_id IN ({list})"
    ))
    .bind_ids(item_ids)
    .fetch_all(conn)
    .await
}

pub async fn set_screening(conn: &mut Conn, id: i64, findings_json: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE items SET screening = $1 WHERE id = $2")
        .bind(findings_json)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_review_comment(conn: &mut Conn, id: i64, comment: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE items SET review_comment = $1 WHERE id = $2")
        .bind(comment)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces title and body (one-click masking).
pub async fn set_text(conn: &mut Conn, id: i64, title: &str, body_html: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE items SET title = $1, body_html = $2, updated_at = $3 WHERE id = $4")
        .bind(title)
        .bind(body_html)
        .bind(super::now())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn schedule(conn: &mut Conn, id: i64, at: Option<i64>) -> sqlx::Result<()> {
    sqlx::query("UPDATE items SET publish_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Approved items whose scheduled time has come.
pub async fn due(conn: &mut Conn, now: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT id FROM items WHERE state = 'approved' AND publish_at IS NOT NULL AND publish_at <= $1 ORDER BY publish_at")
        .bind(now)
        .fetch_all(conn)
        .await
}

/// Locks an item's row whatever its state (PostgreSQL; SQLite's transaction holds the write lock
/// already), so that what is read of it next cannot change before the transaction ends.
pub async fn lock(conn: &mut Conn, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE items SET updated_at = updated_at WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Claims an item for a state change: locks its row (PostgreSQL) and confirms it is still in
/// `state`, so two nodes never act on it twice.
pub async fn claim(conn: &mut Conn, id: i64, state: ItemState) -> sqlx::Result<bool> {
    let n = sqlx::query("UPDATE items SET updated_at = updated_at WHERE id = $1 AND state = $2")
        .bind(id)
        .bind(state.as_str())
        .execute(conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Withdraws a published item: the record and its 索引号 stay; the public page answers 410.
pub async fn withdraw(tx: &mut Tx<'_>, item: &Item, reason: &str) -> sqlx::Result<()> {
    let now = super::now();
    sqlx::query("UPDATE items SET state = 'withdrawn', withdrawn_reason = $1, withdrawn_at = $2, updated_at = $2 WHERE id = $3")
        .bind(reason)
        .bind(now)
        .bind(item.id)
        .execute(&mut **tx)
        .await?;
    log_change(tx, item.id, item.unit_id, "withdraw").await
}

/// Items of the given units waiting in review, oldest first (for queues).
/// The review queue shows at most this many items (the oldest waiting first).
pub const QUEUE_LIMIT: i64 = 200;

/// The statement of the items waiting for review in `unit_ids`, oldest first.
pub fn in_review_sql(unit_ids: &[i64]) -> Sql {
    let mut q = Sql::new("review queue");
    let list = q.ids(unit_ids);
    q.text = format!(
        "{SELECT} WHERE i.unit_id IN ({list}) AND i.state = 'in_review' ORDER BY i.updated_at, i.id LIMIT {QUEUE_LIMIT}"
    );
    q
}

pub async fn in_review(conn: &mut Conn, unit_ids: &[i64]) -> sqlx::Result<Vec<Item>> {
    if unit_ids.is_empty() {
        return Ok(vec![]);
    }
    all(in_review_sql(unit_ids).query_as().fetch_all(conn).await?)
}

/// A unit's items under review (waiting or approved), to refit when its review policy changes.
pub async fn under_review(conn: &mut Conn, unit_id: i64) -> sqlx::Result<Vec<Item>> {
    all(sqlx::query_as(&format!(
        "{SELECT} WHERE i.unit_id = $1 AND i.state IN ('in_review', 'approved') ORDER BY i.id"
    ))
    .bind(unit_id)
    .fetch_all(conn)
    .await?)
}

/// The highest id of any item (0 when there are none): how many sitemap pages of ids there are.
pub async fn max_id(conn: &mut Conn) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM items")
        .fetch_one(conn)
        .await
}

/// Public items with ids in `(after, upto]`, by id, with their publication date: one bounded
/// range of the primary key per sitemap page.
pub async fn public_in_range(
    conn: &mut Conn,
    after: i64,
    upto: i64,
) -> sqlx::Result<Vec<(i64, Option<String>)>> {
    sqlx::query_as(&format!(
        "SELECT i.id, i.published_on FROM items i JOIN columns c ON c.id = i.column_id \
         WHERE i.id > $1 AND i.id <= $2 AND {PUBLIC} ORDER BY i.id"
    ))
    .bind(after)
    .bind(upto)
    .fetch_all(conn)
    .await
}

/// An item sent back to its authors: what the dashboard lists under 已退回.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Returned {
    pub id: i64,
    pub title: String,
    pub review_comment: String,
    pub unit_name: String,
}

/// The drafts a reviewer sent back to this author, newest first (a few; the rest are in the
/// unit's list). Returned drafts are few among all items: read through their own partial
/// index (`items_returned`), each checked against its authors by key.
pub fn returned_to_sql(user_id: i64) -> Sql {
    let mut q = Sql::new("returned drafts");
    let u = q.int(user_id);
    q.text = format!(
        "SELECT i.id, i.title, i.review_comment, un.name AS unit_name FROM items i \
         JOIN units un ON un.id = i.unit_id \
         WHERE i.state = 'draft' AND i.review_comment <> '' \
         AND EXISTS (SELECT 1 FROM item_authors a WHERE a.item_id = i.id AND a.user_id = {u}) \
         ORDER BY i.updated_at DESC LIMIT 20"
    );
    q
}

pub async fn returned_to(conn: &mut Conn, user_id: i64) -> sqlx::Result<Vec<Returned>> {
    returned_to_sql(user_id).query_as().fetch_all(conn).await
}
