//! The portal in a real browser (Debian's Chromium, driven by playwright-core from
//! `browser/portal.mjs`): a citizen searches from the header and follows 上一条 / 下一条, a
//! citizen filters the catalog by year, and axe-core finds no violation on any reading page;
//! the people's journeys of issue 12 (`browser/people.mjs`).
//! Screenshots of the final pages go to `target/browser/<backend>/`.
//!
//! Needs `/usr/bin/chromium` and `npm ci --prefix browser`; without them the test says so and
//! passes, unless `SUNSHINE_REQUIRE_BROWSER=1` (as in CI), which makes it fail.

mod common;
use common::*;
use std::path::PathBuf;
use std::time::Duration;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn missing() -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !std::path::Path::new(&chromium).exists() {
        return Some(format!(
            "no Chromium at {chromium} (apt-get install chromium chromium-driver)"
        ));
    }
    if !repo().join("browser/node_modules/playwright-core").exists() {
        return Some("browser/node_modules is missing (npm ci --prefix browser)".into());
    }
    None
}

/// Whether the browser tests can run here; without Chromium or the node modules they are
/// skipped with a message, unless `SUNSHINE_REQUIRE_BROWSER=1` makes that a failure.
fn can_run() -> bool {
    let Some(why) = missing() else {
        return true;
    };
    if std::env::var("SUNSHINE_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("browser tests required but {why}");
    }
    eprintln!("browser test SKIPPED: {why}");
    false
}

/// Runs `browser/<script>` against the portal at `base`, screenshots into `shots` (emptied
/// first, so that an earlier run's cannot stand in), and fails with its output if it does.
async fn run_script(script: &str, base: &str, shots: &std::path::Path, env: &[(&str, &str)]) {
    let _ = std::fs::remove_dir_all(shots);
    let mut cmd = std::process::Command::new("node");
    cmd.arg(repo().join("browser").join(script))
        .env("BASE_URL", base)
        .env("SHOTS", shots);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("joined")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
}

#[tokio::test]
async fn citizens_search_browse_the_catalog_and_meet_no_accessibility_violations() {
    if !can_run() {
        return;
    }
    let app = spawn_demo().await;
    // The search index follows the demo's writes a moment after start.
    let mut ready = false;
    for _ in 0..100 {
        let (_, body) = app.get_text("/api/v1/search?q=保密审查").await;
        if body.contains("妥安乡2017年政府信息公开工作年度报告") {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the index found the seed");
    let shots = repo().join("target/browser").join(backend());
    // (The script stops itself after two minutes.)
    run_script("portal.mjs", &app.base, &shots, &[]).await;
    assert!(shots.join("citizen-search-phone.png").exists());
    assert!(shots.join("catalog-by-year.png").exists());
}

/// The people's journeys (`browser/people.mjs`): a citizen applies on a phone without
/// JavaScript and tracks the application; a director reads an item as published and sends it
/// back; an administrator adds an account; axe-core on the apply, track and back-office pages.
#[tokio::test]
async fn applicants_reviewers_and_administrators_get_through_their_work() {
    if !can_run() {
        return;
    }
    let app = spawn_demo().await;
    // Beside the portal test's directory, which that test empties when it starts.
    let shots = repo()
        .join("target/browser")
        .join(format!("{}-people", backend()));
    run_script(
        "people.mjs",
        &app.base,
        &shots,
        &[("PASSWORD", DEMO_PASSWORD)],
    )
    .await;
    for name in [
        "apply-errors-phone",
        "track-phone",
        "review-reading",
        "dashboard-returned",
        "case",
        "accounts-phone",
    ] {
        assert!(shots.join(format!("{name}.png")).exists(), "{name}");
    }
    // What the journeys did is in the database, not only on the screen.
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE login = 'li.si' AND must_change = 1")
            .await,
        1
    );
}
