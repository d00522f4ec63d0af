//! Full-text search over published 主动公开 items: a tantivy index of each node's own, kept in
//! step with the database by following the change log.
//!
//! The index lives in `{data_dir}/search/`, one directory per generation (`g…`), the one in use
//! named by the file `CURRENT`. A full build (`sunshine reindex`, or a node that finds no usable
//! index) writes a new generation while the old one serves, then names it in `CURRENT`; a
//! running node notices and swaps. Each commit records in its payload the change-log position up
//! to which everything is applied; on start a node catches up from there. Applying an entry is
//! idempotent (the item's current state is read and indexed, or the item removed), so an entry
//! applied twice does no harm, and entries that commit late (a PostgreSQL sequence hands out ids
//! before the transactions commit) are picked up when they appear.

pub mod query;
pub mod schema;

use crate::changes::Follow;
use crate::cpu::CpuPool;
use crate::db::{self, Db};
use query::{Answer, Request};
use schema::Fields;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term};

/// Bumped when the schema or the tokenizers change: an index of another version is rebuilt.
const SCHEMA_VERSION: u32 = 3;
/// How often a node looks at the change log.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(200);
/// How long a missing change-log entry is waited for before it is taken as never committed.
const GAP_PATIENCE: Duration = Duration::from_secs(30);
/// Entries read from the log at a time.
const LOG_BATCH: i64 = 1_000;
/// Items read from the database at a time by a full build.
const BUILD_BATCH: i64 = 500;
/// Below this many items a node that has no index builds one before it serves.
const BUILD_BEFORE_SERVING: i64 = 20_000;
const WRITER_HEAP: usize = 50_000_000;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// No index yet: it is being built (items done, items in all).
    #[error("the search index is being built")]
    Building(u64, u64),
    #[error("search: {0}")]
    Other(#[from] anyhow::Error),
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Payload {
    schema: u32,
    /// Every change-log entry up to here is applied.
    floor: i64,
}

/// One generation of the index, open.
struct Live {
    generation: String,
    reader: IndexReader,
    fields: Fields,
    /// `None` when another process holds the generation's writer lock: searched, not followed.
    writer: Mutex<Option<IndexWriter>>,
}

pub struct Search {
    root: PathBuf,
    /// Searches run here: as many at once as there are cores.
    cpu: CpuPool,
    live: RwLock<Option<Arc<Live>>>,
    follow: tokio::sync::Mutex<Follow>,
    /// Held while a full build runs: one at a time.
    rebuilding: tokio::sync::Mutex<()>,
    /// A generation that could not be opened: not tried again, removed once replaced.
    unusable: Mutex<Option<String>>,
    /// A build in progress: (done, total).
    progress: Mutex<Option<(u64, u64)>>,
    /// Set when a search fails on the index: the follower rebuilds.
    broken: std::sync::atomic::AtomicBool,
    /// Each unit's parent, for the counts per unit beside the results: read at start and
    /// again whenever items are applied or built.
    ancestors: RwLock<Arc<HashMap<i64, i64>>>,
}

fn read_current(root: &Path) -> Option<String> {
    let s = std::fs::read_to_string(root.join("CURRENT")).ok()?;
    let s = s.trim();
    (s.starts_with('g') && s.chars().all(|c| c.is_ascii_alphanumeric())).then(|| s.to_string())
}

fn write_current(root: &Path, generation: &str) -> std::io::Result<()> {
    let tmp = root.join("CURRENT.tmp");
    std::fs::write(&tmp, generation)?;
    std::fs::rename(&tmp, root.join("CURRENT"))
}

fn payload_of(index: &Index) -> Option<Payload> {
    let metas = index.load_metas().ok()?;
    serde_json::from_str(metas.payload.as_deref()?).ok()
}

/// Opens a generation; `None` with the reason when it is missing, damaged or of another version.
fn open_generation(root: &Path, generation: &str) -> Result<(Live, i64), String> {
    let dir = root.join(generation);
    let index = Index::open_in_dir(&dir).map_err(|e| e.to_string())?;
    schema::register(&index);
    let payload = payload_of(&index).ok_or("no payload")?;
    if payload.schema != SCHEMA_VERSION {
        return Err(format!("schema version {}", payload.schema));
    }
    let (ours, fields) = schema::schema();
    if index.schema() != ours {
        return Err("schema differs".into());
    }
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(|e| e.to_string())?;
    let writer = match index.writer_with_num_threads(1, WRITER_HEAP) {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(error = %e, generation, "search index opened read-only");
            None
        }
    };
    Ok((
        Live {
            generation: generation.to_string(),
            reader,
            fields,
            writer: Mutex::new(writer),
        },
        payload.floor,
    ))
}

