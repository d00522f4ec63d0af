//! What citizens read, served like a static file: rendered public pages and API answers kept in
//! memory, each under its address and the visitor's language and display preferences, and
//! dropped the moment the change log says something they show has changed (on any node: every
//! node follows the same log). A hit answers without touching the database: ETag and
//! Last-Modified with 304s, gzip and brotli bodies compressed once, and the 点击 figure of an
//! item page put in as the page is sent.
//!
//! A handler opts a response in by attaching [`Cacheable`] with what the page depends on. When
//! this node has not heard from the change log for a while, the cache is bypassed: pages come
//! from the database until it has caught up, never stale.

use crate::app::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// What a cached page shows, so that a change to it drops the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tag {
    /// Anything published anywhere (home, searches, the city's lists).
    All,
    /// A unit's pages (and its sub-units': a change below a unit drops the unit's pages too).
    Unit(i64),
    Item(i64),
}

/// Attached to a response by a handler whose page may be cached: the tags it depends on, and
/// for an item page the item whose 点击 figure it shows.
#[derive(Debug, Clone, Default)]
pub struct Cacheable {
    pub tags: Vec<Tag>,
    pub hits_of: Option<i64>,
}

impl Cacheable {
    pub fn of(tags: Vec<Tag>) -> Cacheable {
        Cacheable {
            tags,
            hits_of: None,
        }
    }
}

/// Marks a handler's answer as cacheable with `tags` (an error is never kept).
pub fn cached<E>(r: Result<Response, E>, tags: Vec<Tag>) -> Result<Response, E> {
    r.map(|r| mark(r, Cacheable::of(tags)))
}

/// Marks a response as cacheable with `tags`.
pub fn mark(mut r: Response, c: Cacheable) -> Response {
    r.extensions_mut().insert(c);
    r
}

/// How long this node may go without hearing from the change log before it stops trusting its
/// cache.
const TRUST_FOR: Duration = Duration::from_secs(1);
/// How often the change log is read.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(200);
/// How long an entry missing from the log (not committed yet, or rolled back) is waited for.
const GAP_PATIENCE: Duration = Duration::from_secs(30);
/// The largest body kept.
const MAX_BODY: usize = 2 * 1024 * 1024;
/// `heard` before the change log was first read, or after reading it failed.
const NEVER: u64 = u64::MAX;
/// Compressed bodies of an item page are brought up to date with its 点击 at most this often.
const RECOUNT_EVERY: Duration = Duration::from_secs(1);

struct Encoded {
    gzip: Bytes,
    br: Bytes,
    /// The 点击 figure these bodies show.
    hits: i64,
}

struct Entry {
    body: Bytes,
    content_type: HeaderValue,
    /// From the page's bytes (its 点击 figure aside): the same on every node and after a restart,
    /// so a CDN's revalidation gets its 304 from whichever node answers.
    etag: HeaderValue,
    modified: HeaderValue,
    /// `modified` in Unix seconds, for `If-Modified-Since`.
    modified_at: i64,
    created: Instant,
    tags: Vec<Tag>,
    /// Where the 点击 figure stands in `body`: its byte range, the item, the figure rendered.
    hits: Option<(usize, usize, i64, i64)>,
    /// Views counted here since the page was rendered.
    views: AtomicI64,
    encoded: Mutex<Option<Arc<Encoded>>>,
    recounting: std::sync::atomic::AtomicBool,
    recounted: Mutex<Instant>,
    used: AtomicU64,
    size: usize,
}

impl Entry {
    fn hits_now(&self) -> Option<i64> {
        self.hits
            .map(|(_, _, _, base)| base + self.views.load(Ordering::Relaxed))
    }

    /// The body with the current 点击 figure.
    fn identity(&self) -> Bytes {
        match (self.hits, self.hits_now()) {
            (Some((start, end, _, _)), Some(n)) => {
                let mut b = Vec::with_capacity(self.body.len() + 4);
                b.extend_from_slice(&self.body[..start]);
                b.extend_from_slice(n.to_string().as_bytes());
                b.extend_from_slice(&self.body[end..]);
                Bytes::from(b)
            }
            _ => self.body.clone(),
        }
    }
}

