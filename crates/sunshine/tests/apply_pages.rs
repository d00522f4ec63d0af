//! The applicant's pages (/apply, /track) and the staff case pages.

mod common;
use common::*;

fn valid_id() -> String {
    let f = "53010219900101123";
    format!("{f}{}", sunshine_core::screening::id_check_char(f).unwrap())
}

fn fields<'a>(token: &'a str, answer: &'a str, id: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("token", token),
        ("answer", answer),
        ("unit", "tuoan"),
        ("kind", "natural_person"),
        ("name", "王五"),
        ("id_type", "resident_id"),
        ("id_number", id),
        ("phone", "13912345678"),
        ("email", "wangwu@example.com"),
        ("description", "妥安乡2025年低保名单"),
        ("delivery", "email"),
    ]
}

#[tokio::test]
async fn apply_and_track_in_a_browser() {
    let app = spawn_demo().await;
    let b = app.browser();
    let page = app.page_as(&b, "/apply").await;
    let (token, answer) = solve(&page);
    let id = valid_id();

    // A wrong answer keeps everything typed.
    let r = b
        .post(app.url("/apply"))
        .form(&fields(&token, "999", &id))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let t = r.text().await.unwrap();
    assert!(text_of(&t).contains("验证题答案不正确"));
    assert!(t.contains("妥安乡2025年低保名单") && t.contains("value=\"王五\""));
    // A robot filling the hidden field is refused.
    let mut bot = fields(&token, &answer, &id);
    bot.push(("website", "http://spam.example"));
    assert_eq!(
        b.post(app.url("/apply"))
            .form(&bot)
            .send()
            .await
            .unwrap()
            .status(),
        422
    );
    // An invalid ID number is named.
    let r = b
        .post(app.url("/apply"))
        .form(&fields(&token, &answer, "110105194912310021"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(text_of(&r.text().await.unwrap()).contains("居民身份证号码不正确"));

    let r = b
        .post(app.url("/apply"))
        .form(&fields(&token, &answer, &id))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.url().path(),
        "/apply/receipt",
        "redirected after the POST"
    );
    let landed = r.url().to_string();
    let html = r.text().await.unwrap();
    let cell = |label: &str| {
        html.split(&format!("<th scope=\"row\">{label}</th><td><strong>"))
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_owned()
    };
    let (no, code) = (cell("查询号"), cell("查询码"));
    assert_eq!(code.len(), 8, "{html}");
    let done = text_of(&html);
    assert!(done.contains("查询码只在本页显示"));
    assert!(
        !landed.contains(&code) && !landed.contains(&no),
        "the receipt travels in a sealed cookie, never in the address: {landed}"
    );

    let r = b
        .post(app.url("/track"))
        .form(&[("no", no.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let t = text_of(&r.text().await.unwrap());
    assert!(t.contains("办理中") && t.contains("妥安乡"), "{t}");
    assert!(
        !t.contains("王五"),
        "the page shows the case, not the applicant"
    );
    let r = b
        .post(app.url("/track"))
        .form(&[("no", no.as_str()), ("code", "WRONGCOD")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(text_of(&r.text().await.unwrap()).contains("查询号或查询码不正确"));
}

#[tokio::test]
async fn a_reload_never_files_a_second_application() {
    let app = spawn_demo().await;
    let b = app.browser();
    let (token, answer) = solve(&app.page_as(&b, "/apply").await);
    let id = valid_id();
    let no_of = |html: &str| {
        html.split("<th scope=\"row\">查询号</th><td><strong>")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_owned()
    };
    let r = b
        .post(app.url("/apply"))
        .form(&fields(&token, &answer, &id))
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().path(), "/apply/receipt");
    let first = no_of(&r.text().await.unwrap());
    // Reloading the receipt page shows the same receipt and files nothing.
    let again = app.page_as(&b, "/apply/receipt").await;
    assert_eq!(no_of(&again), first);
    // The browser re-sends the POST (reload of the old answer page, a double click, twice at
    // once): the same receipt each time, one case.
    let form = fields(&token, &answer, &id);
    let resent = (0..3).map(|_| b.post(app.url("/apply")).form(&form).send());
    for r in futures::future::join_all(resent).await {
        let r = r.unwrap();
        assert_eq!(r.url().path(), "/apply/receipt");
        assert_eq!(no_of(&r.text().await.unwrap()), first);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, 1);
    // The used question cannot file a different application.
    let mut other = fields(&token, &answer, &id);
    other.retain(|(k, _)| *k != "description");
    other.push(("description", "另一份申请的内容"));
    let r = b.post(app.url("/apply")).form(&other).send().await.unwrap();
    assert_eq!(r.status(), 409);
    let page = r.text().await.unwrap();
    assert!(text_of(&page).contains("请回答新的验证题"));
    assert!(page.contains("另一份申请的内容"), "what was typed is kept");
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, 1);
    // Without the receipt cookie (another browser), the receipt page explains what to do.
    let (s, t) = app.get_text("/apply/receipt").await;
    assert_eq!(s, 200);
    assert!(text_of(&t).contains("办理进度查询"));
}

#[tokio::test]
async fn staff_register_handle_and_supervise() {
    let app = spawn_demo().await;
    let editor = app.login("tuoan-director", DEMO_PASSWORD).await;
    let id = valid_id();
    let reg = "/admin/units/tuoan/applications";
    let form = [
        ("channel", "post"),
        ("on", "2026-03-02"),
        ("kind", "natural_person"),
        ("name", "赵六"),
        ("id_type", "resident_id"),
        ("id_number", id.as_str()),
        ("phone", "13912345678"),
        ("description", "某村土地征收补偿标准"),
        ("delivery", "paper"),
    ];
    let mut future = form.to_vec();
    future[1] = ("on", "2099-01-01");
    let (s, page) = app
        .submit(&editor, "/admin/units/tuoan/applications/new", reg, &future)
        .await;
    assert_eq!(s, 422);
    assert!(text_of(&page).contains("在将来") && page.contains("某村土地征收补偿标准"));
    let (s, page) = app
        .submit(&editor, "/admin/units/tuoan/applications/new", reg, &form)
        .await;
    assert_eq!(s, 200);
    let t = text_of(&page);
    assert!(t.contains("申请已登记") && t.contains("2026-03-30"), "{t}");
    assert!(t.contains("5301**********"), "masked in the page");
    let case_id: i64 = app.count("SELECT MAX(id) FROM applications").await;
    let case_url = format!("/admin/applications/{case_id}");
    let (s, page) = app
        .submit(
            &editor,
            &case_url,
            &format!("{case_url}/step/correction-request"),
            &[
                ("items", "写明文件名称\n写明年份"),
                ("period_days", "10"),
                ("on", "2026-03-04"),
            ],
        )
        .await;
    assert_eq!(s, 200);
    let t = text_of(&page);
    assert!(
        t.contains("补正申请告知书") && t.contains("等待申请人补正"),
        "{t}"
    );
    let (s, page) = app
        .submit(
            &editor,
            &case_url,
            &format!("{case_url}/step/extend"),
            &[("days", "abc")],
        )
        .await;
    assert_eq!(s, 422);
    assert!(text_of(&page).contains("应为整数"));
    let (s, page) = app
        .submit(&editor, &case_url, &format!("{case_url}/reveal"), &[])
        .await;
    assert_eq!(s, 200);
    assert!(page.contains(&id) && text_of(&page).contains("已记入审计日志"));

    // Another township's staff cannot open it; the city supervisor sees the counts.
    let other = app.login("gaofeng-director", DEMO_PASSWORD).await;
    assert_eq!(
        other.get(app.url(&case_url)).send().await.unwrap().status(),
        403
    );
    let sup = app.login("admin", DEMO_PASSWORD).await;
    let r = sup
        .get(app.url("/admin/applications"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(text_of(&r.text().await.unwrap()).contains("妥安乡"));
    assert_eq!(
        editor
            .get(app.url("/admin/applications"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let list = app
        .page_as(
            &editor,
            "/admin/units/tuoan/applications?queue=awaiting_applicant",
        )
        .await;
    assert!(text_of(&list).contains("赵六"));
}

#[tokio::test]
async fn the_calendar_page_lists_the_years() {
    let app = spawn_demo().await;
    let b = app.login("admin", DEMO_PASSWORD).await;
    let t = text_of(&app.page_as(&b, "/admin/calendar").await);
    assert!(
        t.contains("2008") && t.contains("2026") && t.contains("随版本发布"),
        "{t}"
    );
    assert!(t.contains("国务院办公厅关于2026年部分节假日安排的通知"));
}

#[tokio::test]
async fn letter_settings_and_complaints_refuse_bad_input_and_keep_nothing() {
    let app = spawn_demo().await;
    let admin = app.login("tuoan-admin", DEMO_PASSWORD).await;
    let page = "/admin/units/tuoan/letters";
    let templates = "/admin/units/tuoan/letters/templates";
    let long = "字".repeat(10_001);
    for (outcome, body, says) in [
        ("nope", "正文", "答复结果不存在"),
        ("granted", long.as_str(), "模板不能超过10000个字符"),
    ] {
        let (s, html) = app
            .submit(
                &admin,
                page,
                templates,
                &[("outcome", outcome), ("body", body)],
            )
            .await;
        assert_eq!(s, 422, "{outcome}");
        assert!(
            text_of(&html).contains(says),
            "{outcome}: {}",
            text_of(&html)
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM reply_templates").await, 0);
    let long = "字".repeat(2001);
    for (kind, summary, says) in [
        ("rumour", "反映某信息未及时公开", "类型应为信访、举报或投诉"),
        ("report", "  ", "请填写事由摘要"),
        ("report", long.as_str(), "不超过2000个字符"),
    ] {
        let (s, html) = app
            .submit(
                &admin,
                page,
                "/admin/units/tuoan/complaints",
                &[
                    ("kind", kind),
                    ("received_on", "2026-03-01"),
                    ("summary", summary),
                ],
            )
            .await;
        assert_eq!(s, 422, "{kind}");
        assert!(text_of(&html).contains(says), "{kind}: {}", text_of(&html));
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM complaints").await, 0);
}

#[tokio::test]
async fn templates_fee_pause_and_complaints() {
    let app = spawn_demo().await;
    let admin = app.login("tuoan-admin", DEMO_PASSWORD).await;
    let page = "/admin/units/tuoan/letters";
    let (s, _) = app
        .submit(
            &admin,
            page,
            "/admin/units/tuoan/letters/templates",
            &[
                ("outcome", "granted"),
                (
                    "body",
                    "经审查，{决定}。依据{依据}。{内容}\n{救济}\n（妥安乡模板）",
                ),
            ],
        )
        .await;
    assert_eq!(s, 200);
    // The settings page shows the saved template under its outcome, the others empty.
    let html = app.page_as(&admin, page).await;
    let granted = html.find("（妥安乡模板）").expect("saved template shown");
    assert_eq!(html.matches("（妥安乡模板）").count(), 1);
    let form = html[..granted].rfind("name=\"outcome\" value=\"").unwrap();
    assert!(html[form..granted].starts_with("name=\"outcome\" value=\"granted\""));
    let (s, _) = app
        .submit(
            &admin,
            page,
            "/admin/units/tuoan/letters/fee-pause",
            &[("pause", "0")],
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        app.count("SELECT pause_clock_for_fee FROM units WHERE code = 'tuoan'")
            .await,
        0
    );
    let editor = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let (s, _) = app
        .submit(
            &editor,
            page,
            "/admin/units/tuoan/letters/fee-pause",
            &[("pause", "1")],
        )
        .await;
    assert_eq!(s, 403, "only the administrator changes settings");
    let (s, page_html) = app
        .submit(
            &editor,
            page,
            "/admin/units/tuoan/complaints",
            &[
                ("kind", "report"),
                ("received_on", "2099-01-01"),
                ("summary", "x"),
            ],
        )
        .await;
    assert_eq!(s, 422);
    assert!(text_of(&page_html).contains("不能在将来"));
    let (s, _) = app
        .submit(
            &editor,
            page,
            "/admin/units/tuoan/complaints",
            &[
                ("kind", "report"),
                ("received_on", "2026-03-01"),
                ("summary", "反映某信息未及时公开"),
                ("outcome", "已核实整改"),
            ],
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM complaints").await, 1);

    // The unit's template is used for the reply letter.
    app.user("t-editor", "tuoan", &[sunshine_core::role::Role::Editor])
        .await;
    let token = app.token("t-editor").await;
    let body = serde_json::json!({"unit": "tuoan", "on": "2026-03-02", "channel": "post", "delivery": "paper", "description": "某文件",
        "applicant": {"kind": "natural_person", "name": "钱七", "id_type": "resident_id", "id_number": valid_id(), "phone": "13912345678"}});
    let c = reqwest::Client::new();
    let r: serde_json::Value = c
        .post(app.url("/api/v1/applications"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = r["id"].as_i64().unwrap();
    let case: serde_json::Value = c
        .post(app.url(&format!("/api/v1/applications/{id}/reply")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"outcome": "granted", "basis": "第三十六条", "on": "2026-03-10"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let letter = case["letters"][0]["body"].as_str().unwrap();
    assert!(
        letter.contains("（妥安乡模板）")
            && letter.contains("予以公开")
            && letter.contains("行政复议"),
        "{letter}"
    );
}