/// Drops `what` and removes `dirs` on a blocking thread, without waiting.
fn remove_later<T: Send + 'static>(what: T, dirs: Vec<PathBuf>) {
    tokio::task::spawn_blocking(move || {
        drop(what);
        for dir in dirs {
            if let Err(e) = std::fs::remove_dir_all(&dir) {
                tracing::warn!(error = %e, dir = %dir.display(), "old search index not removed");
            }
        }
    });
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Search {
    /// The search of a data directory; nothing is opened until [`Search::start`].
    pub fn new(data_dir: &Path, cpu: CpuPool) -> Search {
        Search {
            root: data_dir.join("search"),
            cpu,
            live: RwLock::new(None),
            follow: tokio::sync::Mutex::new(Follow::default()),
            rebuilding: tokio::sync::Mutex::new(()),
            unusable: Mutex::new(None),
            progress: Mutex::new(None),
            broken: Default::default(),
            ancestors: Default::default(),
        }
    }

    fn set_ancestors(&self, ancestors: Arc<HashMap<i64, i64>>) {
        *self.ancestors.write().unwrap_or_else(|p| p.into_inner()) = ancestors;
    }

    fn live(&self) -> Option<Arc<Live>> {
        self.live.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Puts a generation in use. The one it replaces (and an unusable one) is removed off the
    /// async workers: searches still holding it keep reading its open files.
    fn install(&self, live: Live, floor: i64, follow: &mut Follow) {
        let new = live.generation.clone();
        let old = self
            .live
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .replace(Arc::new(live));
        *follow = Follow::at(floor);
        VERSION.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        let mut remove = Vec::new();
        if let Some(old) = old {
            // A read-only node shares the directory with the process that writes it.
            if lock(&old.writer).is_some() && old.generation != new {
                remove.push(self.root.join(&old.generation));
            }
            // Its writer joins its threads when dropped: not on an async worker either.
            remove_later(old, Vec::new());
        }
        if let Some(bad) = lock(&self.unusable).take().filter(|b| *b != new) {
            remove.push(self.root.join(bad));
        }
        remove_later((), remove);
    }

    /// Opens the index named in `CURRENT`, or builds one: before returning when the portal is
    /// small, in the background otherwise (searches say the index is being built meanwhile).
    pub async fn start(self: &Arc<Self>, db: &Db) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.root)?;
        self.remove_leftovers();
        {
            let mut conn = db.read().acquire().await?;
            self.set_ancestors(Arc::new(ancestors(&mut conn).await?));
        }
        if self.reopen().await {
            return Ok(());
        }
        let count = {
            let mut conn = db.read().acquire().await?;
            db::search::public_count(&mut conn).await?
        };
        // Whatever made the open fail, this build replaces it.
        self.broken
            .store(false, std::sync::atomic::Ordering::Relaxed);
        if count < BUILD_BEFORE_SERVING {
            self.rebuild_and_install(db).await?;
        } else {
            let (me, db) = (self.clone(), db.clone());
            tokio::spawn(async move {
                if let Err(e) = me.rebuild_and_install(&db).await {
                    tracing::error!(error = %e, "search index build failed");
                }
            });
        }
        Ok(())
    }

    /// Generations left behind by a build that did not finish (older than an hour).
    fn remove_leftovers(&self) {
        let current = read_current(&self.root);
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > Duration::from_secs(3600));
            if name.starts_with('g') && Some(&name) != current.as_ref() && old {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }

    /// Opens the generation `CURRENT` names if it is not the one open; whether one is open.
    async fn reopen(&self) -> bool {
        let Some(generation) = read_current(&self.root) else {
            return self.live().is_some();
        };
        if self.live().is_some_and(|l| l.generation == generation)
            || lock(&self.unusable).as_deref() == Some(generation.as_str())
        {
            return self.live().is_some();
        }
        let root = self.root.clone();
        let name = generation.clone();
        let opened = tokio::task::spawn_blocking(move || open_generation(&root, &name)).await;
        match opened {
            Ok(Ok((live, floor))) => {
                let mut follow = self.follow.lock().await;
                self.install(live, floor, &mut follow);
                tracing::info!(generation, floor, "search index opened");
                true
            }
            Ok(Err(why)) => {
                tracing::warn!(generation, why, "search index not usable; rebuilding");
                *lock(&self.unusable) = Some(generation);
                self.broken
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                self.live().is_some()
            }
            Err(e) => {
                tracing::error!(error = %e, "opening the search index failed");
                false
            }
        }
    }

    /// A full build put in use; nothing when one is already running.
    async fn rebuild_and_install(&self, db: &Db) -> anyhow::Result<()> {
        let Ok(_one) = self.rebuilding.try_lock() else {
            return Ok(());
        };
        let generation = build(db, &self.root, |done, total| {
            *lock(&self.progress) = Some((done, total));
        })
        .await;
        if let Ok((_, ancestors)) = &generation {
            self.set_ancestors(ancestors.clone());
        }
        *lock(&self.progress) = None;
        let (generation, _) = generation?;
        // Whatever asked for a rebuild meanwhile is answered by this one.
        self.broken
            .store(false, std::sync::atomic::Ordering::Relaxed);
        self.reopen().await;
        tracing::info!(generation, "search index built");
        Ok(())
    }

    /// Runs a search. `Building` while there is no index yet; an index that fails is marked
    /// for a rebuild and the search answered as `Building`.
    pub async fn search(&self, request: Request) -> Result<Answer, SearchError> {
        let Some(live) = self.live() else {
            let (done, total) = lock(&self.progress).unwrap_or((0, 0));
            return Err(SearchError::Building(done, total));
        };
        let ancestors = self
            .ancestors
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let answer = self
            .cpu
            .run(move || {
                let searcher = live.reader.searcher();
                query::run_request(&searcher, &live.fields, &ancestors, &request)
            })
            .await
            .map_err(|e| SearchError::Other(e.into()))?;
        answer.map_err(|e| {
            tracing::error!(error = %e, "search failed on the index; rebuilding it");
            self.broken
                .store(true, std::sync::atomic::Ordering::Relaxed);
            let (done, total) = lock(&self.progress).unwrap_or((0, 0));
            SearchError::Building(done, total)
        })
    }

    /// Follows the change log until the task is dropped.
    pub async fn follow_forever(self: Arc<Self>, db: Db) {
        loop {
            tokio::time::sleep(FOLLOW_EVERY).await;
            if self
                .broken
                .swap(false, std::sync::atomic::Ordering::Relaxed)
            {
                if let Err(e) = self.rebuild_and_install(&db).await {
                    tracing::error!(error = %e, "search index rebuild failed; will retry");
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    self.broken
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                }
                continue;
            }
            if !self.reopen().await {
                continue;
            }
            if let Err(e) = self.catch_up(&db).await {
                tracing::warn!(error = %e, "following the change log failed; will retry");
            }
        }
    }

    /// Applies what the change log holds beyond what is applied; how many entries it applied.
    pub async fn catch_up(&self, db: &Db) -> anyhow::Result<usize> {
        // The generation is read under the follower's lock, which a swap also takes: entries
        // are never marked applied in one generation's bookkeeping while written to another.
        let mut follow = self.follow.lock().await;
        let Some(live) = self.live() else {
            return Ok(0);
        };
        let entries = {
            let mut conn = db.read().acquire().await?;
            let mut entries =
                db::search::log_after(&mut conn, follow.read_after(), LOG_BATCH).await?;
            for gaps in follow.missing().chunks(500) {
                entries.extend(db::search::log_among(&mut conn, gaps).await?);
            }
            entries
        };
        if !entries.is_empty() {
            let mut items: Vec<i64> = entries.iter().filter_map(|c| c.item_id).collect();
            items.sort_unstable();
            items.dedup();
            self.set_ancestors(apply(db, &live, &items).await?);
        }
        let ids: Vec<i64> = entries.iter().map(|c| c.id).collect();
        let moved = follow.absorb(&ids, Instant::now(), GAP_PATIENCE);
        if !entries.is_empty() || moved {
            commit(&live, follow.floor).await?;
        }
        Ok(entries.len())
    }

    /// A full rebuild for `sunshine reindex`: builds a new generation beside the one in use and
    /// names it current; a running node swaps to it within a moment.
    pub async fn reindex(
        db: &Db,
        data_dir: &Path,
        progress: impl Fn(u64, u64) + Send + Sync,
    ) -> anyhow::Result<String> {
        let root = data_dir.join("search");
        std::fs::create_dir_all(&root)?;
        Ok(build(db, &root, progress).await?.0)
    }
}

