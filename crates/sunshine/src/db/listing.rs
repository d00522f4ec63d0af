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

/// Binds a statement's arguments, in order, to any of sqlx's query kinds.
macro_rules! bind_args {
    ($q:expr, $args:expr) => {
        $args.iter().fold($q, |q, a| match a {
            Arg::Int(i) => q.bind(*i),
            Arg::Text(s) => q.bind(s.as_str()),
        })
    };
}

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
        bind_args!(sqlx::query_as(&self.text), self.args)
    }

    pub fn scalar<'q, O>(&'q self) -> sqlx::query::QueryScalar<'q, sqlx::Any, O, Args<'q>>
    where
        (O,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        bind_args!(sqlx::query_scalar(&self.text), self.args)
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

    /// Runs a capped count.
    pub async fn count(&self, conn: &mut Conn) -> sqlx::Result<Count> {
        Ok(Count::of(self.scalar().fetch_one(conn).await?))
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
        let q = bind_args!(sqlx::query(&explained.text), explained.args);
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

#[cfg(test)]
mod tests {
    use super::*;

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
