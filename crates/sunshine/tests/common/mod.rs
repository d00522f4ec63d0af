//! Test harness: every test starts the real server on a free port with a database of its own.
//! `SUNSHINE_TEST_BACKEND=postgres` runs the same tests on a fresh PostgreSQL database per test
//! (created from `SUNSHINE_TEST_PG_URL`, default postgres://postgres@127.0.0.1:5432/test, and
//! dropped afterwards).

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use sunshine::app::{App, AppState};
use sunshine::config::Config;
use sunshine::db::{columns, units, users, Db};
use sunshine_core::role::Role;
use sunshine_core::unit::{OfficeContact, UnitKind};

pub const PASSWORD: &str = "test-password-1";
/// The deployment key of every test server; the command-line helpers pass it on, as operators
/// give every node and command the same `SUNSHINE_DATA_KEY`.
pub const TEST_DATA_KEY: &str = "5e3f0a1b2c3d4e5f60718293a4b5c6d7e8f9011223344556677889900aabbccd";
pub const DEMO_PASSWORD: &str = "demo-password-1";

pub fn backend() -> &'static str {
    match std::env::var("SUNSHINE_TEST_BACKEND").as_deref() {
        Ok("postgres") => "postgres",
        _ => "sqlite",
    }
}

fn pg_admin_url() -> String {
    std::env::var("SUNSHINE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Drops the per-test PostgreSQL database when the test ends.
struct PgGuard {
    name: String,
}

impl Drop for PgGuard {
    fn drop(&mut self) {
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut c) = sqlx::PgConnection::connect(&pg_admin_url()).await {
                    let _ =
                        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                            .execute(&mut c)
                            .await;
                }
            });
        })
        .join();
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

async fn database_url(dir: &std::path::Path) -> (String, Option<PgGuard>) {
    if backend() == "postgres" {
        use sqlx::Connection;
        let name = format!(
            "sunshine_t_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            sunshine::auth::random_hex(3)
        );
        let admin = pg_admin_url();
        let mut c = sqlx::PgConnection::connect(&admin)
            .await
            .expect("PostgreSQL reachable for tests");
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut c)
            .await
            .expect("create test database");
        let base = admin
            .rsplit_once('/')
            .map(|(b, _)| b.to_owned())
            .unwrap_or(admin);
        (format!("{base}/{name}"), Some(PgGuard { name }))
    } else {
        (sunshine::config::sqlite_url(dir), None)
    }
}

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub dir: tempfile::TempDir,
    _pg: Option<PgGuard>,
}

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

fn test_config(dir: &std::path::Path, url: String) -> Config {
    let mut config = Config::defaults(dir);
    config.database_url = url;
    config.cookie_secure = false; // the test client speaks plain HTTP
    config.data_key = Some(TEST_DATA_KEY.to_owned());
    config.click_flush_seconds = 3600; // tests flush explicitly
    config.scheduler_seconds = 3600; // tests run scheduled work explicitly
    config
}

/// A server on a database filled by `sunshine gen` (staff accounts sign in with [`PASSWORD`]).
pub async fn spawn_generated(plan: sunshine::gen::Plan) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, pg) = database_url(dir.path()).await;
    let config = test_config(dir.path(), url.clone());
    let db = Db::open(&config).await.expect("database");
    let blobs = sunshine::blobs::Blobs::open(&config).await.expect("blobs");
    sunshine::gen::run(&db, &url, &blobs, &plan, PASSWORD, &|_, _, _| {})
        .await
        .expect("generate");
    start(dir, pg, config).await
}

pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, pg) = database_url(dir.path()).await;
    let mut config = test_config(dir.path(), url);
    adjust(&mut config);
    start(dir, pg, config).await
}

async fn start(dir: tempfile::TempDir, pg: Option<PgGuard>, config: Config) -> TestApp {
    let db = Db::connect_and_migrate(&config.database_url)
        .await
        .expect("database");
    let state = App::new(db, config).await.expect("app");
    let base = serve(&state).await;
    TestApp {
        base,
        state,
        dir,
        _pg: pg,
    }
}

pub async fn spawn_demo() -> TestApp {
    spawn_demo_with(|_| {}).await
}

pub async fn spawn_demo_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let app = spawn_with(adjust).await;
    sunshine::demo::load(&app.state.db, Some(DEMO_PASSWORD))
        .await
        .expect("demo");
    app
}

/// Serves `state` on a free port, returning its address.
async fn serve(state: &AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(sunshine::server::run(state.clone(), listener));
    base
}

/// Another `sunshine serve` node on a test's database, with a data directory of its own.
pub struct Node {
    pub base: String,
    pub state: AppState,
    _dir: tempfile::TempDir,
}