/// Re-reads the items and puts each in the index as it now is, or takes it out; the units'
/// parents as it read them.
async fn apply(db: &Db, live: &Arc<Live>, items: &[i64]) -> anyhow::Result<Arc<HashMap<i64, i64>>> {
    let (sources, ancestors) = {
        let mut conn = db.read().acquire().await?;
        let mut sources = Vec::new();
        for chunk in items.chunks(200) {
            sources.extend(db::search::public_of(&mut conn, chunk).await?);
        }
        (sources, Arc::new(ancestors(&mut conn).await?))
    };
    let (live, items, parents) = (live.clone(), items.to_vec(), ancestors.clone());
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let guard = lock(&live.writer);
        let Some(writer) = guard.as_ref() else {
            return Ok(());
        };
        for id in &items {
            writer.delete_term(Term::from_field_u64(live.fields.id, *id as u64));
        }
        for s in &sources {
            writer.add_document(schema::document(&live.fields, s, &parents))?;
        }
        Ok(())
    })
    .await??;
    Ok(ancestors)
}

/// Commits a writer's documents with the change-log position they bring the index to.
fn commit_at(writer: &mut IndexWriter, floor: i64) -> anyhow::Result<()> {
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&serde_json::to_string(&Payload {
        schema: SCHEMA_VERSION,
        floor,
    })?);
    prepared.commit()?;
    Ok(())
}

