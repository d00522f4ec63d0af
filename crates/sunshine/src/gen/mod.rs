//! `sunshine gen`: fills an empty database with a province's worth of realistic data, for
//! benchmarks, scale tests and trying the product at size. A unit tree (the province, its
//! departments, its cities with their departments and townships), items with Chinese titles and
//! bodies recombined from the seed report and typical notices, DOCX attachments with their
//! extracted text, staff accounts, and applications across the years with every outcome, clock
//! event and remedy, their deadlines computed by the core exactly as the service would.
//!
//! Deterministic for a seed. Rows are made on a blocking thread and written by the async side
//! in multi-row statements inside large transactions, so the two overlap; ids are assigned
//! here (the database is empty), which is what makes batching possible.

pub mod corpus;

use crate::blobs::Blobs;
use crate::db::{Backend, Db};
use anyhow::{bail, Context};
use chrono::{Datelike, Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use sunshine_core::application::Outcome;
use sunshine_core::calendar::Calendar;
use sunshine_core::deadline::{self, ClockSettings, Event};
use sunshine_core::unit::UnitKind;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub units: u64,
    pub items: u64,
    pub applications: u64,
    pub seed: u64,
}

/// The largest sizes accepted: beyond them a run takes hours and fills disks.
pub const MAX_UNITS: u64 = 100_000;
pub const MAX_ITEMS: u64 = 20_000_000;
pub const MAX_APPLICATIONS: u64 = 5_000_000;

impl Plan {
    /// Refuses sizes that make no sense, saying which and why.
    pub fn check(&self) -> Result<(), String> {
        if self.units == 0 {
            return Err("--units 至少为 1（省级政府本身就是一个单位）".into());
        }
        if self.units > MAX_UNITS {
            return Err(format!(
                "--units 最多 {MAX_UNITS} 个（全国县级单位约 2,800 个；更多没有意义）"
            ));
        }
        if self.items > MAX_ITEMS {
            return Err(format!("--items 最多 {MAX_ITEMS} 条"));
        }
        if self.applications > MAX_APPLICATIONS {
            return Err(format!("--applications 最多 {MAX_APPLICATIONS} 件"));
        }
        if self.items > 0 && self.items < self.units {
            return Err(format!(
                "--items（{}）少于 --units（{}）：每个单位至少要有一条信息（其政府信息公开指南）",
                self.items, self.units
            ));
        }
        Ok(())
    }
}

/// What a run made.
#[derive(Debug, Default, Clone, Copy)]
pub struct Made {
    pub units: u64,
    pub columns: u64,
    pub users: u64,
    pub items: u64,
    pub published: u64,
    pub attachments: u64,
    pub applications: u64,
    pub events: u64,
    pub remedies: u64,
}

/// Where a run is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Units,
    Items,
    Indexes,
    Applications,
    Finishing,
}

impl Stage {
    pub fn label(self) -> &'static str {
        match self {
            Stage::Units => "单位、栏目和账号",
            Stage::Items => "信息和附件",
            Stage::Indexes => "建立数据库索引",
            Stage::Applications => "依申请公开",
            Stage::Finishing => "统计信息",
        }
    }
}

/// Every staff account generated signs in with this password unless one is given.
pub const DEFAULT_PASSWORD: &str = "generated-password-1";

/// A tracking number and access code that `/track` accepts (the first generated application).
#[derive(Debug, Clone)]
pub struct Sample {
    pub tracking_no: String,
    pub access_code: String,
}

