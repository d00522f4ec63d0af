//! Applications (依申请公开) through the API: intake, legal clock, letters, privacy, tracking.

mod common;
use common::*;
use serde_json::{json, Value};
use sunshine_core::role::Role;

fn valid_id(first17: &str) -> String {
    format!(
        "{first17}{}",
        sunshine_core::screening::id_check_char(first17).unwrap()
    )
}

fn body(id_number: &str) -> Value {
    json!({
        "unit": "tuoan",
        "applicant": {"kind": "natural_person", "name": "李四", "id_type": "resident_id", "id_number": id_number,
                      "phone": "13812345678", "email": "lisi@example.com", "address": "妥安乡某村"},
        "description": "2025年妥安乡农村危房改造补助名单",
        "purpose": "核实本户补助",
        "delivery": "email",
        "channel": "online"
    })
}

struct Staff {
    app: TestApp,
    editor: String,
    director: String,
    stranger: String,
}

async fn staff() -> Staff {
    let app = spawn_demo().await;
    app.user("a-editor", "tuoan", &[Role::Editor]).await;
    app.user("a-director", "tuoan", &[Role::Director]).await;
    app.user("a-stranger", "gaofeng", &[Role::Editor, Role::Director])
        .await;
    Staff {
        editor: app.token("a-editor").await,
        director: app.token("a-director").await,
        stranger: app.token("a-stranger").await,
        app,
    }
}