/// Moves each time what searches find may have changed (a commit seen, a generation put in
/// use): cached search pages are kept under it, so a new one is made after the index moves.
static VERSION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// See [`VERSION`].
pub fn version() -> u64 {
    VERSION.load(std::sync::atomic::Ordering::Acquire)
}

/// Commits what is applied, recording the floor, and lets searches see it.
async fn commit(live: &Arc<Live>, floor: i64) -> anyhow::Result<()> {
    let live = live.clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        if let Some(writer) = lock(&live.writer).as_mut() {
            commit_at(writer, floor)?;
        }
        // A read-only node sees what the writing process committed.
        live.reader.reload()?;
        VERSION.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        Ok(())
    })
    .await??;
    Ok(())
}

async fn ancestors(conn: &mut db::Conn) -> anyhow::Result<HashMap<i64, i64>> {
    Ok(db::units::all(conn)
        .await?
        .into_iter()
        .filter_map(|u| Some((u.id, u.parent_id?)))
        .collect())
}

/// Builds a new generation from every public item and names it current; its name and the
/// units' parents it used.
async fn build(
    db: &Db,
    root: &Path,
    progress: impl Fn(u64, u64) + Send + Sync,
) -> anyhow::Result<(String, Arc<HashMap<i64, i64>>)> {
    let (floor, total, ancestors) = {
        let mut conn = db.read().acquire().await?;
        // Where following starts is read first, and held back by the time a transaction may
        // take to commit: every entry after it is applied again once the build is in use, so a
        // change that committed while the build read (or had its id but not yet its commit
        // when the build began) is not lost.
        let patience = i64::try_from(GAP_PATIENCE.as_secs()).unwrap_or(30);
        let floor = db::search::log_end_before(&mut conn, db::now() - patience).await?;
        let total = db::search::public_count(&mut conn).await?;
        (floor, total, ancestors(&mut conn).await?)
    };
    let generation = format!(
        "g{}{}",
        chrono::Utc::now().format("%Y%m%d%H%M%S"),
        crate::auth::random_hex(3)
    );
    let dir = root.join(&generation);
    std::fs::create_dir_all(&dir)?;
    let (schema, fields) = schema::schema();
    let (index, writer) = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || -> anyhow::Result<(Index, IndexWriter)> {
            let index = Index::create_in_dir(&dir, schema)?;
            schema::register(&index);
            let writer = index.writer(WRITER_HEAP * 2)?;
            Ok((index, writer))
        }
    })
    .await??;
    let writer = Arc::new(writer);
    let ancestors = Arc::new(ancestors);
    let (mut after, mut done) = (0i64, 0u64);
    let total = u64::try_from(total).unwrap_or(0);
    progress(0, total);
    loop {
        let batch = {
            let mut conn = db.read().acquire().await?;
            db::search::public_after(&mut conn, after, BUILD_BATCH).await?
        };
        let Some(last) = batch.last() else { break };
        after = last.id;
        done += batch.len() as u64;
        let (w, a) = (writer.clone(), ancestors.clone());
        tokio::task::spawn_blocking(move || -> tantivy::Result<()> {
            for s in &batch {
                w.add_document(schema::document(&fields, s, &a))?;
            }
            Ok(())
        })
        .await??;
        // Items published during the build count too.
        progress(done, total.max(done));
    }
    let mut writer =
        Arc::try_unwrap(writer).map_err(|_| anyhow::anyhow!("index writer still shared"))?;
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        commit_at(&mut writer, floor)?;
        writer.wait_merging_threads()?;
        drop(index);
        Ok(())
    })
    .await??;
    write_current(root, &generation)?;
    Ok((generation, ancestors))
}
