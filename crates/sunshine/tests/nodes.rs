//! Several nodes, nothing local. Attachments in S3-compatible object storage, shared by every
//! node: a file uploaded through one node is served by another, nothing is written to a node's
//! data directory, a deleted file leaves the bucket, and a store that stops answering gives a
//! clear refusal that loses nothing (against the S3 server `.ci/run` starts, moto; see
//! `common::s3_storage`). Public reads go to a PostgreSQL read replica when one is configured,
//! staff reads and every write to the primary.

mod common;
use common::*;
use sunshine::config::Storage;

#[tokio::test]
async fn a_file_uploaded_on_one_node_is_served_by_another_from_the_bucket() {
    let Some(storage) = s3_storage("nodes") else {
        return;
    };
    let app = spawn_demo_with(|c| c.storage = storage.clone()).await;
    let other = app.another_node().await;
    let editor = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let id = draft(&app, &editor).await;
    let csrf = csrf_of(&app.page_as(&editor, &format!("/admin/items/{id}")).await);
    let (s, body) = upload(&app, &editor, id, &csrf, "年度计划.pdf", PDF.to_vec()).await;
    assert_eq!(s, 200, "{}", text_of(&body));
    let (att, key): (i64, String) =
        sqlx::query_as("SELECT id, storage_key FROM attachments WHERE item_id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();

    // The bytes are in the bucket under the key, not in either node's data directory.
    assert_eq!(app.state.blobs.keys().await.unwrap(), vec![key.clone()]);
    assert!(!app.dir.path().join("attachments").exists());

    // The other node serves the staff download (the session is the database's, and cookies
    // do not tell ports apart) and, once published, the public one.
    let r = editor
        .get(other.url(&format!("/admin/attachments/{att}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);
    publish(&app, &editor, id).await;
    let r = reqwest::get(other.url(&format!("/attachments/{att}")))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);
    let (_, html) = app.get_text(&format!("/items/{id}")).await;
    assert!(text_of(&html).contains("年度计划.pdf"));
}

#[tokio::test]
async fn a_deleted_attachment_leaves_the_bucket() {
    let Some(storage) = s3_storage("delete") else {
        return;
    };
    let app = spawn_demo_with(|c| c.storage = storage.clone()).await;
    let editor = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let id = draft(&app, &editor).await;
    let csrf = csrf_of(&app.page_as(&editor, &format!("/admin/items/{id}")).await);
    for name in ["a.pdf", "b.pdf"] {
        let (s, _) = upload(&app, &editor, id, &csrf, name, PDF.to_vec()).await;
        assert_eq!(s, 200);
    }
    assert_eq!(app.state.blobs.keys().await.unwrap().len(), 2);
    let att = app
        .count(&format!(
            "SELECT MIN(id) FROM attachments WHERE item_id = {id}"
        ))
        .await;
    let (s, _) = app
        .submit(
            &editor,
            &format!("/admin/items/{id}"),
            &format!("/admin/attachments/{att}/delete"),
            &[],
        )
        .await;
    assert_eq!(s, 200);
    let left: String = sqlx::query_scalar("SELECT storage_key FROM attachments WHERE item_id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(app.state.blobs.keys().await.unwrap(), vec![left]);
}

/// moto creates and removes buckets on unsigned requests; a bucket of the test's own lets the
/// store go away under a running node.
async fn bucket(endpoint: &str, name: &str, method: reqwest::Method) {
    let r = reqwest::Client::new()
        .request(method, format!("{endpoint}/{name}"))
        .send()
        .await
        .expect("S3 server");
    assert!(r.status().is_success(), "{name}: {}", r.status());
}

#[tokio::test]
async fn an_upload_while_the_store_is_away_is_refused_plainly_and_nothing_is_kept() {
    let Some(Storage::S3(mut s3)) = s3_storage("away") else {
        return;
    };
    s3.bucket = format!("sunshine-away-{}", sunshine::auth::random_hex(4));
    s3.prefix = String::new();
    bucket(&s3.endpoint, &s3.bucket, reqwest::Method::PUT).await;
    let app = spawn_demo_with(|c| c.storage = Storage::S3(s3.clone())).await;
    let editor = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let id = draft(&app, &editor).await;
    let csrf = csrf_of(&app.page_as(&editor, &format!("/admin/items/{id}")).await);
    bucket(&s3.endpoint, &s3.bucket, reqwest::Method::DELETE).await;

    let (s, body) = upload(&app, &editor, id, &csrf, "a.pdf", PDF.to_vec()).await;
    assert_eq!(s, 503, "{}", text_of(&body));
    let text = text_of(&body);
    assert!(text.contains("附件存储暂时无法访问"), "{text}");
    assert!(
        !text.contains("storage_unavailable") && !text.contains("NoSuchBucket"),
        "{text}"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM attachments WHERE item_id = {id}"
        ))
        .await,
        0
    );
    // The item itself is untouched and still editable.
    let (s, _) = app.get_text(&format!("/items/{id}")).await;
    assert_eq!(s, 404, "still a draft");
    let page = app.page_as(&editor, &format!("/admin/items/{id}")).await;
    assert!(text_of(&page).contains("带附件的通知"));

    // The store is back: the same upload goes through.
    bucket(&s3.endpoint, &s3.bucket, reqwest::Method::PUT).await;
    let (s, _) = upload(&app, &editor, id, &csrf, "a.pdf", PDF.to_vec()).await;
    assert_eq!(s, 200);

    // A file the store no longer has: the download says the store failed, not "internal".
    let (att, key): (i64, String) =
        sqlx::query_as("SELECT id, storage_key FROM attachments WHERE item_id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    app.state.blobs.delete(&key).await.unwrap();
    let r = editor
        .get(app.url(&format!("/admin/attachments/{att}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert!(text_of(&r.text().await.unwrap()).contains("附件存储暂时无法访问"));
}

#[tokio::test]
async fn a_node_whose_store_does_not_answer_does_not_start() {
    let Some(Storage::S3(mut s3)) = s3_storage("start") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut config = sunshine::config::Config::defaults(dir.path());
    s3.bucket = "no-such-bucket-here".into();
    config.storage = Storage::S3(s3.clone());
    let e = sunshine::blobs::Blobs::open(&config)
        .await
        .err()
        .expect("a missing bucket is refused")
        .to_string();
    assert!(
        e.contains("对象存储") && e.contains("no-such-bucket-here"),
        "{e}"
    );
    s3.endpoint = "http://127.0.0.1:9".into();
    config.storage = Storage::S3(s3);
    let e = sunshine::blobs::Blobs::open(&config)
        .await
        .err()
        .expect("nobody answers")
        .to_string();
    assert!(e.contains("请检查地址、桶名和访问密钥"), "{e}");
}

#[tokio::test]
async fn public_reads_go_to_the_replica_and_staff_reads_to_the_primary() {
    if backend() != "postgres" {
        eprintln!("SKIPPED: a read replica is a PostgreSQL setting");
        return;
    }
    // A "replica" that lags for ever: another database with the same demo and nothing since
    // (the same change-log ids up to the demo's end).
    let replica = spawn_demo().await;
    let replica_url = replica.state.config.database_url.clone();
    let app = spawn_demo_with(|c| c.database_read_url = replica_url).await;
    let editor = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let began = std::time::Instant::now();
    let id = draft(&app, &editor).await;
    publish(&app, &editor, id).await;
    // Published on the primary; the public reads the replica, which has not got it (while the
    // replica is within the lag limit of the first change: a slow run skips to the next part).
    let public = app.get(&format!("/items/{id}")).await.status();
    let (_, list) = app.get_text("/units/tuoan").await;
    let api = reqwest::get(app.url(&format!("/api/v1/items/{id}")))
        .await
        .unwrap()
        .status();
    if began.elapsed() < sunshine::db::REPLICA_LAG_LIMIT - std::time::Duration::from_secs(1) {
        assert_eq!(public, 404);
        assert!(!text_of(&list).contains("带附件的通知"));
        assert_eq!(api, 404);
    } else {
        eprintln!("slow run: the replica's routing before the lag limit was not checked");
    }
    // Staff see their write at once, on the page and through the API.
    let page = app.page_as(&editor, &format!("/admin/items/{id}")).await;
    assert!(text_of(&page).contains("带附件的通知"));
    let token = app.token("tuoan-editor").await;
    let r = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/items/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The replica never catches up: once it is more than the limit behind the primary's change
    // log, the node reads public pages from the primary (and would return to the replica once
    // it caught up).
    let mut served = 0;
    for _ in 0..60 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        served = app.get(&format!("/items/{id}")).await.status().as_u16();
        if served == 200 {
            break;
        }
    }
    assert_eq!(served, 200, "a replica that lags for ever is still read");
    let (_, list) = app.get_text("/units/tuoan").await;
    assert!(text_of(&list).contains("带附件的通知"));

    // A node of the same deployment without the replica setting serves it to everyone.
    let direct = app.another_node_with(|c| c.database_read_url.clear()).await;
    let r = reqwest::get(direct.url(&format!("/items/{id}")))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