struct Store {
    entries: HashMap<String, Arc<Entry>>,
    bytes: usize,
}

/// The cache of one node.
pub struct PageCache {
    /// Read-locked by every hit (readers do not wait for each other), written by a miss.
    store: std::sync::RwLock<Store>,
    limit: usize,
    ttl: Duration,
    /// Where this node is in the change log (`None` until it first looks).
    follow: tokio::sync::Mutex<Option<crate::changes::Follow>>,
    /// How many batches of changes were applied: a page made while this moved is not kept.
    applied: AtomicU64,
    /// When the change log was last read successfully: milliseconds after `epoch`, or
    /// [`NEVER`] (an atomic, not a lock: every hit reads it).
    heard: AtomicU64,
    epoch: Instant,
    /// The primary's change-log end as read lately, with when (to tell a replica's lag).
    primary_ends: Mutex<std::collections::VecDeque<(Instant, i64)>>,
    tick: AtomicU64,
}

impl PageCache {
    pub fn new(limit_bytes: usize, ttl: Duration) -> PageCache {
        PageCache {
            store: std::sync::RwLock::new(Store {
                entries: HashMap::new(),
                bytes: 0,
            }),
            limit: limit_bytes,
            ttl,
            follow: tokio::sync::Mutex::new(None),
            applied: AtomicU64::new(0),
            heard: AtomicU64::new(NEVER),
            epoch: Instant::now(),
            primary_ends: Mutex::new(std::collections::VecDeque::new()),
            tick: AtomicU64::new(0),
        }
    }

