//! Listing statements: the SQL and arguments of every list the portal and the back office show,
//! built in one place so that the code that runs a list and the test that explains its plan
//! read the same statement. Every list reads a bounded page through an index; counts stop at
//! [`COUNT_CAP`].

use super::Conn;
use sqlx::Row;

/// Counts stop here: beyond it a list says "more than 10,000" and pages no deeper.
pub const COUNT_CAP: i64 = 10_000;

/// A bound value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Int(i64),
    Text(String),
}

/// A statement with its arguments, each bound as `$n` in order.
#[derive(Debug, Clone)]
pub struct Sql {
    /// What the list is, for the plan checks.
    pub name: &'static str,
    pub text: String,
    pub args: Vec<Arg>,
}

type Args<'q> = sqlx::any::AnyArguments<'q>;

impl Sql {
    pub fn new(name: &'static str) -> Sql {
        Sql {
            name,
            text: String::new(),
            args: Vec::new(),
        }
    }

    /// Adds an argument, returning its placeholder.
    pub fn arg(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }

    pub fn int(&mut self, i: i64) -> String {
        self.arg(Arg::Int(i))
    }

    pub fn text(&mut self, s: impl Into<String>) -> String {
        self.arg(Arg::Text(s.into()))
    }

    /// `IN (…)` placeholders over ids (`NULL`, matching nothing, for none).
    pub fn ids(&mut self, ids: &[i64]) -> String {
        if ids.is_empty() {
            return "NULL".into();
        }
        ids.iter()
            .map(|id| self.int(*id))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn push(&mut self, s: &str) -> &mut Sql {
        self.text.push_str(s);
        self
    }

    pub fn query_as<'q, O>(&'q self) -> sqlx::query::QueryAs<'q, sqlx::Any, O, Args<'q>>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        self.args
            .iter()
            .fold(sqlx::query_as(&self.text), |q, a| match a {
                Arg::Int(i) => q.bind(*i),
                Arg::Text(s) => q.bind(s.as_str()),
            })
    }

    pub fn scalar<'q, O>(&'q self) -> sqlx::query::QueryScalar<'q, sqlx::Any, O, Args<'q>>
    where
        (O,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        self.args
            .iter()
            .fold(sqlx::query_scalar(&self.text), |q, a| match a {
                Arg::Int(i) => q.bind(*i),
                Arg::Text(s) => q.bind(s.as_str()),
            })
    }

    /// How many rows `SELECT 1 FROM … WHERE …` (this statement) gives, up to one past
    /// [`COUNT_CAP`], read through the same index as the list.
    pub fn capped_count(&self, name: &'static str) -> Sql {
        Sql {
            name,
            text: format!(
                "SELECT COUNT(*) FROM ({} LIMIT {}) AS counted",
                self.text,
                COUNT_CAP + 1
            ),
            args: self.args.clone(),
        }
    }

    /// Runs a capped count. (Read to the end: on SQLite a statement left after its first row
    /// keeps the connection's read snapshot, and later reads on it would not see new commits.)
    pub async fn count(&self, conn: &mut Conn) -> sqlx::Result<Count> {
        let n: Vec<i64> = self.scalar().fetch_all(conn).await?;
        Ok(Count::of(n.first().copied().unwrap_or(0)))
    }

    /// The plan the database would follow, one line per step.
    pub async fn plan(
        &self,
        conn: &mut Conn,
        backend: super::Backend,
    ) -> sqlx::Result<Vec<String>> {
        let explained = Sql {
            name: self.name,
            text: match backend {
                super::Backend::Sqlite => format!("EXPLAIN QUERY PLAN {}", self.text),
                super::Backend::Postgres => format!("EXPLAIN {}", self.text),
            },
            args: self.args.clone(),
        };
        let q = explained
            .args
            .iter()
            .fold(sqlx::query(&explained.text), |q, a| match a {
                Arg::Int(i) => q.bind(*i),
                Arg::Text(s) => q.bind(s.as_str()),
            });
        let rows = q.fetch_all(conn).await?;
        rows.iter()
            .map(|r| match backend {
                super::Backend::Sqlite => r.try_get::<String, _>("detail"),
                super::Backend::Postgres => r.try_get::<String, _>(0),
            })
            .collect()
    }
}

/// A count that stops at [`COUNT_CAP`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// Exact, or `COUNT_CAP` when there are more.
    pub shown: i64,
    /// There are more than `shown`.
    pub more: bool,
}

