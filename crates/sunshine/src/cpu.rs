//! A bounded pool for CPU-heavy work (password hashing, upload sniffing and digests, text
//! extraction, screening, document building). The work runs on tokio's blocking threads, never
//! on the async workers that answer requests, and at most `permits` jobs run at once, so a burst
//! of logins or uploads queues here instead of starving every other request. Callers hold no
//! database connection while they wait.

use std::sync::Arc;
use tokio::sync::Semaphore;

#[derive(Debug, Clone)]
pub struct CpuPool {
    permits: Arc<Semaphore>,
}

/// The job could not be run to its end (the pool was closed, or the job panicked).
#[derive(Debug, thiserror::Error)]
#[error("CPU job failed: {0}")]
pub struct JobFailed(String);

impl CpuPool {
    /// A pool running as many jobs at once as the machine has cores (at least one).
    pub fn for_machine() -> CpuPool {
        let n = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        CpuPool::new(n)
    }

    pub fn new(permits: usize) -> CpuPool {
        CpuPool {
            permits: Arc::new(Semaphore::new(permits.max(1))),
        }
    }

    /// Runs `f` on a blocking thread once a permit is free, and waits for its result.
    pub async fn run<F, R>(&self, f: F) -> Result<R, JobFailed>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| JobFailed(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let out = f();
            drop(permit);
            out
        })
        .await
        .map_err(|e| {
            JobFailed(if e.is_panic() {
                "panicked".into()
            } else {
                e.to_string()
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn never_more_jobs_at_once_than_permits() {
        let pool = CpuPool::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let jobs = (0..8).map(|_| {
            let (running, peak) = (running.clone(), peak.clone());
            pool.run(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(20));
                running.fetch_sub(1, Ordering::SeqCst);
            })
        });
        for r in futures::future::join_all(jobs).await {
            assert!(r.is_ok());
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        assert!(pool.run(|| panic!("boom")).await.is_err());
    }
}
