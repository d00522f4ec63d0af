//! The public portal as a reader sees it.

mod common;
use common::*;

const SEED_TITLE: &str = "妥安乡2017年政府信息公开工作年度报告";

#[tokio::test]
async fn seed_report_page_shows_metadata_hits_and_neighbours() {
    let app = spawn_demo().await;
    let id = item_id(&app, SEED_TITLE).await;
    let (status, html) = app.get_text(&format!("/items/{id}")).await;
    assert_eq!(status, 200);
    let text = text_of(&html);
    for expected in [
        "首页 >> 乡镇信息公开 >> 妥安乡",
        SEED_TITLE,
        "日期:2018年01月30日",
        "作者:妥安乡",
        "来源:",
        "索引号LFDEMO-201/2018-00001",
        "发布机构妥安乡人民政府",
        "成文日期2017年12月30日",
        "发布日期2018年01月30日",
        "有效性有效",
        "上一条:妥安乡2018年政府信息公开工作年度报告",
        "下一条:妥安乡2016年度政府信息公开工作报告",
        "全年共组织写作培训2次53人次",
    ] {
        assert!(text.contains(expected), "item page lacks “{expected}”");
    }
    // Headings of the seed text are real headings.
    assert!(html.contains("<h2>一、基本情况</h2>"));
    assert!(html.contains("<h3>(一)组织领导、工作机构、人员配备情况</h3>"));

    // 点击 grows with each visit, though nothing has been written to the database yet.
    let hits = |html: &str| -> i64 {
        let t = text_of(html);
        let after = t.split("点击:").nth(1).expect("点击 shown");
        after
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect::<String>()
            .parse()
            .expect("number")
    };
    let first = hits(&html);
    let (_, again) = app.get_text(&format!("/items/{id}")).await;
    assert_eq!(hits(&again), first + 1);
    let stored: i64 = app
        .count(&format!("SELECT hits FROM items WHERE id = {id}"))
        .await;
    assert_eq!(stored, 0, "a page view must not write to the database");
    app.state.clicks.flush(&app.state.db).await.unwrap();
    let stored: i64 = app
        .count(&format!("SELECT hits FROM items WHERE id = {id}"))
        .await;
    assert_eq!(stored, first + 1, "flushed counts reach the database");
    let (_, third) = app.get_text(&format!("/items/{id}")).await;
    assert_eq!(
        hits(&third),
        first + 2,
        "no count lost or doubled by the flush"
    );

    // 上一条 / 下一条 link to pages that link back.
    let doc = scraper::Html::parse_document(&html);
    let sel = scraper::Selector::parse("a[rel=prev]").unwrap();
    let prev = doc
        .select(&sel)
        .next()
        .expect("上一条 link")
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    let (s, prev_html) = app.get_text(&prev).await;
    assert_eq!(s, 200);
    assert!(text_of(&prev_html).contains(&format!("下一条:{SEED_TITLE}")));
}

#[tokio::test]
async fn home_lists_units_by_section_and_latest_items() {
    let app = spawn_demo().await;
    let (s, html) = app.get_text("/").await;
    assert_eq!(s, 200);
    let text = text_of(&html);
    for t in [
        "乡镇信息公开",
        "部门信息公开",
        "妥安乡",
        "禄丰市财政局",
        "最新公开信息",
    ] {
        assert!(text.contains(t), "home lacks {t}");
    }
    assert!(html.contains("lang=\"zh-CN\""));
    let (s, html) = app.get_text("/sections/townships").await;
    assert_eq!(s, 200);
    assert!(text_of(&html).contains("高峰乡"));
    assert!(
        !text_of(&html).contains("禄丰市财政局"),
        "departments are not townships"
    );
}

#[tokio::test]
async fn unit_and_column_pages() {
    let app = spawn_demo().await;
    let (s, html) = app.get_text("/units/tuoan").await;
    assert_eq!(s, 200);
    let text = text_of(&html);
    for t in [
        "政府信息公开指南",
        "政府信息公开制度",
        "法定主动公开内容",
        "政府信息公开年报",
        "乡镇动态",
        "工作动态",
        "通知公告",
        "其他信息",
        SEED_TITLE,
    ] {
        assert!(text.contains(t), "unit page lacks {t}");
    }
    let (s, html) = app.get_text("/units/tuoan/columns/annual-report").await;
    assert_eq!(s, 200);
    let text = text_of(&html);
    assert!(text.contains("共 3 条"));
    assert!(text.contains("LFDEMO-201/2018-00001"));
}

