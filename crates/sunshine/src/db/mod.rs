//! Storage: one schema on two backends (SQLite embedded, PostgreSQL for production), reached
//! through sqlx's `Any` driver so every query is written once. Queries use `$n` placeholders,
//! which both backends accept, and only types both read alike (i64, text).
//!
//! Each submodule holds small named functions over one table family; functions that take part
//! in a larger change take a transaction (`&mut AnyConnection`).

pub mod applications;
pub mod attachments;
pub mod audit;
pub mod calendar;
pub mod catalog;
pub mod columns;
pub mod items;
pub mod listing;
pub mod report;
pub mod review;
pub mod search;
pub mod sessions;
pub mod supervision;
pub mod throttle;
pub mod units;
pub mod upgrade;
pub mod users;

use crate::crypto::DataKey;
use anyhow::{bail, Context};
use serde::Serialize;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub type Conn = sqlx::AnyConnection;

/// A transaction for a change. It carries the deployment's key so that the audit entry written
/// in it can be keyed (the key never enters the database); otherwise it is sqlx's transaction.
pub struct Tx<'c> {
    inner: sqlx::Transaction<'c, sqlx::Any>,
    key: Option<Arc<DataKey>>,
}

impl Tx<'_> {
    pub async fn commit(self) -> sqlx::Result<()> {
        self.inner.commit().await
    }

    pub async fn rollback(self) -> sqlx::Result<()> {
        self.inner.rollback().await
    }

    /// The key the audit chain is keyed with.
    pub fn key(&self) -> Option<&DataKey> {
        self.key.as_deref()
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.inner
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct Db {
    /// The primary: every write, every staff page, everything that must see the latest write.
    pub pool: AnyPool,
    /// For what may lag a moment (public pages, public API answers, the change log they follow):
    /// a read replica when `database_read_url` is set, otherwise the primary's own pool. Read
    /// through [`Db::read`], which turns to the primary while the replica lags.
    read_pool: AnyPool,
    /// Set by the page cache's follower while the replica is more than [`REPLICA_LAG_LIMIT`]
    /// behind the primary's change log.
    replica_lags: Arc<std::sync::atomic::AtomicBool>,
    has_replica: bool,
    pub backend: Backend,
    key: Option<Arc<DataKey>>,
    upgraded: bool,
}

/// A replica further behind the primary's change log than this is not read from: public reads
/// go to the primary until it has caught up.
pub const REPLICA_LAG_LIMIT: Duration = Duration::from_secs(5);

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Which backend a URL names, or a clear error for anything else.
pub fn backend_of(url: &str) -> anyhow::Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        bail!(
            "数据库地址无法识别（database URL not understood）: 应为 sqlite:///绝对路径/sunshine.db 或 postgres://用户@主机:5432/库名"
        )
    }
}

