//! The back office: sign-in, sessions, CSRF, items, publishing rules, units and columns.

mod common;
use common::*;
use sunshine_core::role::Role;

fn draft_fields<'a>(title: &'a str, doc_no: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("column", "notices"),
        ("title", title),
        ("body_format", "text"),
        ("body", "各村委会：\n一、工作要求\n请按时完成。"),
        ("doc_no", doc_no),
        ("written_on", "2026-11-20"),
        ("publisher", "妥安乡人民政府"),
        ("author", "妥安乡"),
        ("validity", "valid"),
        ("disclosure", "active"),
        ("importance", "general"),
        ("pr_mode", "政府网站"),
        ("pr_scope", "社会公众"),
        ("pr_time_limit", "长期公开"),
    ]
}

/// Creates a draft through the form as `b`; returns its id.
async fn create_draft(
    app: &TestApp,
    b: &reqwest::Client,
    unit: &str,
    title: &str,
    doc_no: &str,
) -> i64 {
    let (s, _) = app
        .submit(
            b,
            &format!("/admin/units/{unit}/items/new"),
            &format!("/admin/units/{unit}/items"),
            &draft_fields(title, doc_no),
        )
        .await;
    assert_eq!(s, 200, "draft {title} created");
    item_id(app, title).await
}

/// One review step posted from the item page.
async fn step(
    app: &TestApp,
    b: &reqwest::Client,
    id: i64,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    app.submit(
        b,
        &format!("/admin/items/{id}"),
        &format!("/admin/items/{id}/review/{action}"),
        fields,
    )
    .await
}

/// Sends a draft through its one-step (一般) review and publishes it, as `reviewer`.
async fn publish(app: &TestApp, b: &reqwest::Client, id: i64) -> (u16, String) {
    step(app, b, id, "submit", &[]).await;
    step(app, b, id, "approve", &[]).await;
    step(app, b, id, "publish", &[]).await
}