    fn store(&self) -> std::sync::RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(|e| e.into_inner())
    }

    fn reading(&self) -> std::sync::RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }

    fn millis(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1)
    }

    /// Whether the cache may answer: it is on and has heard from the change log lately.
    fn trusted(&self) -> bool {
        let heard = self.heard.load(Ordering::Acquire);
        self.limit > 0
            && heard != NEVER
            && self.millis().saturating_sub(heard) < TRUST_FOR.as_millis() as u64
    }

    pub fn len(&self) -> usize {
        self.reading().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn bytes(&self) -> usize {
        self.reading().bytes
    }

    fn get(&self, key: &str) -> Option<Arc<Entry>> {
        let e = self.reading().entries.get(key).cloned()?;
        if e.created.elapsed() > self.ttl {
            return None;
        }
        e.used
            .store(self.tick.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        Some(e)
    }

    /// Keeps a page made while the follower stood at `seen`; a page made across a change (the
    /// count checked under the store's lock, which the follower's drop also takes, so a change
    /// cannot slip between the check and the insert) is answered but not kept.
    fn put(&self, key: String, e: Entry, seen: u64) -> Arc<Entry> {
        let e = Arc::new(e);
        e.used
            .store(self.tick.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        let mut s = self.store();
        if self.applied.load(Ordering::Acquire) != seen {
            return e;
        }
        if let Some(old) = s.entries.insert(key, e.clone()) {
            s.bytes = s.bytes.saturating_sub(old.size);
        }
        s.bytes += e.size;
        if s.bytes > self.limit {
            // Keep the pages used most recently: drop the least recently used down to 90%.
            let mut by_use: Vec<(u64, String)> = s
                .entries
                .iter()
                .map(|(k, v)| (v.used.load(Ordering::Relaxed), k.clone()))
                .collect();
            by_use.sort_unstable();
            let target = self.limit / 10 * 9;
            for (_, k) in by_use {
                if s.bytes <= target {
                    break;
                }
                if let Some(old) = s.entries.remove(&k) {
                    s.bytes = s.bytes.saturating_sub(old.size);
                }
            }
        }
        e
    }

    /// Drops every page that shows something tagged `tags`.
    pub fn drop_tagged(&self, tags: &HashSet<Tag>) -> usize {
        let mut s = self.store();
        let before = s.entries.len();
        let mut freed = 0;
        s.entries.retain(|_, e| {
            let keep = !e.tags.iter().any(|t| tags.contains(t));
            if !keep {
                freed += e.size;
            }
            keep
        });
        s.bytes = s.bytes.saturating_sub(freed);
        before - s.entries.len()
    }

    pub fn clear(&self) {
        let mut s = self.store();
        s.entries.clear();
        s.bytes = 0;
    }

    /// Reads what the change log holds beyond what was applied and drops the pages it touches.
    pub async fn catch_up(&self, db: &crate::db::Db) -> anyhow::Result<usize> {
        use crate::db::search::{log_after, log_among, log_end};
        let mut follow = self.follow.lock().await;
        if let Some(replica) = db.replica() {
            self.watch_replica(db, replica, follow.as_ref().map(|f| f.read_after()))
                .await?;
        }
        // The same pool the pages are made from: a change seen here is in what they read.
        let mut conn = db.read().acquire().await?;
        let Some(f) = follow.as_mut() else {
            // Start from the log's end: the cache is empty.
            *follow = Some(crate::changes::Follow::at(log_end(&mut conn).await?));
            self.heard_now();
            return Ok(0);
        };
        let mut changes = log_after(&mut conn, f.read_after(), 1000).await?;
        for gaps in f.missing().chunks(500) {
            changes.extend(log_among(&mut conn, gaps).await?);
        }
        if !changes.is_empty() {
            let parents: HashMap<i64, Option<i64>> =
                sqlx::query_as("SELECT id, parent_id FROM units")
                    .fetch_all(&mut *conn)
                    .await?
                    .into_iter()
                    .collect();
            drop(conn);
            let mut tags = HashSet::from([Tag::All]);
            let mut everything = false;
            for c in &changes {
                match c.item_id {
                    Some(i) => {
                        tags.insert(Tag::Item(i));
                    }
                    // A unit's settings or columns: its frame is on every page.
                    None => everything = true,
                }
                // The unit and every unit above it (their catalogs and feeds include it).
                let mut u = Some(c.unit_id);
                for _ in 0..64 {
                    let Some(id) = u else { break };
                    tags.insert(Tag::Unit(id));
                    u = parents.get(&id).copied().flatten();
                }
            }
            // Counted before the pages go, so a page being made now is not kept.
            self.applied.fetch_add(1, Ordering::AcqRel);
            if everything {
                self.clear();
            } else {
                self.drop_tagged(&tags);
            }
        }
        let ids: Vec<i64> = changes.iter().map(|c| c.id).collect();
        f.absorb(&ids, Instant::now(), GAP_PATIENCE);
        self.heard_now();
        Ok(changes.len())
    }

    /// Compares the replica's change log with the primary's: a replica still short of where the
    /// primary was [`REPLICA_LAG_LIMIT`] ago is not read from (public reads and this follower
    /// turn to the primary, which is ahead: pages made there are never older than what was
    /// applied); it is read again once it holds everything applied (`applied`, where this
    /// follower is), so no page is made from a state older than a change already taken in.
    async fn watch_replica(
        &self,
        db: &crate::db::Db,
        replica: &sqlx::AnyPool,
        applied: Option<i64>,
    ) -> anyhow::Result<()> {
        use crate::db::search::log_end;
        use crate::db::REPLICA_LAG_LIMIT;
        let primary_end = log_end(&mut *db.pool.acquire().await?).await?;
        let replica_end = log_end(&mut *replica.acquire().await?).await?;
        let now = Instant::now();
        let behind = {
            let mut ends = self.primary_ends.lock().unwrap_or_else(|e| e.into_inner());
            ends.push_back((now, primary_end));
            // The front: the newest reading at least the limit old.
            while ends.len() >= 2 && now.duration_since(ends[1].0) >= REPLICA_LAG_LIMIT {
                ends.pop_front();
            }
            ends.front()
                .filter(|(t, _)| now.duration_since(*t) >= REPLICA_LAG_LIMIT)
                .is_some_and(|(_, end)| replica_end < *end)
        };
        if behind {
            if db.set_replica_lags(true) {
                tracing::warn!(
                    "the read replica is more than {} s behind: public pages are read from the primary until it catches up",
                    REPLICA_LAG_LIMIT.as_secs()
                );
            }
        } else if replica_end >= applied.unwrap_or(0) && db.set_replica_lags(false) {
            tracing::info!("the read replica has caught up: public pages are read from it again");
        }
        Ok(())
    }

    /// Stops answering from the cache until the change log is read again.
    fn distrust(&self) {
        self.heard.store(NEVER, Ordering::Release);
    }

    fn heard_now(&self) {
        self.heard.store(self.millis(), Ordering::Release);
    }

    /// Follows the change log until the task is dropped.
    pub async fn follow_forever(self: Arc<Self>, db: crate::db::Db) {
        loop {
            if let Err(e) = self.catch_up(&db).await {
                tracing::warn!(error = %e, "page cache: reading the change log failed; serving from the database until it answers");
            }
            tokio::time::sleep(FOLLOW_EVERY).await;
        }
    }
}

/// The key of a request: host, language, display preferences and address. `None` for what is
/// never cached.
fn key_of(req: &Request) -> Option<String> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return None;
    }
    // A token's holder may see what the public does not: never answered from, nor kept in, the
    // cache.
    if req.headers().contains_key(header::AUTHORIZATION) {
        return None;
    }
    let path = req.uri().path();
    if path.starts_with("/admin") || path.starts_with("/apply") || path.starts_with("/track") {
        return None;
    }
    let v = super::frame::Visitor::of_headers(req.headers(), req.uri());
    // What a search finds follows the index, which follows the log on its own: a search page
    // is kept under the index's version.
    let index = if path.starts_with("/search") || path.starts_with("/api/v1/search") {
        crate::search::version()
    } else {
        0
    };
    Some(format!(
        "{}|{:?}|{}|{index}|{}",
        v.host.as_deref().unwrap_or(""),
        v.lang,
        v.prefs.value(),
        v.here
    ))
}

fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|part| {
            let mut it = part.split(';');
            let name = it.next().unwrap_or("").trim();
            let refused = it.any(|p| {
                let p = p.trim();
                p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
            });
            name.eq_ignore_ascii_case(coding) && !refused
        })
}

/// What a client sent to revalidate its copy.
struct Asked {
    if_none_match: Option<HeaderValue>,
    if_modified_since: Option<HeaderValue>,
}

impl Asked {
    fn of(h: &HeaderMap) -> Asked {
        Asked {
            if_none_match: h.get(header::IF_NONE_MATCH).cloned(),
            if_modified_since: h.get(header::IF_MODIFIED_SINCE).cloned(),
        }
    }

    /// Whether the client's copy is this entry (`If-None-Match` decides when given, as RFC 9110
    /// says; else `If-Modified-Since`).
    fn has(&self, e: &Entry) -> bool {
        let weak = |t: &str| t.trim().trim_start_matches("W/").to_owned();
        if let Some(v) = self.if_none_match.as_ref().and_then(|v| v.to_str().ok()) {
            let ours = weak(e.etag.to_str().unwrap_or(""));
            return v.split(',').any(|t| t.trim() == "*" || weak(t) == ours);
        }
        self.if_modified_since
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| chrono::NaiveDateTime::parse_from_str(v.trim(), HTTP_DATE).ok())
            .is_some_and(|since| since.and_utc().timestamp() >= e.modified_at)
    }
}

const HTTP_DATE: &str = "%a, %d %b %Y %H:%M:%S GMT";