impl Db {
    /// Connects without migrating (for `sunshine migrate` and the server, which then migrate).
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let mut url = url.to_owned();
        if backend == Backend::Sqlite {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            let path = path.split('?').next().unwrap_or("");
            if path.is_empty() || path == ":memory:" {
                bail!("SQLite 数据库需要一个文件路径，例如 sqlite:///var/lib/sunshine/sunshine.db");
            }
            if let Some(dir) = std::path::Path::new(path).parent() {
                crate::files::private_dir(dir)
                    .with_context(|| format!("无法创建数据库目录 {}", dir.display()))?;
            }
            if !url.contains('?') {
                url.push_str("?mode=rwc");
            }
        }
        let opts = AnyConnectOptions::from_str(&url).context("数据库地址格式不正确")?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        // Reads through a memory map instead of a read() per page: an item
                        // page made from the database costs half (measured at 100,000 items;
                        // writes still go through the journal as before).
                        conn.execute("PRAGMA mmap_size = 2147418112").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(opts)
            .await
            .with_context(|| match backend {
                Backend::Sqlite => "无法打开 SQLite 数据库".to_owned(),
                Backend::Postgres => {
                    "无法连接 PostgreSQL 数据库（请检查地址、用户和服务器是否在运行）".to_owned()
                }
            })?;
        Ok(Db {
            read_pool: pool.clone(),
            replica_lags: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            has_replica: false,
            pool,
            backend,
            key: None,
            upgraded: false,
        })
    }

    /// Routes lag-tolerant reads to a read replica (PostgreSQL streaming replication).
    pub async fn with_read_replica(mut self, url: &str) -> anyhow::Result<Db> {
        if url.is_empty() {
            return Ok(self);
        }
        let replica = Self::connect(url)
            .await
            .context("无法连接只读副本（database_read_url）")?;
        self.read_pool = replica.pool;
        self.has_replica = true;
        Ok(self)
    }

    /// The pool for reads that may lag: the replica, unless there is none or it lags.
    pub fn read(&self) -> &AnyPool {
        if self.replica_lags.load(std::sync::atomic::Ordering::Acquire) {
            &self.pool
        } else {
            &self.read_pool
        }
    }

    /// The replica's own pool, whether or not it lags (for measuring its lag).
    pub fn replica(&self) -> Option<&AnyPool> {
        self.has_replica.then_some(&self.read_pool)
    }

    /// Whether lag-tolerant reads go to the primary for now; whether that changed.
    pub fn set_replica_lags(&self, lags: bool) -> bool {
        self.replica_lags
            .swap(lags, std::sync::atomic::Ordering::AcqRel)
            != lags
    }

    /// Attaches the deployment's key (from configuration or the data directory's key file).
    pub fn with_key(mut self, key: DataKey) -> Db {
        self.key = Some(Arc::new(key));
        self
    }

    pub fn key(&self) -> Option<&DataKey> {
        self.key.as_deref()
    }

    pub fn with_shared_key(mut self, key: Arc<DataKey>) -> Db {
        self.key = Some(key);
        self
    }

    /// The key, for work handed to another thread.
    pub fn shared_key(&self) -> Option<Arc<DataKey>> {
        self.key.clone()
    }

    /// Everything a command needs: connected, migrated, keyed, upgraded.
    pub async fn open(config: &crate::config::Config) -> anyhow::Result<Db> {
        let mut db = Self::open_to_read(config).await?;
        db.migrate().await?;
        crate::db::upgrade::run(&db).await?;
        db.upgraded = true;
        Ok(db)
    }

    /// Connected and keyed, with no migration or upgrade run: for commands that only read (an
    /// audit verification must not change what it verifies).
    pub async fn open_to_read(config: &crate::config::Config) -> anyhow::Result<Db> {
        let db = Self::connect(&config.database_url).await?;
        crate::files::restrict_database(&config.database_url);
        let key = DataKey::load(config.data_key.as_deref(), &config.data_dir)?;
        let db = db.with_key(key);
        crate::db::upgrade::check_key(&db).await?;
        Ok(db)
    }

    /// Whether this process ran the one-off upgrades on this database already.
    pub fn is_upgraded(&self) -> bool {
        self.upgraded
    }

    /// Applies pending forward-only migrations. Safe to run from several nodes at once
    /// (PostgreSQL takes an advisory lock).
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let m = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        m.run(&self.pool).await.context("数据库迁移失败")?;
        Ok(())
    }

    pub async fn connect_and_migrate(url: &str) -> anyhow::Result<Db> {
        let db = Self::connect(url).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// Begins a transaction for a change. On SQLite it takes the write lock at once (a no-op
    /// write first): a transaction that reads and then writes could otherwise fail with
    /// SQLITE_BUSY when another writer commits between its read and its write. On PostgreSQL
    /// row locks do this job.
    pub async fn begin(&self) -> Result<Tx<'static>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Sqlite {
            sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 0")
                .execute(&mut *tx)
                .await?;
        }
        Ok(Tx {
            inner: tx,
            key: self.key.clone(),
        })
    }

    /// `GET /healthz`: the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// A stored 0/1 column, read as a yes or no; any other value refuses the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Flag(pub bool);

impl TryFrom<i64> for Flag {
    type Error = String;
    fn try_from(v: i64) -> Result<Flag, String> {
        match v {
            0 => Ok(Flag(false)),
            1 => Ok(Flag(true)),
            other => Err(format!("a yes/no column holds {other}")),
        }
    }
}

impl Flag {
    pub fn is_set(self) -> bool {
        self.0
    }
}

/// Which units' records a staff query may return. Every staff query starts from it, so another
/// unit's record is never loaded at all: it is not found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The units a grant covers (staff units and supervised ones).
    Units(Vec<i64>),
    /// Every unit: work done for the system itself (the scheduler, the CLI, the demo loader),
    /// which acts for no unit in particular. Never a person's scope.
    Everything,
}

impl Scope {
    /// One unit, whose right the caller has already checked (a row read again in the
    /// transaction that changes it).
    pub fn unit(id: i64) -> Scope {
        Scope::Units(vec![id])
    }

    /// The units a user's grants let them read (a supervisor's: every unit below their grant,
    /// listed, whatever the tree's roots).
    pub fn of(grants: &sunshine_core::policy::Grants) -> Scope {
        Scope::Units(grants.readable_units())
    }

    /// The condition on `column`, with the unit ids bound from parameter `$first` on by
    /// [`BindIds::bind_ids`] over [`Scope::ids`].
    pub(crate) fn condition(&self, column: &str, first: usize) -> String {
        match self {
            Scope::Everything => "1 = 1".into(),
            Scope::Units(ids) => format!("{column} IN ({})", placeholders(first, ids.len())),
        }
    }

    pub(crate) fn ids(&self) -> &[i64] {
        match self {
            Scope::Everything => &[],
            Scope::Units(ids) => ids,
        }
    }
}