/// Fills the (empty) database at `url`, which `db` is open on. `progress` is told the stage,
/// how far it is and how far it goes.
///
/// On SQLite the load runs on a connection of its own with the journal off (a generated
/// database that a crash interrupts is generated again), so `db`'s pool is closed first: open
/// the database again afterwards.
pub async fn run(
    db: &Db,
    url: &str,
    blobs: &Blobs,
    plan: &Plan,
    password: &str,
    progress: &(dyn Fn(Stage, u64, u64) + Sync),
) -> anyhow::Result<(Made, Option<Sample>)> {
    plan.check().map_err(anyhow::Error::msg)?;
    let key = db
        .shared_key()
        .context("数据加密密钥未加载，无法生成申请人的证件号码")?;
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM units")
        .fetch_one(&db.pool)
        .await?;
    if existing > 0 {
        bail!(
            "数据库中已有 {existing} 个单位：sunshine gen 只填充空数据库。请换一个 --data-dir（或 --database-url 指向新建的空库）再运行"
        );
    }
    let hash = {
        let p = password.to_owned();
        tokio::task::spawn_blocking(move || crate::auth::hash_password(&p)).await??
    };
    if db.backend == Backend::Sqlite {
        db.pool.close().await;
    }
    let mut conn: sqlx::AnyConnection = sqlx::Connection::connect(url)
        .await
        .context("无法打开数据库")?;
    if db.backend == Backend::Sqlite {
        // Alone on the file, without a journal or waiting for the disk, and trusting the rows
        // made here to refer to each other correctly (the tests check that they do).
        sqlx::query("PRAGMA journal_mode = OFF")
            .execute(&mut conn)
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "数据库正被另一个进程使用（例如正在运行的 sunshine serve），无法独占生成；请先停止它再运行 sunshine gen（{e}）"
                )
            })?;
        for pragma in [
            "PRAGMA synchronous = OFF",
            "PRAGMA foreign_keys = OFF",
            "PRAGMA cache_size = -1048576",
            "PRAGMA mmap_size = 17179869184",
        ] {
            sqlx::query(pragma).execute(&mut conn).await?;
        }
    }
    let mut made = Made::default();
    let tree = Tree::new(plan);
    progress(Stage::Units, 0, tree.units.len() as u64);
    let mut tx = sqlx::Connection::begin(&mut conn).await?;
    tree.write(&mut tx, &hash, &mut made).await?;
    tx.commit().await?;
    progress(Stage::Units, made.units, made.units);

    // Items: made on a blocking thread, written here, with the items' secondary indexes built
    // once at the end (a sort) rather than row by row.
    let deferred = drop_indexes(&mut conn, db.backend, &["items", "attachments"]).await?;
    progress(Stage::Items, 0, plan.items);
    let loaded: anyhow::Result<()> = async {
        let (send, mut recv) = tokio::sync::mpsc::channel::<ItemBatch>(4);
        let maker_tree = tree.clone();
        let (items, seed) = (plan.items, plan.seed);
        let maker = tokio::task::spawn_blocking(move || {
            let mut m = ItemMaker::new(&maker_tree, seed);
            let mut done = 0;
            while done < items {
                let n = BATCH.min(items - done);
                let batch = m.batch(done, n);
                done += n;
                if send.blocking_send(batch).is_err() {
                    break;
                }
            }
            m.counters
        });
        let mut written = 0u64;
        let mut tx = sqlx::Connection::begin(&mut conn).await?;
        let mut in_tx = 0u64;
        // Each batch's files are written while the next batches' rows are.
        let mut puts: Option<tokio::task::JoinHandle<anyhow::Result<()>>> = None;
        while let Some(mut batch) = recv.recv().await {
            if let Some(p) = puts.take() {
                p.await??;
            }
            puts = Some(tokio::spawn(put_blobs(
                blobs.clone(),
                std::mem::take(&mut batch.blobs),
            )));
            batch.items.flush(&mut tx).await?;
            batch.attachments.flush(&mut tx).await?;
            written += batch.count;
            made.published += batch.published;
            made.attachments += batch.attachment_count;
            in_tx += batch.count;
            if in_tx >= 50_000 {
                tx.commit().await?;
                tx = sqlx::Connection::begin(&mut conn).await?;
                in_tx = 0;
            }
            progress(Stage::Items, written, plan.items);
        }
        if let Some(p) = puts.take() {
            p.await??;
        }
        let counters = maker.await?;
        let mut rows = Rows::new("index_counters", &["unit_id", "year", "last"]);
        for ((unit, year), last) in counters {
            rows.push([V::I(unit), V::I(i64::from(year)), V::I(last)]);
        }
        rows.flush(&mut tx).await?;
        tx.commit().await?;
        made.items = written;
        Ok(())
    }
    .await;
    // The indexes come back whatever happened, so even a run that failed leaves a database the
    // migrations and the portal know (an incomplete one: generate into a new one).
    progress(Stage::Indexes, 0, deferred.len() as u64);
    for (i, sql) in deferred.iter().enumerate() {
        sqlx::query(sql).execute(&mut conn).await?;
        progress(Stage::Indexes, i as u64 + 1, deferred.len() as u64);
    }
    loaded.context("生成信息时出错，数据库不完整；请换一个空数据库重新生成")?;

    // Applications: made on a blocking thread (sealing ID numbers is work), written here.
    progress(Stage::Applications, 0, plan.applications);
    let cal = crate::db::calendar::effective(&mut conn).await?;
    let (send, mut recv) = tokio::sync::mpsc::channel::<(AppBatch, Option<Sample>)>(4);
    let (apps, seed, maker_tree, app_key) =
        (plan.applications, plan.seed, tree.clone(), key.clone());
    let maker = tokio::task::spawn_blocking(move || {
        let mut m = AppMaker::new(&maker_tree, seed, cal, app_key);
        let mut done = 0;
        while done < apps {
            let n = BATCH.min(apps - done);
            let batch = m.batch(done, n);
            done += n;
            if send.blocking_send(batch).is_err() {
                break;
            }
        }
        (m.events, m.remedies)
    });
    let mut tx = sqlx::Connection::begin(&mut conn).await?;
    let (mut done, mut in_tx) = (0u64, 0u64);
    let mut sample = None;
    while let Some((mut batch, first)) = recv.recv().await {
        if sample.is_none() {
            sample = first;
        }
        let n = batch.apps.len() as u64;
        batch.flush(&mut tx).await?;
        done += n;
        in_tx += n;
        if in_tx >= 50_000 {
            tx.commit().await?;
            tx = sqlx::Connection::begin(&mut conn).await?;
            in_tx = 0;
        }
        progress(Stage::Applications, done, plan.applications);
    }
    tx.commit().await?;
    let (events, remedies) = maker.await?;
    made.applications = done;
    made.events = events;
    made.remedies = remedies;

    progress(Stage::Finishing, 0, 1);
    finish(&mut conn, db.backend).await?;
    sqlx::Connection::close(conn).await?;
    let db = Db::connect(url).await?.with_shared_key(key);
    let mut tx = db.begin().await?;
    crate::db::audit::append(
        &mut tx,
        &crate::db::audit::Entry {
            actor_id: None,
            actor: "sunshine gen",
            ip: "",
            action: "data.generate",
            unit_id: None,
            target: "database".into(),
            detail: format!(
                "units={} items={} applications={} seed={}",
                plan.units, plan.items, plan.applications, plan.seed
            ),
        },
    )
    .await?;
    tx.commit().await?;
    progress(Stage::Finishing, 1, 1);
    Ok((made, sample))
}

/// Rows made and written at a time.
const BATCH: u64 = 2_000;

/// Drops the indexes of `tables` that a constraint does not need, returning the statements that
/// make them again (read from the database itself, so they are exactly the migrations').
async fn drop_indexes(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    tables: &[&str],
) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for t in tables {
        let rows: Vec<(String, String)> = match backend {
            Backend::Sqlite => sqlx::query_as(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL ORDER BY name",
            ),
            Backend::Postgres => sqlx::query_as(
                "SELECT i.indexname::text, i.indexdef::text FROM pg_indexes i WHERE i.tablename = $1 AND i.schemaname = current_schema() \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) ORDER BY i.indexname",
            ),
        }
        .bind(*t)
        .fetch_all(&mut *conn)
        .await?;
        for (name, sql) in rows {
            sqlx::query(&format!("DROP INDEX {name}"))
                .execute(&mut *conn)
                .await?;
            out.push(sql);
        }
    }
    Ok(out)
}

/// After the bulk writes: sequences past the ids assigned here (PostgreSQL), and statistics for
/// the planner on both.
async fn finish(conn: &mut sqlx::AnyConnection, backend: Backend) -> anyhow::Result<()> {
    match backend {
        Backend::Postgres => {
            for t in [
                "units",
                "columns",
                "users",
                "items",
                "attachments",
                "applications",
                "application_events",
                "letters",
                "remedies",
            ] {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{t}', 'id'), GREATEST(COALESCE((SELECT MAX(id) FROM {t}), 0), 1))"
                ))
                .execute(&mut *conn)
                .await?;
            }
            // VACUUM also marks the pages all-visible, so counts can read indexes alone.
            sqlx::query("VACUUM ANALYZE").execute(&mut *conn).await?;
        }
        Backend::Sqlite => {
            sqlx::query("ANALYZE").execute(&mut *conn).await?;
            // Row counts per index (sqlite_stat1) are kept; the value samples (sqlite_stat4)
            // are not: with them SQLite prepares a statement again whenever a bound value
            // changes, which was 40% of the CPU of an item page made from the database.
            if sqlx::query("DELETE FROM sqlite_stat4")
                .execute(&mut *conn)
                .await
                .is_ok()
            {
                sqlx::query("ANALYZE sqlite_schema")
                    .execute(&mut *conn)
                    .await?;
            }
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode = WAL")
                .fetch_one(&mut *conn)
                .await?;
            if mode != "wal" {
                bail!("生成完毕，但无法把数据库恢复为 WAL 日志模式（为 {mode}）");
            }
        }
    }
    Ok(())
}

/// Writes the attachments' bytes, a few at a time.
async fn put_blobs(blobs: Blobs, files: Vec<(String, Vec<u8>)>) -> anyhow::Result<()> {
    let mut set = tokio::task::JoinSet::new();
    for (key, bytes) in files {
        let b = blobs.clone();
        set.spawn(async move { b.put(&key, bytes.into()).await });
        while set.len() >= 16 {
            if let Some(r) = set.join_next().await {
                r??;
            }
        }
    }
    while let Some(r) = set.join_next().await {
        r??;
    }
    Ok(())
}

/// A value bound into a multi-row statement.
enum V {
    I(i64),
    T(String),
    S(&'static str),
    OI(Option<i64>),
    OT(Option<String>),
}

/// Rows for one table, written in multi-row `INSERT`s.
struct Rows {
    table: &'static str,
    cols: &'static [&'static str],
    values: Vec<V>,
}