impl Node {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

impl TestApp {
    pub async fn another_node(&self) -> Node {
        self.another_node_with(|_| {}).await
    }

    /// Another node whose settings differ from this one's as `adjust` says.
    pub async fn another_node_with(&self, adjust: impl FnOnce(&mut Config)) -> Node {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = self.state.config.clone();
        config.data_dir = dir.path().to_path_buf();
        adjust(&mut config);
        let db = Db::connect_and_migrate(&config.database_url)
            .await
            .expect("database");
        let state = App::new(db, config).await.expect("app");
        let base = serve(&state).await;
        Node {
            base,
            state,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A client that keeps cookies, like a browser.
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        reqwest::get(self.url(path)).await.expect("request")
    }

    /// The body of `path` as `client` (a logged-in browser, say) sees it.
    pub async fn page_as(&self, client: &reqwest::Client, path: &str) -> String {
        let r = client.get(self.url(path)).send().await.expect("request");
        r.text().await.expect("body")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let s = r.status().as_u16();
        (s, r.text().await.expect("body"))
    }

    /// Creates a unit (with default columns) under the first unit, or as the root.
    pub async fn unit(&self, code: &str, name: &str, kind: UnitKind) -> i64 {
        let mut tx = self.state.db.begin().await.expect("tx");
        let parent: Option<i64> =
            sqlx::query_scalar("SELECT id FROM units WHERE parent_id IS NULL ORDER BY id LIMIT 1")
                .fetch_optional(&mut *tx)
                .await
                .expect("parent");
        let org = format!("ORG-{}", code.to_uppercase());
        let id = units::insert(
            &mut tx,
            &units::NewUnit {
                code,
                name,
                kind,
                parent_id: parent,
                org_code: &org,
                sort_order: 0,
                contact: OfficeContact::default(),
            },
        )
        .await
        .expect("unit");
        columns::create_defaults(&mut tx, id, kind)
            .await
            .expect("columns");
        tx.commit().await.expect("commit");
        id
    }

    /// Creates a user with the test password and the given roles on a unit.
    pub async fn user(&self, login: &str, unit_code: &str, roles: &[Role]) -> i64 {
        let mut tx = self.state.db.begin().await.expect("tx");
        let unit = units::by_code(&mut tx, unit_code)
            .await
            .expect("q")
            .expect("unit exists");
        let hash = sunshine::auth::hash_password(PASSWORD).expect("hash");
        let id = users::upsert(&mut tx, login, login, &hash)
            .await
            .expect("user");
        for r in roles {
            users::grant(&mut tx, id, unit.id, *r).await.expect("grant");
        }
        tx.commit().await.expect("commit");
        id
    }

    pub async fn token(&self, login: &str) -> String {
        let mut tx = self.state.db.begin().await.expect("tx");
        let user = users::by_login(&mut tx, login)
            .await
            .expect("q")
            .expect("user");
        let (token, hash) = sunshine::auth::new_token();
        users::insert_token(&mut tx, user.id, &hash, "test", sunshine::db::now() + 86400)
            .await
            .expect("token");
        tx.commit().await.expect("commit");
        token
    }

    /// Signs in through the login form and returns the browser holding the session.
    pub async fn login(&self, login: &str, password: &str) -> reqwest::Client {
        let b = self.browser();
        let page = b
            .get(self.url("/admin/login"))
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("text");
        let csrf = csrf_of(&page);
        let r = b
            .post(self.url("/admin/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("login", login),
                ("password", password),
                ("next", "/admin"),
            ])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 200, "login as {login} failed");
        b
    }

    /// Submits a back-office form: fetches `page` for its CSRF token, then posts `fields` to
    /// `action`. Returns status and body.
    pub async fn submit(
        &self,
        b: &reqwest::Client,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> (u16, String) {
        let html = b
            .get(self.url(page))
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("text");
        let csrf = csrf_of(&html);
        let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        let r = b
            .post(self.url(action))
            .form(&form)
            .send()
            .await
            .expect("post");
        let s = r.status().as_u16();
        (s, r.text().await.expect("body"))
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.state.db.pool)
            .await
            .expect("count")
    }
}

/// The CSRF token of the first form on a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html
        .find(marker)
        .map(|i| i + marker.len())
        .expect("page has a CSRF field");
    html[start..].chars().take_while(|c| *c != '"').collect()
}

/// The visible text of a page, tags removed and entities decoded (enough for assertions).
pub fn text_of(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    doc.root_element().text().collect::<Vec<_>>().join("")
}

/// Looks up an item id by its title.
pub async fn item_id(app: &TestApp, title: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM items WHERE title = $1")
        .bind(title)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("item by title")
}