/// The placeholders of an `IN (…)` over `n` record ids bound from parameter `$first` on
/// (`$3, $4, $5`), or `NULL`, which matches nothing, for none. The ids themselves are bound with
/// [`BindIds::bind_ids`], in the same order: no value is ever written into the SQL.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    if n == 0 {
        return "NULL".into();
    }
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds a list of ids, one parameter each, to a query built with [`placeholders`].
pub(crate) trait BindIds: Sized {
    fn bind_ids(self, ids: &[i64]) -> Self;
}

type Args<'q> = sqlx::any::AnyArguments<'q>;

impl<'q> BindIds for sqlx::query::Query<'q, sqlx::Any, Args<'q>> {
    fn bind_ids(self, ids: &[i64]) -> Self {
        ids.iter().fold(self, |q, id| q.bind(*id))
    }
}

impl<'q, O> BindIds for sqlx::query::QueryAs<'q, sqlx::Any, O, Args<'q>> {
    fn bind_ids(self, ids: &[i64]) -> Self {
        ids.iter().fold(self, |q, id| q.bind(*id))
    }
}

impl<'q, O> BindIds for sqlx::query::QueryScalar<'q, sqlx::Any, O, Args<'q>> {
    fn bind_ids(self, ids: &[i64]) -> Self {
        ids.iter().fold(self, |q, id| q.bind(*id))
    }
}

/// The ISO dates `[from, until)` of a calendar year: date columns hold `YYYY-MM-DD`, so a year
/// is a range the indexes serve (never `substr` over every row).
pub fn year_range(year: i32) -> (String, String) {
    (format!("{year:04}-01-01"), format!("{:04}-01-01", year + 1))
}

/// Unix seconds now.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Whether an error is a unique-constraint violation (both backends), so it can become a
/// field error instead of a 500.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.is_unique_violation()
                || d.code().as_deref() == Some("23505")
                || d.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_is_the_units_a_grant_covers() {
        use sunshine_core::policy::{Grant, Grants};
        use sunshine_core::role::Role;
        let tree = [(1, None), (2, Some(1)), (3, Some(1)), (4, Some(2))];
        let of = |grants: &[(i64, Role)]| {
            let grants = grants
                .iter()
                .map(|&(unit_id, role)| Grant { unit_id, role })
                .collect();
            Scope::of(&Grants::new(7, grants, &tree))
        };
        assert_eq!(of(&[(3, Role::Editor)]), Scope::Units(vec![3]));
        assert_eq!(
            of(&[(3, Role::Editor), (2, Role::Supervisor)]),
            Scope::Units(vec![2, 3, 4])
        );
        // A city-wide supervisor reads every unit below the grant, and no other root's.
        assert_eq!(of(&[(1, Role::Supervisor)]), Scope::Units(vec![1, 2, 3, 4]));
        assert_eq!(of(&[]), Scope::Units(vec![]));
        assert_eq!(
            Scope::Units(vec![2, 3]).condition("i.unit_id", 2),
            "i.unit_id IN ($2, $3)"
        );
        assert_eq!(
            Scope::Units(vec![]).condition("unit_id", 2),
            "unit_id IN (NULL)"
        );
        assert_eq!(Scope::Everything.condition("unit_id", 2), "1 = 1");
        assert!(Scope::Everything.ids().is_empty());
    }

    #[test]
    fn in_lists_are_numbered_placeholders_and_none_matches_nothing() {
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
        assert_eq!(placeholders(1, 1), "$1");
        assert_eq!(placeholders(2, 0), "NULL");
    }

    #[tokio::test]
    async fn bound_id_lists_select_exactly_their_rows() {
        sqlx::any::install_default_drivers();
        let mut conn: Conn = sqlx::Connection::connect("sqlite::memory:").await.unwrap();
        sqlx::query("CREATE TABLE t (id BIGINT, tag TEXT)")
            .execute(&mut conn)
            .await
            .unwrap();
        for (id, tag) in [(1, "a"), (2, "a"), (3, "b"), (4, "a")] {
            sqlx::query("INSERT INTO t VALUES ($1, $2)")
                .bind(id)
                .bind(tag)
                .execute(&mut conn)
                .await
                .unwrap();
        }
        let select = |ids: &'static [i64]| {
            let sql = format!(
                "SELECT id FROM t WHERE tag = $1 AND id IN ({}) ORDER BY id",
                placeholders(2, ids.len())
            );
            (sql, ids)
        };
        for (ids, want) in [
            (&[1i64, 3, 4][..], vec![1i64, 4]),
            (&[][..], vec![]),
            (&[2][..], vec![2]),
        ] {
            let (sql, ids) = select(ids);
            let got: Vec<i64> = sqlx::query_scalar(&sql)
                .bind("a")
                .bind_ids(ids)
                .fetch_all(&mut conn)
                .await
                .unwrap();
            assert_eq!(got, want, "{ids:?}");
        }
    }
}