impl Rows {
    fn new(table: &'static str, cols: &'static [&'static str]) -> Rows {
        Rows {
            table,
            cols,
            values: Vec::new(),
        }
    }

    fn push<const N: usize>(&mut self, row: [V; N]) {
        debug_assert_eq!(N, self.cols.len(), "{}", self.table);
        self.values.extend(row);
    }

    fn len(&self) -> usize {
        self.values.len() / self.cols.len()
    }

    async fn flush(&mut self, conn: &mut sqlx::AnyConnection) -> sqlx::Result<()> {
        let width = self.cols.len();
        let anonymous = conn.backend_name() == "SQLite";
        let per_statement = (20_000 / width).clamp(1, 500);
        let rows = self.len();
        let mut values = std::mem::take(&mut self.values).into_iter();
        let mut done = 0;
        while done < rows {
            let n = per_statement.min(rows - done);
            let mut sql = format!(
                "INSERT INTO {} ({}) VALUES ",
                self.table,
                self.cols.join(", ")
            );
            let mut p = 0;
            for r in 0..n {
                sql.push_str(if r == 0 { "(" } else { ", (" });
                for c in 0..width {
                    p += 1;
                    if c > 0 {
                        sql.push_str(", ");
                    }
                    // SQLite looks numbered parameters up by name, one scan of the list per
                    // parameter: anonymous ones keep a wide statement linear.
                    if anonymous {
                        sql.push('?');
                    } else {
                        sql.push('$');
                        sql.push_str(&p.to_string());
                    }
                }
                sql.push(')');
            }
            let mut q = sqlx::query(&sql);
            for v in values.by_ref().take(n * width) {
                q = match v {
                    V::I(i) => q.bind(i),
                    V::T(s) => q.bind(s),
                    V::S(s) => q.bind(s),
                    V::OI(i) => q.bind(i),
                    V::OT(s) => q.bind(s),
                };
            }
            q.execute(&mut *conn).await?;
            done += n;
        }
        Ok(())
    }
}

/// A generated unit.
#[derive(Debug, Clone)]
struct GenUnit {
    id: i64,
    code: String,
    name: String,
    /// The name as it starts sentences (妥安乡, 财政局).
    short: String,
    kind: UnitKind,
    parent: Option<i64>,
    org: String,
    /// How much it publishes and is asked, relative to a township's 1.
    weight: u32,
}

#[derive(Debug, Clone)]
struct GenColumn {
    id: i64,
    unit_id: i64,
    slug: &'static str,
    name: &'static str,
    parent: Option<i64>,
    sort: i64,
    leaf: bool,
}

/// The unit tree and its columns, ids assigned.
#[derive(Debug, Clone)]
struct Tree {
    units: Vec<GenUnit>,
    columns: Vec<GenColumn>,
    /// Per unit (by position), the positions of its columns items go into.
    targets: Vec<Vec<usize>>,
    /// Per unit, its 指南 and 年报 columns.
    guide: Vec<usize>,
    annual: Vec<usize>,
    /// Cumulative weights, for drawing a unit.
    cumulative: Vec<u64>,
}

fn place_name(n: usize, syllables: usize) -> String {
    let s = corpus::SYLLABLES;
    let mut out = String::new();
    let mut k = n;
    for _ in 0..syllables {
        out.push_str(s[k % s.len()]);
        k /= s.len();
    }
    if k > 0 {
        out.push_str(s[k % s.len()]);
    }
    out
}

impl Tree {
    fn new(plan: &Plan) -> Tree {
        let n = plan.units as usize;
        let mut units: Vec<GenUnit> = Vec::with_capacity(n);
        let add = |units: &mut Vec<GenUnit>,
                   code: String,
                   name: String,
                   short: String,
                   kind: UnitKind,
                   parent: Option<i64>,
                   weight: u32| {
            let id = units.len() as i64 + 1;
            units.push(GenUnit {
                id,
                org: format!("GEN{id:07}"),
                code,
                name,
                short,
                kind,
                parent,
                weight,
            });
            id
        };
        let province = "云岭省".to_owned();
        let root = add(
            &mut units,
            "province".into(),
            format!("{province}人民政府"),
            province.clone(),
            UnitKind::City,
            None,
            6,
        );
        let province_departments = ((n.saturating_sub(1)) / 20).min(corpus::DEPARTMENTS.len());
        for (d, dept) in corpus::DEPARTMENTS
            .iter()
            .take(province_departments)
            .enumerate()
        {
            if units.len() >= n {
                break;
            }
            add(
                &mut units,
                format!("province-d{:02}", d + 1),
                format!("{province}{}", dept.replace('局', "厅")),
                dept.replace('局', "厅"),
                UnitKind::Department,
                Some(root),
                3,
            );
        }
        let mut city = 0usize;
        while units.len() < n {
            let cname = format!("{}市", place_name(city * 7 + 3, 2));
            let city_id = add(
                &mut units,
                format!("c{:03}", city + 1),
                format!("{cname}人民政府"),
                cname.clone(),
                UnitKind::City,
                Some(root),
                4,
            );
            for (d, dept) in corpus::DEPARTMENTS.iter().enumerate() {
                if units.len() >= n {
                    break;
                }
                add(
                    &mut units,
                    format!("c{:03}-d{:02}", city + 1, d + 1),
                    format!("{cname}{dept}"),
                    (*dept).to_owned(),
                    UnitKind::Department,
                    Some(city_id),
                    2,
                );
            }
            for t in 0..15 {
                if units.len() >= n {
                    break;
                }
                let (kind, suffix) = match t % 5 {
                    0 | 1 => (UnitKind::Town, "镇"),
                    2 | 3 => (UnitKind::Township, "乡"),
                    _ => (UnitKind::Subdistrict, "街道"),
                };
                let short = format!("{}{suffix}", place_name(city * 15 + t + 7, 2));
                add(
                    &mut units,
                    format!("c{:03}-t{:02}", city + 1, t + 1),
                    format!(
                        "{cname}{short}{}",
                        if suffix == "街道" {
                            "办事处"
                        } else {
                            "人民政府"
                        }
                    ),
                    short,
                    kind,
                    Some(city_id),
                    1,
                );
            }
            city += 1;
        }
        let mut columns = Vec::new();
        let mut targets = Vec::with_capacity(units.len());
        let (mut guide, mut annual) = (Vec::new(), Vec::new());
        for u in &units {
            let template = sunshine_core::catalog::default_columns(u.kind);
            let first = columns.len();
            let mut mine = Vec::new();
            let (mut g, mut a) = (first, first);
            for (i, c) in template.iter().enumerate() {
                let id = columns.len() as i64 + 1;
                let parent = c.parent.and_then(|p| {
                    columns[first..]
                        .iter()
                        .find(|x: &&GenColumn| x.slug == p)
                        .map(|x| x.id)
                });
                let leaf = !template.iter().any(|o| o.parent == Some(c.slug));
                let pos = columns.len();
                match c.slug {
                    "guide" => g = pos,
                    "annual-report" => a = pos,
                    _ if leaf => mine.push(pos),
                    _ => {}
                }
                columns.push(GenColumn {
                    id,
                    unit_id: u.id,
                    slug: c.slug,
                    name: c.name,
                    parent,
                    sort: (i as i64 + 1) * 10,
                    leaf,
                });
            }
            targets.push(mine);
            guide.push(g);
            annual.push(a);
        }
        let mut total = 0u64;
        let cumulative = units
            .iter()
            .map(|u| {
                total += u64::from(u.weight);
                total
            })
            .collect();
        Tree {
            units,
            columns,
            targets,
            guide,
            annual,
            cumulative,
        }
    }

