//! The page cache: a second reading of a public page is answered from memory like a static
//! file (validators, 304s, compressed bodies, the 点击 figure current), per language, never for
//! what a token's holder sees, and a change on any node takes the page off every node at once.

mod common;
use common::*;
use std::io::Read;
use std::time::{Duration, Instant};

async fn seed_id(app: &TestApp) -> i64 {
    app.count(
        "SELECT MIN(id) FROM items WHERE state = 'published' AND title LIKE '%2017年政府信息公开%'",
    )
    .await
}

fn hits_of(html: &str) -> i64 {
    let start = html.find("<span class=\"hits\">").expect("the 点击 figure")
        + "<span class=\"hits\">".len();
    html[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("a number")
}

/// Waits until a node has taken in everything the change log holds (the demo's own entries
/// among them, which clear its cache when it reads them).
async fn settled(state: &sunshine::app::AppState) {
    let mut quiet = 0;
    for _ in 0..100 {
        match state.pages.catch_up(&state.db).await {
            Ok(0) => quiet += 1,
            _ => quiet = 0,
        }
        if quiet >= 2 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the change log never settled");
}

/// Waits until the node answers `path` from its cache.
async fn warm(base: &str, path: &str) {
    let c = reqwest::Client::new();
    for _ in 0..50 {
        let r = c.get(format!("{base}{path}")).send().await.expect("get");
        if r.headers().get("x-cache").is_some_and(|v| v == "hit") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{path} never came from the cache");
}

/// The page as sent to a client accepting `coding` (once its compressed body is made),
/// decompressed.
async fn compressed(c: &reqwest::Client, url: &str, coding: &str) -> String {
    for _ in 0..40 {
        let r = c
            .get(url)
            .header("Accept-Encoding", coding)
            .send()
            .await
            .expect("get");
        if r.headers()
            .get("content-encoding")
            .is_some_and(|v| v == coding)
        {
            let bytes = r.bytes().await.expect("bytes");
            let mut out = String::new();
            match coding {
                "br" => brotli::Decompressor::new(&bytes[..], 4096)
                    .read_to_string(&mut out)
                    .expect("brotli"),
                _ => flate2::read::GzDecoder::new(&bytes[..])
                    .read_to_string(&mut out)
                    .expect("gzip"),
            };
            return out;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never sent as {coding}");
}

/// A page's text as a client sending `headers` gets it.
async fn page_with(c: &reqwest::Client, url: &str, headers: &[(&str, &str)]) -> String {
    let mut r = c.get(url);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.send().await.expect("get").text().await.expect("text")
}

#[tokio::test]
async fn a_page_read_twice_comes_from_memory_with_validators_and_compression() {
    let app = spawn_demo().await;
    settled(&app.state).await;
    let id = seed_id(&app).await;
    let path = format!("/items/{id}");
    warm(&app.base, &path).await;
    let c = reqwest::Client::new();
    let r = c.get(app.url(&path)).send().await.expect("get");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-cache"], "hit");
    assert_eq!(r.headers()["cache-control"], "public, no-cache");
    assert!(r.headers()["vary"]
        .to_str()
        .expect("vary")
        .contains("Accept-Encoding"));
    assert!(r.headers().contains_key("last-modified"));
    // A hit is answered before the router's layers: it carries their headers all the same.
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
    ] {
        assert_eq!(r.headers()[name], value, "{name} on a cached answer");
    }
    assert!(
        r.headers().contains_key("content-security-policy")
            && r.headers().contains_key("permissions-policy"),
        "security headers are on cached answers too"
    );
    let etag = r.headers()["etag"].to_str().expect("etag").to_owned();
    let plain = r.text().await.expect("body");
    assert!(plain.contains("妥安乡2017年政府信息公开工作年度报告"));

    // Asked again with the validator: 304, no body.
    let r = c
        .get(app.url(&path))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 304);

    // Compressed once, sent to whoever accepts it; the same page inside.
    let br = compressed(&c, &app.url(&path), "br").await;
    let gz = compressed(&c, &app.url(&path), "gzip").await;
    for body in [&br, &gz] {
        assert!(
            body.contains("妥安乡2017年政府信息公开工作年度报告"),
            "decompressed page"
        );
    }
    assert!(br.len() > 1000 && gz.len() > 1000);

    // A HEAD first (a miss) keeps no empty page for the GETs after it.
    let other = "/units/tuoan/columns/township-news";
    let r = c.head(app.url(other)).send().await.expect("head");
    assert_eq!(r.status(), 200);
    for _ in 0..2 {
        let body = page_with(&c, &app.url(other), &[]).await;
        assert!(body.contains("乡镇动态"), "a whole page");
    }
    // HEAD: the headers alone.
    let r = c.head(app.url(&path)).send().await.expect("head");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("body").is_empty());
}

#[tokio::test]
async fn the_hits_figure_counts_every_reading_served_from_memory() {
    let app = spawn_demo().await;
    settled(&app.state).await;
    let id = seed_id(&app).await;
    let path = format!("/items/{id}");
    warm(&app.base, &path).await;
    let first = hits_of(&app.get_text(&path).await.1);
    let second = hits_of(&app.get_text(&path).await.1);
    let third = hits_of(&app.get_text(&path).await.1);
    assert_eq!(
        (second, third),
        (first + 1, first + 2),
        "each view counts and shows"
    );
    // And is written to the database in the batch, as before.
    assert!(app.state.clicks.pending(id) >= 3);
}

#[tokio::test]
async fn each_language_and_display_preference_has_its_own_copy() {
    let app = spawn_demo().await;
    settled(&app.state).await;
    warm(&app.base, "/").await;
    let c = reqwest::Client::new();
    let zh = page_with(&c, &app.url("/"), &[]).await;
    let en = page_with(&c, &app.url("/"), &[("Accept-Language", "en-US,en;q=0.9")]).await;
    assert!(zh.contains("lang=\"zh-CN\""), "Chinese first");
    assert!(en.contains("lang=\"en\""), "English for who asks for it");
    let large = page_with(&c, &app.url("/"), &[("Cookie", "sunshine_prefs=large")]).await;
    assert_ne!(large, zh, "the large-text page is not the ordinary one");
}

#[tokio::test]
async fn what_a_token_shows_is_never_kept_for_the_public() {
    let app = spawn_demo().await;
    settled(&app.state).await;
    let draft = app
        .count(
            "SELECT MIN(i.id) FROM items i JOIN units u ON u.id = i.unit_id WHERE u.code = 'tuoan'",
        )
        .await;
    sqlx::query("UPDATE items SET state = 'draft' WHERE id = $1")
        .bind(draft)
        .execute(&app.state.db.pool)
        .await
        .expect("draft");
    let token = app.token("tuoan-editor").await;
    let c = reqwest::Client::new();
    for _ in 0..3 {
        let r = c
            .get(app.url(&format!("/api/v1/items/{draft}")))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 200, "staff see their draft");
        assert!(r.headers().get("x-cache").is_none(), "not from the cache");
    }
    let r = c
        .get(app.url(&format!("/api/v1/items/{draft}")))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404, "the public does not");
}