#[tokio::test]
async fn column_pages_paginate() {
    let app = spawn_demo().await;
    // 45 more notices in 妥安乡 → 47 in all → 3 pages of 20.
    let mut tx = app.state.db.begin().await.unwrap();
    let unit = sunshine::db::units::by_code(&mut tx, "tuoan")
        .await
        .unwrap()
        .unwrap();
    let col = sunshine::db::columns::by_slug(&mut tx, unit.id, "notices")
        .await
        .unwrap()
        .unwrap();
    for n in 0..45 {
        let f = sunshine_core::item::ItemInput {
            column: "notices".into(),
            title: format!("分页测试通知{n:02}"),
            body_html: "<p>正文</p>".into(),
            ..Default::default()
        }
        .parse(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())
        .unwrap();
        let id = sunshine::db::items::insert(&mut tx, unit.id, col.id, &f, None)
            .await
            .unwrap();
        let item = sunshine::db::items::get(&mut tx, &sunshine::db::Scope::Everything, id)
            .await
            .unwrap()
            .unwrap();
        let on = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Duration::days(n);
        sunshine::db::items::publish(&mut tx, &item, "X", &Default::default(), on)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let (_, p1) = app.get_text("/units/tuoan/columns/notices").await;
    assert!(text_of(&p1).contains("共 47 条，第 1/3 页"));
    let (_, p3) = app.get_text("/units/tuoan/columns/notices?page=3").await;
    let t3 = text_of(&p3);
    assert!(t3.contains("第 3/3 页"));
    assert!(
        t3.contains("分页测试通知00"),
        "oldest item on the last page"
    );
    assert!(!t3.contains("分页测试通知44"));
    for bad in ["?page=4", "?page=0", "?page=abc", "?page=-1"] {
        assert_eq!(
            app.get(&format!("/units/tuoan/columns/notices{bad}"))
                .await
                .status(),
            404,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn unknown_and_malformed_addresses_are_404_pages() {
    let app = spawn_demo().await;
    for path in [
        "/items/abc",
        "/items/0",
        "/items/-5",
        "/items/99999999999999999999999",
        "/items/999999",
        "/units/nowhere",
        "/units/BAD..code",
        "/units/tuoan/columns/nowhere",
        "/sections/planets",
        "/attachments/x",
        "/no/such/page",
    ] {
        let (s, html) = app.get_text(path).await;
        assert_eq!(s, 404, "{path}");
        assert!(text_of(&html).contains("不存在"), "{path} explains itself");
    }
}

#[tokio::test]
async fn only_published_active_items_are_public() {
    let app = spawn_demo().await;
    app.user("ed", "tuoan", &[sunshine_core::role::Role::Editor])
        .await;
    let token = app.token("ed").await;
    let client = reqwest::Client::new();
    let mut ids = vec![];
    for (title, disclosure, reason) in [
        ("草稿不可见", "active", ""),
        ("依申请公开不可见", "on_request", ""),
        ("不予公开不可见", "withheld", "涉及第三方合法权益"),
    ] {
        let r = client
            .post(app.url("/api/v1/items"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"unit": "tuoan", "column": "notices", "title": title, "body_html": "<p>x</p>", "disclosure": disclosure, "withheld_reason": reason}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        ids.push(
            r.json::<serde_json::Value>().await.unwrap()["id"]
                .as_i64()
                .unwrap(),
        );
    }
    // Force the non-active ones into the published state: they must still not show.
    sqlx::query(&format!(
        "UPDATE items SET state = 'published' WHERE id IN ({}, {})",
        ids[1], ids[2]
    ))
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    for id in &ids {
        assert_eq!(app.get(&format!("/items/{id}")).await.status(), 404);
        assert_eq!(app.get(&format!("/api/v1/items/{id}")).await.status(), 404);
    }
    let (_, list) = app.get_text("/units/tuoan/columns/notices").await;
    assert!(!list.contains("不可见"));
    let (_, api) = app
        .get_text("/api/v1/items?unit=tuoan&column=notices")
        .await;
    assert!(!api.contains("不可见"));
}

#[tokio::test]
async fn hidden_columns_and_their_items_leave_the_portal() {
    let app = spawn_demo().await;
    let id = item_id(&app, SEED_TITLE).await;
    sqlx::query("UPDATE columns SET hidden = 1 WHERE slug = 'annual-report'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        app.get("/units/tuoan/columns/annual-report").await.status(),
        404
    );
    assert_eq!(app.get(&format!("/items/{id}")).await.status(), 404);
    let (_, unit) = app.get_text("/units/tuoan").await;
    assert!(!text_of(&unit).contains("政府信息公开年报"));
}

#[tokio::test]
async fn security_headers_and_static_assets() {
    let app = spawn_demo().await;
    let r = app.get("/").await;
    let h = r.headers();
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'self'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    let css = app.get("/static/site.css").await;
    assert_eq!(css.status(), 200);
    assert!(css.text().await.unwrap().contains("@media print"));
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn head_requests_do_not_count_as_views() {
    let app = spawn_demo().await;
    let id = item_id(&app, SEED_TITLE).await;
    let c = reqwest::Client::new();
    for _ in 0..3 {
        c.head(app.url(&format!("/items/{id}")))
            .send()
            .await
            .unwrap();
    }
    assert_eq!(app.state.clicks.pending(id), 0);
}

#[tokio::test]
async fn the_guide_is_generated_from_live_settings() {
    let app = spawn_demo().await;
    let (s, html) = app.get_text("/units/tuoan/guide").await;
    assert_eq!(s, 200);
    let t = text_of(&html);
    for expected in [
        "妥安乡政府信息公开指南",
        "gk-tuoan@example.gov.cn",
        "20个工作日",
        "政府信息公开年报",
        "乡镇动态",
    ] {
        assert!(t.contains(expected), "guide lacks {expected}");
    }
    // Changed as another node or a command would: in the database, with its change-log entry.
    let tuoan = app.count("SELECT id FROM units WHERE code = 'tuoan'").await;
    let mut tx = app.state.db.begin().await.unwrap();
    sqlx::query("UPDATE units SET office_phone = '0878-4999999' WHERE code = 'tuoan'")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE columns SET name = '乡镇要闻' WHERE slug = 'township-news'")
        .execute(&mut *tx)
        .await
        .unwrap();
    sunshine::db::items::log_site_change(&mut tx, tuoan, "test")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let started = std::time::Instant::now();
    let mut t = String::new();
    while started.elapsed() < std::time::Duration::from_secs(2) {
        t = text_of(&app.get_text("/units/tuoan/guide").await.1);
        if t.contains("0878-4999999") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "the change shows within a second"
    );
    assert!(
        t.contains("0878-4999999") && t.contains("乡镇要闻"),
        "guide follows the settings: {t}"
    );
    assert_eq!(app.get("/units/nowhere/guide").await.status(), 404);
    assert!(app
        .get_text("/units/tuoan")
        .await
        .1
        .contains("/units/tuoan/guide"));
}

/// Reads until the server closes the connection; the time that took, or None after `limit`.
async fn closed_within(
    stream: &mut tokio::net::TcpStream,
    limit: std::time::Duration,
) -> Option<std::time::Duration> {
    use tokio::io::AsyncReadExt;
    let start = std::time::Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(
            tokio::time::Instant::from_std(start + limit),
            stream.read(&mut buf),
        )
        .await
        {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(start.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn slow_clients_are_cut_off() {
    use tokio::io::AsyncWriteExt;
    let app = spawn_demo_with(|c| {
        c.header_timeout_seconds = 2;
        c.body_timeout_seconds = 2;
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let limit = std::time::Duration::from_secs(8);

    // Headers a line every half second: the connection is closed after the header timeout.
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let trickle = async {
        for i in 0..30 {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            if s.write_all(format!("X-Slow-{i}: a\r\n").as_bytes())
                .await
                .is_err()
            {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), trickle).await;
    let took = closed_within(&mut s, limit).await;
    assert!(took.is_some(), "a client trickling headers is cut off");

    // A body a byte every half second: cut off after the body timeout.
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(
        b"POST /apply HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n",
    )
    .await
    .unwrap();
    let start = std::time::Instant::now();
    let mut answered = false;
    for _ in 0..16 {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        if s.write_all(b"a").await.is_err() {
            answered = true;
            break;
        }
    }
    let closed = closed_within(&mut s, limit).await;
    assert!(
        answered || closed.is_some(),
        "a client trickling its body is cut off"
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(16));

    // An idle keep-alive connection is closed after the header timeout.
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let took = closed_within(&mut s, limit).await;
    assert!(took.is_some(), "an idle keep-alive connection is closed");
    // The server still answers everyone else.
    assert_eq!(app.get("/healthz").await.status(), 200);
}
