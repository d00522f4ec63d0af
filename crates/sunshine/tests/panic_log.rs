//! A panic is logged by where it happened, never by its message (which may quote a request's
//! input). Alone in its binary: it replaces the process's panic hook while it runs.

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
    sunshine::server::log_panics_without_input();
    tracing::subscriber::with_default(sub, || {
        let _ = std::panic::catch_unwind(|| panic!("secret-input 530102199001011234"));
    });
    let out = String::from_utf8_lossy(&buf.0.lock().unwrap()).into_owned();
    assert!(out.contains("panicked"), "{out}");
    assert!(out.contains("panic_log.rs"), "where it happened: {out}");
    assert!(!out.contains("secret") && !out.contains("530102"), "{out}");
}
