//! Search: the index follows the database; what a citizen types never fails.

mod common;
use common::*;
use serde_json::Value;
use std::time::Duration;

async fn search(app: &TestApp, q: &str) -> (u16, Value) {
    let r = app
        .browser()
        .get(app.url("/api/v1/search"))
        .query(&[("q", q)])
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn titles(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["title"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Waits (up to five seconds) until a search's titles satisfy `ok`: the index follows the
/// change log a moment after each write.
async fn until(app: &TestApp, q: &str, ok: impl Fn(&[String]) -> bool) -> Vec<String> {
    let mut last = Vec::new();
    for _ in 0..50 {
        let (s, v) = search(app, q).await;
        if s == 200 {
            last = titles(&v);
            if ok(&last) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    last
}

const SEED: &str = "妥安乡2017年政府信息公开工作年度报告";

#[tokio::test]
async fn the_seed_is_found_by_its_words_and_leaves_when_withdrawn() {
    let app = spawn_demo().await;
    for q in [
        "保密审查",
        "涉密信息不上网",
        "信息公开",
        "\"保密审查\"",
        "zfxxgk",
        "2017 妥安",
    ] {
        let found = until(&app, q, |t| t.iter().any(|t| t == SEED)).await;
        assert!(found.iter().any(|t| t == SEED), "{q}: {found:?}");
    }
    // Segmentation: a word found inside a longer one; the title ranks first.
    let (_, v) = search(&app, "信息公开").await;
    assert_eq!(
        v["items"][0]["title"]
            .as_str()
            .map(|t| t.contains("信息公开")),
        Some(true)
    );
    let snippet = v["items"][0]["snippet"].as_str().unwrap_or("");
    assert!(snippet.contains("信息公开"), "{snippet}");
    assert!(v["facets"]["units"]
        .as_array()
        .is_some_and(|u| !u.is_empty()));
    // Excluded words and filters.
    let (s, v) = search(&app, "保密审查 -妥安").await;
    assert_eq!(s, 200);
    assert!(!titles(&v).iter().any(|t| t == SEED));
    // Pinyin initials never exclude: `-zfxx` excludes the characters, not every 政府信息 title.
    let (s, v) = search(&app, "保密审查 -zfxx").await;
    assert_eq!(s, 200);
    assert!(titles(&v).iter().any(|t| t == SEED), "{v}");
    // A unit's count includes its sub-units', as its filter does: the city counts the township.
    let (_, v) = search(&app, "保密审查").await;
    let count = |code: &str| {
        v["facets"]["units"]
            .as_array()
            .and_then(|u| u.iter().find(|u| u["unit"] == code))
            .and_then(|u| u["count"].as_u64())
    };
    assert_eq!(count("lufeng"), count("tuoan"), "{v}");
    assert!(count("tuoan").is_some_and(|n| n >= 1), "{v}");

    let id = item_id(&app, SEED).await;
    let token = app.token("tuoan-director").await;
    let r = app
        .browser()
        .post(app.url(&format!("/api/v1/items/{id}/withdraw")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"reason": "测试撤回"}))
        .send()
        .await
        .expect("withdraw");
    assert_eq!(
        r.status().as_u16(),
        200,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let after = until(&app, "保密审查", |t| !t.iter().any(|t| t == SEED)).await;
    assert!(
        !after.iter().any(|t| t == SEED),
        "withdrawn but still found: {after:?}"
    );
}

/// An item of 妥安乡's 通知公告 through the demo's editor and director: created, then taken
/// through the first `steps` of submit, approve, publish. Its id.
async fn item(app: &TestApp, title: &str, disclosure: &str, steps_taken: usize) -> i64 {
    let (editor, director) = (
        app.token("tuoan-editor").await,
        app.token("tuoan-director").await,
    );
    let call = |token: &str, path: String, body: Value| {
        let req = app
            .browser()
            .post(app.url(&path))
            .bearer_auth(token)
            .json(&body);
        async move {
            let r = req.send().await.expect("request");
            let status = r.status().as_u16();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            assert!((200..300).contains(&status), "{path}: {status} {v}");
            v
        }
    };
    let v = call(
        &editor,
        "/api/v1/items".into(),
        serde_json::json!({
        "unit": "tuoan", "column": "notices", "title": title, "body_html": "<p>正文</p>",
        "importance": "general", "disclosure": disclosure,
        "prereview": {"mode": "政府网站", "scope": "社会公众", "time_limit": "长期公开"}}),
    )
    .await;
    let id = v["id"].as_i64().expect("id");
    let steps = [
        (&editor, "submit"),
        (&director, "approve"),
        (&director, "publish"),
    ];
    for (token, step) in steps.into_iter().take(steps_taken) {
        let path = format!("/api/v1/items/{id}/{step}");
        call(token, path, serde_json::json!({})).await;
    }
    id
}

#[tokio::test]
async fn drafts_and_requests_only_items_are_never_found() {
    let app = spawn_demo().await;
    item(&app, "草稿独有词甲乙丙", "active", 0).await;
    // A 依申请公开 item is approved but can never be published (it stays in the register).
    let on_request = item(&app, "依申请公开独有词丁戊", "on_request", 2).await;
    let r = app
        .browser()
        .post(app.url(&format!("/api/v1/items/{on_request}/publish")))
        .bearer_auth(app.token("tuoan-director").await)
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("publish");
    assert_eq!(r.status().as_u16(), 409);
    // Published after both: once it is found, the index has followed past them.
    item(&app, "对照独有词己庚", "active", 3).await;
    let found = until(&app, "己庚", |t| !t.is_empty()).await;
    assert_eq!(found, ["对照独有词己庚"]);
    for q in ["甲乙丙", "丁戊"] {
        let (s, v) = search(&app, q).await;
        assert_eq!((s, v["total"].as_u64()), (200, Some(0)), "{q}: {v}");
    }
    // A full build reads the items table itself: it too leaves them out. Wait for the portal to
    // take the new generation (the old one's directory goes), then search again.
    let search_dir = app.dir.path().join("search");
    let before = std::fs::read_to_string(search_dir.join("CURRENT")).unwrap_or_default();
    sunshine::search::Search::reindex(&app.state.db, app.dir.path(), |_, _| {})
        .await
        .expect("reindex");
    for _ in 0..50 {
        if !search_dir.join(before.trim()).exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !search_dir.join(before.trim()).exists(),
        "the portal took the rebuilt index"
    );
    assert_eq!(
        until(&app, "己庚", |t| !t.is_empty()).await,
        ["对照独有词己庚"]
    );
    for q in ["甲乙丙", "丁戊"] {
        let (s, v) = search(&app, q).await;
        assert_eq!(
            (s, v["total"].as_u64()),
            (200, Some(0)),
            "after a rebuild, {q}: {v}"
        );
    }
}

#[tokio::test]
async fn hiding_a_column_takes_its_items_out_of_search_and_showing_brings_them_back() {
    let app = spawn_demo().await;
    until(&app, "保密审查", |t| t.iter().any(|t| t == SEED)).await;
    let db = app.state.db.clone();
    let set_hidden = |hidden: bool| {
        let db = db.clone();
        async move {
            let mut tx = db.begin().await.expect("tx");
            let unit = sunshine::db::units::by_code(&mut tx, "tuoan")
                .await
                .expect("q")
                .expect("unit");
            let col = sunshine::db::columns::by_slug(&mut tx, unit.id, "annual-report")
                .await
                .expect("q")
                .expect("column");
            sunshine::db::columns::rename(&mut tx, col.id, &col.name, hidden)
                .await
                .expect("rename");
            tx.commit().await.expect("commit");
        }
    };
    set_hidden(true).await;
    let hidden = until(&app, "保密审查", |t| !t.iter().any(|t| t == SEED)).await;
    assert!(!hidden.iter().any(|t| t == SEED), "{hidden:?}");
    set_hidden(false).await;
    let shown = until(&app, "保密审查", |t| t.iter().any(|t| t == SEED)).await;
    assert!(shown.iter().any(|t| t == SEED), "{shown:?}");
}

#[tokio::test]
async fn nothing_typed_makes_search_fail() {
    let app = spawn_demo().await;
    until(&app, "保密审查", |t| !t.is_empty()).await;
    let long = "公开".repeat(150);
    let cases = [
        "",
        "   ",
        "\t\u{3000}",
        "\"",
        ":",
        "(",
        "*",
        "-",
        "OR",
        "a:b(c*",
        "\u{1}\u{7f}年报",
        "PDF文件 report 公开",
        long.as_str(),
        "\"未闭合的引号",
        "--",
        "((()))",
    ];
    for q in cases {
        let (s, _) = app.get_text(&format!("/search?q={}", urlencode(q))).await;
        assert_eq!(s, 200, "page for {q:?}");
        let (s, v) = search(&app, q).await;
        // Only the over-long query is refused (naming q); everything else is answered.
        let expected = if q == long { 422 } else { 200 };
        assert_eq!(s, expected, "api for {q:?}: {v}");
    }
    // Too long: the page says the query was cut.
    let (_, html) = app
        .get_text(&format!("/search?q={}", urlencode(&long)))
        .await;
    assert!(html.contains("搜索词太长"));
    // Unknown filters: a clear message on the page, 422 naming the field on the API.
    for (param, value) in [
        ("unit", "nosuch"),
        ("year", "二〇一七"),
        ("validity", "x"),
        ("sort", "x"),
        ("page", "0"),
        ("page", "999999"),
        ("column", "nosuch"),
        ("doc_no", "〔〕"),
    ] {
        let (s, html) = app
            .get_text(&format!(
                "/search?q=%E5%85%AC%E5%BC%80&{param}={}",
                urlencode(value)
            ))
            .await;
        assert_eq!(s, 200, "{param}={value}");
        assert!(
            html.contains("class=\"notice\""),
            "{param}={value}: no message"
        );
        let r = app
            .browser()
            .get(app.url("/api/v1/search"))
            .query(&[("q", "公开"), (param, value)])
            .send()
            .await
            .expect("api");
        assert_eq!(r.status().as_u16(), 422, "{param}={value}");
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(v["error"]["field"].as_str(), Some(param), "{v}");
    }
    // A column without its unit, and only excluded words: each said, in words.
    let (_, html) = app
        .get_text("/search?q=%E5%85%AC%E5%BC%80&column=notices")
        .await;
    assert!(
        html.contains("按栏目查找须先选定单位"),
        "{}",
        text_of(&html)
    );
    let (_, html) = app.get_text("/search?q=-%E5%85%AC%E5%BC%80").await;
    assert!(html.contains("只写了要排除的词"), "{}", text_of(&html));
    // Each page problem says what is wrong with it.
    let (_, html) = app
        .get_text("/search?q=%E5%85%AC%E5%BC%80&page=999999")
        .await;
    assert!(html.contains("最多翻到第"), "{}", text_of(&html));
    let (_, html) = app.get_text("/search?q=%E5%85%AC%E5%BC%80&page=-3").await;
    assert!(
        html.contains("页码应为不小于 1 的整数"),
        "{}",
        text_of(&html)
    );
    // A page beyond the last says so, with a way back.
    let (s, html) = app
        .get_text("/search?q=%E4%BF%9D%E5%AF%86%E5%AE%A1%E6%9F%A5&page=40")
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("超出了结果范围"), "{}", text_of(&html));
    // No results: suggestions.
    let (_, html) = app
        .get_text("/search?q=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84%E8%AF%8D%E6%B1%87&unit=tuoan")
        .await;
    assert!(
        html.contains("没有找到") && html.contains("在全部单位中查找"),
        "{}",
        text_of(&html)
    );
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn a_second_node_on_the_same_database_finds_what_the_first_published() {
    if backend() != "postgres" {
        return; // two nodes share a database only on PostgreSQL
    }
    let a = spawn_demo().await;
    let db_url = a.state.config.database_url.clone();
    let b = spawn_with(|c| c.database_url = db_url).await;
    let found = until(&b, "保密审查", |t| t.iter().any(|t| t == SEED)).await;
    assert!(found.iter().any(|t| t == SEED), "{found:?}");
    // Published through A after B started: B follows the log.
    let id = item_id(&a, SEED).await;
    let token = a.token("tuoan-director").await;
    let r = a
        .browser()
        .post(a.url(&format!("/api/v1/items/{id}/withdraw")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"reason": "测试撤回"}))
        .send()
        .await
        .expect("withdraw");
    assert_eq!(r.status().as_u16(), 200);
    let after = until(&b, "保密审查", |t| !t.iter().any(|t| t == SEED)).await;
    assert!(!after.iter().any(|t| t == SEED), "{after:?}");
}

#[tokio::test]
async fn a_damaged_index_is_rebuilt_and_never_answers_500() {
    let dir = tempfile::tempdir().expect("dir");
    let search_dir = dir.path().join("search");
    std::fs::create_dir_all(search_dir.join("gdamaged")).expect("mkdir");
    std::fs::write(search_dir.join("gdamaged/meta.json"), b"{ not an index").expect("write");
    std::fs::write(search_dir.join("CURRENT"), b"gdamaged").expect("write");
    let data_dir = dir.path().to_path_buf();
    let app = spawn_with(|c| c.data_dir = data_dir).await;
    sunshine::demo::load(&app.state.db, Some(DEMO_PASSWORD))
        .await
        .expect("demo");
    let found = until(&app, "保密审查", |t| t.iter().any(|t| t == SEED)).await;
    assert!(found.iter().any(|t| t == SEED), "{found:?}");
    let current = std::fs::read_to_string(search_dir.join("CURRENT")).unwrap_or_default();
    assert_ne!(current.trim(), "gdamaged", "a new generation replaced it");
    for _ in 0..30 {
        if !search_dir.join("gdamaged").exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !search_dir.join("gdamaged").exists(),
        "the damaged index is removed"
    );
}
