//! The `sunshine` binary as scripts and operators use it.

mod common;
use common::*;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn sunshine(db_url: &str, args: &[&str], password: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sunshine"));
    c.args(args)
        .env("SUNSHINE_DATABASE_URL", db_url)
        .env("SUNSHINE_DATA_KEY", TEST_DATA_KEY)
        .env_remove("SUNSHINE_PASSWORD");
    if let Some(p) = password {
        c.env("SUNSHINE_PASSWORD", p);
    }
    c.output().expect("run sunshine")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[tokio::test]
async fn bootstrap_a_unit_an_administrator_and_a_token() {
    let app = spawn().await;
    let url = app.state.config.database_url.clone();
    let o = sunshine(&url, &["migrate"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = sunshine(
        &url,
        &[
            "unit",
            "add",
            "--code",
            "lufeng",
            "--name",
            "禄丰市人民政府",
            "--kind",
            "city",
            "--org-code",
            "LF000",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = sunshine(
        &url,
        &[
            "unit",
            "add",
            "--code",
            "tuoan",
            "--name",
            "妥安乡",
            "--kind",
            "township",
            "--org-code",
            "LF201",
            "--parent",
            "lufeng",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = sunshine(
        &url,
        &[
            "user",
            "add",
            "--unit",
            "tuoan",
            "--role",
            "admin",
            "--role",
            "director,editor",
            "--login",
            "ta-admin",
        ],
        Some("a long enough password"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "ta-admin");
    let o = sunshine(&url, &["token", "create", "--login", "ta-admin"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let token = stdout(&o);
    assert!(token.starts_with("sst_"));

    // The token works against the running server, with the roles granted.
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/items"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"unit": "tuoan", "column": "township-news", "title": "命令行建的账号", "body_html": "<p>x</p>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // And the password signs in to the back office.
    let b = app.login("ta-admin", "a long enough password").await;
    let dash = app.page_as(&b, "/admin").await;
    assert!(text_of(&dash).contains("妥安乡：管理员"));
    assert!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.add'")
            .await
            >= 1
    );
}

#[tokio::test]
async fn bad_cli_input_is_explained() {
    let app = spawn().await;
    let url = app.state.config.database_url.clone();
    sunshine(
        &url,
        &[
            "unit",
            "add",
            "--code",
            "lufeng",
            "--name",
            "禄丰市人民政府",
            "--kind",
            "city",
            "--org-code",
            "LF000",
        ],
        None,
    );
    for (args, pw, hint) in [
        (
            vec![
                "user", "add", "--unit", "lufeng", "--role", "king", "--login", "x1",
            ],
            Some("a long enough password"),
            "--role",
        ),
        (
            vec![
                "user", "add", "--unit", "nowhere", "--role", "admin", "--login", "x1",
            ],
            Some("a long enough password"),
            "不存在",
        ),
        (
            vec![
                "user", "add", "--unit", "lufeng", "--role", "admin", "--login", "x1",
            ],
            Some("short"),
            "至少",
        ),
        (
            vec![
                "user",
                "add",
                "--unit",
                "lufeng",
                "--role",
                "admin",
                "--login",
                "bad name!",
            ],
            Some("a long enough password"),
            "--login",
        ),
        (vec!["token", "create", "--login", "ghost"], None, "不存在"),
        (
            vec![
                "unit",
                "add",
                "--code",
                "Bad",
                "--name",
                "x",
                "--kind",
                "city",
                "--org-code",
                "1",
            ],
            None,
            "--code",
        ),
        (
            vec![
                "unit",
                "add",
                "--code",
                "abc",
                "--name",
                "x",
                "--kind",
                "planet",
                "--org-code",
                "1",
            ],
            None,
            "--kind",
        ),
        (
            vec![
                "unit",
                "add",
                "--code",
                "lufeng",
                "--name",
                "x",
                "--kind",
                "city",
                "--org-code",
                "1",
            ],
            None,
            "已存在",
        ),
    ] {
        let o = sunshine(&url, &args, pw);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(stderr(&o).contains(hint), "{args:?}: {}", stderr(&o));
    }
    let o = sunshine("mysql://nope", &["migrate"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("数据库地址无法识别"));
    let o = Command::new(env!("CARGO_BIN_EXE_sunshine"))
        .args(["serve", "--bind", "not-an-address"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("监听地址"));
}

/// `sunshine serve --demo` as the README runs it: serves the seed report, counts clicks, and on
/// SIGTERM writes the pending counts before exiting.
#[tokio::test]
async fn serve_demo_counts_clicks_and_flushes_them_on_sigterm() {
    // A database of the selected backend, left empty for the binary to fill.
    let app = spawn().await;
    let url = app.state.config.database_url.clone();
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sunshine"))
        .args([
            "serve",
            "--demo",
            "--bind",
            &bind,
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--database-url",
            &url,
        ])
        .env("SUNSHINE_DEMO_PASSWORD", DEMO_PASSWORD)
        .env("SUNSHINE_DATA_KEY", TEST_DATA_KEY)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://{bind}");
    let start = Instant::now();
    while reqwest::get(format!("{base}/healthz"))
        .await
        .map(|r| r.status() != 200)
        .unwrap_or(true)
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let id = item_id(&app, "妥安乡2017年政府信息公开工作年度报告").await;
    for _ in 0..3 {
        assert_eq!(
            reqwest::get(format!("{base}/items/{id}"))
                .await
                .unwrap()
                .status(),
            200
        );
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            assert!(st.success(), "graceful exit");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "server did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        app.count(&format!("SELECT hits FROM items WHERE id = {id}"))
            .await,
        3
    );
}

#[tokio::test]
async fn workdays_and_fees_are_plain_and_exit_2_on_bad_input() {
    let app = spawn().await;
    let url = app.state.config.database_url.clone();
    let ok = |args: &[&str]| {
        let o = sunshine(&url, args, None);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        stdout(&o)
    };
    assert_eq!(ok(&["workdays", "add", "2026-03-02", "20"]), "2026-03-30");
    assert_eq!(ok(&["workdays", "count", "2026-03-02", "2026-03-30"]), "20");
    // 2020 Spring Festival, extended: the 20th working day after 17 January is 21 February.
    assert_eq!(ok(&["workdays", "add", "2020-01-17", "20"]), "2020-02-21");
    assert_eq!(
        ok(&["workdays", "add", "2026-02-13", "1"]),
        "2026-02-14",
        "a make-up Saturday counts"
    );
    for (k, fee) in [
        ("10", "0"),
        ("11", "100"),
        ("30", "100"),
        ("31", "200"),
        ("40", "200"),
        ("41", "300"),
    ] {
        assert_eq!(ok(&["fee", "count", k]), fee, "count {k}");
    }
    for (p, fee) in [
        ("30", "0"),
        ("31", "10"),
        ("100", "700"),
        ("101", "720"),
        ("200", "2700"),
        ("201", "2740"),
    ] {
        assert_eq!(ok(&["fee", "pages", p]), fee, "pages {p}");
    }
    for (args, hint) in [
        (vec!["workdays", "add", "2026-12-20", "20"], "2027年"),
        (vec!["workdays", "add", "2007-06-01", "1"], "2007年"),
        (vec!["workdays", "add", "2026-02-30", "1"], "格式不正确"),
        (vec!["workdays", "add", "2026-03-02", "twenty"], "整数"),
        (
            vec!["workdays", "count", "2026-03-30", "2026-03-02"],
            "早于",
        ),
        (vec!["fee", "count", "0"], "从 1 开始"),
        (vec!["fee", "pages", "many"], "整数"),
    ] {
        let o = sunshine(&url, &args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stdout(&o).is_empty(), "nothing on stdout for {args:?}");
        assert!(stderr(&o).contains(hint), "{args:?}: {}", stderr(&o));
    }
}

#[tokio::test]
async fn a_loaded_year_extends_the_calendar() {
    let app = spawn().await;
    let url = app.state.config.database_url.clone();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("2027.json");
    std::fs::write(&file, r#"{"year": 2027, "papers": [], "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}"#).unwrap();
    let o = sunshine(&url, &["calendar", "load", file.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "2027");
    let o = sunshine(&url, &["workdays", "add", "2026-12-30", "2"], None);
    assert_eq!(
        stdout(&o),
        "2027-01-04",
        "31 Dec, then 1 Jan off, then Monday 4 Jan"
    );
    let o = sunshine(&url, &["calendar", "list"], None);
    assert!(stdout(&o).ends_with("2026\n2027"), "{}", stdout(&o));
    // A stored year that no longer reads stops the count with a clear error (no quiet return to
    // plain weekends), and loading the year again mends it.
    sqlx::query("UPDATE calendar_years SET data = '{\"year\": 2027' WHERE year = 2027")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let o = sunshine(&url, &["workdays", "add", "2026-12-30", "2"], None);
    assert!(!o.status.success());
    assert!(stdout(&o).is_empty());
    assert!(
        stderr(&o).contains("2027年的节假日安排无法读取"),
        "{}",
        stderr(&o)
    );
    let o = sunshine(&url, &["calendar", "load", file.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = sunshine(&url, &["workdays", "add", "2026-12-30", "2"], None);
    assert_eq!(stdout(&o), "2027-01-04");
    std::fs::write(&file, "{\"year\": 2027, \"days\": [{\"name\": \"x\", \"date\": \"2031-01-01\", \"isOffDay\": true}]}").unwrap();
    let o = sunshine(&url, &["calendar", "load", file.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("不属于"), "{}", stderr(&o));
    let o = sunshine(&url, &["calendar", "load", "/nonexistent/2028.json"], None);
    assert_eq!(o.status.code(), Some(2));
}

#[tokio::test]
async fn credentials_end_tokens_expire_and_users_can_be_disabled() {
    let app = spawn_demo().await;
    let url = app.state.config.database_url.clone();
    let o = sunshine(
        &url,
        &[
            "token",
            "create",
            "--login",
            "tuoan-editor",
            "--days",
            "30",
            "--label",
            "数据报送",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let token = stdout(&o);
    let me = |t: String| {
        let url = app.url("/api/v1/applications?unit=tuoan");
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(t)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(me(token.clone()).await, 200);
    let o = sunshine(&url, &["token", "list", "--login", "tuoan-editor"], None);
    let line = stdout(&o);
    let fields: Vec<&str> = line.lines().last().unwrap().split('\t').collect();
    assert_eq!(
        (fields[1], fields[2], fields[5]),
        ("tuoan-editor", "数据报送", "有效"),
        "{line}"
    );
    assert!(!line.contains("sst_"), "tokens are never listed");
    // Revoked: refused at once.
    let o = sunshine(&url, &["token", "revoke", fields[0]], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(me(token).await, 401);
    let o = sunshine(&url, &["token", "revoke", fields[0]], None);
    assert_eq!(o.status.code(), Some(1));
    // Expired: refused.
    let token = stdout(&sunshine(
        &url,
        &["token", "create", "--login", "tuoan-editor"],
        None,
    ));
    assert_eq!(me(token.clone()).await, 200);
    sqlx::query("UPDATE api_tokens SET expires_at = 1")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(me(token).await, 401);
    let o = sunshine(&url, &["token", "list"], None);
    assert!(stdout(&o).contains("已过期"));
    // A password reset from the command line ends the user's sessions.
    let b = app.login("tuoan-editor", DEMO_PASSWORD).await;
    assert!(!b
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap()
        .url()
        .path()
        .starts_with("/admin/login"));
    let o = sunshine(
        &url,
        &[
            "user",
            "add",
            "--unit",
            "tuoan",
            "--role",
            "editor",
            "--login",
            "tuoan-editor",
        ],
        Some("another long password"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let r = b.get(app.url("/admin")).send().await.unwrap();
    assert!(
        r.url().path().starts_with("/admin/login"),
        "signed out: {}",
        r.url()
    );
    // Disabled: sessions end, tokens stop, no sign-in; enabled again, all is well.
    let b = app.login("tuoan-director", DEMO_PASSWORD).await;
    let token = stdout(&sunshine(
        &url,
        &["token", "create", "--login", "tuoan-director"],
        None,
    ));
    let o = sunshine(
        &url,
        &["user", "disable", "--login", "tuoan-director"],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(b
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap()
        .url()
        .path()
        .starts_with("/admin/login"));
    assert_eq!(me(token.clone()).await, 401);
    let fresh = app.browser();
    let csrf = csrf_of(&app.page_as(&fresh, "/admin/login").await);
    let r = fresh
        .post(app.url("/admin/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", "tuoan-director"),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        sunshine(&url, &["user", "enable", "--login", "tuoan-director"], None)
            .status
            .success()
    );
    assert_eq!(
        me(token).await,
        401,
        "a token of a disabled account stays revoked"
    );
    let token = stdout(&sunshine(
        &url,
        &["token", "create", "--login", "tuoan-director"],
        None,
    ));
    assert_eq!(me(token.clone()).await, 200);
    // A role taken away is gone from the next request on.
    let o = sunshine(
        &url,
        &[
            "user",
            "revoke",
            "--unit",
            "tuoan",
            "--role",
            "director,editor",
            "--login",
            "tuoan-director",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(me(token).await, 403);
    let o = sunshine(&url, &["user", "disable", "--login", "nobody"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("不存在"));
}

#[tokio::test]
async fn the_audit_chain_cannot_be_rewritten_without_the_key_or_past_a_checkpoint() {
    use sunshine::db::audit::Logged;
    let app = spawn_demo().await;
    let url = app.state.config.database_url.clone();
    let pool = &app.state.db.pool;
    for n in 0..3 {
        let b = app.browser();
        let csrf = csrf_of(&app.page_as(&b, "/admin/login").await);
        b.post(app.url("/admin/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("login", format!("x{n}").as_str()),
                ("password", "wrong-password-1"),
            ])
            .send()
            .await
            .unwrap();
    }
    let o = sunshine(&url, &["audit", "checkpoint"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let checkpoint = stdout(&o);
    assert!(
        checkpoint.starts_with("sunshine-audit-checkpoint v1"),
        "{checkpoint}"
    );
    let dir = tempfile::tempdir().unwrap();
    let cp = dir.path().join("checkpoint.txt");
    std::fs::write(&cp, &checkpoint).unwrap();
    let cp = cp.to_str().unwrap().to_owned();
    // More entries after the checkpoint: still proven.
    app.login("tuoan-editor", DEMO_PASSWORD).await;
    let o = sunshine(&url, &["audit", "verify", "--checkpoint", &cp], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("检查点"));

    let entries = || async {
        sqlx::query_as::<_, Logged>(
            "SELECT id, seq, at, actor_id, actor, ip, action, unit_id, target, detail, prev_hash, hash FROM audit_log ORDER BY seq",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    };
    let rewrite = |key: Option<sunshine::crypto::DataKey>| async move {
        // Someone with write access deletes entry 2, renumbers and recomputes every hash.
        sqlx::query("DELETE FROM audit_log WHERE seq = 2")
            .execute(pool)
            .await
            .unwrap();
        let mut prev = String::new();
        for (i, mut e) in entries().await.into_iter().enumerate() {
            e.seq = i as i64 + 1;
            e.prev_hash = prev;
            let h = match &key {
                Some(k) => e.fields().mac(k),
                None => e.fields().legacy_hash(),
            };
            sqlx::query("UPDATE audit_log SET seq = $1, prev_hash = $2, hash = $3 WHERE id = $4")
                .bind(e.seq)
                .bind(&e.prev_hash)
                .bind(&h)
                .bind(e.id)
                .execute(pool)
                .await
                .unwrap();
            prev = h;
        }
        let n = entries().await.len() as i64;
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(n)
            .bind(&prev)
            .execute(pool)
            .await
            .unwrap();
    };
    // Without the key (SHA-256 recomputed, as anyone could): found.
    rewrite(None).await;
    let o = sunshine(&url, &["audit", "verify"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("第 1 条"), "{}", stderr(&o));
    // Even with the key: the checkpoint kept outside shows the history before it changed.
    let key = sunshine::crypto::DataKey::from_hex(TEST_DATA_KEY).unwrap();
    rewrite(Some(key)).await;
    let o = sunshine(&url, &["audit", "verify"], None);
    assert!(
        o.status.success(),
        "a key holder can rewrite; only a checkpoint tells"
    );
    let o = sunshine(&url, &["audit", "verify", "--checkpoint", &cp], None);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("检查点"), "{}", stderr(&o));
    // A damaged checkpoint file is named as such.
    std::fs::write(&cp, "hello").unwrap();
    let o = sunshine(&url, &["audit", "verify", "--checkpoint", &cp], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("不是审计检查点文件"));
}

#[tokio::test]
async fn keys_are_separate_and_files_private() {
    use std::os::unix::fs::PermissionsExt;
    // A fresh data directory with no key configured: the key file is created owner-only.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let o = Command::new(env!("CARGO_BIN_EXE_sunshine"))
        .args(["--data-dir", data.to_str().unwrap(), "unit", "list"])
        .env_remove("SUNSHINE_DATA_KEY")
        .env_remove("SUNSHINE_DATABASE_URL")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data.join("data.key")), 0o600);
    assert_eq!(
        mode(&data) & 0o007,
        0,
        "the data directory is not world-readable"
    );
    assert_eq!(mode(&data.join("sunshine.db")), 0o600);
    // Another key on the same database is refused, not silently used.
    let o = Command::new(env!("CARGO_BIN_EXE_sunshine"))
        .args(["--data-dir", data.to_str().unwrap(), "unit", "list"])
        .env("SUNSHINE_DATA_KEY", "ab".repeat(32))
        .env_remove("SUNSHINE_DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("数据密钥与这个数据库不符"),
        "{}",
        stderr(&o)
    );
    // Applicants' matching hash is an HMAC under a key of its own, not SHA-256(key ‖ value);
    // one stored the old way is re-keyed on start.
    let app = spawn_demo().await;
    let id = {
        let f = "53010219900101123";
        format!("{f}{}", sunshine_core::screening::id_check_char(f).unwrap())
    };
    let body = serde_json::json!({"unit": "tuoan", "delivery": "email", "description": "某文件",
        "applicant": {"kind": "natural_person", "name": "甲", "id_type": "resident_id", "id_number": id, "phone": "13912345678", "email": "jia@example.com"}});
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/applications"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let key = sunshine::crypto::DataKey::from_hex(TEST_DATA_KEY).unwrap();
    let stored: String = sqlx::query_scalar("SELECT applicant_hash FROM applications")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_ne!(stored, key.legacy_keyed_hash(&id));
    assert_eq!(stored, key.mac(sunshine::crypto::Purpose::ApplicantId, &id));
    sqlx::query("UPDATE applications SET applicant_hash = $1")
        .bind(key.legacy_keyed_hash(&id))
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM upgrades")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let o = sunshine(&app.state.config.database_url, &["unit", "list"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let stored: String = sqlx::query_scalar("SELECT applicant_hash FROM applications")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, key.mac(sunshine::crypto::Purpose::ApplicantId, &id));
}

#[tokio::test]
async fn an_old_chain_is_upgraded_only_by_the_operator_and_never_laundered() {
    use sunshine::db::audit::Logged;
    let app = spawn_demo().await;
    let url = app.state.config.database_url.clone();
    let pool = &app.state.db.pool;
    app.login("tuoan-editor", DEMO_PASSWORD).await;
    let entries = || async {
        sqlx::query_as::<_, Logged>(
            "SELECT id, seq, at, actor_id, actor, ip, action, unit_id, target, detail, prev_hash, hash FROM audit_log ORDER BY seq",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    };
    // Recomputes entries up to `upto` under the old unkeyed scheme, as an earlier version wrote
    // them (or as anyone could, having write access to the database).
    let legacy_chain = |upto: i64| async move {
        let mut prev = String::new();
        for mut e in entries().await.into_iter().filter(|e| e.seq <= upto) {
            e.prev_hash = prev;
            let h = e.fields().legacy_hash();
            sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3")
                .bind(&e.prev_hash)
                .bind(&h)
                .bind(e.id)
                .execute(pool)
                .await
                .unwrap();
            prev = h;
        }
        prev
    };
    let rows = || async { entries().await.len() as i64 };
    // A database as an earlier version left it: every entry unkeyed, the scheme the old one.
    let n = rows().await;
    let head = legacy_chain(n).await;
    sqlx::query("UPDATE audit_head SET scheme = 'sha256', legacy_upto = 0, hash = $1")
        .bind(&head)
        .execute(pool)
        .await
        .unwrap();
    // No start upgrades it by itself; the message says what to do.
    let o = sunshine(&url, &["unit", "list"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("sunshine audit upgrade"),
        "{}",
        stderr(&o)
    );
    // Verifying reads the old scheme and writes nothing.
    let o = sunshine(&url, &["audit", "verify"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(rows().await, n, "verifying writes nothing");
    // The operator upgrades: the old entries are checked, not rewritten; the keyed chain begins.
    let o = sunshine(&url, &["audit", "upgrade"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("经核验完整") && stdout(&o).contains("sunshine-audit-checkpoint"));
    assert_eq!(rows().await, n + 1);
    assert!(sunshine(&url, &["unit", "list"], None).status.success());
    assert!(sunshine(&url, &["audit", "verify"], None).status.success());
    // Rewriting an old entry (and recomputing the old chain, which needs no key) breaks the keyed
    // entry that follows it.
    sqlx::query("UPDATE audit_log SET detail = '改写过的旧记录' WHERE seq = 2")
        .execute(pool)
        .await
        .unwrap();
    legacy_chain(n).await;
    let o = sunshine(&url, &["audit", "verify"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!("第 {} 条", n + 1)),
        "{}",
        stderr(&o)
    );
    // Flipping the scheme back to provoke another upgrade: the server refuses to start instead.
    sqlx::query("UPDATE audit_head SET scheme = 'sha256'")
        .execute(pool)
        .await
        .unwrap();
    let o = sunshine(&url, &["unit", "list"], None);
    assert_eq!(o.status.code(), Some(1));
    // The head row removed: said in words.
    sqlx::query("DELETE FROM audit_head")
        .execute(pool)
        .await
        .unwrap();
    let o = sunshine(&url, &["audit", "verify"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(!stderr(&o).contains("no rows"), "{}", stderr(&o));
    let o = sunshine(&url, &["unit", "list"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("链头记录"), "{}", stderr(&o));
}

#[tokio::test]
async fn reindex_builds_a_new_index_that_the_running_portal_switches_to() {
    let app = spawn_demo().await;
    let url = app.state.config.database_url.clone();
    let dir = app.dir.path().to_string_lossy().to_string();
    let current =
        || std::fs::read_to_string(app.dir.path().join("search/CURRENT")).unwrap_or_default();
    // The portal builds its index just after it starts serving (on a busy machine, a moment).
    let mut before = current();
    for _ in 0..100 {
        if !before.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        before = current();
    }
    assert!(!before.is_empty(), "the portal built an index at start");
    let o = sunshine(&url, &["--data-dir", &dir, "reindex"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("搜索索引已重建"), "{}", stdout(&o));
    let after = current();
    assert_ne!(before, after, "a new generation is named current");
    // The running portal swaps to it and drops the old one; searches keep answering.
    let old = app.dir.path().join("search").join(before.trim());
    let started = Instant::now();
    while old.exists() && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!old.exists(), "the old index is removed after the swap");
    let (s, body) = app
        .get_text("/api/v1/search?q=%E4%BF%9D%E5%AF%86%E5%AE%A1%E6%9F%A5")
        .await;
    assert_eq!(s, 200);
    assert!(
        body.contains("妥安乡2017年政府信息公开工作年度报告"),
        "{body}"
    );
}

#[tokio::test]
async fn gen_refuses_nonsense_sizes_and_a_database_with_data() {
    let app = spawn_demo().await;
    let url = app.state.config.database_url.clone();
    for (args, field) in [
        (vec!["gen", "--units", "0"], "--units"),
        (vec!["gen", "--units", "100001"], "--units"),
        (vec!["gen", "--units", "10", "--items", "5"], "--items"),
        (vec!["gen", "--applications", "9000000"], "--applications"),
    ] {
        let o = sunshine(&url, &args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(field),
            "{args:?} names {field}: {}",
            stderr(&o)
        );
    }
    let o = sunshine(&url, &["gen", "--units", "-3"], None);
    assert_eq!(o.status.code(), Some(2), "clap refuses a negative size");
    // The demo is there: nothing is added to it.
    let before = app.count("SELECT COUNT(*) FROM items").await;
    let o = sunshine(
        &url,
        &["gen", "--units", "3", "--items", "30", "--no-index"],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("只填充空数据库"), "{}", stderr(&o));
    assert_eq!(app.count("SELECT COUNT(*) FROM items").await, before);
}

#[tokio::test]
async fn gen_does_not_load_into_a_sqlite_file_a_server_has_open() {
    if backend() != "sqlite" {
        return; // PostgreSQL takes a load beside a running server.
    }
    let app = spawn().await;
    let url = app.state.config.database_url.clone();
    let o = sunshine(
        &url,
        &["gen", "--units", "3", "--items", "30", "--no-index"],
        None,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("正被另一个进程使用"), "{}", stderr(&o));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM units").await,
        0,
        "nothing loaded"
    );
    // The running server still answers.
    assert_eq!(app.get("/healthz").await.status(), 200);
}
