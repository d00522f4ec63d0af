//! At generated size (`sunshine gen`): every listing reads through an index, never a large table
//! whole; the generator is deterministic and its data consistent with the rules the service
//! applies.

mod common;
use common::*;
use sunshine::db::listing::{self, full_scans, ALIASES};
use sunshine::gen::Plan;

fn plan(units: u64, items: u64, applications: u64, seed: u64) -> Plan {
    Plan {
        units,
        items,
        applications,
        seed,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_listing_reads_a_large_table_whole() {
    let app = spawn_generated(plan(60, 20_000, 4_000, 7)).await;
    let db = &app.state.db;
    let mut conn = db.pool.acquire().await.expect("connection");
    let samples = listing::generated_samples(&mut conn)
        .await
        .expect("samples");
    if db.backend == sunshine::db::Backend::Postgres {
        // At test size PostgreSQL rightly reads a 30 MB table whole rather than through an
        // index; what is checked here is that an index serves every listing, as it must at a
        // million items. (SQLite, with the statistics the generator leaves, plans as at size.)
        sqlx::query("SET enable_seqscan = off")
            .execute(&mut *conn)
            .await
            .expect("planner setting");
    }
    assert!(
        samples.len() > 60,
        "every listing is sampled: {}",
        samples.len()
    );
    let mut bad = Vec::new();
    for q in &samples {
        let plan = q
            .plan(&mut conn, db.backend)
            .await
            .unwrap_or_else(|e| panic!("{} cannot be explained: {e}\n{}", q.name, q.text));
        let scans = full_scans(&plan, ALIASES);
        if !scans.is_empty() {
            bad.push(format!(
                "{}: {}\n  {}\n  plan:\n    {}",
                q.name,
                scans.join("; "),
                q.text,
                plan.join("\n    ")
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "listings reading a large table whole:\n{}",
        bad.join("\n\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_data_is_deterministic_consistent_and_served() {
    let a = spawn_generated(plan(45, 3_000, 600, 11)).await;
    let b = spawn_generated(plan(45, 3_000, 600, 11)).await;
    let digest = |app: &TestApp| {
        let pool = app.state.db.pool.clone();
        async move {
            let rows: Vec<(i64, String, String)> =
                sqlx::query_as("SELECT id, title, state FROM items ORDER BY id")
                    .fetch_all(&pool)
                    .await
                    .expect("items");
            let apps: Vec<(String, String, Option<String>)> = sqlx::query_as(
                "SELECT applicant_name, phase, outcome FROM applications ORDER BY id",
            )
            .fetch_all(&pool)
            .await
            .expect("applications");
            (rows, apps)
        }
    };
    let (items_a, apps_a) = digest(&a).await;
    let (items_b, apps_b) = digest(&b).await;
    assert_eq!(items_a.len(), 3_000);
    assert_eq!(apps_a.len(), 600);
    assert_eq!(items_a, items_b, "the same seed makes the same items");
    assert_eq!(apps_a, apps_b, "the same seed makes the same applications");
    assert_eq!(a.count("SELECT COUNT(*) FROM units").await, 45);

    // Every public item has its 索引号, and the counters are past every number handed out.
    assert_eq!(
        a.count("SELECT COUNT(*) FROM items WHERE state = 'published' AND index_no IS NULL")
            .await,
        0
    );
    // Every reference points at a row (the load ran without foreign key checks).
    for (child, column, parent) in [
        ("items", "unit_id", "units"),
        ("items", "column_id", "columns"),
        ("attachments", "item_id", "items"),
        ("applications", "unit_id", "units"),
        ("application_events", "application_id", "applications"),
        ("letters", "application_id", "applications"),
        ("remedies", "application_id", "applications"),
        ("user_roles", "user_id", "users"),
        ("columns", "unit_id", "units"),
    ] {
        let orphans = a
            .count(&format!(
                "SELECT COUNT(*) FROM {child} x WHERE NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = x.{column})"
            ))
            .await;
        assert_eq!(orphans, 0, "{child}.{column} all point into {parent}");
    }
    // Every outcome of table 三 occurs at this size, and every kind of clock event.
    assert!(
        a.count("SELECT COUNT(DISTINCT outcome) FROM applications")
            .await
            >= 12
    );
    for kind in [
        "received",
        "correction-request",
        "correction-received",
        "consultation-start",
        "extend",
        "fee-notice",
        "fee-paid",
        "reply",
        "remedy",
    ] {
        assert!(
            a.count(&format!(
                "SELECT COUNT(*) FROM application_events WHERE kind = '{kind}'"
            ))
            .await
                > 0,
            "some case has a {kind} step"
        );
    }

    // The stored deadlines are the ones the service computes from the events.
    let admin = a.login("admin", PASSWORD).await;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM applications ORDER BY id LIMIT 40")
        .fetch_all(&a.state.db.pool)
        .await
        .expect("ids");
    for id in ids {
        let stored: (Option<String>, String) =
            sqlx::query_as("SELECT due_on, phase FROM applications WHERE id = $1")
                .bind(id)
                .fetch_one(&a.state.db.pool)
                .await
                .expect("stored");
        let page = a
            .page_as(&admin, &format!("/admin/applications/{id}"))
            .await;
        if let Some(due) = &stored.0 {
            let y_m_d: Vec<&str> = due.split('-').collect();
            let shown = format!(
                "{}年{}月{}日",
                y_m_d[0],
                y_m_d[1].trim_start_matches('0'),
                y_m_d[2].trim_start_matches('0')
            );
            let shown_padded = format!("{}年{}月{}日", y_m_d[0], y_m_d[1], y_m_d[2]);
            assert!(
                page.contains(due.as_str())
                    || page.contains(&shown)
                    || page.contains(&shown_padded),
                "case {id} shows its deadline {due}"
            );
        }
    }

    // The portal serves it: home, a city, a township, a column, an item with its attachment.
    for path in [
        "/",
        "/units/c001",
        "/units/c001-t01",
        "/units/c001-t01/columns/notices",
        "/catalog",
        "/api/v1/items?unit=c001-t01",
    ] {
        let (status, _) = a.get_text(path).await;
        assert_eq!(status, 200, "{path}");
    }
    let with_file: i64 = sqlx::query_scalar(
        "SELECT a.id FROM attachments a JOIN items i ON i.id = a.item_id WHERE i.state = 'published' ORDER BY a.id LIMIT 1",
    )
    .fetch_one(&a.state.db.pool)
    .await
    .expect("an attachment");
    let r = a.get(&format!("/attachments/{with_file}")).await;
    assert_eq!(r.status().as_u16(), 200);
    let bytes = r.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"PK"), "a DOCX");
}