    /// A unit drawn by weight (position in `units`).
    fn draw(&self, rng: &mut StdRng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1);
        let x = rng.gen_range(0..total);
        self.cumulative.partition_point(|&c| c <= x)
    }

    async fn write(
        &self,
        conn: &mut sqlx::AnyConnection,
        hash: &str,
        made: &mut Made,
    ) -> anyhow::Result<()> {
        let now = crate::db::now();
        let mut rows = Rows::new(
            "units",
            &[
                "id",
                "code",
                "name",
                "kind",
                "parent_id",
                "org_code",
                "sort_order",
                "office_address",
                "office_hours",
                "office_phone",
                "office_email",
                "created_at",
            ],
        );
        for (i, u) in self.units.iter().enumerate() {
            rows.push([
                V::I(u.id),
                V::T(u.code.clone()),
                V::T(u.name.clone()),
                V::S(u.kind.as_str()),
                V::OI(u.parent),
                V::T(u.org.clone()),
                V::I(i as i64),
                V::T(format!("{}政务服务中心（生成数据）", u.name)),
                V::S("工作日 上午9:00-12:00，下午14:30-17:30"),
                V::T(format!("0871-6{:07}", u.id)),
                V::T(format!("gk-{}@example.gov.cn", u.code)),
                V::I(now),
            ]);
        }
        made.units = rows.len() as u64;
        rows.flush(conn).await?;
        let mut rows = Rows::new(
            "columns",
            &["id", "unit_id", "parent_id", "slug", "name", "sort_order"],
        );
        for c in &self.columns {
            rows.push([
                V::I(c.id),
                V::I(c.unit_id),
                V::OI(c.parent),
                V::S(c.slug),
                V::S(c.name),
                V::I(c.sort),
            ]);
        }
        made.columns = rows.len() as u64;
        rows.flush(conn).await?;
        // Staff: the province's administrator and supervisor, and each unit's 信息员, 办公室主任,
        // 分管领导, 主要领导 and 管理员, all with the same password.
        let mut users = Rows::new(
            "users",
            &["id", "login", "display_name", "password_hash", "created_at"],
        );
        let mut roles = Rows::new("user_roles", &["user_id", "unit_id", "role"]);
        let mut id = 0i64;
        let mut user = |users: &mut Rows, login: String, name: String| {
            id += 1;
            users.push([
                V::I(id),
                V::T(login),
                V::T(name),
                V::T(hash.to_owned()),
                V::I(now),
            ]);
            id
        };
        let root = self.units[0].id;
        let admin = user(&mut users, "admin".into(), "省平台管理员".into());
        roles.push([V::I(admin), V::I(root), V::S("admin")]);
        roles.push([V::I(admin), V::I(root), V::S("supervisor")]);
        for u in &self.units {
            for (suffix, role, label) in [
                ("editor", "editor", "信息员"),
                ("director", "director", "办公室主任"),
                ("leader", "leader", "分管领导"),
                ("principal", "principal", "主要领导"),
                ("admin", "admin", "管理员"),
            ] {
                let uid = user(
                    &mut users,
                    format!("{}-{suffix}", u.code),
                    format!("{}{label}", u.short),
                );
                roles.push([V::I(uid), V::I(u.id), V::S(role)]);
            }
        }
        made.users = users.len() as u64;
        users.flush(conn).await?;
        roles.flush(conn).await?;
        // What the annual report takes from staff: counts kept elsewhere and sections 五 and 六.
        let mut years = Rows::new(
            "report_years",
            &[
                "unit_id",
                "year",
                "licensing",
                "penalty",
                "coercion",
                "fees_wan_yuan",
                "section_five",
                "section_six",
            ],
        );
        let this_year = today().year();
        for u in &self.units {
            for year in this_year - 7..this_year {
                let w = i64::from(u.weight);
                years.push([
                    V::I(u.id),
                    V::I(i64::from(year)),
                    V::I(w * (u.id % 37 + 3)),
                    V::I(w * (u.id % 11)),
                    V::I(u.id % 3),
                    V::T(format!("{}.{}", u.id % 9, u.id % 10)),
                    V::T(format!("{year}年，{}政府信息公开工作存在的主要问题是专职人员不足、信息更新不够及时。下一步将加强培训，完善制度，提高公开质量。", u.short)),
                    V::S("本年度未收取信息处理费。无其他需要报告的事项。"),
                ]);
            }
        }
        years.flush(conn).await?;
        Ok(())
    }
}

const ITEM_COLS: &[&str] = &[
    "id",
    "unit_id",
    "column_id",
    "title",
    "body_html",
    "publisher",
    "source",
    "doc_no",
    "written_on",
    "published_on",
    "published_at",
    "topic",
    "validity",
    "disclosure",
    "index_no",
    "state",
    "created_at",
    "updated_at",
    "hits",
    "importance",
    "doc_type",
    "withdrawn_reason",
    "withdrawn_at",
];

const ATTACHMENT_COLS: &[&str] = &[
    "id",
    "item_id",
    "unit_id",
    "file_name",
    "mime",
    "size_bytes",
    "sha256",
    "storage_key",
    "created_at",
    "text",
];

struct ItemBatch {
    items: Rows,
    attachments: Rows,
    blobs: Vec<(String, Vec<u8>)>,
    count: u64,
    published: u64,
    attachment_count: u64,
}

/// The first year items are dated in, and the last (this year).
const FIRST_YEAR: i32 = 2010;

fn today() -> NaiveDate {
    (chrono::Utc::now() + Duration::hours(8)).date_naive()
}

/// Unix seconds of 09:00 Beijing time on a day.
fn morning(d: NaiveDate) -> i64 {
    d.and_hms_opt(1, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp())
}

struct ItemMaker<'a> {
    tree: &'a Tree,
    rng: StdRng,
    sentences: Vec<String>,
    seed_report: Vec<String>,
    counters: HashMap<(i64, i32), i64>,
    today: NaiveDate,
    now: i64,
    /// Items of the guide and annual-report columns still to make, per unit, in order.
    fixed: Vec<(usize, Fixed)>,
    next_attachment: i64,
}

#[derive(Debug, Clone, Copy)]
enum Fixed {
    Guide,
    Annual(i32),
}

