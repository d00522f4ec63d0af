//! `sunshine serve [--bind ADDR] [--data-dir DIR] [--database-url URL] [--demo]`

use crate::app::App;
use crate::config::Config;
use crate::db::Db;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080)
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Load the demo dataset first (if the database has none)
    #[arg(long)]
    pub demo: bool,
}

pub async fn run(config: Config, args: ServeArgs) -> anyhow::Result<()> {
    super::init_tracing(config.log_json);
    crate::server::log_panics_without_input();
    if config.trust_forwarded_for && config.trusted_proxies.is_empty() {
        tracing::warn!(
            "trust_forwarded_for is on with no trusted_proxies: any peer's X-Forwarded-For is believed; list the reverse proxies in trusted_proxies, or make sure no client reaches this port directly"
        );
    }
    let db = Db::open(&config).await?;
    let fresh_demo = args.demo && super::load_demo(&config, &db).await?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "无法监听 {}：{e}（端口可能已被占用，可用 --bind 换一个）",
                config.bind
            )
        })?;
    println!(
        "Sunshine 已启动：http://{}/  （后台 http://{}/admin）",
        listener.local_addr()?,
        listener.local_addr()?
    );
    let state = App::new(db, config).await?;
    if fresh_demo {
        super::demo_year(&state).await?;
    }
    crate::server::run(state, listener).await
}