impl Count {
    pub fn of(n: i64) -> Count {
        Count {
            shown: n.min(COUNT_CAP),
            more: n > COUNT_CAP,
        }
    }

    pub fn exact(n: i64) -> Count {
        Count {
            shown: n,
            more: false,
        }
    }
}

impl std::fmt::Display for Count {
    /// `10000+` when there are more.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.more {
            write!(f, "{}+", self.shown)
        } else {
            write!(f, "{}", self.shown)
        }
    }
}

/// The tables that grow with the years; a listing never reads one of them whole.
pub const LARGE_TABLES: &[&str] = &[
    "items",
    "applications",
    "application_events",
    "attachments",
    "letters",
    "remedies",
    "item_events",
    "change_log",
    "audit_log",
];

/// The steps of a plan that read a large table whole (none, for a good plan). SQLite says
/// `SCAN <table or alias>` for a full pass and `SEARCH` for a look-up through an index;
/// PostgreSQL says `Seq Scan on <table>`. A listing's statement names each large table by its
/// own name or by an alias given in `aliases`.
pub fn full_scans(plan: &[String], aliases: &[(&str, &str)]) -> Vec<String> {
    let large = |name: &str| {
        LARGE_TABLES.contains(&name)
            || aliases
                .iter()
                .any(|(alias, table)| *alias == name && LARGE_TABLES.contains(table))
    };
    plan.iter()
        .filter(|line| {
            let l = line.trim_start_matches([' ', '-', '>']);
            if let Some(rest) = l.strip_prefix("SCAN ") {
                let name = rest.split_whitespace().next().unwrap_or("");
                large(name)
            } else if let Some(pos) = l.find("Seq Scan on ") {
                let name = l[pos + "Seq Scan on ".len()..]
                    .split_whitespace()
                    .next()
                    .unwrap_or("");
                large(name)
            } else {
                false
            }
        })
        .cloned()
        .collect()
}