#[tokio::test]
async fn wrong_password_is_refused_and_logged_without_the_password() {
    let app = spawn_demo().await;
    let b = app.browser();
    let html = app.page_as(&b, "/admin/login").await;
    let r = b
        .post(app.url("/admin/login"))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("login", "tuoan-editor"),
            ("password", "guess-123456"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let page = r.text().await.unwrap();
    assert!(text_of(&page).contains("用户名或密码不正确"));
    assert!(
        page.contains("value=\"tuoan-editor\""),
        "the login name is kept"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'login.failure'")
            .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%guess%' OR target LIKE '%guess%'"
        )
        .await,
        0
    );
    // The right password still works.
    let b = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let dash = app.page_as(&b, "/admin").await;
    assert!(text_of(&dash).contains("妥安乡：信息员"));
    // The page's title is text; its shortcuts are links on the page.
    let doc = scraper::Html::parse_document(&dash);
    let title: String = doc
        .select(&scraper::Selector::parse("title").unwrap())
        .flat_map(|t| t.text())
        .collect();
    assert_eq!(title, "工作台 - 后台 - 禄丰市人民政府");
    assert!(dash.contains(r#"<a href="/admin/queue">待我审核</a>"#));
}

#[tokio::test]
async fn repeated_failures_pause_login() {
    let app = spawn_demo().await;
    let b = app.browser();
    let html = app.page_as(&b, "/admin/login").await;
    let csrf = csrf_of(&html);
    for _ in 0..5 {
        let r = b
            .post(app.url("/admin/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("login", "tuoan-editor"),
                ("password", "nope-nope-nope"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = b
        .post(app.url("/admin/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", "tuoan-editor"),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429, "even the right password waits");
    assert_eq!(r.headers()["retry-after"], "900", "the window, in seconds");
    assert!(text_of(&r.text().await.unwrap()).contains("15分钟后再试"));
    // Another account is not locked by it.
    app.login("tuoan-director", DEMO_PASSWORD).await;
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_are_refused() {
    let app = spawn_demo().await;
    let b = app.browser();
    b.get(app.url("/admin/login")).send().await.unwrap();
    let r = b
        .post(app.url("/admin/login"))
        .form(&[
            ("csrf", "forged"),
            ("login", "tuoan-editor"),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(text_of(&r.text().await.unwrap()).contains("页面已过期"));

    // A stale item form keeps everything that was typed.
    let b = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let mut form = draft_fields("过期表单的标题", "");
    form.push(("csrf", "stale-token"));
    let r = b
        .post(app.url("/admin/units/tuoan/items"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let page = r.text().await.unwrap();
    assert!(page.contains("value=\"过期表单的标题\""), "title kept");
    assert!(page.contains("请按时完成。"), "body kept");
    assert!(text_of(&page).contains("页面已过期"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM items WHERE title = '过期表单的标题'")
            .await,
        0
    );
    // Re-submitting the re-rendered form (fresh token) works.
    let (s, _) = app
        .submit(
            &b,
            "/admin/units/tuoan/items/new",
            "/admin/units/tuoan/items",
            &draft_fields("过期表单的标题", ""),
        )
        .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn idle_sessions_expire_and_logout_ends_the_session() {
    let app = spawn_demo().await;
    let b = app.login("tuoan-editor", DEMO_PASSWORD).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
    sqlx::query("UPDATE sessions SET expires_at = 0")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let r = b
        .get(app.url("/admin/units/tuoan/items"))
        .send()
        .await
        .unwrap();
    assert!(
        r.url().path().starts_with("/admin/login"),
        "sent to login, got {}",
        r.url()
    );
    assert!(text_of(&r.text().await.unwrap()).contains("登录已超时"));

    let b = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let (s, html) = app.submit(&b, "/admin", "/admin/logout", &[]).await;
    assert_eq!(s, 200);
    assert!(text_of(&html).contains("您已安全退出"));
    let r = b.get(app.url("/admin")).send().await.unwrap();
    assert!(r.url().path().starts_with("/admin/login"));
}

#[tokio::test]
async fn session_cookie_flags() {
    let app = spawn_demo_with(|c| c.cookie_secure = true).await;
    let r = reqwest::get(app.url("/admin/login")).await.unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/admin/login"] {
        assert!(cookie.contains(flag), "{flag} missing in {cookie}");
    }
    assert_eq!(r.headers()["cache-control"], "no-store");
    let csrf = csrf_of(&r.text().await.unwrap());
    let pair = cookie.split(';').next().unwrap().to_owned();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirects
        .post(app.url("/admin/login"))
        .header("cookie", &pair)
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", "tuoan-editor"),
            ("password", DEMO_PASSWORD),
            ("next", "/admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let session = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("sunshine_session="))
        .expect("a session cookie");
    for flag in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/admin"] {
        assert!(session.contains(flag), "{flag} missing in {session}");
    }
}

#[tokio::test]
async fn no_unauthenticated_growth() {
    let app = spawn_demo().await;
    // Anonymous visits to the sign-in page store nothing on the server.
    for _ in 0..20 {
        let r = reqwest::get(app.url("/admin/login")).await.unwrap();
        assert_eq!(r.status(), 200);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    // A 3 MB login name is neither stored whole nor echoed back.
    let b = app.browser();
    let csrf = csrf_of(&app.page_as(&b, "/admin/login").await);
    let huge = "x".repeat(3 * 1024 * 1024);
    let r = b
        .post(app.url("/admin/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", huge.as_str()),
            ("password", "whatever-it-is"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let page = r.text().await.unwrap();
    assert!(
        page.len() < 64 * 1024,
        "the page does not echo the name: {} bytes",
        page.len()
    );
    let longest: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(LENGTH(actor) + LENGTH(detail) + LENGTH(target)), 0) FROM audit_log",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert!(longest < 4096, "audit entries are bounded: {longest}");
    let keys: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(LENGTH(key)), 0) FROM throttle")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(
        keys <= 64 + 1 + 45,
        "throttle keys are bounded (name and address): {keys}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM throttle").await,
        3,
        "one counter per address, per name and address, per name"
    );
    // An address over its limit adds no counter for each new name it tries.
    for n in 0..30 {
        let r = b
            .post(app.url("/admin/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("login", format!("name-{n}").as_str()),
                ("password", "whatever-it-is"),
            ])
            .send()
            .await
            .unwrap();
        assert!(r.status() == 401 || r.status() == 429);
    }
    let rows = app.count("SELECT COUNT(*) FROM throttle").await;
    assert!(
        rows <= 3 + 2 * 19,
        "the address's limit bounds the counters: {rows}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn throttles_are_kept_apart() {
    let app = spawn_demo().await;
    // Thirty wrong tracking codes from this address pause tracking here...
    let mut last = 0;
    for _ in 0..30 {
        let r = reqwest::Client::new()
            .post(app.url("/track"))
            .form(&[("no", "20260101ABCDEF"), ("code", "WRONGCOD")])
            .send()
            .await
            .unwrap();
        last = r.status().as_u16();
        assert!(last == 403 || last == 429, "{last}");
    }
    assert_eq!(last, 429, "tracking is paused here");
    // ...but staff sign-in from the same address is not locked by them.
    app.login("tuoan-editor", DEMO_PASSWORD).await;
}

#[tokio::test]
async fn limits_hold_under_concurrency() {
    let app = spawn_demo().await;
    let b = app.browser();
    let csrf = csrf_of(&app.page_as(&b, "/admin/login").await);
    // Thirty simultaneous wrong passwords: the limit (5) holds, every answer is 401 or 429.
    let tries = (0..30).map(|_| {
        b.post(app.url("/admin/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("login", "tuoan-editor"),
                ("password", "wrong-password-x"),
            ])
            .send()
    });
    let answers = futures::future::join_all(tries).await;
    let mut checked = 0;
    for r in answers {
        let s = r.unwrap().status().as_u16();
        assert!(s == 401 || s == 429, "{s}");
        if s == 401 {
            checked += 1;
        }
    }
    assert_eq!(
        checked, 5,
        "exactly the allowed number of passwords were checked"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'login.failure'")
            .await,
        5
    );
    // Fifty simultaneous wrong logins under fifty names from one address (a fresh server): no
    // answer is a 500, and the address's limit (4 × 5) holds across names.
    let app = spawn_demo().await;
    let b = app.browser();
    let csrf = csrf_of(&app.page_as(&b, "/admin/login").await);
    let names: Vec<String> = (0..50).map(|i| format!("guess-{i}")).collect();
    let tries = names.iter().map(|n| {
        b.post(app.url("/admin/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("login", n.as_str()),
                ("password", "wrong-password-x"),
            ])
            .send()
    });
    let statuses: Vec<u16> = futures::future::join_all(tries)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        20,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn missing_fields_are_named_and_input_kept() {
    let app = spawn_demo().await;
    let b = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let mut fields = draft_fields("", "");
    fields.retain(|(k, _)| *k != "column" && *k != "written_on");
    fields.push(("written_on", "2026/13/45"));
    let (s, page) = app
        .submit(
            &b,
            "/admin/units/tuoan/items/new",
            "/admin/units/tuoan/items",
            &fields,
        )
        .await;
    assert_eq!(s, 422);
    let t = text_of(&page);
    assert!(t.contains("请填写标题"));
    assert!(t.contains("请选择栏目"));
    assert!(t.contains("成文日期格式应为"));
    assert!(page.contains("请按时完成。"), "body kept");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM items WHERE state = 'draft'")
            .await,
        0
    );
}

#[tokio::test]
async fn duplicate_document_number_in_a_unit_is_refused() {
    let app = spawn_demo().await;
    let b = app.login("tuoan-editor", DEMO_PASSWORD).await;
    create_draft(&app, &b, "tuoan", "第一份文件", "妥政发[2026]3号").await;
    let (s, page) = app
        .submit(
            &b,
            "/admin/units/tuoan/items/new",
            "/admin/units/tuoan/items",
            &draft_fields("第二份文件", "妥政发〔2026〕3号"),
        )
        .await;
    assert_eq!(s, 422);
    assert!(text_of(&page).contains("已有一条信息使用了这个发文字号"));
    assert!(page.contains("value=\"第二份文件\""));
    // Another unit may use the same number.
    let g = app.login("gaofeng-editor", DEMO_PASSWORD).await;
    create_draft(&app, &g, "gaofeng", "高峰乡的同号文件", "妥政发〔2026〕3号").await;
}

#[tokio::test]
async fn authors_never_publish_their_own_items() {
    let app = spawn_demo().await;
    app.user("director2", "tuoan", &[Role::Director]).await;
    let editor = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let id = create_draft(&app, &editor, "tuoan", "编辑起草的通知", "").await;
    let (s, _) = step(&app, &editor, id, "submit", &[]).await;
    assert_eq!(s, 200, "the author submits");
    let (s, page) = step(&app, &editor, id, "approve", &[]).await;
    assert_eq!(s, 403);
    assert!(text_of(&page).contains("不能审核或发布它"));
    let (s, page) = step(&app, &editor, id, "publish", &[]).await;
    assert_eq!(s, 403);
    assert!(text_of(&page).contains("只有本单位的审核人员"));

    let director = app.login("tuoan-director", DEMO_PASSWORD).await;
    let own = create_draft(&app, &director, "tuoan", "主任自己起草的通知", "").await;
    step(&app, &director, own, "submit", &[]).await;
    let (s, page) = step(&app, &director, own, "approve", &[]).await;
    assert_eq!(s, 403);
    assert!(text_of(&page).contains("不能审核或发布它"));
    assert_eq!(app.get(&format!("/items/{own}")).await.status(), 404);
    assert!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'permission.denied'")
            .await
            >= 2
    );

    // Another director approves and publishes both.
    let other = app.login("director2", PASSWORD).await;
    for id in [id, own] {
        let (s, _) = step(&app, &other, id, "approve", &[("comment", "同意公开")]).await;
        assert_eq!(s, 200);
        let (s, page) = step(&app, &other, id, "publish", &[]).await;
        assert_eq!(s, 200);
        assert!(text_of(&page).contains("已发布"));
        assert_eq!(app.get(&format!("/items/{id}")).await.status(), 200);
    }
    // A second publish is refused with the state named.
    let (s, page) = step(&app, &other, id, "publish", &[]).await;
    assert_eq!(s, 409);
    assert!(text_of(&page).contains("只有审核链全部通过"));
}

#[tokio::test]
async fn index_numbers_follow_the_pattern_and_are_never_reused() {
    let app = spawn_demo().await;
    let editor = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let director = app.login("tuoan-director", DEMO_PASSWORD).await;
    let year = app.state.today().format("%Y").to_string();
    let a = create_draft(&app, &editor, "tuoan", "索引号一", "").await;
    let b_ = create_draft(&app, &editor, "tuoan", "索引号二", "").await;
    publish(&app, &director, a).await;
    publish(&app, &director, b_).await;
    let index = |id: i64| {
        let pool = app.state.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT index_no FROM items WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    // The demo already published 8 of this year's items in 妥安乡 (unless run in early January).
    let first = index(a).await;
    assert!(first.starts_with(&format!("LFDEMO-201/{year}-")), "{first}");
    let n = |s: &str| s.rsplit('-').next().unwrap().parse::<i64>().unwrap();
    assert_eq!(n(&index(b_).await), n(&first) + 1);
    // Remove the second item entirely: its number is still not handed out again.
    for table in ["item_events", "approvals", "item_authors"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE item_id = $1"))
            .bind(b_)
            .execute(&app.state.db.pool)
            .await
            .unwrap();
    }
    sqlx::query("DELETE FROM change_log WHERE item_id = $1")
        .bind(b_)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM items WHERE id = $1")
        .bind(b_)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let c = create_draft(&app, &editor, "tuoan", "索引号三", "").await;
    publish(&app, &director, c).await;
    assert_eq!(n(&index(c).await), n(&first) + 2);
    // Publishing wrote the change log in the same transaction.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM change_log WHERE item_id = {c} AND op = 'publish'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn one_township_never_reaches_another_townships_drafts() {
    let app = spawn_demo().await;
    let tuoan = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let id = create_draft(&app, &tuoan, "tuoan", "妥安乡内部草稿", "").await;
    let gaofeng = app.login("gaofeng-director", DEMO_PASSWORD).await;
    for path in [
        format!("/admin/items/{id}"),
        format!("/admin/items/{id}/preview"),
    ] {
        let r = gaofeng.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert!(!r.text().await.unwrap().contains("妥安乡内部草稿"));
    }
    let r = gaofeng
        .get(app.url("/admin/units/tuoan/items"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(!r.text().await.unwrap().contains("妥安乡内部草稿"));
    // Editing or publishing it through a form posted anyway: refused, nothing changed.
    let (s, _) = app
        .submit(
            &gaofeng,
            "/admin",
            &format!("/admin/items/{id}"),
            &draft_fields("被改掉了", ""),
        )
        .await;
    assert_eq!(s, 404);
    for action in ["submit", "approve", "publish"] {
        let (s, page) = app
            .submit(
                &gaofeng,
                "/admin",
                &format!("/admin/items/{id}/review/{action}"),
                &[],
            )
            .await;
        assert_eq!(s, 403, "{action}");
        assert!(text_of(&page).contains("不是该单位的工作人员"));
        assert!(!page.contains("妥安乡内部草稿"));
    }
    let (s, _) = app
        .submit(
            &gaofeng,
            "/admin",
            "/admin/units/tuoan/items",
            &draft_fields("冒名草稿", ""),
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM items WHERE title IN ('被改掉了', '冒名草稿')")
            .await,
        0
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM items WHERE id = {id} AND state = 'draft'"
        ))
        .await,
        1
    );
    // The dashboard lists only the user's own unit.
    let dash = app.page_as(&gaofeng, "/admin").await;
    assert!(!dash.contains("/admin/units/tuoan/items"));

    // The city supervisor reads it but cannot act on it.
    let sup = app.login("admin", DEMO_PASSWORD).await;
    let r = sup
        .get(app.url(&format!("/admin/items/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (s, _) = app
        .submit(
            &sup,
            &format!("/admin/items/{id}"),
            &format!("/admin/items/{id}"),
            &draft_fields("监督员改的", ""),
        )
        .await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn rich_text_is_sanitized_before_anyone_reads_it() {
    let app = spawn_demo().await;
    let editor = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let mut fields = draft_fields("带脚本的正文", "");
    fields.retain(|(k, _)| *k != "body" && *k != "body_format");
    fields.push(("body_format", "html"));
    fields.push(("body", "<p onclick=\"steal()\">正文</p><script>alert('x')</script><table><tr><td>表格</td></tr></table>"));
    app.submit(
        &editor,
        "/admin/units/tuoan/items/new",
        "/admin/units/tuoan/items",
        &fields,
    )
    .await;
    let id = item_id(&app, "带脚本的正文").await;
    publish(&app, &app.login("tuoan-director", DEMO_PASSWORD).await, id).await;
    let (_, html) = app.get_text(&format!("/items/{id}")).await;
    assert!(!html.contains("alert('x')"));
    assert!(!html.contains("steal()"));
    assert!(html.contains("<td>表格</td>"));
}

#[tokio::test]
async fn unit_settings_validate_and_change_the_index_pattern() {
    let app = spawn_demo().await;
    let admin = app.login("tuoan-admin", DEMO_PASSWORD).await;
    let base = [
        ("name", "妥安乡"),
        ("org_code", "LFDEMO-201"),
        ("office_address", "妥安乡人民政府一楼"),
        ("office_hours", "工作日"),
        ("office_phone", "0878-4120000"),
        ("office_fax", ""),
        ("office_email", "gk@example.gov.cn"),
    ];
    let mut bad = base.to_vec();
    bad.push(("index_pattern", "{org}/{NNN}"));
    bad[6] = ("office_email", "not-an-email");
    let (s, page) = app
        .submit(
            &admin,
            "/admin/units/tuoan/settings",
            "/admin/units/tuoan/settings",
            &bad,
        )
        .await;
    assert_eq!(s, 422);
    let t = text_of(&page);
    assert!(t.contains("年份"), "pattern error explained");
    assert!(t.contains("电子邮箱格式不正确"));
    assert!(page.contains("妥安乡人民政府一楼"), "input kept");

    let mut good = base.to_vec();
    good.push(("index_pattern", "TA-{unit}-{YYYY}-{NNN}"));
    let (s, _) = app
        .submit(
            &admin,
            "/admin/units/tuoan/settings",
            "/admin/units/tuoan/settings",
            &good,
        )
        .await;
    assert_eq!(s, 200);
    let editor = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let id = create_draft(&app, &editor, "tuoan", "新格式索引号", "").await;
    publish(&app, &app.login("tuoan-director", DEMO_PASSWORD).await, id).await;
    let no: String = sqlx::query_scalar("SELECT index_no FROM items WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(no.starts_with("TA-tuoan-"), "{no}");
    // The unit page shows the new contact for the guide.
    assert!(text_of(&app.get_text("/units/tuoan").await.1).contains("妥安乡人民政府一楼"));
    // Only administrators reach settings.
    let r = editor
        .get(app.url("/admin/units/tuoan/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(text_of(&r.text().await.unwrap()).contains("只有本单位管理员"));
}

#[tokio::test]
async fn administrators_add_rename_reorder_and_hide_columns() {
    let app = spawn_demo().await;
    let admin = app.login("tuoan-admin", DEMO_PASSWORD).await;
    let cols = "/admin/units/tuoan/columns";
    let (s, page) = app
        .submit(
            &admin,
            cols,
            cols,
            &[("name", "脱贫攻坚"), ("slug", "Bad Slug"), ("parent", "")],
        )
        .await;
    assert_eq!(s, 422);
    assert!(text_of(&page).contains("栏目代码只能由小写字母"));
    let (s, page) = app
        .submit(
            &admin,
            cols,
            cols,
            &[("name", "重复"), ("slug", "notices"), ("parent", "")],
        )
        .await;
    assert_eq!(s, 422);
    assert!(text_of(&page).contains("已有这个栏目代码"));
    let (s, _) = app
        .submit(
            &admin,
            cols,
            cols,
            &[("name", "乡村振兴"), ("slug", "rural"), ("parent", "")],
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(app.get("/units/tuoan/columns/rural").await.status(), 200);

    let id: i64 = app.count("SELECT c.id FROM columns c JOIN units u ON u.id = c.unit_id WHERE u.code = 'tuoan' AND c.slug = 'rural'").await;
    let (s, _) = app
        .submit(
            &admin,
            cols,
            &format!("/admin/columns/{id}"),
            &[("name", "乡村振兴专栏")],
        )
        .await;
    assert_eq!(s, 200);
    assert!(text_of(&app.get_text("/units/tuoan").await.1).contains("乡村振兴专栏"));
    // Moving up puts it before 其他信息 on the unit page.
    let (s, _) = app
        .submit(
            &admin,
            cols,
            &format!("/admin/columns/{id}/move"),
            &[("direction", "up")],
        )
        .await;
    assert_eq!(s, 200);
    let t = text_of(&app.get_text("/units/tuoan").await.1);
    assert!(t.find("乡村振兴专栏").unwrap() < t.find("其他信息").unwrap());
    let (s, _) = app
        .submit(
            &admin,
            cols,
            &format!("/admin/columns/{id}/move"),
            &[("direction", "sideways")],
        )
        .await;
    assert_eq!(s, 422);
    let (s, _) = app
        .submit(
            &admin,
            cols,
            &format!("/admin/columns/{id}"),
            &[("name", "乡村振兴专栏"), ("hidden", "1")],
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(app.get("/units/tuoan/columns/rural").await.status(), 404);
    let (s, _) = app
        .submit(
            &admin,
            cols,
            &format!("/admin/columns/{id}"),
            &[("name", "  ")],
        )
        .await;
    assert_eq!(s, 422);

    // Another unit's administrator cannot touch these columns.
    app.user("gaofeng-admin", "gaofeng", &[Role::Admin]).await;
    let other = app.login("gaofeng-admin", PASSWORD).await;
    let (s, _) = app
        .submit(
            &other,
            "/admin",
            &format!("/admin/columns/{id}"),
            &[("name", "被改了")],
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(other.get(app.url(cols)).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn forwarded_addresses_take_the_right_most_untrusted_entry() {
    let app = spawn_demo_with(|c| {
        c.trust_forwarded_for = true;
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let b = app.browser();
    let csrf = csrf_of(&app.page_as(&b, "/admin/login").await);
    // The client writes whatever it likes on the left; our proxy appends what it saw.
    for spoofed in ["1.1.1.1", "2.2.2.2", "3.3.3.3"] {
        let r = b
            .post(app.url("/admin/login"))
            .header("x-forwarded-for", format!("{spoofed}, 203.0.113.7"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("login", "nobody-at-all"),
                ("password", "wrong-password-1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let ips: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT ip FROM audit_log WHERE action = 'login.failure'")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(
        ips,
        vec!["203.0.113.7".to_owned()],
        "one address, whatever was spoofed"
    );
}

#[tokio::test]
async fn csv_is_written_by_a_library_and_safe_in_a_spreadsheet() {
    let app = spawn_demo().await;
    app.unit(
        "odd",
        "某局,\"测试\"科",
        sunshine_core::unit::UnitKind::Department,
    )
    .await;
    // A failed login whose name is a spreadsheet formula.
    let b = app.browser();
    let csrf = csrf_of(&app.page_as(&b, "/admin/login").await);
    let r = b
        .post(app.url("/admin/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", "=HYPERLINK(\"http://x\",\"y\")"),
            ("password", "wrong-password-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let audit = app.page_as(&admin, "/admin/audit.csv").await;
    let mut rd = csv::Reader::from_reader(audit.trim_start_matches('\u{feff}').as_bytes());
    let mut seen = false;
    for rec in rd.records() {
        let rec = rec.unwrap();
        assert_eq!(rec.len(), 11);
        for cell in rec.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell}"
            );
        }
        seen |= rec.iter().any(|c| c.starts_with("'=HYPERLINK"));
    }
    assert!(seen, "the name is kept, neutralised");
    let sup = app.page_as(&admin, "/admin/supervision.csv").await;
    let mut rd = csv::Reader::from_reader(sup.trim_start_matches('\u{feff}').as_bytes());
    let width = rd.headers().unwrap().len();
    let mut names = vec![];
    for rec in rd.records() {
        let rec = rec.unwrap();
        assert_eq!(rec.len(), width, "every row as wide as the header");
        names.push(rec[1].to_owned());
    }
    assert!(names.contains(&"某局,\"测试\"科".to_owned()), "{names:?}");
}

/// Rewrites one value in a session's stored data (as time passing would).
async fn set_session_value(app: &TestApp, key: &str, value: i64) {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, data FROM sessions")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    for (id, data) in rows {
        let mut v: serde_json::Value = serde_json::from_str(&data).unwrap();
        v[key] = serde_json::json!(value);
        sqlx::query("UPDATE sessions SET data = $1 WHERE id = $2")
            .bind(v.to_string())
            .bind(&id)
            .execute(&app.state.db.pool)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions() {
    let app = spawn_demo().await;
    let here = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let there = app.login("tuoan-editor", DEMO_PASSWORD).await;
    // Wrong current password, short or mismatched new ones: said field by field, nothing changes.
    let (s, html) = app
        .submit(
            &here,
            "/admin/password",
            "/admin/password",
            &[
                ("current", "not-it-at-all"),
                ("new", "short"),
                ("again", "other"),
            ],
        )
        .await;
    assert_eq!(s, 422);
    let t = text_of(&html);
    assert!(
        t.contains("当前密码不正确") && t.contains("至少需要10个字符") && t.contains("不一致"),
        "{t}"
    );
    let (s, html) = app
        .submit(
            &here,
            "/admin/password",
            "/admin/password",
            &[
                ("current", DEMO_PASSWORD),
                ("new", "a brand new password"),
                ("again", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(s, 200, "{}", text_of(&html));
    assert!(text_of(&html).contains("密码已修改"));
    // This session stays; the other one is over; the new password signs in.
    let r = here.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(r.url().path(), "/admin");
    let r = there.get(app.url("/admin")).send().await.unwrap();
    assert!(r.url().path().starts_with("/admin/login"), "{}", r.url());
    app.login("tuoan-editor", "a brand new password").await;
}

#[tokio::test]
async fn the_idle_timeout_slides_within_an_absolute_lifetime() {
    let app = spawn_demo().await;
    let b = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let expiry = || async {
        sqlx::query_scalar::<_, i64>("SELECT MAX(expires_at) FROM sessions")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap()
    };
    // A minute later, still working: the expiry moves on with the activity.
    sqlx::query("UPDATE sessions SET expires_at = expires_at - 600")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let before = expiry().await;
    set_session_value(&app, "seen", sunshine::db::now() - 120).await;
    let r = b.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(r.url().path(), "/admin");
    assert!(
        expiry().await > before + 500,
        "the idle timeout slid forward"
    );
    // Signed in 13 hours ago: over, however active.
    set_session_value(&app, "since", sunshine::db::now() - 13 * 3600).await;
    let r = b.get(app.url("/admin")).send().await.unwrap();
    assert!(r.url().path().starts_with("/admin/login"), "{}", r.url());
    assert!(text_of(&r.text().await.unwrap()).contains("登录已超时"));
}

#[tokio::test]
async fn one_address_cannot_lock_an_account_for_everyone() {
    // Behind a proxy that appends the client's address, the right-most entry is the client.
    let app = spawn_demo_with(|c| c.trust_forwarded_for = true).await;
    let attempt = |from: &'static str, password: &'static str| {
        let app = &app;
        async move {
            let b = app.browser();
            let csrf = csrf_of(&app.page_as(&b, "/admin/login").await);
            b.post(app.url("/admin/login"))
                .header("x-forwarded-for", from)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("login", "tuoan-editor"),
                    ("password", password),
                    ("next", "/admin"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    for _ in 0..6 {
        let s = attempt("198.51.100.1", "wrong-password-x").await;
        assert!(s == 401 || s == 429, "{s}");
    }
    assert_eq!(
        attempt("198.51.100.1", DEMO_PASSWORD).await,
        429,
        "the guesser is paused"
    );
    assert_eq!(
        attempt("198.51.100.2", DEMO_PASSWORD).await,
        200,
        "the owner is not locked out"
    );
}