impl<'a> ItemMaker<'a> {
    fn new(tree: &'a Tree, seed: u64) -> ItemMaker<'a> {
        let today = today();
        // Each unit's guide, then its annual reports of the last years, newest first; the rest
        // of the items go into the other columns by weight.
        let mut fixed: Vec<(usize, Fixed)> =
            (0..tree.units.len()).map(|u| (u, Fixed::Guide)).collect();
        for back in 1..=8 {
            for u in 0..tree.units.len() {
                fixed.push((u, Fixed::Annual(today.year() - back)));
            }
        }
        let seed_report = corpus::SEED_REPORT
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        ItemMaker {
            tree,
            rng: StdRng::seed_from_u64(seed),
            sentences: corpus::sentences(),
            seed_report,
            counters: HashMap::new(),
            today,
            now: crate::db::now(),
            fixed,
            next_attachment: 1,
        }
    }

    fn pick(&mut self, list: &[&'static str]) -> &'static str {
        list[self.rng.gen_range(0..list.len())]
    }

    fn sentence(&mut self) -> &str {
        let i = self.rng.gen_range(0..self.sentences.len());
        &self.sentences[i]
    }

    /// A day in `year`, not after today.
    fn day_in(&mut self, year: i32) -> NaiveDate {
        let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(self.today);
        let end = NaiveDate::from_ymd_opt(year, 12, 31)
            .unwrap_or(self.today)
            .min(self.today);
        let span = (end - start).num_days().max(0);
        start + Duration::days(self.rng.gen_range(0..=span))
    }

    /// A year, recent years likelier (a site publishes more each year).
    fn year(&mut self) -> i32 {
        let years = (self.today.year() - FIRST_YEAR + 1).max(1);
        let x: f64 = self.rng.gen::<f64>().sqrt();
        FIRST_YEAR + ((x * f64::from(years)) as i32).min(years - 1)
    }

    fn body(&mut self, unit: &GenUnit, year: i32) -> String {
        let long = self.rng.gen_bool(0.05);
        let paragraphs = if long {
            self.rng.gen_range(30..80)
        } else {
            self.rng.gen_range(3..14)
        };
        let mut body = String::with_capacity(paragraphs * 120);
        for _ in 0..paragraphs {
            body.push_str("<p>");
            if self.rng.gen_bool(0.3) {
                body.push_str(&unit.short);
                body.push_str(&year.to_string());
                body.push('年');
            }
            for _ in 0..self.rng.gen_range(1..4) {
                let i = self.rng.gen_range(0..self.sentences.len());
                body.push_str(&self.sentences[i]);
            }
            body.push_str("</p>");
        }
        body
    }

    fn batch(&mut self, first: u64, n: u64) -> ItemBatch {
        let mut b = ItemBatch {
            items: Rows::new("items", ITEM_COLS),
            attachments: Rows::new("attachments", ATTACHMENT_COLS),
            blobs: Vec::new(),
            count: n,
            published: 0,
            attachment_count: 0,
        };
        for k in 0..n {
            let id = (first + k + 1) as i64;
            self.item(id, &mut b);
        }
        b
    }

    fn item(&mut self, id: i64, b: &mut ItemBatch) {
        let tree = self.tree;
        let fixed = (id as usize - 1 < self.fixed.len()).then(|| self.fixed[id as usize - 1]);
        let (u, column, title, body, year, doc_type) = match fixed {
            Some((u, Fixed::Guide)) => {
                let unit = &tree.units[u];
                let year = self.today.year() - self.rng.gen_range(1..4);
                let body = guide_body(unit);
                (
                    u,
                    tree.guide[u],
                    format!("{}政府信息公开指南", unit.short),
                    body,
                    year,
                    "",
                )
            }
            Some((u, Fixed::Annual(year))) => {
                let unit = &tree.units[u];
                let mut body = String::new();
                for line in &self.seed_report {
                    body.push_str("<p>");
                    body.push_str(&sunshine_core::html::escape(
                        &line
                            .replace("妥安乡", &unit.short)
                            .replace("2017", &year.to_string()),
                    ));
                    body.push_str("</p>");
                }
                (
                    u,
                    tree.annual[u],
                    format!("{}{year}年政府信息公开工作年度报告", unit.short),
                    body,
                    year + 1,
                    "annual_report",
                )
            }
            None => {
                let u = tree.draw(&mut self.rng);
                let unit = &tree.units[u];
                let targets = &tree.targets[u];
                let column = targets[self.rng.gen_range(0..targets.len())];
                let year = self.year();
                let title = match self.rng.gen_range(0..10) {
                    0..=5 => format!(
                        "{}关于{}的{}",
                        unit.short,
                        self.pick(corpus::PHRASES),
                        self.pick(corpus::SUFFIXES)
                    ),
                    6 | 7 => format!("{}{year}年{}", unit.short, self.pick(corpus::YEARLY)),
                    _ => {
                        let len = self.rng.gen_range(10..26);
                        let s: String = self.sentence().chars().take(len).collect();
                        format!(
                            "{}{}",
                            unit.short,
                            s.trim_end_matches(['。', '，', '、', '；'])
                        )
                    }
                };
                let body = self.body(unit, year);
                (u, column, title, body, year, "")
            }
        };
        let unit = &tree.units[u];
        let col = &tree.columns[column];
        debug_assert!(col.leaf || col.slug == "guide" || col.slug == "annual-report");
        let published_on = match fixed {
            Some((_, Fixed::Annual(y))) => {
                NaiveDate::from_ymd_opt(y + 1, 1, self.rng.gen_range(10..=31))
                    .unwrap_or(self.today)
                    .min(self.today)
            }
            _ => self.day_in(year),
        };
        let written_on = published_on - Duration::days(self.rng.gen_range(0..10));
        let state = if fixed.is_some() {
            "published"
        } else {
            match self.rng.gen_range(0..1000) {
                0..=9 => "withdrawn",
                10..=29 => "draft",
                30..=39 => "in_review",
                _ => "published",
            }
        };
        let listed = matches!(state, "published" | "withdrawn");
        let index_no = listed.then(|| {
            let c = self
                .counters
                .entry((unit.id, published_on.year()))
                .or_insert(0);
            *c += 1;
            format!("{}/{:04}-{:05}", unit.org, published_on.year(), *c)
        });
        let doc_no = (col.slug == "regulations" || self.rng.gen_bool(0.1)).then(|| {
            format!(
                "{}发〔{}〕{}号",
                unit.short.chars().next().unwrap_or('云'),
                published_on.year(),
                id
            )
        });
        // Clicks: a few items are read a lot, most rarely.
        let hits = if listed {
            (self.rng.gen::<f64>().powi(6) * 50_000.0) as i64
        } else {
            0
        };
        let at = if listed {
            morning(published_on)
        } else {
            self.now
        };
        if state == "published" {
            b.published += 1;
        }
        let topic = self.pick(corpus::TOPICS);
        let importance = match self.rng.gen_range(0..100) {
            0..=89 => "general",
            90..=97 => "important",
            _ => "critical",
        };
        if listed && self.rng.gen_bool(0.015) {
            self.attachment(id, unit, &title, &body, at, b);
        }
        b.items.push([
            V::I(id),
            V::I(unit.id),
            V::I(col.id),
            V::T(title),
            V::T(body),
            V::T(unit.name.clone()),
            V::S("生成数据"),
            V::OT(doc_no),
            V::OT(Some(written_on.to_string())),
            V::OT(listed.then(|| published_on.to_string())),
            V::OI(listed.then_some(at)),
            V::S(topic),
            V::S("valid"),
            V::S("active"),
            V::OT(index_no),
            V::S(state),
            V::I(at),
            V::I(at),
            V::I(hits),
            V::S(importance),
            V::S(doc_type),
            V::S(if state == "withdrawn" {
                "内容已过时，予以撤回"
            } else {
                ""
            }),
            V::OI((state == "withdrawn").then_some(at + 86_400 * 30)),
        ]);
    }

    /// A DOCX whose text is a few of the item's paragraphs; its extracted text stored with it,
    /// as the upload path would.
    fn attachment(
        &mut self,
        item_id: i64,
        unit: &GenUnit,
        title: &str,
        body: &str,
        at: i64,
        b: &mut ItemBatch,
    ) {
        let text: String = sunshine_core::html::summary(body, 600);
        let Ok(bytes) = docx(title, &text) else {
            return;
        };
        let id = self.next_attachment;
        self.next_attachment += 1;
        let key = format!("{}/gen-{:016x}", unit.id, self.rng.gen::<u64>());
        b.attachments.push([
            V::I(id),
            V::I(item_id),
            V::I(unit.id),
            V::T(format!(
                "{}附件.docx",
                title.chars().take(20).collect::<String>()
            )),
            V::S("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            V::I(bytes.len() as i64),
            V::T(hex::encode(Sha256::digest(&bytes))),
            V::T(key.clone()),
            V::I(at),
            V::T(format!("{title}\n{text}")),
        ]);
        b.blobs.push((key, bytes));
        b.attachment_count += 1;
    }
}

fn guide_body(unit: &GenUnit) -> String {
    format!(
        "<p>为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制{}政府信息公开指南。</p>\
         <p>一、主动公开：公开的主要内容、公开形式和公开时限。</p>\
         <p>二、依申请公开：申请人可以通过网上提交、当面提交、邮寄或传真的方式提出申请。</p>\
         <p>三、受理机构：{}，办公地址：{}政务服务中心，办公时间：工作日上午9:00-12:00，下午14:30-17:30。</p>\
         <p>四、监督和救济：申请人认为行政机关在政府信息公开工作中侵犯其合法权益的，可以依法申请行政复议或者提起行政诉讼。</p>",
        unit.name, unit.name, unit.name
    )
}

/// A minimal Word document holding `title` and `text`.
fn docx(title: &str, text: &str) -> anyhow::Result<Vec<u8>> {
    use std::io::Write;
    let esc = sunshine_core::html::escape;
    let mut doc = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>",
    );
    for p in std::iter::once(title).chain(text.split('。').filter(|s| !s.is_empty())) {
        doc.push_str("<w:p><w:r><w:t>");
        doc.push_str(&esc(p));
        doc.push_str("</w:t></w:r></w:p>");
    }
    doc.push_str("</w:body></w:document>");
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    zip.start_file("[Content_Types].xml", opts)?;
    zip.write_all(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
          <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
          <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
          <Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>",
    )?;
    zip.start_file("_rels/.rels", opts)?;
    zip.write_all(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
          <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>",
    )?;
    zip.start_file("word/document.xml", opts)?;
    zip.write_all(doc.as_bytes())?;
    zip.finish()?;
    Ok(out.into_inner())
}

const APP_COLS: &[&str] = &[
    "id",
    "unit_id",
    "tracking_no",
    "access_code_hash",
    "applicant_kind",
    "applicant_name",
    "id_type",
    "id_number_enc",
    "id_number_masked",
    "applicant_hash",
    "phone",
    "email",
    "address",
    "description",
    "purpose",
    "delivery",
    "channel",
    "received_on",
    "due_on",
    "due_provisional",
    "phase",
    "outcome",
    "replied_on",
    "overdue",
    "fee_method",
    "fee_yuan",
    "created_at",
    "updated_at",
];

const EVENT_COLS: &[&str] = &[
    "id",
    "application_id",
    "unit_id",
    "kind",
    "on_date",
    "data",
    "actor",
    "at",
];

struct AppBatch {
    apps: Rows,
    events: Rows,
    letters: Rows,
    remedies: Rows,
}

impl AppBatch {
    async fn flush(&mut self, conn: &mut sqlx::AnyConnection) -> sqlx::Result<()> {
        self.apps.flush(conn).await?;
        self.events.flush(conn).await?;
        self.letters.flush(conn).await?;
        self.remedies.flush(conn).await
    }
}

struct AppMaker<'a> {
    tree: &'a Tree,
    rng: StdRng,
    cal: Calendar,
    key: std::sync::Arc<crate::crypto::DataKey>,
    today: NaiveDate,
    events: u64,
    remedies: u64,
    next_event: i64,
    next_letter: i64,
    next_remedy: i64,
    seen: std::collections::HashSet<String>,
}

/// The outcomes and how often each is given, in thousandths (roughly as the annual reports of
/// townships and departments show them).
const OUTCOMES: &[(Outcome, u32)] = &[
    (Outcome::Granted, 420),
    (Outcome::Partial, 90),
    (Outcome::RefusedStateSecret, 5),
    (Outcome::RefusedProhibitedByLaw, 10),
    (Outcome::RefusedThreeSecurityOneStability, 5),
    (Outcome::RefusedThirdPartyRights, 20),
    (Outcome::RefusedInternalAffairs, 15),
    (Outcome::RefusedProcessInformation, 20),
    (Outcome::RefusedEnforcementFile, 10),
    (Outcome::RefusedAdministrativeQuery, 15),
    (Outcome::UnavailableNotHeld, 200),
    (Outcome::UnavailableNeedsCreation, 40),
    (Outcome::UnavailableUnclearAfterCorrection, 15),
    (Outcome::NotProcessedPetitionComplaint, 30),
    (Outcome::NotProcessedRepeated, 30),
    (Outcome::NotProcessedPublication, 5),
    (Outcome::NotProcessedExcessive, 10),
    (Outcome::NotProcessedConfirmation, 10),
    (Outcome::OtherOther, 50),
];

impl<'a> AppMaker<'a> {
    fn new(
        tree: &'a Tree,
        seed: u64,
        cal: Calendar,
        key: std::sync::Arc<crate::crypto::DataKey>,
    ) -> AppMaker<'a> {
        AppMaker {
            tree,
            rng: StdRng::seed_from_u64(seed ^ 0x5eed_a991),
            cal,
            key,
            today: today(),
            events: 0,
            remedies: 0,
            next_event: 1,
            next_letter: 1,
            next_remedy: 1,
            seen: std::collections::HashSet::new(),
        }
    }

    fn code(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        (0..len)
            .map(|_| ALPHABET[self.rng.gen_range(0..ALPHABET.len())] as char)
            .collect()
    }

    /// A working day `n` working days after `d` (or `d` itself when the calendar cannot say).
    fn after(&self, d: NaiveDate, n: u32) -> NaiveDate {
        self.cal.add(d, n).unwrap_or(d)
    }

    fn batch(&mut self, first: u64, n: u64) -> (AppBatch, Option<Sample>) {
        let mut b = AppBatch {
            apps: Rows::new("applications", APP_COLS),
            events: Rows::new("application_events", EVENT_COLS),
            letters: Rows::new(
                "letters",
                &[
                    "id",
                    "application_id",
                    "unit_id",
                    "kind",
                    "title",
                    "body",
                    "created_at",
                ],
            ),
            remedies: Rows::new(
                "remedies",
                &[
                    "id",
                    "application_id",
                    "unit_id",
                    "kind",
                    "filed_on",
                    "body",
                    "outcome",
                    "decided_on",
                    "created_at",
                ],
            ),
        };
        let mut sample = None;
        for k in 0..n {
            let s = self.application((first + k + 1) as i64, &mut b);
            if sample.is_none() {
                sample = s;
            }
        }
        (b, sample)
    }

    fn id_number(&mut self) -> String {
        let birth = NaiveDate::from_ymd_opt(
            self.rng.gen_range(1950..2004),
            self.rng.gen_range(1..=12),
            self.rng.gen_range(1..=28),
        )
        .unwrap_or(self.today);
        let first17 = format!(
            "53{:02}{:02}{}{:03}",
            self.rng.gen_range(1..30),
            self.rng.gen_range(1..30),
            birth.format("%Y%m%d"),
            self.rng.gen_range(0..1000)
        );
        let check = sunshine_core::screening::id_check_char(&first17).unwrap_or('X');
        format!("{first17}{check}")
    }

    fn application(&mut self, id: i64, b: &mut AppBatch) -> Option<Sample> {
        let u = self.tree.draw(&mut self.rng);
        let unit = &self.tree.units[u];
        // Received on a working day of the last seven years (none in the future).
        let years_back = self.rng.gen_range(0..7);
        let year = self.today.year() - years_back;
        let mut received = loop {
            let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(self.today);
            let span = (self
                .today
                .min(NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(self.today))
                - start)
                .num_days()
                .max(0);
            let d = start + Duration::days(self.rng.gen_range(0..=span));
            if self.cal.is_workday(d).unwrap_or(false) || span == 0 {
                break d;
            }
        };
        if received > self.today {
            received = self.today;
        }
        let mut events = vec![Event::Received { on: received }];
        let mut kinds = vec!["received"];
        let age = (self.today - received).num_days();
        let mut day = received;
        let mut outcome = None;
        let mut fee = None;
        let roll = self.rng.gen_range(0..100);
        // Steps before the reply, each on a later working day.
        if roll < 8 {
            day = self.after(day, 3);
            events.push(Event::CorrectionRequested {
                on: day,
                period_days: 15,
            });
            kinds.push("correction-request");
            if self.rng.gen_bool(0.7) {
                day = self.after(day, 4);
                events.push(Event::CorrectionReceived { on: day });
                kinds.push("correction-received");
            } else {
                outcome = Some(Outcome::OtherNoCorrection);
                day = self.after(day, 16);
            }
        } else if roll < 12 {
            day = self.after(day, 4);
            events.push(Event::ConsultationStarted { on: day });
            kinds.push("consultation-start");
            day = self.after(day, 8);
            events.push(Event::ConsultationEnded { on: day });
            kinds.push("consultation-end");
        } else if roll < 15 {
            day = self.after(day, 6);
            events.push(Event::FeeNotice { on: day });
            kinds.push("fee-notice");
            fee = Some(100 + 100 * self.rng.gen_range(0..5));
            if self.rng.gen_bool(0.75) {
                day = self.after(day, 5);
                events.push(Event::FeePaid { on: day });
                kinds.push("fee-paid");
            } else {
                outcome = Some(Outcome::OtherFeeUnpaid);
                day = self.after(day, 21);
            }
        }
        // A case whose applicant let the correction or the fee lapse is closed at the lapse
        // (as the scheduler does); the others may be extended, and are answered some days on.
        let lapsed = outcome.is_some();
        if !lapsed && self.rng.gen_range(0..100) < 7 {
            day = self.after(day, 15);
            events.push(Event::Extended { on: day, days: 20 });
            kinds.push("extend");
        }
        // Replied, unless received in the last weeks (and now and then late).
        let reply_on = if lapsed {
            day
        } else {
            let answer_in = self.rng.gen_range(2..19) + u32::from(self.rng.gen_bool(0.02)) * 10;
            self.after(day, answer_in)
        };
        let replied = reply_on <= self.today && (age > 30 || self.rng.gen_bool(0.5));
        if replied {
            events.push(Event::Replied { on: reply_on });
            kinds.push("reply");
            if outcome.is_none() {
                let x = self.rng.gen_range(0..1000);
                let mut acc = 0;
                outcome = OUTCOMES
                    .iter()
                    .find(|(_, w)| {
                        acc += w;
                        x < acc
                    })
                    .map(|(o, _)| *o)
                    .or(Some(Outcome::Granted));
            }
        } else {
            outcome = None;
        }
        let clock = deadline::compute_provisional(&self.cal, &events, ClockSettings::default())
            .or_else(|e| {
                // Steps the clock refuses are a fault of this generator (the tests, in debug
                // builds, stop on it); a release run keeps the case with its receipt alone.
                debug_assert!(false, "generated steps the clock refuses: {e}");
                events.truncate(1);
                kinds.truncate(1);
                outcome = None;
                deadline::compute_provisional(&self.cal, &events, ClockSettings::default())
            });
        // A receipt on a working day of a loaded year always has a clock.
        let Ok((clock, provisional)) = clock else {
            return None;
        };
        let replied_on = match clock.phase {
            deadline::Phase::Replied { on } => Some(on),
            _ => None,
        };
        let tracking_no = loop {
            let t = format!("{}{}", received.format("%Y%m%d"), self.code(6));
            if self.seen.insert(t.clone()) {
                break t;
            }
        };
        let access_code = self.code(8);
        let access_hash = hex::encode(Sha256::digest(
            format!("{tracking_no}:{access_code}").as_bytes(),
        ));
        let org = self.rng.gen_range(0..100) >= 80;
        let (kind, name, id_type, id_number) = if org {
            let kinds = [
                "commercial",
                "research",
                "public_interest",
                "legal_services",
                "other_org",
            ];
            let k = kinds[self.rng.gen_range(0..kinds.len())];
            let name = format!(
                "云岭{}{}",
                place_name(self.rng.gen_range(0..900), 2),
                corpus::COMPANIES[self.rng.gen_range(0..corpus::COMPANIES.len())]
            );
            let code = format!("91530{:013}", self.rng.gen_range(0..10_000_000_000_000u64));
            (k, name, "credit_code", code)
        } else {
            let name = format!(
                "{}{}{}",
                corpus::SURNAMES[self.rng.gen_range(0..corpus::SURNAMES.len())],
                corpus::GIVEN[self.rng.gen_range(0..corpus::GIVEN.len())],
                if self.rng.gen_bool(0.6) {
                    corpus::GIVEN[self.rng.gen_range(0..corpus::GIVEN.len())]
                } else {
                    ""
                }
            );
            ("natural_person", name, "resident_id", self.id_number())
        };
        let sealed = self.key.seal(&id_number).unwrap_or_default();
        let masked = sunshine_core::application::mask_id(&id_number);
        let applicant_hash = self
            .key
            .mac(crate::crypto::Purpose::ApplicantId, &id_number);
        let email = if self.rng.gen_bool(0.4) {
            format!("applicant{id}@example.com")
        } else {
            String::new()
        };
        let channel = [
            "online",
            "online",
            "online",
            "in_person",
            "post",
            "email",
            "fax",
        ][self.rng.gen_range(0..7)];
        let delivery = if email.is_empty() {
            ["paper", "post", "collect"][self.rng.gen_range(0..3)]
        } else {
            "email"
        };
        let description = corpus::REQUESTS[self.rng.gen_range(0..corpus::REQUESTS.len())];
        let phase = sunshine_core::application::PhaseKey::of(&clock.phase);
        let at = morning(received);
        b.apps.push([
            V::I(id),
            V::I(unit.id),
            V::T(tracking_no.clone()),
            V::T(access_hash),
            V::S(kind),
            V::T(name),
            V::S(id_type),
            V::T(sealed),
            V::T(masked),
            V::T(applicant_hash),
            V::T(format!("13{:09}", self.rng.gen_range(0..1_000_000_000u64))),
            V::T(email),
            V::T(format!("云岭省{}", unit.name)),
            V::S(description),
            V::S("生产生活需要"),
            V::S(delivery),
            V::S(channel),
            V::T(received.to_string()),
            V::OT(clock.due_on.map(|d| d.to_string())),
            V::I(i64::from(provisional)),
            V::S(phase.as_str()),
            V::OT(outcome.map(|o| o.as_str().to_owned())),
            V::OT(replied_on.map(|d| d.to_string())),
            V::I(i64::from(clock.overdue_reply)),
            V::OT(fee.map(|_| "count".to_owned())),
            V::I(fee.unwrap_or(0)),
            V::I(at),
            V::I(replied_on.map_or(at, morning)),
        ]);
        for (ev, kind) in events.iter().zip(&kinds) {
            let mut v = serde_json::to_value(ev).unwrap_or_default();
            if let (Event::Replied { .. }, Some(o), Some(obj)) = (ev, outcome, v.as_object_mut()) {
                obj.insert("outcome".into(), o.as_str().into());
                if o == Outcome::Partial {
                    obj.insert("withheld".into(), "refused_third_party_rights".into());
                }
            }
            b.events.push([
                V::I(self.next_event),
                V::I(id),
                V::I(unit.id),
                V::S(kind),
                V::T(ev.on().to_string()),
                V::T(v.to_string()),
                V::T(format!("{}-editor", unit.code)),
                V::I(morning(ev.on())),
            ]);
            self.next_event += 1;
            self.events += 1;
        }
        if let (Some(on), Some(o)) = (replied_on, outcome) {
            b.letters.push([
                V::I(self.next_letter),
                V::I(id),
                V::I(unit.id),
                V::S("reply"),
                V::S("政府信息公开申请答复书"),
                V::T(format!(
                    "{}：\n    本机关于{}收到你（单位）提出的政府信息公开申请（{}）。经审查，答复如下：{}。\n    {}\n{}\n{}",
                    "申请人",
                    received.format("%Y年%-m月%-d日"),
                    tracking_no,
                    o.label(),
                    crate::service::applications::REMEDIES,
                    unit.name,
                    on.format("%Y年%-m月%-d日")
                )),
                V::I(morning(on)),
            ]);
            self.next_letter += 1;
            // Now and then the applicant seeks a remedy.
            if self.rng.gen_range(0..100) < 4 {
                let filed = self.after(on, 20);
                if filed <= self.today {
                    let kind = [
                        "reconsideration",
                        "reconsideration",
                        "litigation_direct",
                        "litigation_after_reconsideration",
                    ][self.rng.gen_range(0..4)];
                    let decided = (filed + Duration::days(60) <= self.today)
                        .then(|| filed + Duration::days(60));
                    let result = if decided.is_some() {
                        ["upheld", "upheld", "corrected", "other"][self.rng.gen_range(0..4)]
                    } else {
                        "pending"
                    };
                    let body = "申请人不服答复，提出行政复议申请。";
                    b.remedies.push([
                        V::I(self.next_remedy),
                        V::I(id),
                        V::I(unit.id),
                        V::S(kind),
                        V::T(filed.to_string()),
                        V::S(body),
                        V::S(result),
                        V::OT(decided.map(|d| d.to_string())),
                        V::I(morning(filed)),
                    ]);
                    let data = serde_json::json!({
                        "id": self.next_remedy, "kind": kind, "filed_on": filed.to_string(), "body": body,
                        "outcome": result, "decided_on": decided.map(|d| d.to_string()),
                    });
                    b.events.push([
                        V::I(self.next_event),
                        V::I(id),
                        V::I(unit.id),
                        V::S("remedy"),
                        V::T(filed.to_string()),
                        V::T(data.to_string()),
                        V::T(format!("{}-editor", unit.code)),
                        V::I(morning(filed)),
                    ]);
                    self.next_event += 1;
                    self.events += 1;
                    self.next_remedy += 1;
                    self.remedies += 1;
                }
            }
        }
        Some(Sample {
            tracking_no,
            access_code,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonsense_sizes_are_refused_with_a_reason() {
        let p = |units, items, applications| Plan {
            units,
            items,
            applications,
            seed: 1,
        };
        assert!(p(0, 10, 0).check().is_err_and(|e| e.contains("--units")));
        assert!(p(MAX_UNITS + 1, 0, 0)
            .check()
            .is_err_and(|e| e.contains("--units")));
        assert!(p(10, MAX_ITEMS + 1, 0)
            .check()
            .is_err_and(|e| e.contains("--items")));
        assert!(p(10, 5, 0).check().is_err_and(|e| e.contains("少于")));
        assert!(p(10, 100, MAX_APPLICATIONS + 1)
            .check()
            .is_err_and(|e| e.contains("--applications")));
        assert!(p(10, 0, 0).check().is_ok());
        assert!(p(2000, 1_000_000, 100_000).check().is_ok());
    }

    #[test]
    fn the_tree_has_the_size_asked_and_every_unit_a_target_column() {
        for n in [1, 2, 25, 41, 2000] {
            let t = Tree::new(&Plan {
                units: n,
                items: 0,
                applications: 0,
                seed: 1,
            });
            assert_eq!(t.units.len() as u64, n);
            assert!(t.targets.iter().all(|c| !c.is_empty()));
            let mut codes: Vec<_> = t.units.iter().map(|u| &u.code).collect();
            codes.sort();
            codes.dedup();
            assert_eq!(codes.len() as u64, n, "unit codes are unique");
            let mut names: Vec<_> = t.units.iter().map(|u| &u.name).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len() as u64, n, "unit names are unique");
        }
    }

    #[test]
    fn the_same_seed_makes_the_same_items() {
        let t = Tree::new(&Plan {
            units: 30,
            items: 0,
            applications: 0,
            seed: 1,
        });
        let titles = |seed| {
            let mut m = ItemMaker::new(&t, seed);
            let b = m.batch(0, 300);
            b.items
                .values
                .iter()
                .filter_map(|v| match v {
                    V::T(s) if s.contains("关于") => Some(s.clone()),
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(titles(7), titles(7));
        assert_ne!(titles(7), titles(8));
    }
}