/// An application to 妥安乡 as the public files it online (passport, paper delivery).
pub fn online_application() -> serde_json::Value {
    serde_json::json!({
        "unit": "tuoan",
        "applicant": {"kind": "natural_person", "name": "李四", "id_type": "passport",
                      "id_number": "E12345678", "phone": "13812345678", "address": "妥安乡某村"},
        "description": "2025年妥安乡农村危房改造补助名单",
        "purpose": "核实本户补助",
        "delivery": "paper",
        "channel": "online"
    })
}

/// Files [`online_application`]; returns the receipt.
pub async fn file_online(app: &TestApp) -> serde_json::Value {
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/applications"))
        .json(&online_application())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201, "online intake");
    r.json().await.expect("receipt")
}

pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// A draft notice of 妥安乡 written by `b` (an editor), its id.
pub async fn draft(app: &TestApp, b: &reqwest::Client) -> i64 {
    let (s, _) = app
        .submit(
            b,
            "/admin/units/tuoan/items/new",
            "/admin/units/tuoan/items",
            &[
                ("column", "notices"),
                ("title", "带附件的通知"),
                ("body_format", "text"),
                ("body", "见附件。"),
                ("pr_mode", "政府网站"),
                ("pr_scope", "社会公众"),
                ("pr_time_limit", "长期公开"),
            ],
        )
        .await;
    assert_eq!(s, 200);
    item_id(app, "带附件的通知").await
}

/// Posts a file to the item's attachment form; status and body.
pub async fn upload(
    app: &TestApp,
    b: &reqwest::Client,
    item: i64,
    csrf: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, String) {
    use reqwest::multipart::{Form, Part};
    let form = Form::new()
        .text("csrf", csrf.to_owned())
        .part("file", Part::bytes(bytes).file_name(name.to_owned()));
    let r = b
        .post(app.url(&format!("/admin/items/{item}/attachments")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

/// Takes a 妥安乡 item written by `editor` through submit, approve and publish (the director
/// approves and publishes).
pub async fn publish(app: &TestApp, editor: &reqwest::Client, id: i64) {
    let director = app.login("tuoan-director", DEMO_PASSWORD).await;
    let (s, body) = app
        .submit(
            editor,
            &format!("/admin/items/{id}"),
            &format!("/admin/items/{id}/review/submit"),
            &[],
        )
        .await;
    assert_eq!(s, 200, "{}", text_of(&body));
    for action in ["approve", "publish"] {
        let (s, _) = app
            .submit(
                &director,
                &format!("/admin/items/{id}"),
                &format!("/admin/items/{id}/review/{action}"),
                &[],
            )
            .await;
        assert_eq!(s, 200, "{action}");
    }
}

/// S3-compatible storage for a test, under a prefix of its own, in the bucket that
/// `SUNSHINE_TEST_S3_BUCKET` names (default `sunshine-test`) at `SUNSHINE_TEST_S3_ENDPOINT`
/// (`.ci/run` starts moto's server and creates the bucket). Without an endpoint the test is
/// skipped with a message, unless `SUNSHINE_REQUIRE_S3=1` (as in CI) makes that a failure.
pub fn s3_storage(test: &str) -> Option<sunshine::config::Storage> {
    let Ok(endpoint) = std::env::var("SUNSHINE_TEST_S3_ENDPOINT") else {
        assert!(
            std::env::var("SUNSHINE_REQUIRE_S3").as_deref() != Ok("1"),
            "SUNSHINE_REQUIRE_S3=1 but SUNSHINE_TEST_S3_ENDPOINT is not set"
        );
        eprintln!("SKIPPED {test}: set SUNSHINE_TEST_S3_ENDPOINT to an S3-compatible server");
        return None;
    };
    Some(sunshine::config::Storage::S3(sunshine::config::S3Storage {
        bucket: std::env::var("SUNSHINE_TEST_S3_BUCKET").unwrap_or_else(|_| "sunshine-test".into()),
        endpoint,
        region: "us-east-1".into(),
        prefix: format!("{test}-{}-{}", backend(), sunshine::auth::random_hex(4)),
        access_key_id: "test-key".into(),
        secret_access_key: "test-secret".into(),
    }))
}

/// The apply form's hidden challenge token and the answer to its arithmetic question.
pub fn solve(html: &str) -> (String, String) {
    let token = html
        .split("name=\"token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let q = text_of(html);
    let q = q.split("验证：").nth(1).unwrap();
    let a: i64 = q.split(" 加 ").next().unwrap().trim().parse().unwrap();
    let b: i64 = q
        .split(" 加 ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    (token, (a + b).to_string())
}