#[tokio::test]
async fn a_withdrawal_on_one_node_takes_the_page_off_the_other_within_a_second() {
    let a = spawn_demo().await;
    let b = a.another_node().await;
    settled(&a.state).await;
    let id = seed_id(&a).await;
    let path = format!("/items/{id}");
    // Both pages in node A's cache (after it has taken in the demo's own changes).
    for _ in 0..2 {
        warm(&a.base, &path).await;
        warm(&a.base, "/units/tuoan").await;
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    warm(&a.base, &path).await;
    warm(&a.base, "/units/tuoan").await;
    let token = a.token("tuoan-director").await;
    // Withdrawn through node B.
    let r = reqwest::Client::new()
        .post(b.url(&format!("/api/v1/items/{id}/withdraw")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"reason": "内容有误，予以撤回"}))
        .send()
        .await
        .expect("withdraw");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let at = Instant::now();
    // Node A stops serving it, and its unit page stops listing it, within a second.
    let link = format!("href=\"/items/{id}\"");
    let mut gone = None;
    while at.elapsed() < Duration::from_secs(3) {
        let (s, _) = a.get_text(&path).await;
        let (_, unit) = a.get_text("/units/tuoan").await;
        if s == 410 && !unit.contains(&link) {
            gone = Some(at.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let gone = gone.expect("node A answers 410 and drops it from the unit page");
    assert!(gone < Duration::from_secs(1), "within a second: {gone:?}");
    // Node B answers 410 at once (the change was its own).
    let r = reqwest::get(b.url(&path)).await.expect("get");
    assert_eq!(r.status(), 410);
}

#[tokio::test]
async fn a_hit_needs_no_database() {
    let app = spawn_demo().await;
    settled(&app.state).await;
    warm(&app.base, "/units/tuoan").await;
    app.state.db.pool.close().await;
    // Until the node notices it cannot read the change log (a second), hits still answer.
    let (s, html) = app.get_text("/units/tuoan").await;
    assert_eq!(s, 200);
    assert!(html.contains("妥安乡"));
    // Then it stops trusting its copies rather than serve what it cannot check.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let r = reqwest::get(app.url("/units/tuoan")).await.expect("get");
    assert_ne!(
        r.headers().get("x-cache").map(|v| v.as_bytes()),
        Some(&b"hit"[..])
    );
}

#[tokio::test]
async fn every_node_tags_a_page_alike_so_a_copy_from_one_is_confirmed_by_another() {
    let a = spawn_demo().await;
    let b = a.another_node().await;
    settled(&a.state).await;
    settled(&b.state).await;
    let c = reqwest::Client::new();
    let r = c.get(a.url("/units/tuoan")).send().await.expect("get");
    let etag = r.headers()["etag"].to_str().expect("etag").to_owned();
    let modified = r.headers()["last-modified"]
        .to_str()
        .expect("date")
        .to_owned();
    // Node B has not made the page yet: it makes it, finds the same tag, and answers 304.
    let r = c
        .get(b.url("/units/tuoan"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("get");
    assert_eq!(
        r.status(),
        304,
        "the same page has the same tag on every node"
    );
    assert_eq!(r.headers()["x-cache"], "miss");
    // A date-only revalidation is answered from the date.
    let r = c
        .get(a.url("/units/tuoan"))
        .header("If-Modified-Since", &modified)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 304);
    // After a change the tag moves.
    let tuoan = a.count("SELECT id FROM units WHERE code = 'tuoan'").await;
    let mut tx = a.state.db.begin().await.expect("tx");
    sqlx::query("UPDATE units SET office_phone = '0878-4111111' WHERE id = $1")
        .bind(tuoan)
        .execute(&mut *tx)
        .await
        .expect("update");
    sunshine::db::items::log_site_change(&mut tx, tuoan, "test")
        .await
        .expect("log");
    tx.commit().await.expect("commit");
    settled(&a.state).await;
    let r = c
        .get(a.url("/units/tuoan"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200, "a changed page is sent again");
    assert_ne!(r.headers()["etag"].to_str().expect("etag"), etag);
}
