//! Running the server: background tasks (click flushing, housekeeping) and graceful shutdown
//! on SIGTERM or Ctrl-C, after which pending clicks are written.

use crate::web::{router, AppState};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;

pub async fn run(state: AppState, listener: TcpListener) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "serving");
    let flusher = tokio::spawn(background(state.clone()));
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    flusher.abort();
    match state.clicks.flush(&state.db).await {
        Ok(n) => tracing::info!(items = n, "click counts written on shutdown"),
        Err(e) => tracing::error!(error = %e, "could not write click counts on shutdown"),
    }
    state.db.pool.close().await;
    Ok(())
}

async fn background(state: AppState) {
    let mut flush = tokio::time::interval(Duration::from_secs(state.config.click_flush_seconds));
    // Scheduled work starts one period after boot, not at once: a node starting up (or a test
    // server) does not race the work it is asked to do directly.
    let after = |secs: u64| {
        tokio::time::interval_at(
            tokio::time::Instant::now() + Duration::from_secs(secs),
            Duration::from_secs(secs),
        )
    };
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
                    crate::db::throttle::purge_before(&mut conn, before).await
                }.await;
                if let Err(e) = res {
                    tracing::warn!(error = %e, "housekeeping failed");
                }
            }
        }
    }
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
