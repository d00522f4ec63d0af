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
        .env("SUNSHINE_DATA_KEY", TEST_DATA_KEY)
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
            "applicant": {"kind": kind, "name": "申请人", "id_type": id_type, "id_number": id_number, "phone": "13912345678",
                "legal_rep": "法人甲", "contact_person": "联系人乙"}});
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
    // 主动公开 counts exactly what the portal lists for 妥安乡 with a 2026 publication date
    // (the demo dates its items back from today, so the figure is read, not assumed).
    let mut listed = 0;
    for page in 1.. {
        let l: Value = c
            .get(app.url(&format!("/api/v1/items?unit=tuoan&page={page}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = l["items"].as_array().unwrap();
        if items.is_empty() {
            break;
        }
        listed += items
            .iter()
            .filter(|i| {
                i["published_on"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("2026"))
            })
            .count() as i64;
    }
    let p = &r["proactive"];
    assert_eq!(p["total"].as_i64(), Some(listed));
    let by_column: i64 = p["by_column"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_i64().unwrap())
        .sum();
    assert_eq!(by_column, listed);
    let s1 = r["sections"]["一"].as_str().unwrap();
    assert!(
        s1.contains("新收政府信息公开申请3件") && s1.contains("办结2件"),
        "{s1}"
    );
    let appendix = r["sections"]["附录"].as_str().unwrap();
    assert!(
        appendix.contains(&format!("主动公开信息{listed}条")),
        "{appendix}"
    );
    // A stored application that no longer reads stops the report (a figure counted without it
    // would be wrong), naming the row; nothing is skipped silently.
    sqlx::query("UPDATE applications SET applicant_kind = 'martian' WHERE id = $1")
        .bind(ids[1])
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let broken = run(
        &url,
        &["report", "generate", "--unit", "tuoan", "--year", "2026"],
    );
    assert_eq!(broken.status.code(), Some(1));
    let err = String::from_utf8_lossy(&broken.stderr);
    assert!(
        err.contains(&format!(
            "application {}: unreadable applicant_kind",
            ids[1]
        )),
        "{err}"
    );
    sqlx::query("UPDATE applications SET applicant_kind = 'natural_person' WHERE id = $1")
        .bind(ids[1])
        .execute(&app.state.db.pool)
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.json");
    std::fs::write(&file, &o.stdout).unwrap();
    // Section 五 is staff-written and still empty: a finding of the checks.
    let o = run(&url, &["report", "check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("第五部分") && out.lines().count() == 1,
        "{out}"
    );
    let mut r = r.clone();
    r["sections"]["五"] = json!("信息量偏少，将扩大主动公开范围。");
    std::fs::write(&file, serde_json::to_vec(&r).unwrap()).unwrap();
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
    // Keys outside the statutory tables may be missing; a key of the wrong shape is named.
    let mut lean = r.clone();
    for k in ["generated_at", "fees_charged_yuan", "sections", "unit_name"] {
        lean.as_object_mut().unwrap().remove(k);
    }
    lean["proactive"]
        .as_object_mut()
        .unwrap()
        .remove("by_column");
    lean["proactive"].as_object_mut().unwrap().remove("total");
    std::fs::write(&file, serde_json::to_vec_pretty(&lean).unwrap()).unwrap();
    let o = run(&url, &["report", "check", file.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    lean["remedies"]["reconsideration"]["upheld"] = json!("两件");
    std::fs::write(&file, serde_json::to_vec_pretty(&lean).unwrap()).unwrap();
    let o = run(&url, &["report", "check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("remedies.reconsideration.upheld") && err.contains("行"),
        "{err}"
    );
    // Not a report at all.
    std::fs::write(&file, "<html>hello</html>").unwrap();
    let o = run(&url, &["report", "check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("不是政府信息公开年度报告"));

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
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("单位“nowhere”不存在"), "{err}");
    let o = run(
        &app.state.config.database_url,
        &[
            "report", "generate", "--unit", "tuoan", "--year", "2026", "--format", "pdf",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
}

#[tokio::test]
async fn the_report_is_written_reviewed_published_and_served_as_open_data() {
    let app = spawn_demo().await;
    app.user("rp-leader", "tuoan", &[Role::Leader]).await;
    let editor = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let page = "/admin/units/tuoan/reports/2025";
    let r = editor
        .get(app.url("/admin/units/tuoan/reports"))
        .send()
        .await
        .unwrap();
    assert!(r.url().path().ends_with(&format!(
        "/reports/{}",
        app.state
            .today()
            .format("%Y")
            .to_string()
            .parse::<i32>()
            .unwrap()
            - 1
    )));
    // Bad records are named; good ones saved.
    let (s, html) = app
        .submit(
            &editor,
            page,
            &format!("{page}/training"),
            &[
                ("held_on", "2024-05-01"),
                ("topic", "保密培训"),
                ("attendance", "many"),
            ],
        )
        .await;
    assert_eq!(s, 422);
    let t = text_of(&html);
    assert!(
        t.contains("应在2025年内") && t.contains("“many”应为不小于0的整数"),
        "{t}"
    );
    for (held, topic, n) in [
        ("2025-03-01", "政府信息公开条例培训", "30"),
        ("2025-09-01", "写作培训", "23"),
    ] {
        let (s, _) = app
            .submit(
                &editor,
                page,
                &format!("{page}/training"),
                &[("held_on", held), ("topic", topic), ("attendance", n)],
            )
            .await;
        assert_eq!(s, 200);
    }
    let (s, _) = app
        .submit(
            &editor,
            page,
            &format!("{page}/inspection"),
            &[
                ("held_on", "2025-06-10"),
                ("inspector", "市政务公开办"),
                ("findings", "指南未更新"),
                ("rectification", "已更新指南"),
                ("rectified_on", "2025-06-20"),
            ],
        )
        .await;
    assert_eq!(s, 200);
    let (s, html) = app
        .submit(
            &editor,
            page,
            &format!("{page}/counts"),
            &[("licensing", "12"), ("fees_wan_yuan", "-1")],
        )
        .await;
    assert_eq!(s, 422);
    assert!(text_of(&html).contains("收费金额"));
    let (s, _) = app
        .submit(
            &editor,
            page,
            &format!("{page}/counts"),
            &[
                ("licensing", "12"),
                ("penalty", "3"),
                ("fees_wan_yuan", "1.25"),
                ("section_five", "信息量偏少，将扩大主动公开范围。"),
            ],
        )
        .await;
    assert_eq!(s, 200);
    let html = app.page_as(&editor, page).await;
    let t = text_of(&html);
    assert!(t.contains("通过全部一致性检查"));
    assert!(
        t.contains("全年组织政府信息公开培训2次53人次"),
        "the seed's figure, computed: {t}"
    );
    assert!(t.contains("市政务公开办") && t.contains("已于2025-06-20整改完毕"));
    for (format, magic) in [
        ("docx", &b"PK"[..]),
        ("json", &b"{"[..]),
        ("csv", "\u{feff}table,".as_bytes()),
    ] {
        let r = editor
            .get(app.url(&format!("{page}/download/{format}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{format}");
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("UTF-8''"));
        assert!(r.bytes().await.unwrap().starts_with(magic), "{format}");
    }
    assert_eq!(
        editor
            .get(app.url(&format!("{page}/download/pdf")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // Generated into the 年报 column as a draft: not public, and no open data yet.
    let (s, _) = app
        .submit(&editor, page, &format!("{page}/draft"), &[])
        .await;
    assert_eq!(s, 200);
    let id = item_id(&app, "妥安乡2025年政府信息公开工作年度报告").await;
    assert_eq!(app.get(&format!("/items/{id}")).await.status(), 404);
    assert_eq!(app.get("/api/v1/reports/tuoan/2025").await.status(), 404);
    // Through the review chain for 重要 items: director, then leader; then published.
    let cases = [
        ("tuoan-editor", DEMO_PASSWORD, "submit"),
        ("tuoan-director", DEMO_PASSWORD, "approve"),
        ("rp-leader", PASSWORD, "approve"),
        ("tuoan-director", DEMO_PASSWORD, "publish"),
    ];
    for (login, pw, step) in cases {
        let b = app.login(login, pw).await;
        let (s, page) = app
            .submit(
                &b,
                &format!("/admin/items/{id}"),
                &format!("/admin/items/{id}/review/{step}"),
                &[],
            )
            .await;
        assert_eq!(s, 200, "{login} {step}: {}", text_of(&page));
    }
    let (s, html) = app.get_text(&format!("/items/{id}")).await;
    assert_eq!(s, 200);
    let t = text_of(&html);
    assert!(
        t.contains("三、收到和处理政府信息公开申请情况")
            && t.contains("（七）总计")
            && t.contains("信息量偏少"),
        "{t}"
    );
    let (s, body) = app.get_text("/api/v1/reports/tuoan/2025").await;
    assert_eq!(s, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["proactive"]["licensing"], 12);
    assert_eq!(v["proactive"]["fees_wan_yuan"], 1.25);
    assert_eq!(v["applications"]["new"]["total"], 0);
    let all: Value = app
        .get("/api/v1/reports?year=2025")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert_eq!(app.get("/api/v1/reports?year=x").await.status(), 422);
    assert_eq!(app.get("/api/v1/reports/tuoan/2024").await.status(), 404);
}

#[tokio::test]
async fn the_seed_report_imports_with_its_original_date() {
    let app = spawn().await;
    app.unit(
        "lufeng",
        "禄丰市人民政府",
        sunshine_core::unit::UnitKind::City,
    )
    .await;
    app.unit("tuoan", "妥安乡", sunshine_core::unit::UnitKind::Township)
        .await;
    let page = format!(
        "禄丰市人民政府\n首页 >> 乡镇信息公开 >> 妥安乡\n\n妥安乡2017年政府信息公开工作年度报告\n\n日期:2018年01月30日   作者:妥安乡   来源:    点击:[]\n\n{}\n上一条:妥安乡2018年政府信息公开工作年度报告\n下一条:妥安乡2016年度政府信息公开工作报告\n\n关闭\n",
        include_str!("../demo/tuoan-2017-report.txt")
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("seed.txt");
    std::fs::write(&file, page).unwrap();
    let url = app.state.config.database_url.clone();
    let o = run(
        &url,
        &[
            "import",
            "report",
            file.to_str().unwrap(),
            "--unit",
            "tuoan",
            "--published-on",
            "2018-01-30",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("未读取表格"),
        "a free-form report has no tables to check"
    );
    let id: i64 = String::from_utf8_lossy(&o.stdout).trim().parse().unwrap();
    let (s, html) = app.get_text(&format!("/items/{id}")).await;
    assert_eq!(s, 200);
    let t = text_of(&html);
    assert!(t.contains("首页 >> 乡镇信息公开 >> 妥安乡"));
    assert!(
        t.contains("日期:2018年01月30日") && t.contains("作者:妥安乡"),
        "{t}"
    );
    assert!(t.contains("全年共组织写作培训2次53人次"));
    assert!(
        !t.contains("上一条:妥安乡2018年"),
        "the old page's chrome is not part of the text"
    );
    assert!(html.contains("<h2>一、基本情况</h2>"));
    let o = run(
        &url,
        &[
            "import",
            "report",
            file.to_str().unwrap(),
            "--unit",
            "tuoan",
            "--published-on",
            "30/01/2018",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
}

#[tokio::test]
async fn a_published_html_report_is_read_back_and_checked() {
    let app = spawn_demo().await;
    let url = app.state.config.database_url.clone();
    let o = run(
        &url,
        &[
            "report", "generate", "--unit", "tuoan", "--year", "2025", "--format", "html",
        ],
    );
    assert!(o.status.success());
    let html = String::from_utf8(o.stdout).unwrap();
    assert!(html.contains("本年制发件数") && html.contains("（七）总计"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    std::fs::write(&file, &html).unwrap();
    let o = run(&url, &["report", "check", file.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("2021年国家格式"));
    // A published report with a wrong sum: 一、本年新收 for 自然人 says 2 where the records say 0.
    let tampered = html.replacen(
        "一、本年新收政府信息公开申请数量</td><td>0</td>",
        "一、本年新收政府信息公开申请数量</td><td>2</td>",
        1,
    );
    assert_ne!(tampered, html);
    std::fs::write(&file, &tampered).unwrap();
    let o = run(&url, &["report", "check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("规则1") && out.contains("natural_person") && out.contains("规则3"),
        "{out}"
    );
    // A non-number in a cell.
    std::fs::write(
        &file,
        html.replacen(
            "一、本年新收政府信息公开申请数量</td><td>0</td>",
            "一、本年新收政府信息公开申请数量</td><td>0</td><td>x</td>",
            1,
        ),
    )
    .unwrap();
    let o = run(&url, &["report", "check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("不是数字"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[tokio::test]
async fn the_city_sums_its_units_and_checks_them_all() {
    let app = spawn_demo().await;
    for unit in ["tuoan", "gaofeng"] {
        app.user(&format!("{unit}-reg"), unit, &[Role::Editor])
            .await;
        let token = app.token(&format!("{unit}-reg")).await;
        let body = json!({"unit": unit, "on": "2026-03-02", "channel": "post", "delivery": "paper", "description": "某文件",
            "applicant": {"kind": "natural_person", "name": "申请人", "id_type": "resident_id", "id_number": valid_id(), "phone": "13912345678"}});
        let r = reqwest::Client::new()
            .post(app.url("/api/v1/applications"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let url = app.state.config.database_url.clone();
    let o = run(
        &url,
        &[
            "report",
            "generate",
            "--unit",
            "lufeng",
            "--year",
            "2026",
            "--aggregate",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["unit_name"], "禄丰市人民政府（汇总）");
    assert_eq!(v["applications"]["new"]["natural_person"], 2);
    assert_eq!(v["units"].as_array().unwrap().len(), 10);
    let listed: i64 = v["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["applications"]["new"]["total"].as_i64().unwrap())
        .sum();
    assert_eq!(
        listed, 2,
        "each unit's figures listed, adding up to the sum"
    );
    let o = run(&url, &["report", "check-all", "--year", "2026"]);
    let out = String::from_utf8_lossy(&o.stdout);
    // The figures add up everywhere; what the units still owe is their section 五.
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("汇总：通过"), "{out}");
    assert!(
        out.lines()
            .filter(|l| !l.ends_with("：通过"))
            .all(|l| l.contains("规则8 表五")),
        "{out}"
    );
}

#[tokio::test]
async fn the_supervision_view_charts_every_unit() {
    let app = spawn_demo().await;
    let year = app.state.today().format("%Y").to_string();
    let sup = app.login("admin", DEMO_PASSWORD).await;
    let r = sup
        .get(app.url(&format!("/admin/supervision?year={year}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<svg") && html.contains("<title>"),
        "charts are server-rendered SVG with text alternatives"
    );
    let t = text_of(&html);
    assert!(t.contains("妥安乡") && t.contains("高峰乡"));
    let csv = app
        .page_as(&sup, &format!("/admin/supervision.csv?year={year}"))
        .await;
    let tuoan = csv.lines().find(|l| l.starts_with("tuoan,")).unwrap();
    let cells: Vec<&str> = tuoan.split(',').collect();
    let published: i64 = app.count(&format!("SELECT COUNT(*) FROM items i JOIN units u ON u.id = i.unit_id WHERE u.code = 'tuoan' AND substr(i.published_on, 1, 4) = '{year}'")).await;
    assert_eq!(cells[14].parse::<i64>().unwrap(), published, "{tuoan}");
    assert_eq!(
        cells[16], "100%",
        "demo items are published 3 days after they were written"
    );
    let editor = app.login("tuoan-editor", DEMO_PASSWORD).await;
    assert_eq!(
        editor
            .get(app.url("/admin/supervision"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let r = sup
        .get(app.url("/admin/supervision?year=abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // The page says what is wrong in words; our field keys are never shown.
    let html = r.text().await.unwrap();
    assert!(html.contains("年份不正确"), "{html}");
    assert!(!html.contains("<code>") && !html.contains("year"), "{html}");
}

#[tokio::test]
async fn docx_output_holds_the_tables() {
    let app = spawn_demo().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.docx");
    let o = run(
        &app.state.config.database_url,
        &[
            "report",
            "generate",
            "--unit",
            "tuoan",
            "--year",
            "2026",
            "--format",
            "docx",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&file).unwrap();
    let kind = sunshine_core::upload::sniff(&bytes, 1 << 24).unwrap();
    assert_eq!(
        kind.ext, "docx",
        "recognised as a Word document by its content"
    );
    match sunshine::extract::extract(kind.mime, &bytes) {
        sunshine::extract::Extracted::Text(parts) => {
            let all: String = parts.into_iter().map(|(_, t)| t).collect();
            for s in [
                "妥安乡2026年政府信息公开工作年度报告",
                "本年制发件数",
                "（七）总计",
                "结转下年度继续办理",
                "复议后起诉",
            ] {
                assert!(all.contains(s), "{s} missing");
            }
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_imported_report_with_tables_keeps_its_figures() {
    let app = spawn_demo().await;
    let url = app.state.config.database_url.clone();
    let o = run(
        &url,
        &[
            "report", "generate", "--unit", "gaofeng", "--year", "2025", "--format", "html",
        ],
    );
    let page = format!(
        "<p>高峰乡2025年政府信息公开工作年度报告</p><p>日期:2026年01月20日 作者:高峰乡</p>{}",
        String::from_utf8(o.stdout).unwrap()
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gaofeng-2025.html");
    std::fs::write(&file, page).unwrap();
    let o = run(
        &url,
        &[
            "import",
            "report",
            file.to_str().unwrap(),
            "--unit",
            "gaofeng",
            "--published-on",
            "2026-01-20",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("2021年国家格式")
            && String::from_utf8_lossy(&o.stderr).contains("通过一致性检查")
    );
    let (s, body) = app.get_text("/api/v1/reports/gaofeng/2025").await;
    assert_eq!(s, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (v["unit"].as_str(), v["year"].as_i64()),
        (Some("gaofeng"), Some(2025))
    );
    assert_eq!(v["applications"]["total_handled"]["total"], 0);
}

#[tokio::test]
async fn the_report_due_date_is_a_unit_setting() {
    let app = spawn_demo().await;
    let admin = app.login("tuoan-admin", DEMO_PASSWORD).await;
    let base = [
        ("name", "妥安乡"),
        ("org_code", "LFDEMO-201"),
        ("index_pattern", "{org}/{YYYY}-{NNNNN}"),
    ];
    let page = "/admin/units/tuoan/settings";
    let mut bad = base.to_vec();
    bad.push(("report_due", "13-40"));
    let (s, html) = app.submit(&admin, page, page, &bad).await;
    assert_eq!(s, 422);
    assert!(text_of(&html).contains("年报截止日期"));
    let mut good = base.to_vec();
    good.push(("report_due", "12-31"));
    assert_eq!(app.submit(&admin, page, page, &good).await.0, 200);
    // Last year's report is due on 31 December this year: not late, whatever today is.
    let year = app
        .state
        .today()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap()
        - 1;
    let sup = app.login("admin", DEMO_PASSWORD).await;
    let csv = app
        .page_as(&sup, &format!("/admin/supervision.csv?year={year}"))
        .await;
    let tuoan = csv.lines().find(|l| l.starts_with("tuoan,")).unwrap();
    assert!(tuoan.ends_with(",未开始"), "{tuoan}");
}

#[tokio::test]
async fn a_years_figures_hold_only_that_year() {
    let app = spawn_demo().await;
    app.user("y-ed", "tuoan", &[Role::Editor, Role::Director])
        .await;
    app.user("y-sup", "lufeng", &[Role::Supervisor]).await;
    let token = app.token("y-ed").await;
    let c = reqwest::Client::new();
    let today = app.state.today();
    let mut nos = vec![];
    for on in ["2025-06-02".to_owned(), today.to_string()] {
        let body = json!({"unit": "tuoan", "on": on, "channel": "post", "delivery": "paper", "description": "某文件",
            "applicant": {"kind": "natural_person", "name": "申请人", "id_type": "resident_id", "id_number": valid_id(), "phone": "13912345678"}});
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
        nos.push(r["tracking_no"].as_str().unwrap().to_owned());
    }
    // The 2025 report: this year's case is in no figure, list or appendix of 2025.
    let url = app.state.config.database_url.clone();
    let o = run(
        &url,
        &["report", "generate", "--unit", "tuoan", "--year", "2025"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["applications"]["new"]["total"], 1);
    assert_eq!(r["applications"]["carried_out"]["total"], 1);
    let appendix = r["sections"]["附录"].as_str().unwrap();
    assert!(appendix.contains("2025-06-02"), "{appendix}");
    assert!(!appendix.contains(&today.to_string()), "{appendix}");
    // The 2025 supervision view: neither counted, listed nor overdue there.
    let b = app.login("y-sup", PASSWORD).await;
    let page = app.page_as(&b, "/admin/supervision?year=2025").await;
    assert!(
        page.contains(&nos[0]),
        "the 2025 case open at the year's end is listed"
    );
    assert!(
        !page.contains(&nos[1]),
        "a case of a later year is not a 2025 figure"
    );
    let csv = app.page_as(&b, "/admin/supervision.csv?year=2025").await;
    let tuoan = csv
        .lines()
        .find(|l| l.starts_with("tuoan,"))
        .unwrap()
        .to_owned();
    let cells: Vec<&str> = tuoan.split(',').collect();
    assert_eq!(
        (cells[18], cells[19]),
        ("1", "1"),
        "received 1, overdue 1 in 2025: {tuoan}"
    );
}

#[tokio::test]
async fn drafting_a_report_for_a_year_not_ended_asks_first() {
    let app = spawn_demo().await;
    app.user("d-ed", "tuoan", &[Role::Editor, Role::Director])
        .await;
    let b = app.login("d-ed", PASSWORD).await;
    let year = app.state.today().format("%Y").to_string();
    let page = format!("/admin/units/tuoan/reports/{year}");
    let (s, _) = app
        .submit(
            &b,
            &page,
            &format!("{page}/counts"),
            &[
                ("licensing", "0"),
                ("penalty", "0"),
                ("coercion", "0"),
                ("fees_wan_yuan", "0"),
                ("section_five", "无。"),
                ("section_six", "无。"),
            ],
        )
        .await;
    assert_eq!(s, 200);
    let (s, html) = app.submit(&b, &page, &format!("{page}/draft"), &[]).await;
    assert_eq!(s, 409);
    assert!(text_of(&html).contains("尚未结束"), "{}", text_of(&html));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM items WHERE title LIKE '%年政府信息公开工作年度报告' AND state = 'draft'").await,
        0
    );
    let (s, html) = app
        .submit(&b, &page, &format!("{page}/draft"), &[("confirm", "1")])
        .await;
    assert_eq!(s, 200, "{}", text_of(&html));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM items WHERE title LIKE '%年政府信息公开工作年度报告' AND state = 'draft'").await,
        1
    );
}
