//! Attachments: judged by content, bounded in size, stored under generated keys.

mod common;
use common::*;

#[tokio::test]
async fn uploads_are_checked_stored_and_published_with_the_item() {
    let app = spawn_demo_with(|c| c.max_upload_bytes = 64 * 1024).await;
    let editor = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let id = draft(&app, &editor).await;
    let page = app.page_as(&editor, &format!("/admin/items/{id}")).await;
    let csrf = csrf_of(&page);

    let (s, _) = upload(
        &app,
        &editor,
        id,
        &csrf,
        "../../etc/年度计划.pdf",
        PDF.to_vec(),
    )
    .await;
    assert_eq!(s, 200);
    let (name, key): (String, String) =
        sqlx::query_as("SELECT file_name, storage_key FROM attachments WHERE item_id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(name, "年度计划.pdf");
    assert!(
        !key.contains("年度计划") && !key.contains(".."),
        "storage key {key} is not the client's name"
    );
    let att: i64 = app
        .count(&format!("SELECT id FROM attachments WHERE item_id = {id}"))
        .await;

    // Not public while the item is a draft; staff can fetch it.
    assert_eq!(app.get(&format!("/attachments/{att}")).await.status(), 404);
    let r = editor
        .get(app.url(&format!("/admin/attachments/{att}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);

    // Oversized: refused with the limit named; nothing else lost.
    let (s, body) = upload(
        &app,
        &editor,
        id,
        &csrf,
        "big.pdf",
        [PDF, &vec![b' '; 200 * 1024]].concat(),
    )
    .await;
    assert_eq!(s, 413);
    assert!(text_of(&body).contains("文件太大"), "{body}");
    // Disguised: an executable named .pdf.
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".repeat(8);
    let (s, body) = upload(&app, &editor, id, &csrf, "report.pdf", exe).await;
    assert_eq!(s, 415);
    assert!(text_of(&body).contains("不接受这种文件"));
    // HTML pretending to be a picture.
    let (s, _) = upload(
        &app,
        &editor,
        id,
        &csrf,
        "photo.png",
        b"<html><script>alert(1)</script></html>".to_vec(),
    )
    .await;
    assert_eq!(s, 415);
    // Empty file, missing file, forged token.
    let (s, body) = upload(&app, &editor, id, &csrf, "empty.pdf", vec![]).await;
    assert_eq!(s, 422);
    assert!(text_of(&body).contains("空的"));
    let (s, _) = upload(&app, &editor, id, "forged", "ok.pdf", PDF.to_vec()).await;
    assert_eq!(s, 403);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM attachments WHERE item_id = {id}"
        ))
        .await,
        1,
        "only the good file is kept"
    );

    // Another township cannot attach files to this item.
    let other = app.login("gaofeng-editor", DEMO_PASSWORD).await;
    let other_csrf = csrf_of(&app.page_as(&other, "/admin").await);
    let (s, _) = upload(&app, &other, id, &other_csrf, "x.pdf", PDF.to_vec()).await;
    assert_eq!(s, 404);
    assert_eq!(
        other
            .get(app.url(&format!("/admin/attachments/{att}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // Published with the item: listed on the page and downloadable by anyone.
    publish(&app, &editor, id).await;
    let (_, html) = app.get_text(&format!("/items/{id}")).await;
    assert!(text_of(&html).contains("年度计划.pdf"));
    let r = app.get(&format!("/attachments/{att}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("UTF-8''"));
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);
}

#[tokio::test]
async fn deleting_an_attachment_removes_it_from_the_item() {
    let app = spawn_demo().await;
    let editor = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let id = draft(&app, &editor).await;
    let page = app.page_as(&editor, &format!("/admin/items/{id}")).await;
    let (s, _) = upload(&app, &editor, id, &csrf_of(&page), "a.pdf", PDF.to_vec()).await;
    assert_eq!(s, 200);
    let att: i64 = app
        .count(&format!("SELECT id FROM attachments WHERE item_id = {id}"))
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
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM attachments WHERE item_id = {id}"
        ))
        .await,
        0
    );
    assert_eq!(
        editor
            .get(app.url(&format!("/admin/attachments/{att}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}