/// Every listing statement, with arguments taken from a generated database (`sunshine gen`): a
/// township, its city, the province, their columns, a case list of each kind. The scale tests
/// explain each and fail on a full scan.
pub async fn generated_samples(conn: &mut Conn) -> sqlx::Result<Vec<Sql>> {
    use super::applications::{cases_sql, Cases, LIST_LIMIT};
    use super::catalog::{self, Filter as CatalogFilter, Sort, SortKey};
    use super::items::{self, Filter};
    let id_of = |code: &'static str| {
        let mut q = Sql::new("unit");
        let c = q.text(code);
        q.text = format!("SELECT id FROM units WHERE code = {c}");
        q
    };
    let township: i64 = id_of("c001-t01").scalar().fetch_one(&mut *conn).await?;
    let city: i64 = id_of("c001").scalar().fetch_one(&mut *conn).await?;
    let province: i64 = id_of("province").scalar().fetch_one(&mut *conn).await?;
    let city_units: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM units WHERE id = $1 OR parent_id = $1 ORDER BY id")
            .bind(city)
            .fetch_all(&mut *conn)
            .await?;
    let all_units: Vec<i64> = sqlx::query_scalar("SELECT id FROM units ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    let columns: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, slug FROM columns WHERE unit_id = $1 AND hidden = 0 ORDER BY sort_order, id",
    )
    .bind(township)
    .fetch_all(&mut *conn)
    .await?;
    let column = columns
        .iter()
        .find(|(_, slug)| slug == "notices")
        .map_or(0, |(id, _)| *id);
    let column_ids: Vec<i64> = columns.iter().map(|(id, _)| *id).collect();
    let (item_id, published_on): (i64, String) = sqlx::query_as(
        "SELECT id, published_on FROM items WHERE column_id = $1 AND state = 'published' ORDER BY published_on DESC, id DESC LIMIT 1",
    )
    .bind(column)
    .fetch_one(&mut *conn)
    .await?;
    let ids: Vec<i64> = (item_id..item_id + 10).collect();
    let paged = |mut q: Sql, limit: i64, offset: i64| {
        let (l, o) = (q.int(limit), q.int(offset));
        q.text.push_str(&format!(" LIMIT {l} OFFSET {o}"));
        q
    };
    const SUMMARY: &str = "SELECT i.id, i.title";
    let mut out = Vec::new();
    for f in [
        Filter::default(),
        Filter {
            unit_id: Some(township),
            column_id: None,
        },
        Filter {
            unit_id: Some(province),
            column_id: None,
        },
        Filter {
            unit_id: Some(township),
            column_id: Some(column),
        },
    ] {
        out.push(paged(items::public_list_sql(f, SUMMARY), 20, 0));
        out.push(paged(
            items::public_list_sql(f, SUMMARY),
            20,
            COUNT_CAP - 20,
        ));
        out.push(items::public_list_sql(f, "SELECT 1").capped_count("public list count"));
    }
    out.push(items::latest_by_column_sql(&column_ids, 5));
    out.push(items::neighbour_sql(column, &published_on, item_id, true));
    out.push(items::neighbour_sql(column, &published_on, item_id, false));
    out.push(items::public_by_ids_sql(&ids));
    out.push(paged(items::unit_items_sql(township, SUMMARY), 30, 0));
    out.push(paged(items::unit_items_sql(province, SUMMARY), 30, 3000));
    out.push(items::unit_items_sql(township, "SELECT 1").capped_count("back office items count"));
    out.push(items::in_review_sql(&[township]));
    out.push(items::in_review_sql(&all_units));
    let filters = [
        CatalogFilter::default(),
        CatalogFilter {
            units: Some(city_units.clone()),
            ..CatalogFilter::default()
        },
        CatalogFilter {
            units: Some(vec![township]),
            year: Some(2020),
            ..CatalogFilter::default()
        },
        CatalogFilter {
            units: Some(vec![township]),
            columns: Some(vec![column]),
            ..CatalogFilter::default()
        },
        CatalogFilter {
            topic: Some("教育".into()),
            ..CatalogFilter::default()
        },
        CatalogFilter {
            units: Some(city_units.clone()),
            doc_no: Some("2020".into()),
            ..CatalogFilter::default()
        },
    ];
    for f in &filters {
        for key in SortKey::ALL {
            for ascending in [false, true] {
                out.push(paged(
                    catalog::catalog_sql(f, Sort { key, ascending }, SUMMARY),
                    20,
                    0,
                ));
            }
        }
        out.push(
            catalog::catalog_sql(f, Sort::default(), "SELECT 1").capped_count("catalog count"),
        );
    }
    out.push(catalog::topics_sql(Some(&[township])));
    for units in [Some(&[township][..]), Some(&city_units[..]), None] {
        for which in [Cases::Open, Cases::Replied, Cases::RepliedLate] {
            out.push(cases_sql(units, which, LIST_LIMIT));
        }
    }
    Ok(out)
}

/// The aliases the listing statements give the large tables.
pub const ALIASES: &[(&str, &str)] = &[("i", "items"), ("a", "applications"), ("x", "items")];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_scans_are_told_from_look_ups() {
        let aliases = [("i", "items"), ("c", "columns")];
        let plan = |lines: &[&str]| lines.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(full_scans(
            &plan(&[
                "SEARCH i USING INDEX items_public (column_id=? AND state=?)",
                "SCAN c"
            ]),
            &aliases
        )
        .is_empty());
        assert_eq!(
            full_scans(
                &plan(&["SCAN i", "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)"]),
                &aliases
            )
            .len(),
            1
        );
        assert_eq!(
            full_scans(&plan(&["SCAN i USING INDEX items_latest"]), &aliases).len(),
            1
        );
        assert_eq!(
            full_scans(
                &plan(&[
                    "Limit  (cost=0.42..1.2 rows=20 width=8)",
                    "  ->  Seq Scan on items i  (cost=0.00..3.10 rows=110 width=8)"
                ]),
                &aliases
            )
            .len(),
            1
        );
        assert!(full_scans(
            &plan(&[
                "  ->  Index Scan Backward using items_public on items i",
                "  ->  Seq Scan on columns c"
            ]),
            &aliases
        )
        .is_empty());
    }

    #[test]
    fn counts_stop_at_the_cap() {
        assert_eq!(
            Count::of(5),
            Count {
                shown: 5,
                more: false
            }
        );
        assert_eq!(
            Count::of(COUNT_CAP),
            Count {
                shown: COUNT_CAP,
                more: false
            }
        );
        assert_eq!(
            Count::of(COUNT_CAP + 1),
            Count {
                shown: COUNT_CAP,
                more: true
            }
        );
    }
}