async fn json_of(r: reqwest::Response) -> (u16, Value) {
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

impl Staff {
    async fn register(&self, on: &str, id_number: &str) -> i64 {
        let mut b = body(id_number);
        b["channel"] = json!("post");
        b["on"] = json!(on);
        let (s, v) = json_of(
            reqwest::Client::new()
                .post(self.app.url("/api/v1/applications"))
                .bearer_auth(&self.editor)
                .json(&b)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        v["id"].as_i64().unwrap()
    }

    async fn step(&self, token: &str, id: i64, step: &str, b: Value) -> (u16, Value) {
        json_of(
            reqwest::Client::new()
                .post(self.app.url(&format!("/api/v1/applications/{id}/{step}")))
                .bearer_auth(token)
                .json(&b)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    async fn ok(&self, id: i64, step: &str, b: Value) -> Value {
        let (s, v) = self.step(&self.director, id, step, b).await;
        assert_eq!(s, 200, "{step}: {v}");
        v
    }
}

#[tokio::test]
async fn public_intake_and_tracking() {
    let app = spawn_demo().await;
    let c = reqwest::Client::new();
    let (s, v) = json_of(
        c.post(app.url("/api/v1/applications"))
            .json(&body(&valid_id("53010219900101123")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    for k in ["tracking_no", "access_code", "received_on", "due_on"] {
        assert!(v[k].is_string(), "{k} in {v}");
    }
    assert!(v.get("id").is_none(), "the public is not told internal ids");
    let (no, code) = (
        v["tracking_no"].as_str().unwrap(),
        v["access_code"].as_str().unwrap(),
    );
    let (s, t) = json_of(
        c.get(app.url(&format!("/api/v1/applications/track?no={no}&code={code}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(t["state"], "running");
    assert_eq!(t["due_on"], v["due_on"]);
    let shown = t.to_string();
    assert!(
        !shown.contains("李四") && !shown.contains("5301"),
        "nothing about the applicant is public: {shown}"
    );
    // A wrong code and an unknown number get the same answer.
    let (s1, a) = json_of(
        c.get(app.url(&format!("/api/v1/applications/track?no={no}&code=WRONG123")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (s2, b) = json_of(
        c.get(app.url("/api/v1/applications/track?no=20260101ZZZZZZ&code=WRONG123"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s1, &a), (s2, &b));
    assert_eq!(a["error"]["code"], "wrong_tracking");
    // Guessing codes from one address is paused after 20 wrong tries, even for the right code.
    for _ in 0..18 {
        c.get(app.url(&format!(
            "/api/v1/applications/track?no={no}&code=GUESS{}",
            1
        )))
        .send()
        .await
        .unwrap();
    }
    let (s, v) = json_of(
        c.get(app.url(&format!("/api/v1/applications/track?no={no}&code={code}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (429, Some("too_many_attempts"))
    );
}

#[tokio::test]
async fn bad_intake_is_explained_field_by_field() {
    let app = spawn_demo_with(|c| c.intake_per_hour = 4).await;
    let c = reqwest::Client::new();
    let post = |b: Value| {
        let (c, url) = (c.clone(), app.url("/api/v1/applications"));
        async move { json_of(c.post(url).json(&b).send().await.unwrap()).await }
    };
    let mut bad_id = body("530102199001011230");
    if sunshine_core::application::resident_id_valid("530102199001011230") {
        bad_id = body("530102199001011231");
    }
    let mut bad_phone = body(&valid_id("53010219900101123"));
    bad_phone["applicant"]["phone"] = json!("12345");
    let mut no_description = body(&valid_id("53010219900101123"));
    no_description["description"] = json!("  ");
    let mut nowhere = body(&valid_id("53010219900101123"));
    nowhere["unit"] = json!("nowhere");
    for (b, field) in [
        (bad_id, "applicant.id_number"),
        (bad_phone, "applicant.phone"),
        (no_description, "description"),
        (nowhere, "unit"),
    ] {
        let (s, v) = post(b).await;
        assert_eq!(s, 422, "{v}");
        assert_eq!(v["error"]["field"], field);
    }
    // Rejected typos did not use up the allowance: four well-formed ones are accepted, the
    // fifth from the same address within the hour is turned away and not saved.
    for _ in 0..4 {
        let (s, v) = post(body(&valid_id("53010219900101123"))).await;
        assert_eq!(s, 201, "{v}");
    }
    let (s, v) = post(body(&valid_id("53010219900101123"))).await;
    assert_eq!(s, 429, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("一小时内提交的申请过多"),
        "{v}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, 4);
}

#[tokio::test]
async fn staff_registration_dates_and_deadlines() {
    let st = staff().await;
    let id = st
        .register("2026-03-02", &valid_id("53010219900101123"))
        .await;
    let r = reqwest::Client::new()
        .get(st.app.url(&format!("/api/v1/applications/{id}")))
        .bearer_auth(&st.director)
        .send()
        .await
        .unwrap();
    let (s, case) = json_of(r).await;
    assert_eq!(s, 200);
    assert_eq!(case["application"]["received_on"], "2026-03-02");
    assert_eq!(case["application"]["due_on"], "2026-03-30");
    assert!(case["clock"]["steps"].to_string().contains("2026-03-30"));
    for (on, hint) in [
        ("2099-01-01", "将来"),
        ("2007-05-08", "2007年"),
        ("03/02/2026", "格式"),
    ] {
        let mut b = body(&valid_id("53010219900101123"));
        b["on"] = json!(on);
        b["channel"] = json!("in_person");
        let (s, v) = json_of(
            reqwest::Client::new()
                .post(st.app.url("/api/v1/applications"))
                .bearer_auth(&st.editor)
                .json(&b)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 422, "{on}: {v}");
        assert_eq!(v["error"]["field"], "on");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(hint),
            "{v}"
        );
    }
    // Another township's staff cannot register for, see or act on this unit's applications.
    let mut b = body(&valid_id("53010219900101123"));
    b["on"] = json!("2026-03-02");
    let (s, _) = json_of(
        reqwest::Client::new()
            .post(st.app.url("/api/v1/applications"))
            .bearer_auth(&st.stranger)
            .json(&b)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = json_of(
        reqwest::Client::new()
            .get(st.app.url(&format!("/api/v1/applications/{id}")))
            .bearer_auth(&st.stranger)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = st
        .step(
            &st.stranger,
            id,
            "reply",
            json!({"outcome": "granted", "basis": "x"}),
        )
        .await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn correction_restarts_and_consultation_pauses() {
    let st = staff().await;
    let id = st
        .register("2026-03-02", &valid_id("53010219900101123"))
        .await;
    let (s, v) = st
        .step(
            &st.director,
            id,
            "correction-request",
            json!({"items": [], "period_days": 10, "on": "2026-03-04"}),
        )
        .await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("items")));
    let case = st.ok(id, "correction-request", json!({"items": ["写明文件名称或文号", "写明所属年份"], "period_days": 10, "on": "2026-03-04"})).await;
    assert_eq!(case["application"]["phase"], "awaiting_correction");
    assert!(case["application"]["due_on"].is_null());
    assert!(case["letters"][0]["body"]
        .as_str()
        .unwrap()
        .contains("2. 写明所属年份"));
    let (s, _) = st
        .step(
            &st.director,
            id,
            "correction-request",
            json!({"items": ["再补"], "period_days": 5, "on": "2026-03-05"}),
        )
        .await;
    assert_eq!(s, 409, "correction is asked once");
    let case = st
        .ok(id, "correction-received", json!({"on": "2026-03-16"}))
        .await;
    // 20 working days from 16 March, with Monday 6 April off for Qingming: 14 April.
    assert_eq!(case["application"]["due_on"], "2026-04-14");
    let case = st
        .ok(
            id,
            "consultation-start",
            json!({"on": "2026-03-20", "party": "第三方企业"}),
        )
        .await;
    assert_eq!(case["application"]["phase"], "consulting");
    let case = st
        .ok(id, "consultation-end", json!({"on": "2026-03-27"}))
        .await;
    // Paused 23-27 March (5 working days): 14 April + 5 = 21 April.
    assert_eq!(case["application"]["due_on"], "2026-04-21");
    let steps = case["clock"]["steps"].to_string();
    assert!(
        steps.contains("重新起算") && steps.contains("5个工作日不计入"),
        "{steps}"
    );
}

#[tokio::test]
async fn extension_once_by_the_office_head_up_to_twenty_days() {
    let st = staff().await;
    let id = st
        .register("2026-03-02", &valid_id("53010219900101123"))
        .await;
    let (s, v) = st
        .step(
            &st.editor,
            id,
            "extend",
            json!({"days": 10, "reason": "需要调档", "on": "2026-03-20"}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (403, Some("not_office_head"))
    );
    let (s, v) = st
        .step(
            &st.director,
            id,
            "extend",
            json!({"days": 21, "reason": "需要调档", "on": "2026-03-20"}),
        )
        .await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("days")));
    // A field of the wrong type is named, with where it is in the body.
    let (s, v) = st
        .step(&st.director, id, "extend", json!({"days": "ten"}))
        .await;
    let message = v["error"]["message"].as_str().unwrap_or_default();
    assert_eq!(s, 422, "{v}");
    assert!(
        message.contains("字段“days”") && message.contains("列"),
        "{message}"
    );
    // An unknown step is not found, whatever its body.
    let (s, _) = st
        .step(&st.director, id, "explode", json!({"days": "ten"}))
        .await;
    assert_eq!(s, 404);
    let (s, v) = st
        .step(
            &st.director,
            id,
            "extend",
            json!({"days": 10, "on": "2026-03-20"}),
        )
        .await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("reason")));
    let case = st
        .ok(
            id,
            "extend",
            json!({"days": 20, "reason": "需要调取档案", "on": "2026-03-20"}),
        )
        .await;
    assert_eq!(case["application"]["due_on"], "2026-04-28");
    assert!(case["letters"][0]["title"]
        .as_str()
        .unwrap()
        .contains("延长"));
    let (s, v) = st
        .step(
            &st.director,
            id,
            "extend",
            json!({"days": 5, "reason": "再延", "on": "2026-03-23"}),
        )
        .await;
    assert_eq!(s, 409, "{v}");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("只能延长一次"));
    assert_eq!(
        st.app.count(&format!("SELECT COUNT(*) FROM application_events WHERE application_id = {id} AND kind = 'extend'")).await,
        1,
        "the refused extension left nothing behind"
    );
    assert_eq!(
        st.app
            .count(&format!(
                "SELECT COUNT(*) FROM letters WHERE application_id = {id}"
            ))
            .await,
        1
    );
}

#[tokio::test]
async fn fees_pause_the_clock_and_are_never_charged_twice() {
    let st = staff().await;
    let id = st
        .register("2026-03-02", &valid_id("53010219900101123"))
        .await;
    let (s, v) = st
        .step(
            &st.director,
            id,
            "fee-notice",
            json!({"method": "both", "on": "2026-03-09"}),
        )
        .await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("method")));
    let (s, v) = st
        .step(
            &st.director,
            id,
            "fee-notice",
            json!({"method": "pages", "pages": 20, "on": "2026-03-09"}),
        )
        .await;
    assert_eq!((s, v["error"]["code"].as_str()), (409, Some("no_fee")));
    let case = st
        .ok(
            id,
            "fee-notice",
            json!({"method": "pages", "pages": 150, "on": "2026-03-09"}),
        )
        .await;
    assert_eq!(case["application"]["fee_yuan"], 1700);
    assert_eq!(case["application"]["phase"], "awaiting_fee");
    assert!(case["letters"][0]["body"]
        .as_str()
        .unwrap()
        .contains("1700元"));
    let (s, _) = st
        .step(
            &st.director,
            id,
            "fee-notice",
            json!({"method": "count", "on": "2026-03-10"}),
        )
        .await;
    assert_eq!(s, 409, "by count and by volume, never both");
    let case = st.ok(id, "fee-paid", json!({"on": "2026-03-13"})).await;
    // Paused 10-13 March (4 working days): 30 March + 4 = 3 April.
    assert_eq!(case["application"]["due_on"], "2026-04-03");
}

#[tokio::test]
async fn fee_by_count_follows_the_applicants_month() {
    let st = staff().await;
    let id_no = valid_id("44030419851231567");
    let mut last = 0;
    for _ in 0..11 {
        last = st.register("2026-03-02", &id_no).await;
    }
    let case = st
        .ok(
            last,
            "fee-notice",
            json!({"method": "count", "on": "2026-03-03"}),
        )
        .await;
    assert_eq!(
        case["application"]["fee_yuan"], 100,
        "the 11th application in a month costs 100 元"
    );
}

#[tokio::test]
async fn every_outcome_gets_its_letter_and_late_replies_are_overdue() {
    let st = staff().await;
    let id = st
        .register("2026-03-02", &valid_id("53010219900101123"))
        .await;
    let (s, v) = st
        .step(
            &st.director,
            id,
            "reply",
            json!({"outcome": "granted", "on": "2026-03-10"}),
        )
        .await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("basis")));
    let (s, v) = st
        .step(
            &st.director,
            id,
            "reply",
            json!({"outcome": "partial", "basis": "第三十七条", "on": "2026-03-10"}),
        )
        .await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("withheld")));
    // A reply that points to published information points to this unit's, published.
    let other = item_id(&st.app, "禄丰市开展优化营商环境专题调研").await;
    let own = st
        .app
        .count("SELECT MIN(i.id) FROM items i JOIN units u ON u.id = i.unit_id WHERE u.code = 'tuoan' AND i.state = 'published'")
        .await;
    for bad in [other, 999_999] {
        let (s, v) = st
            .step(
                &st.director,
                id,
                "reply",
                json!({"outcome": "granted", "basis": "第三十六条", "item_id": bad, "on": "2026-03-10"}),
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (422, Some("item_id")),
            "{v}"
        );
    }
    let case = st
        .ok(
            id,
            "reply",
            json!({"outcome": "granted", "basis": "第三十六条", "item_id": own, "on": "2026-03-10"}),
        )
        .await;
    let letter = case["letters"][0]["body"].as_str().unwrap_or_default();
    assert!(letter.contains(&format!("/items/{own}")), "{letter}");
    for o in sunshine_core::application::Outcome::ALL {
        let id = st
            .register("2026-03-02", &valid_id("53010219900101123"))
            .await;
        let case = st.ok(id, "reply", json!({"outcome": o.as_str(), "basis": if o.default_basis().is_empty() { "申请人书面撤回申请" } else { o.default_basis() }, "withheld": "第三方个人信息", "content": "详见附件", "on": "2026-03-10"})).await;
        assert_eq!(case["application"]["outcome"], o.as_str());
        assert_eq!(case["application"]["phase"], "replied");
        let letter = &case["letters"][0]["body"];
        assert!(
            letter.as_str().unwrap().contains(o.label()),
            "{o:?}: {letter}"
        );
        assert!(
            letter.as_str().unwrap().contains("行政复议"),
            "remedies stated"
        );
    }
    let late = st
        .register("2026-01-05", &valid_id("53010219900101123"))
        .await;
    let case = st
        .ok(
            late,
            "reply",
            json!({"outcome": "granted", "basis": "第三十六条", "on": "2026-03-02"}),
        )
        .await;
    assert_eq!(
        case["application"]["overdue"], 1,
        "late replies are accepted and marked"
    );
    let (s, _) = st
        .step(
            &st.director,
            late,
            "extend",
            json!({"days": 5, "reason": "x", "on": "2026-03-03"}),
        )
        .await;
    assert_eq!(s, 409, "nothing after the reply");
}

#[tokio::test]
async fn id_numbers_are_encrypted_masked_and_each_view_audited() {
    let st = staff().await;
    let id_no = valid_id("53010219900101123");
    let id = st.register("2026-03-02", &id_no).await;
    let stored: String = sqlx::query_scalar("SELECT id_number_enc FROM applications WHERE id = $1")
        .bind(id)
        .fetch_one(&st.app.state.db.pool)
        .await
        .unwrap();
    assert!(!stored.contains(&id_no[..10]), "encrypted at rest");
    let (_, list) = json_of(
        reqwest::Client::new()
            .get(st.app.url("/api/v1/applications?unit=tuoan"))
            .bearer_auth(&st.director)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        list[0]["id_number"],
        format!("5301**********{}", &id_no[14..])
    );
    assert!(!list.to_string().contains(&id_no));
    let (s, v) = json_of(
        reqwest::Client::new()
            .get(st.app.url(&format!("/api/v1/applications/{id}/id-number")))
            .bearer_auth(&st.director)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, v["id_number"].as_str()), (200, Some(id_no.as_str())));
    assert_eq!(
        st.app
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'application.view_id'")
            .await,
        1
    );
    assert_eq!(
        st.app
            .count(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%{}%'",
                &id_no[..10]
            ))
            .await,
        0,
        "no ID numbers in the audit log"
    );
    let (s, _) = json_of(
        reqwest::Client::new()
            .get(st.app.url(&format!("/api/v1/applications/{id}/id-number")))
            .bearer_auth(&st.stranger)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn supervisors_see_what_they_supervise_and_no_contact_details() {
    let st = staff().await;
    let tuoan_case = st
        .register("2026-03-02", &valid_id("53010219900101123"))
        .await;
    let mut b = body(&valid_id("53010219900101123"));
    b["unit"] = json!("gaofeng");
    b["channel"] = json!("post");
    b["on"] = json!("2026-03-02");
    let (s, v) = json_of(
        reqwest::Client::new()
            .post(st.app.url("/api/v1/applications"))
            .bearer_auth(&st.stranger)
            .json(&b)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let gaofeng_case = v["id"].as_i64().unwrap();
    st.app
        .user("sup-gaofeng", "gaofeng", &[Role::Supervisor])
        .await;
    st.app.user("sup-city", "lufeng", &[Role::Supervisor]).await;
    let township = st.app.token("sup-gaofeng").await;
    let city = st.app.token("sup-city").await;
    let get = |path: String, token: &String| {
        let (url, t) = (st.app.url(&path), token.clone());
        async move {
            json_of(
                reqwest::Client::new()
                    .get(url)
                    .bearer_auth(t)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    // A township's supervisor sees that township, not its neighbours.
    let (s, list) = get("/api/v1/applications".into(), &township).await;
    assert_eq!(s, 200);
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![gaofeng_case]);
    let (s, _) = get(format!("/api/v1/applications/{tuoan_case}"), &township).await;
    assert_eq!(s, 403);
    let (s, _) = get("/api/v1/applications?unit=tuoan".into(), &township).await;
    assert_eq!(s, 403);
    let (s, _) = get(format!("/api/v1/applications/{gaofeng_case}"), &township).await;
    assert_eq!(s, 200);
    // A tuoan draft does not exist for gaofeng's supervisor.
    let r = reqwest::Client::new()
        .post(st.app.url("/api/v1/items"))
        .bearer_auth(&st.editor)
        .json(&json!({"unit": "tuoan", "column": "notices", "title": "妥安乡草稿", "body_html": "<p>草稿</p>", "importance": "general"}))
        .send()
        .await
        .unwrap();
    let (_, draft) = json_of(r).await;
    let draft = draft["id"].as_i64().unwrap();
    let (s, _) = get(format!("/api/v1/items/{draft}"), &township).await;
    assert_eq!(s, 404);
    let (s, _) = get(format!("/api/v1/items/{draft}"), &city).await;
    assert_eq!(s, 200, "a city grant covers the city");
    // The city's supervisor oversees the case but does not get the applicant's contacts.
    let (s, case) = get(format!("/api/v1/applications/{tuoan_case}"), &city).await;
    assert_eq!(s, 200, "{case}");
    let text = case.to_string();
    for secret in ["13812345678", "lisi@example.com", "妥安乡某村"] {
        assert!(!text.contains(secret), "{secret} shown to a supervisor");
    }
    let (_, handled) = get(format!("/api/v1/applications/{tuoan_case}"), &st.director).await;
    assert!(
        handled.to_string().contains("13812345678"),
        "the handling unit sees them"
    );
    // The audit log: the township supervisor reads gaofeng's entries only.
    let b = st.app.login("sup-gaofeng", PASSWORD).await;
    let page = st.app.page_as(&b, "/admin/audit").await;
    assert!(page.contains(&format!("申请 {gaofeng_case}<")), "{page}");
    assert!(!page.contains(&format!("申请 {tuoan_case}<")));
    assert!(
        !page.contains("<td>登录</td>"),
        "sign-ins are for the city's supervisor"
    );
}

#[tokio::test]
async fn simultaneous_intakes_respect_the_hourly_limit() {
    let st = staff().await;
    let b = body(&valid_id("53010219900101123"));
    let tries = (0..12).map(|_| {
        reqwest::Client::new()
            .post(st.app.url("/api/v1/applications"))
            .json(&b)
            .send()
    });
    let answers = futures::future::join_all(tries).await;
    let statuses: Vec<u16> = answers
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        7,
        "{statuses:?}"
    );
    assert_eq!(st.app.count("SELECT COUNT(*) FROM applications").await, 5);
}

#[tokio::test]
async fn the_api_intake_honours_idempotency_keys() {
    let st = staff().await;
    let b = body(&valid_id("53010219900101123"));
    let send = |key: &'static str, b: Value| {
        let url = st.app.url("/api/v1/applications");
        async move {
            json_of(
                reqwest::Client::new()
                    .post(url)
                    .header("Idempotency-Key", key)
                    .json(&b)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let (s1, first) = send("6f1c2a9e-key-one", b.clone()).await;
    assert_eq!(s1, 201, "{first}");
    let repeats =
        futures::future::join_all((0..3).map(|_| send("6f1c2a9e-key-one", b.clone()))).await;
    for (s, v) in repeats {
        assert_eq!(s, 201);
        assert_eq!(v["tracking_no"], first["tracking_no"]);
        assert_eq!(v["access_code"], first["access_code"]);
    }
    assert_eq!(st.app.count("SELECT COUNT(*) FROM applications").await, 1);
    let mut changed = b.clone();
    changed["description"] = json!("完全不同的申请");
    let (s, v) = send("6f1c2a9e-key-one", changed).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("idempotency_key_reused"))
    );
    let (s, v) = send("another-key", b.clone()).await;
    assert_eq!(s, 201);
    assert_ne!(v["tracking_no"], first["tracking_no"]);
    assert_eq!(st.app.count("SELECT COUNT(*) FROM applications").await, 2);
}

#[tokio::test]
async fn the_case_answer_carries_the_contract_at_the_top_level() {
    let st = staff().await;
    let id = st
        .register("2026-03-02", &valid_id("53010219900101123"))
        .await;
    let (s, v) = json_of(
        reqwest::Client::new()
            .get(st.app.url(&format!("/api/v1/applications/{id}")))
            .bearer_auth(&st.director)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["id"], id);
    assert_eq!(v["state"], "running");
    assert_eq!(v["received_on"], "2026-03-02");
    assert!(v["tracking_no"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(v["due_on"].as_str().is_some());
    assert!(v["events"].as_array().is_some_and(|e| !e.is_empty()));
    assert_eq!(
        v["due_on"], v["application"]["due_on"],
        "the nested record stays"
    );
    // The OpenAPI description says so.
    let (_, spec) = json_of(st.app.get("/api/openapi.json").await).await;
    let required = spec["components"]["schemas"]["Case"]["required"]
        .as_array()
        .unwrap();
    for f in required {
        assert!(!v[f.as_str().unwrap()].is_null(), "{f} missing");
    }
    // A step answers the same shape; the intake answer carries the state too.
    let (_, after) = st
        .step(
            &st.director,
            id,
            "consultation-start",
            json!({"party": "第三方", "on": "2026-03-05"}),
        )
        .await;
    assert_eq!(after["state"], "consulting");
    let (_, receipt) = json_of(
        reqwest::Client::new()
            .post(st.app.url("/api/v1/applications"))
            .json(&body(&valid_id("53010219900101123")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(receipt["state"], "running");
}

#[tokio::test]
async fn queues_and_bad_states() {
    let st = staff().await;
    let a = st
        .register("2026-03-02", &valid_id("53010219900101123"))
        .await;
    let b = st
        .register("2026-03-02", &valid_id("53010219900101123"))
        .await;
    st.ok(b, "consultation-start", json!({"on": "2026-03-05"}))
        .await;
    let get = |state: &str| {
        let (url, t) = (
            st.app
                .url(&format!("/api/v1/applications?unit=tuoan&state={state}")),
            st.director.clone(),
        );
        async move {
            json_of(
                reqwest::Client::new()
                    .get(url)
                    .bearer_auth(t)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let (_, overdue) = get("overdue").await;
    assert!(
        overdue.as_array().unwrap().iter().any(|x| x["id"] == a),
        "received in March, unanswered: overdue"
    );
    let (_, paused) = get("paused").await;
    assert_eq!(paused.as_array().unwrap().len(), 1);
    assert_eq!(paused[0]["id"], b);
    let (s, v) = get("sleeping").await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("state")));
}

#[tokio::test]
async fn loading_a_year_recomputes_open_deadlines() {
    let st = staff().await;
    let id = st
        .register("2026-11-20", &valid_id("53010219900101123"))
        .await;
    let case = st
        .ok(
            id,
            "extend",
            json!({"days": 20, "reason": "需要协调", "on": "2026-11-25"}),
        )
        .await;
    assert_eq!(
        case["application"]["due_provisional"], 1,
        "runs into 2027, not yet loaded"
    );
    let before = case["application"]["due_on"].as_str().unwrap().to_owned();
    let json = r#"{"year": 2027, "papers": [], "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
        {"name": "演示", "date": "2027-01-04", "isOffDay": true},
        {"name": "演示", "date": "2027-01-05", "isOffDay": true}]}"#;
    let data = sunshine_core::calendar::YearData::parse(json).unwrap();
    let changed =
        sunshine::service::applications::load_calendar_year(&st.app.state.db, &data, json, "test")
            .await
            .unwrap();
    assert_eq!(changed, 1);
    let r = reqwest::Client::new()
        .get(st.app.url(&format!("/api/v1/applications/{id}")))
        .bearer_auth(&st.director)
        .send()
        .await
        .unwrap();
    let (_, case) = json_of(r).await;
    assert_eq!(case["application"]["due_provisional"], 0);
    assert_ne!(
        case["application"]["due_on"].as_str().unwrap(),
        before,
        "three days off moved the deadline"
    );
    assert!(case["events"].to_string().contains("calendar_changed"));
}

#[tokio::test]
async fn lapsed_corrections_and_unpaid_fees_conclude_on_their_own() {
    let st = staff().await;
    let mut b = body(&valid_id("53010219900101123"));
    b["on"] = json!("2026-03-02");
    b["channel"] = json!("post");
    let receipt: Value = reqwest::Client::new()
        .post(st.app.url("/api/v1/applications"))
        .bearer_auth(&st.editor)
        .json(&b)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let lapsed_correction = receipt["id"].as_i64().unwrap();
    st.ok(
        lapsed_correction,
        "correction-request",
        json!({"items": ["写明年份"], "period_days": 5, "on": "2026-03-04"}),
    )
    .await;
    let unpaid = st
        .register("2026-03-02", &valid_id("53010219900101123"))
        .await;
    st.ok(
        unpaid,
        "fee-notice",
        json!({"method": "pages", "pages": 150, "on": "2026-03-09"}),
    )
    .await;
    let still_waiting = st
        .register("2026-03-02", &valid_id("53010219900101123"))
        .await;
    let today = st.app.state.today().to_string();
    st.ok(
        still_waiting,
        "correction-request",
        json!({"items": ["写明年份"], "period_days": 10, "on": today}),
    )
    .await;

    assert_eq!(
        sunshine::service::applications::conclude_lapsed(&st.app.state)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        sunshine::service::applications::conclude_lapsed(&st.app.state)
            .await
            .unwrap(),
        0,
        "concluded once"
    );
    let get = |id: i64| {
        let (url, t) = (
            st.app.url(&format!("/api/v1/applications/{id}")),
            st.director.clone(),
        );
        async move {
            json_of(
                reqwest::Client::new()
                    .get(url)
                    .bearer_auth(t)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
            .1
        }
    };
    let a = get(lapsed_correction).await;
    assert_eq!(a["application"]["outcome"], "other_no_correction");
    assert_eq!(a["application"]["phase"], "replied");
    assert_eq!(
        get(unpaid).await["application"]["outcome"],
        "other_fee_unpaid"
    );
    assert_eq!(
        get(still_waiting).await["application"]["phase"],
        "awaiting_correction"
    );

    // The applicant downloads the letters with the number and code.
    let letter = a["letters"].as_array().unwrap().last().unwrap();
    assert!(letter["body"].as_str().unwrap().contains("不再处理"));
    let form = [
        ("no", receipt["tracking_no"].as_str().unwrap().to_owned()),
        ("code", receipt["access_code"].as_str().unwrap().to_owned()),
        ("letter", letter["id"].to_string()),
    ];
    let r = reqwest::Client::new()
        .post(st.app.url("/track/letter"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert!(r.text().await.unwrap().contains("不再处理"));
    let bad = [
        ("no", form[0].1.clone()),
        ("code", "WRONG123".to_owned()),
        ("letter", form[2].1.clone()),
    ];
    assert_eq!(
        reqwest::Client::new()
            .post(st.app.url("/track/letter"))
            .form(&bad)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    // A letter id that is not this case's (or not a number) is refused plainly, no file sent.
    for (letter, status) in [("999999", 404), ("abc", 422)] {
        let odd = [
            ("no", form[0].1.clone()),
            ("code", form[1].1.clone()),
            ("letter", letter.to_owned()),
        ];
        let r = reqwest::Client::new()
            .post(st.app.url("/track/letter"))
            .form(&odd)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "letter={letter}");
        assert!(r.headers().get("content-disposition").is_none());
    }
}

#[tokio::test]
async fn a_remedy_is_recorded_beside_the_clock_and_bad_ones_are_refused() {
    let st = staff().await;
    let id = st
        .register("2026-03-02", &valid_id("53010219900101123"))
        .await;
    st.ok(
        id,
        "reply",
        json!({"outcome": "granted", "basis": "第二十七条", "on": "2026-03-10"}),
    )
    .await;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2))
        .date_naive()
        .to_string();
    for (b, field) in [
        (json!({"kind": "appeal", "filed_on": "2026-04-01"}), "kind"),
        (json!({"filed_on": "2026-04-01"}), "kind"),
        (
            json!({"kind": "reconsideration", "filed_on": tomorrow}),
            "filed_on",
        ),
        (
            json!({"kind": "reconsideration", "filed_on": "4/1/2026"}),
            "filed_on",
        ),
        (
            json!({"kind": "reconsideration", "filed_on": "2026-04-01", "outcome": "won"}),
            "outcome",
        ),
    ] {
        let (s, v) = st.step(&st.director, id, "remedies", b.clone()).await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (422, Some(field)),
            "{b}: {v}"
        );
    }
    let case = st
        .ok(
            id,
            "remedies",
            json!({"kind": "reconsideration", "filed_on": "2026-04-01", "outcome": "upheld", "decided_on": "2026-05-20"}),
        )
        .await;
    assert_eq!(case["remedies"].as_array().unwrap().len(), 1, "{case}");
    assert_eq!(case["remedies"][0]["kind"], "reconsideration");
    // The remedy sits in the case history without disturbing the clock: the case still reads,
    // replied and on time.
    let (s, v) = json_of(
        reqwest::Client::new()
            .get(st.app.url(&format!("/api/v1/applications/{id}")))
            .bearer_auth(&st.director)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["application"]["phase"], "replied");
    assert_eq!(v["remedies"].as_array().unwrap().len(), 1);
    // A clock event that no longer reads stops the case (an internal error, logged) instead of
    // counting the deadline from a shortened history.
    sqlx::query(&format!(
        "UPDATE application_events SET data = '{{' WHERE application_id = {id} AND kind = 'received'"
    ))
    .execute(&st.app.state.db.pool)
    .await
    .unwrap();
    let r = reqwest::Client::new()
        .get(st.app.url(&format!("/api/v1/applications/{id}")))
        .bearer_auth(&st.director)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
}
