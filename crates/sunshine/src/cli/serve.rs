//! `sunshine serve [--bind ADDR] [--data-dir DIR] [--database-url URL] [--demo]`

use crate::config::Config;
use crate::db::Db;
use crate::web::App;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080)
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Load the demo dataset first (if the database has none)
    #[arg(long)]
    pub demo: bool,
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

pub async fn run(config: Config, args: ServeArgs) -> anyhow::Result<()> {
    super::init_tracing(config.log_json);
    log_panics_without_input();
    let db = Db::open(&config).await?;
    if args.demo {
        super::report_demo(
            crate::demo::load(&db, std::env::var("SUNSHINE_DEMO_PASSWORD").ok().as_deref()).await?,
        );
    }
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
    crate::server::run(state, listener).await
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn panic_logs_carry_no_input() {
        let buf = Buf::default();
        let writer = buf.clone();
        let sub = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .finish();
        let before = std::panic::take_hook();
        super::log_panics_without_input();
        tracing::subscriber::with_default(sub, || {
            let _ = std::panic::catch_unwind(|| panic!("secret-input 530102199001011234"));
        });
        std::panic::set_hook(before);
        let out = String::from_utf8_lossy(&buf.0.lock().unwrap()).into_owned();
        assert!(out.contains("panicked"), "{out}");
        assert!(out.contains("serve.rs"), "where it happened: {out}");
        assert!(!out.contains("secret") && !out.contains("530102"), "{out}");
    }
}