fn answer(app: &AppState, e: &Arc<Entry>, req_headers: &HeaderMap, head: bool) -> Response {
    if let (Some((_, _, item, _)), false) = (e.hits, head) {
        app.clicks.hit(item);
        e.views.fetch_add(1, Ordering::Relaxed);
    }
    let not_modified = Asked::of(req_headers).has(e);
    let mut r = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let wants = if accepts(req_headers, "br") {
            Some("br")
        } else if accepts(req_headers, "gzip") {
            Some("gzip")
        } else {
            None
        };
        // (The entry's lock is taken only by a client that takes compression.)
        let encoded = match wants {
            Some(_) => e.encoded.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            None => None,
        };
        // Compressed copies are made for pages asked for again by a client that takes them
        // (not for every page made once), and made again when the 点击 figure has moved.
        if wants.is_some() {
            match (&encoded, e.hits_now()) {
                (None, _) => recount(app, e),
                (Some(enc), Some(now)) if enc.hits != now => recount(app, e),
                _ => {}
            }
        }
        let (body, coding) = match (&encoded, wants) {
            (Some(enc), Some("br")) => (enc.br.clone(), Some("br")),
            (Some(enc), Some(_)) => (enc.gzip.clone(), Some("gzip")),
            _ => (e.identity(), None),
        };
        let mut r = if head {
            let mut r = Response::new(Body::empty());
            if let Ok(v) = HeaderValue::from_str(&body.len().to_string()) {
                r.headers_mut().insert(header::CONTENT_LENGTH, v);
            }
            r
        } else {
            Response::new(Body::from(body))
        };
        if let Some(c) = coding {
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(c));
        }
        r.headers_mut()
            .insert(header::CONTENT_TYPE, e.content_type.clone());
        r
    };
    validators(&mut r, e, "hit");
    r
}

/// The headers every answer of a kept page carries; `how` says whether it came from memory.
fn validators(r: &mut Response, e: &Entry, how: &'static str) {
    let h = r.headers_mut();
    h.insert(header::ETAG, e.etag.clone());
    h.insert(header::LAST_MODIFIED, e.modified.clone());
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    h.insert(header::VARY, HeaderValue::from_static(VARY));
    h.insert("x-cache", HeaderValue::from_static(how));
}

/// A CDN in front may keep a page but must ask again (a 304 when nothing changed) before each
/// use, so a withdrawn item is gone everywhere at once.
pub const CACHE_CONTROL: &str = "public, no-cache";
pub const VARY: &str = "Accept-Encoding, Accept-Language, Cookie";

/// Compresses an entry's body (with its current 点击) on the CPU pool, off the async workers.
fn recount(app: &AppState, e: &Arc<Entry>) {
    if e.recounting.swap(true, Ordering::AcqRel) {
        return;
    }
    {
        let mut at = e.recounted.lock().unwrap_or_else(|p| p.into_inner());
        if e.encoded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
            && at.elapsed() < RECOUNT_EVERY
        {
            e.recounting.store(false, Ordering::Release);
            return;
        }
        *at = Instant::now();
    }
    let (app, e) = (app.clone(), e.clone());
    tokio::spawn(async move {
        let body = e.identity();
        let hits = e.hits_now().unwrap_or(0);
        let done = app
            .cpu
            .run(move || -> std::io::Result<Encoded> {
                Ok(Encoded {
                    gzip: gzip(&body)?.into(),
                    br: brotli(&body)?.into(),
                    hits,
                })
            })
            .await;
        if let Ok(Ok(enc)) = done {
            *e.encoded.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(enc));
        }
        e.recounting.store(false, Ordering::Release);
    });
}

fn gzip(b: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    w.write_all(b)?;
    w.finish()
}

fn brotli(b: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    // A window the size of the page, not the default 4 MiB: the encoder allocates and clears
    // its ring buffer by the window, which cost more than compressing a 20 KB page.
    let bits = usize::BITS - b.len().max(1).leading_zeros();
    let params = ::brotli::enc::BrotliEncoderParams {
        quality: 6,
        lgwin: (bits as i32 + 1).clamp(16, 22),
        size_hint: b.len(),
        ..Default::default()
    };
    ::brotli::BrotliCompress(&mut std::io::Cursor::new(b), &mut out, &params)?;
    Ok(out)
}

