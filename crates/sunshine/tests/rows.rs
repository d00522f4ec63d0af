//! Rows become domain types once, in storage: a stored value the code does not know stops the
//! read, naming the row and the column, instead of being read as some default (an unknown
//! importance once became 一般, the shortest review chain).

mod common;
use common::*;
use sunshine::db::{items, Scope};

#[tokio::test]
async fn an_unknown_stored_value_is_refused_by_name() {
    let app = spawn_demo().await;
    let id = app.count("SELECT MIN(id) FROM items").await;
    let mut conn = app.state.db.pool.acquire().await.unwrap();
    let item = items::get(&mut conn, &Scope::Everything, id)
        .await
        .unwrap()
        .expect("item");
    assert!(item.published_on.is_some());
    for (column, value) in [
        ("importance", "'very'"),
        ("state", "'limbo'"),
        ("published_on", "'2017/03/01'"),
        ("screening", "'not json'"),
    ] {
        let before: String = sqlx::query_scalar(&format!(
            "SELECT CAST({column} AS TEXT) FROM items WHERE id = {id}"
        ))
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        sqlx::query(&format!(
            "UPDATE items SET {column} = {value} WHERE id = {id}"
        ))
        .execute(&mut *conn)
        .await
        .unwrap();
        let err = items::get(&mut conn, &Scope::Everything, id)
            .await
            .expect_err(column)
            .to_string();
        assert!(
            err.contains(&format!("items row {id}")) && err.contains(column),
            "{column}: {err}"
        );
        sqlx::query(&format!("UPDATE items SET {column} = $1 WHERE id = {id}"))
            .bind(before)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    // Put back, the row reads again.
    assert!(items::get(&mut conn, &Scope::Everything, id)
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn an_unknown_application_phase_stops_the_queue_in_words_not_a_guess() {
    let app = spawn_demo().await;
    file_online(&app).await;
    let id = app.count("SELECT MIN(id) FROM applications").await;
    let mut conn = app.state.db.pool.acquire().await.unwrap();
    let a = sunshine::db::applications::get(&mut conn, &Scope::Everything, id)
        .await
        .unwrap()
        .expect("application");
    assert_eq!(a.phase, sunshine_core::application::PhaseKey::Running);
    sqlx::query(&format!(
        "UPDATE applications SET phase = 'lost' WHERE id = {id}"
    ))
    .execute(&mut *conn)
    .await
    .unwrap();
    let err = sunshine::db::applications::get(&mut conn, &Scope::Everything, id)
        .await
        .expect_err("unknown phase")
        .to_string();
    assert!(
        err.contains(&format!("applications row {id}")) && err.contains("phase"),
        "{err}"
    );
    // The staff queue answers a plain error page, never a list that silently drops the case.
    let b = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let r = b
        .get(app.url("/admin/units/tuoan/applications"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    let body = r.text().await.unwrap();
    assert!(
        !body.contains("lost") && !body.contains("applications row"),
        "{body}"
    );
}
