//! Application state: what every request and every job may need (database, settings, files,
//! keys, the CPU pool), shared by the web layer, the services and the CLI.

use crate::blobs::Blobs;
use crate::clicks::Clicks;
use crate::config::Config;
use crate::db::Db;
use std::sync::Arc;

/// Everything a request may need, shared by all handlers.
pub struct App {
    pub db: Db,
    pub config: Config,
    pub blobs: Blobs,
    pub clicks: Clicks,
    pub data_key: crate::crypto::DataKey,
    /// CPU-heavy work runs here, off the async workers.
    pub cpu: crate::cpu::CpuPool,
    /// This node's search index (opened and followed by `server::run`).
    pub search: Arc<crate::search::Search>,
    /// Rendered public pages (followed by `server::run`).
    pub pages: Arc<crate::web::cache::PageCache>,
}

pub type AppState = Arc<App>;

impl App {
    /// The shared state; the database gets the deployment's key and its one-off upgrades run.
    pub async fn new(db: Db, config: Config) -> anyhow::Result<AppState> {
        let blobs = Blobs::open(&config).await?;
        let db = db.with_read_replica(&config.database_read_url).await?;
        let data_key = match db.key() {
            Some(k) => k.clone(),
            None => crate::crypto::DataKey::load(config.data_key.as_deref(), &config.data_dir)?,
        };
        let db = if db.key().is_some() {
            db
        } else {
            db.with_key(data_key.clone())
        };
        if !db.is_upgraded() {
            crate::db::upgrade::run(&db).await?;
        }
        let cpu = crate::cpu::CpuPool::for_machine();
        Ok(Arc::new(App {
            db,
            blobs,
            clicks: Clicks::default(),
            data_key,
            search: Arc::new(crate::search::Search::new(&config.data_dir, cpu.clone())),
            pages: Arc::new(crate::web::cache::PageCache::new(
                usize::try_from(config.page_cache_mb.saturating_mul(1024 * 1024))
                    .unwrap_or(usize::MAX),
                std::time::Duration::from_secs(config.page_cache_seconds),
            )),
            cpu,
            config,
        }))
    }

    /// Today in China Standard Time, the calendar every date on the portal is in.
    pub fn today(&self) -> chrono::NaiveDate {
        (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
    }
}
