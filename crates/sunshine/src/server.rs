//! Running the server: the connection loop (timeouts against slow clients, a bound on open
//! connections), background tasks (click flushing, scheduled work, housekeeping), one-off
//! upgrades at start, and graceful shutdown on SIGTERM or Ctrl-C, after which pending clicks are
//! written.

use crate::app::AppState;
use crate::web::router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

pub async fn run(state: AppState, listener: TcpListener) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    state.search.start(&state.db).await?;
    let follower = tokio::spawn(state.search.clone().follow_forever(state.db.clone()));
    let page_follower = tokio::spawn(state.pages.clone().follow_forever(state.db.clone()));
    tracing::info!(%addr, "serving");
    let flusher = tokio::spawn(background(state.clone()));
    serve(state.clone(), listener, shutdown_signal()).await;
    flusher.abort();
    follower.abort();
    page_follower.abort();
    match state.clicks.flush(&state.db).await {
        Ok(n) => tracing::info!(items = n, "click counts written on shutdown"),
        Err(e) => tracing::error!(error = %e, "could not write click counts on shutdown"),
    }
    state.db.pool.close().await;
    Ok(())
}

/// A request body that must keep arriving at a useful rate and arrive whole before its deadline:
/// a client sending a byte every few seconds is cut off, however steadily it trickles, while a
/// large upload over a slow line goes through.
struct DeadlineBody {
    inner: axum::body::Body,
    deadline: Pin<Box<tokio::time::Sleep>>,
    /// Fires at each rate check.
    check: Pin<Box<tokio::time::Sleep>>,
    /// When the handler first asked for the body (a handler that reads late is not the client's
    /// fault).
    started: Option<tokio::time::Instant>,
    total: Duration,
    received: u64,
}

/// How long a body may take before its rate is judged, and how often it is judged.
const RATE_GRACE: Duration = Duration::from_secs(15);
const RATE_CHECK: Duration = Duration::from_secs(5);
/// The least average rate a body must keep after the grace period.
const MIN_BODY_BYTES_PER_SECOND: u64 = 8 * 1024;

impl DeadlineBody {
    fn new(inner: axum::body::Body, total: Duration) -> DeadlineBody {
        DeadlineBody {
            inner,
            deadline: Box::pin(tokio::time::sleep(total)),
            check: Box::pin(tokio::time::sleep(RATE_GRACE.min(total))),
            started: None,
            total,
            received: 0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("request body not received in time")]
struct BodyTimeout;

impl http_body::Body for DeadlineBody {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if self.started.is_none() {
            // The clocks start at the first read.
            let now = tokio::time::Instant::now();
            self.started = Some(now);
            let (grace, total) = (RATE_GRACE.min(self.total), self.total);
            self.check.as_mut().reset(now + grace);
            self.deadline.as_mut().reset(now + total);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(axum::Error::new(BodyTimeout))));
        }
        while self.check.as_mut().poll(cx).is_ready() {
            let elapsed = self.started.map(|s| s.elapsed()).unwrap_or_default();
            if elapsed >= RATE_GRACE
                && self.received < MIN_BODY_BYTES_PER_SECOND * elapsed.as_secs()
            {
                return Poll::Ready(Some(Err(axum::Error::new(BodyTimeout))));
            }
            let next = tokio::time::Instant::now() + RATE_CHECK;
            self.check.as_mut().reset(next);
        }
        let frame = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(f))) = &frame {
            if let Some(d) = f.data_ref() {
                self.received += d.len() as u64;
            }
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Accepts connections until `shutdown` resolves, then lets open requests finish (30 s at most).
///
/// Each connection: its request headers must arrive within `header_timeout_seconds` (which is
/// also how long an idle keep-alive connection waits for its next request), each request body
/// within `body_timeout_seconds`; at most `max_connections` are served at once, the rest wait in
/// the listen queue.
pub async fn serve(state: AppState, listener: TcpListener, shutdown: impl Future<Output = ()>) {
    let cfg = &state.config;
    let header_timeout = Duration::from_secs(cfg.header_timeout_seconds);
    let body_timeout = Duration::from_secs(cfg.body_timeout_seconds);
    let permits = Arc::new(Semaphore::new(cfg.max_connections.max(1)));
    let app = router(state.clone());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let (app, state) = (app.clone(), state.clone());
        let service =
            hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let mut req = req.map(|b| {
                    axum::body::Body::new(DeadlineBody::new(axum::body::Body::new(b), body_timeout))
                });
                req.extensions_mut().insert(ConnectInfo(peer));
                // A kept page goes out from memory; everything else through the router.
                let early = crate::web::cache::answer_early(&state, &req);
                let app = app.clone();
                async move {
                    match early {
                        Some(r) => Ok(r),
                        None => tower::ServiceExt::oneshot(app, req).await,
                    }
                }
            });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .keep_alive(true)
            .max_buf_size(64 * 1024)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(30)) => {
            tracing::warn!("connections still open after 30 s; closing them");
        }
    }
}

async fn background(state: AppState) {
    // Scheduled work starts one period after boot, not at once: a node starting up (or a test
    // server) does not race the work it is asked to do directly. (A flush at boot had nothing to
    // write but the first views, racing a test that counts them before its own flush.)
    let after = |secs: u64| {
        tokio::time::interval_at(
            tokio::time::Instant::now() + Duration::from_secs(secs),
            Duration::from_secs(secs),
        )
    };
    let mut flush = after(state.config.click_flush_seconds);
    let mut housekeeping = after(600);
    let mut scheduled = after(state.config.scheduler_seconds);
    loop {
        tokio::select! {
            _ = flush.tick() => {
                if let Err(e) = state.clicks.flush(&state.db).await {
                    tracing::warn!(error = %e, "click flush failed; will retry");
                }
            }
            _ = scheduled.tick() => {
                match crate::service::review::publish_due(&state).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(items = n, "scheduled items published"),
                    Err(e) => tracing::warn!(error = %e, "scheduled publishing failed; will retry"),
                }
                match crate::service::applications::conclude_lapsed(&state).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(applications = n, "lapsed applications concluded"),
                    Err(e) => tracing::warn!(error = %e, "concluding lapsed applications failed; will retry"),
                }
            }
            _ = housekeeping.tick() => {
                let before = crate::db::now() - 24 * 3600;
                let res = async {
                    let mut conn = state.db.pool.acquire().await?;
                    crate::db::throttle::purge_before(&mut conn, before).await?;
                    crate::db::applications::purge_intake_keys(&mut conn, before).await
                }.await;
                if let Err(e) = res {
                    tracing::warn!(error = %e, "housekeeping failed");
                }
                match crate::service::applications::proof::sweep(&state).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(files = n, "unsent proofs of identity removed"),
                    Err(e) => tracing::warn!(error = %e, "removing unsent proofs failed; will retry"),
                }
            }
        }
    }
}

/// Panics are logged by where they happened only: their message may quote a request's input
/// (a string sliced in the wrong place prints the string). The request itself is answered with
/// a clear 500 by the router's panic layer.
pub fn log_panics_without_input() {
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(location = %at, "panicked (message not logged: it may hold input)");
    }));
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
