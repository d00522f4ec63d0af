//! `sunshine report generate` and `sunshine report check`.

mod common;
use common::*;
use serde_json::{json, Value};
use std::process::{Command, Output};
use sunshine_core::role::Role;

fn run(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sunshine"))
        .args(args)
        .env("SUNSHINE_DATABASE_URL", url)
        .output()
        .unwrap()
}

fn valid_id() -> String {
    let f = "53010219900101123";
    format!("{f}{}", sunshine_core::screening::id_check_char(f).unwrap())
}

#[tokio::test]
async fn generate_from_records_and_check() {
    let app = spawn_demo().await;
    app.user("r-ed", "tuoan", &[Role::Editor, Role::Director])
        .await;
    let token = app.token("r-ed").await;
    let c = reqwest::Client::new();
    let mut ids = vec![];
    for (kind, id_type, id_number, on) in [
        ("natural_person", "resident_id", valid_id(), "2026-02-02"),
        ("natural_person", "resident_id", valid_id(), "2026-03-02"),
        (
            "commercial",
            "credit_code",
            "91350100M000100Y43".to_owned(),
            "2026-03-03",
        ),
    ] {
        let body = json!({"unit": "tuoan", "on": on, "channel": "post", "delivery": "paper", "description": "某文件",
            "applicant": {"kind": kind, "name": "申请人", "id_type": id_type, "id_number": id_number, "phone": "13912345678"}});
        let r: Value = c
            .post(app.url("/api/v1/applications"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(r["id"].as_i64().unwrap());
    }
    for (id, outcome) in [(ids[0], "granted"), (ids[2], "unavailable_not_held")] {
        let r = c
            .post(app.url(&format!("/api/v1/applications/{id}/reply")))
            .bearer_auth(&token)
            .json(&json!({"outcome": outcome, "basis": "条例", "on": "2026-03-10"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let url = app.state.config.database_url.clone();
    let o = run(
        &url,
        &["report", "generate", "--unit", "tuoan", "--year", "2026"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    let a = &r["applications"];
    assert_eq!(a["new"]["total"], 3);
    assert_eq!(a["new"]["natural_person"], 2);
    assert_eq!(a["new"]["commercial"], 1);
    assert_eq!(a["granted"]["natural_person"], 1);
    assert_eq!(a["unavailable_not_held"]["commercial"], 1);
    assert_eq!(a["total_handled"]["total"], 2);
    assert_eq!(a["carried_out"]["total"], 1);
    assert_eq!(r["format"], "2021");
    // The demo published 8 items of this year in 妥安乡's news-like columns.
    assert!(r["proactive"]["total"].as_i64().unwrap() >= 1);
    let s1 = r["sections"]["一"].as_str().unwrap();
    assert!(
        s1.contains("新收政府信息公开申请3件") && s1.contains("办结2件"),
        "{s1}"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.json");
    std::fs::write(&file, &o.stdout).unwrap();
    let o = run(&url, &["report", "check", file.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // A planted breach is found with its row and column.
    let mut bad = r.clone();
    bad["applications"]["granted"]["natural_person"] = json!(5);
    std::fs::write(&file, serde_json::to_vec(&bad).unwrap()).unwrap();
    let o = run(&url, &["report", "check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("规则2") && out.contains("total_handled") && out.contains("natural_person"),
        "{out}"
    );
    assert!(out.contains("规则3") && out.contains("granted"), "{out}");
    // Not a report at all.
    std::fs::write(&file, "<html>hello</html>").unwrap();
    let o = run(&url, &["report", "check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("无法识别"));

    // CSV: one row per cell.
    let o = run(
        &url,
        &[
            "report", "generate", "--unit", "tuoan", "--year", "2026", "--format", "csv",
        ],
    );
    let csv = String::from_utf8(o.stdout).unwrap();
    assert_eq!(csv.lines().count(), 1 + 10 + 25 * 7 + 15);
    assert!(csv.contains("三,new,一、本年新收政府信息公开申请数量,total,总计,3"));
}

#[tokio::test]
async fn a_year_without_records_says_so() {
    let app = spawn_demo().await;
    let o = run(
        &app.state.config.database_url,
        &["report", "generate", "--unit", "gaofeng", "--year", "2015"],
    );
    assert!(o.status.success());
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["applications"]["new"]["total"], 0);
    assert_eq!(r["proactive"]["total"], 0);
    let s1 = r["sections"]["一"].as_str().unwrap();
    assert!(
        s1.contains("全年未收到政府信息公开申请") && s1.contains("未发生"),
        "{s1}"
    );
    let o = run(
        &app.state.config.database_url,
        &["report", "generate", "--unit", "nowhere", "--year", "2026"],
    );
    assert_eq!(o.status.code(), Some(2));
    let o = run(
        &app.state.config.database_url,
        &[
            "report", "generate", "--unit", "tuoan", "--year", "2026", "--format", "pdf",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
}
