//! Whole pages and JSON answers as a user or client sees them, kept as reviewed snapshots
//! (`tests/snapshots/`): a change to what people see shows as a diff in review. Values that
//! change from run to run (dates of the demo data, which count back from today; tokens; the
//! challenge question; tracking numbers and access codes; times) are masked; the same snapshots
//! hold on SQLite and PostgreSQL. After an intended change: `INSTA_UPDATE=always` (or
//! `cargo insta review`) and review the diff.

mod common;
use common::*;
use regex::{Captures, Regex};

/// Dates from this year on are the demo's (counted back from today); older ones are content
/// (the 2017 report) and stay.
const MOVING_FROM: i32 = 2020;

/// What varies between runs, replaced by a fixed word.
fn mask(text: &str) -> String {
    let fixed: &[(&str, &str)] = &[
        (
            r#"name="(csrf|token|nonce)" value="[0-9a-f]+""#,
            r#"name="$1" value="[$1]""#,
        ),
        (r"验证：\d+ 加 \d+ 等于几", "验证：[a] 加 [b] 等于几"),
        (r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?", "[time]"),
        (r#""(tracking_no|access_code)": "[^"]+""#, r#""$1": "[$1]""#),
        (
            r#""(at|created_at|updated_at)": \d{9,}"#,
            r#""$1": "[unix time]""#,
        ),
        // How many working days are left, whether the deadline is provisional and how it was
        // reached depend on today's place in the holiday calendar.
        (r#""days_left": -?\d+"#, r#""days_left": "[n]""#),
        (
            r#""due_provisional": [01]"#,
            r#""due_provisional": "[0 or 1]""#,
        ),
        (
            r#"(?s)"steps": \[.*?\]"#,
            r#""steps": "[the clock's steps]""#,
        ),
    ];
    let mut out = text.to_owned();
    for (pattern, with) in fixed {
        out = Regex::new(pattern)
            .expect("mask pattern")
            .replace_all(&out, *with)
            .into_owned();
    }
    let moving = |pattern: &str, with: &str, out: &str| -> String {
        Regex::new(pattern)
            .expect("date pattern")
            .replace_all(out, |c: &Captures| {
                let year: i32 = c[1].parse().unwrap_or(0);
                if year >= MOVING_FROM {
                    with.to_owned()
                } else {
                    c[0].to_owned()
                }
            })
            .into_owned()
    };
    out = moving(r"\b(\d{4})-\d{2}-\d{2}\b", "[date]", &out);
    out = moving(r"(\d{4})年\d{1,2}月\d{1,2}日", "[日期]", &out);
    // The year before this one, in examples and links.
    out = moving(r"year=(\d{4})\b", "year=[year]", &out);
    // 索引号 of the demo's items number them within their year of publication.
    out = moving(r"/(\d{4})-\d{5}\b", "/[year]-[n]", &out);
    out
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let r = client.get(app.url(path)).send().await.expect("request");
    let status = r.status().as_u16();
    let body = r.text().await.expect("body");
    mask(&format!("{status} {path}\n\n{body}"))
}

async fn json(app: &TestApp, req: reqwest::RequestBuilder, what: &str) -> String {
    let _ = app;
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let v: serde_json::Value = r.json().await.expect("json");
    mask(&format!(
        "{status} {what}\n\n{}",
        serde_json::to_string_pretty(&v).expect("pretty")
    ))
}

#[tokio::test]
async fn public_pages() {
    let app = spawn_demo().await;
    let seed = item_id(&app, "妥安乡2017年政府信息公开工作年度报告").await;
    let c = reqwest::Client::new();
    for (name, path) in [
        ("public_home", "/".to_owned()),
        ("public_section", "/sections/townships".to_owned()),
        ("public_unit", "/units/tuoan".to_owned()),
        ("public_guide", "/units/tuoan/guide".to_owned()),
        (
            "public_column",
            "/units/tuoan/columns/annual-report".to_owned(),
        ),
        ("public_item", format!("/items/{seed}")),
        ("public_apply", "/apply".to_owned()),
        ("public_track", "/track".to_owned()),
        ("public_open_data", "/open-data".to_owned()),
        ("public_not_found", "/units/nowhere".to_owned()),
    ] {
        insta::assert_snapshot!(name, page(&app, &c, &path).await);
    }
}

#[tokio::test]
async fn back_office_pages() {
    let app = spawn_demo().await;
    let seed = item_id(&app, "妥安乡2017年政府信息公开工作年度报告").await;
    let director = app.login("tuoan-director", DEMO_PASSWORD).await;
    for (name, path) in [
        ("admin_dashboard", "/admin".to_owned()),
        ("admin_items", "/admin/units/tuoan/items".to_owned()),
        ("admin_item", format!("/admin/items/{seed}")),
        ("admin_item_new", "/admin/units/tuoan/items/new".to_owned()),
        ("admin_queue", "/admin/queue".to_owned()),
        (
            "admin_applications",
            "/admin/units/tuoan/applications".to_owned(),
        ),
        ("admin_letters", "/admin/units/tuoan/letters".to_owned()),
        ("admin_password", "/admin/password".to_owned()),
    ] {
        insta::assert_snapshot!(name, page(&app, &director, &path).await);
    }
    let unit_admin = app.login("tuoan-admin", DEMO_PASSWORD).await;
    for (name, path) in [
        ("admin_settings", "/admin/units/tuoan/settings"),
        ("admin_columns", "/admin/units/tuoan/columns"),
        ("admin_review_policy", "/admin/units/tuoan/review-policy"),
    ] {
        insta::assert_snapshot!(name, page(&app, &unit_admin, path).await);
    }
    let city = app.login("admin", DEMO_PASSWORD).await;
    for (name, path) in [
        ("admin_supervision_2017", "/admin/supervision?year=2017"),
        ("admin_overview", "/admin/applications"),
    ] {
        insta::assert_snapshot!(name, page(&app, &city, path).await);
    }
    // A refusal, as another township's staff meet it.
    let stranger = app.login("gaofeng-editor", DEMO_PASSWORD).await;
    insta::assert_snapshot!(
        "admin_refused",
        page(&app, &stranger, "/admin/units/tuoan/settings").await
    );
}

#[tokio::test]
async fn json_answers() {
    let app = spawn_demo().await;
    let seed = item_id(&app, "妥安乡2017年政府信息公开工作年度报告").await;
    let c = reqwest::Client::new();
    for (name, path) in [
        ("api_units", "/api/v1/units".to_owned()),
        ("api_columns", "/api/v1/units/tuoan/columns".to_owned()),
        ("api_items", "/api/v1/items?unit=tuoan".to_owned()),
        ("api_item", format!("/api/v1/items/{seed}")),
        ("api_reports", "/api/v1/reports".to_owned()),
        ("api_report", "/api/v1/reports/tuoan/2017".to_owned()),
        ("api_not_found", "/api/v1/items/999999".to_owned()),
    ] {
        insta::assert_snapshot!(name, json(&app, c.get(app.url(&path)), &path).await);
    }
    // An application filed online, tracked, and read by the handling staff.
    let receipt = file_online(&app).await;
    insta::assert_snapshot!(
        "api_application_receipt",
        mask(&serde_json::to_string_pretty(&receipt).unwrap())
    );
    let (no, code) = (
        receipt["tracking_no"].as_str().unwrap(),
        receipt["access_code"].as_str().unwrap(),
    );
    let track = format!("/api/v1/applications/track?no={no}&code={code}");
    insta::assert_snapshot!(
        "api_application_track",
        json(&app, c.get(app.url(&track)), "track").await
    );
    let token = app.token("tuoan-editor").await;
    let id = app.count("SELECT MIN(id) FROM applications").await;
    insta::assert_snapshot!(
        "api_application_case",
        json(
            &app,
            c.get(app.url(&format!("/api/v1/applications/{id}")))
                .bearer_auth(&token),
            "case"
        )
        .await
    );
    insta::assert_snapshot!(
        "api_application_queue",
        json(
            &app,
            c.get(app.url("/api/v1/applications?unit=tuoan"))
                .bearer_auth(&token),
            "queue"
        )
        .await
    );
}