/// Where the 点击 figure stands in an item page: the digits inside `<span class="hits">`.
fn hits_span(body: &[u8]) -> Option<(usize, usize, i64)> {
    const OPEN: &[u8] = b"<span class=\"hits\">";
    let start = body.windows(OPEN.len()).position(|w| w == OPEN)? + OPEN.len();
    let len = body[start..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let n = std::str::from_utf8(&body[start..start + len])
        .ok()?
        .parse()
        .ok()?;
    Some((start, start + len, n))
}

fn http_date(t: SystemTime) -> HeaderValue {
    let dt: chrono::DateTime<chrono::Utc> = t.into();
    HeaderValue::from_str(&dt.format(HTTP_DATE).to_string())
        .unwrap_or_else(|_| HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"))
}

/// The page's tag: a digest of its bytes without the 点击 figure, which changes with every view.
fn etag_of(body: &[u8], hits: Option<(usize, usize)>) -> HeaderValue {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    match hits {
        Some((start, end)) => {
            h.update(&body[..start]);
            h.update(&body[end..]);
        }
        None => h.update(body),
    }
    let digest = h.finalize();
    HeaderValue::from_str(&format!("W/\"{}\"", hex::encode(&digest[..12])))
        .unwrap_or_else(|_| HeaderValue::from_static("W/\"0\""))
}

/// A kept page answered from memory before routing and the middleware stack, none of which a
/// kept page needs (it carries the security headers those would add); `None` for a request
/// the cache does not answer, which then takes the whole way through [`layer`].
pub fn answer_early(app: &AppState, req: &Request) -> Option<Response> {
    let cache = &app.pages;
    if cache.limit == 0 || !matches!(*req.method(), Method::GET | Method::HEAD) {
        return None;
    }
    let key = key_of(req).filter(|_| cache.trusted())?;
    let e = cache.get(&key)?;
    let mut r = answer(app, &e, req.headers(), req.method() == Method::HEAD);
    super::router::security_headers(r.headers_mut());
    Some(r)
}

/// The middleware: answers from the cache, or lets the handler answer and keeps what it may.
pub async fn layer(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let cache = &app.pages;
    if cache.limit == 0 {
        return next.run(req).await;
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        // A change made through this node is off its pages before its answer goes out, so
        // whoever made it sees it at once (other nodes within the follower's interval). With
        // a read replica the change log is read there, so this holds once the replica has
        // replayed the change (docs/DEPLOY.md: limits of this version).
        let r = next.run(req).await;
        if let Err(e) = cache.catch_up(&app.db).await {
            tracing::warn!(error = %e, "page cache: reading the change log after a change failed");
            cache.distrust();
        }
        return r;
    }
    let Some(key) = key_of(&req).filter(|_| cache.trusted()) else {
        return next.run(req).await;
    };
    let head = req.method() == Method::HEAD;
    if let Some(e) = cache.get(&key) {
        return answer(&app, &e, req.headers(), head);
    }
    let asked = Asked::of(req.headers());
    let seen = cache.applied.load(Ordering::Acquire);
    let r = next.run(req).await;
    let Some(c) = r.extensions().get::<Cacheable>().cloned() else {
        return r;
    };
    // Only a GET's whole answer is kept (a HEAD's has no body).
    if head || r.status() != StatusCode::OK || r.headers().contains_key(header::SET_COOKIE) {
        return r;
    }
    let (parts, body) = r.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    // A change applied while the page was being made may not be in it: not kept.
    if cache.applied.load(Ordering::Acquire) != seen {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("text/html; charset=utf-8"));
    let hits = c
        .hits_of
        .and_then(|item| hits_span(&bytes).map(|(s, e, n)| (s, e, item, n)));
    let now = SystemTime::now();
    let entry = Entry {
        size: bytes.len() * 2 + key.len() + 256,
        etag: etag_of(&bytes, hits.map(|(s, e, _, _)| (s, e))),
        body: bytes,
        content_type,
        modified: http_date(now),
        modified_at: now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
        created: Instant::now(),
        tags: c.tags,
        hits,
        views: AtomicI64::new(0),
        encoded: Mutex::new(None),
        recounting: std::sync::atomic::AtomicBool::new(false),
        recounted: Mutex::new(Instant::now()),
        used: AtomicU64::new(0),
    };
    let e = cache.put(key, entry, seen);
    // This first answer is the handler's own, with the cache's validators (a 304 when the
    // client holds the same page, made by another node or before a restart).
    let mut r = if asked.has(&e) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Response::from_parts(parts, Body::from(e.identity()))
    };
    validators(&mut r, &e, "miss");
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hits_figure_is_found_in_an_item_page() {
        let page =
            b"<p>x</p><span>\xe7\x82\xb9\xe5\x87\xbb:<span class=\"hits\">1234</span></span>";
        let (s, e, n) = hits_span(page).expect("found");
        assert_eq!(n, 1234);
        assert_eq!(&page[s..e], b"1234");
        assert_eq!(hits_span(b"<span class=\"hits\"></span>"), None);
    }

    #[test]
    fn the_tag_follows_the_bytes_and_not_the_hits_figure() {
        let page = |n: &str| format!("<p>a</p><span class=\"hits\">{n}</span><p>b</p>");
        let tag = |p: &str| {
            let (s, e, _) = hits_span(p.as_bytes()).expect("span");
            etag_of(p.as_bytes(), Some((s, e)))
        };
        assert_eq!(tag(&page("7")), tag(&page("123456")));
        assert_ne!(tag(&page("7")), etag_of(b"<p>other</p>", None));
    }

    #[test]
    fn revalidation_by_tag_wins_over_the_date() {
        let e = Entry {
            body: Bytes::from_static(b"x"),
            content_type: HeaderValue::from_static("text/html"),
            etag: HeaderValue::from_static("W/\"abc\""),
            modified: HeaderValue::from_static("Thu, 03 Dec 2026 08:00:00 GMT"),
            modified_at: 1_796_284_800,
            created: Instant::now(),
            tags: vec![],
            hits: None,
            views: AtomicI64::new(0),
            encoded: Mutex::new(None),
            recounting: std::sync::atomic::AtomicBool::new(false),
            recounted: Mutex::new(Instant::now()),
            used: AtomicU64::new(0),
            size: 1,
        };
        let asked = |inm: Option<&'static str>, ims: Option<&'static str>| Asked {
            if_none_match: inm.map(HeaderValue::from_static),
            if_modified_since: ims.map(HeaderValue::from_static),
        };
        assert!(
            asked(Some("\"abc\""), None).has(&e),
            "strong or weak, the same tag"
        );
        assert!(asked(Some("W/\"x\", W/\"abc\""), None).has(&e));
        assert!(
            !asked(Some("W/\"old\""), Some("Fri, 04 Dec 2026 08:00:00 GMT")).has(&e),
            "the tag decides"
        );
        assert!(asked(None, Some("Thu, 03 Dec 2026 08:00:00 GMT")).has(&e));
        assert!(
            !asked(None, Some("Wed, 02 Dec 2026 08:00:00 GMT")).has(&e),
            "older copy"
        );
        assert!(
            !asked(None, Some("yesterday")).has(&e),
            "an unreadable date is no match"
        );
        assert!(!asked(None, None).has(&e));
    }

    #[test]
    fn encodings_are_negotiated() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(v).expect("header"),
            );
            m
        };
        assert!(accepts(&h("gzip, deflate, br"), "br"));
        assert!(accepts(&h("gzip;q=1.0, br;q=0"), "gzip"));
        assert!(!accepts(&h("gzip;q=1.0, br;q=0"), "br"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }

    #[test]
    fn the_least_recently_used_pages_go_first_and_memory_stays_bounded() {
        let c = PageCache::new(10_000, Duration::from_secs(60));
        let entry = |n: usize| Entry {
            body: Bytes::from(vec![b'x'; n]),
            content_type: HeaderValue::from_static("text/html"),
            etag: HeaderValue::from_static("W/\"1\""),
            modified: HeaderValue::from_static("x"),
            modified_at: 0,
            created: Instant::now(),
            tags: vec![Tag::All],
            hits: None,
            views: AtomicI64::new(0),
            encoded: Mutex::new(None),
            recounting: std::sync::atomic::AtomicBool::new(false),
            recounted: Mutex::new(Instant::now()),
            used: AtomicU64::new(0),
            size: n,
        };
        c.put("hot".into(), entry(3000), 0);
        for i in 0..10 {
            c.put(format!("cold{i}"), entry(3000), 0);
            assert!(c.get("hot").is_some(), "the page in use is kept");
            assert!(c.bytes() <= 10_000);
        }
        assert_eq!(c.drop_tagged(&HashSet::from([Tag::Unit(3)])), 0);
        assert!(c.drop_tagged(&HashSet::from([Tag::All])) > 0);
        assert!(c.is_empty());
    }
}
