//! Review before publishing: chains, refusals, screening, overrides, withdrawal, audit.

mod common;
use common::*;
use serde_json::{json, Value};
use sunshine_core::role::Role;

struct Cast {
    app: TestApp,
    editor: String,
    director: String,
    leader: String,
    principal: String,
    both: String,
    stranger: String,
}

/// 妥安乡 with one person per role, plus a director-and-leader, plus 高峰乡's director.
async fn cast() -> Cast {
    let app = spawn_demo().await;
    app.user("r-editor", "tuoan", &[Role::Editor]).await;
    app.user("r-director", "tuoan", &[Role::Director]).await;
    app.user("r-leader", "tuoan", &[Role::Leader]).await;
    app.user("r-principal", "tuoan", &[Role::Principal]).await;
    app.user("r-both", "tuoan", &[Role::Director, Role::Leader])
        .await;
    app.user(
        "r-stranger",
        "gaofeng",
        &[Role::Director, Role::Leader, Role::Principal],
    )
    .await;
    Cast {
        editor: app.token("r-editor").await,
        director: app.token("r-director").await,
        leader: app.token("r-leader").await,
        principal: app.token("r-principal").await,
        both: app.token("r-both").await,
        stranger: app.token("r-stranger").await,
        app,
    }
}

async fn json_of(r: reqwest::Response) -> (u16, Value) {
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

impl Cast {
    async fn create(&self, title: &str, importance: &str, body: &str, prereview: Value) -> i64 {
        let r = reqwest::Client::new()
            .post(self.app.url("/api/v1/items"))
            .bearer_auth(&self.editor)
            .json(&json!({"unit": "tuoan", "column": "notices", "title": title, "body_html": body, "importance": importance, "prereview": prereview}))
            .send()
            .await
            .unwrap();
        let (s, v) = json_of(r).await;
        assert_eq!(s, 201, "{v}");
        v["id"].as_i64().unwrap()
    }

    async fn draft(&self, title: &str, importance: &str) -> i64 {
        self.create(title, importance, "<p>正文内容</p>", prereview())
            .await
    }

    async fn post(&self, token: &str, id: i64, step: &str, body: Value) -> (u16, Value) {
        let r = reqwest::Client::new()
            .post(self.app.url(&format!("/api/v1/items/{id}/{step}")))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        json_of(r).await
    }

    async fn ok(&self, token: &str, id: i64, step: &str, body: Value) -> Value {
        let (s, v) = self.post(token, id, step, body).await;
        assert_eq!(s, 200, "{step}: {v}");
        v
    }

    async fn review(&self, id: i64) -> Value {
        let r = reqwest::Client::new()
            .get(self.app.url(&format!("/api/v1/items/{id}/review")))
            .bearer_auth(&self.director)
            .send()
            .await
            .unwrap();
        let (s, v) = json_of(r).await;
        assert_eq!(s, 200, "{v}");
        v
    }

    /// The unit administrator sets 妥安乡's chains (general, important, critical); status and page.
    async fn set_policy(&self, admin: &reqwest::Client, chains: [&str; 3]) -> (u16, String) {
        let url = "/admin/units/tuoan/review-policy";
        self.app
            .submit(
                admin,
                url,
                url,
                &[
                    ("general", chains[0]),
                    ("important", chains[1]),
                    ("critical", chains[2]),
                ],
            )
            .await
    }

    async fn public_status(&self, id: i64) -> u16 {
        self.app
            .get(&format!("/items/{id}"))
            .await
            .status()
            .as_u16()
    }
}

fn prereview() -> Value {
    json!({"mode": "政府网站", "scope": "社会公众", "time_limit": "长期公开"})
}

fn valid_id() -> String {
    let first = "53010219900101123";
    format!(
        "{first}{}",
        sunshine_core::screening::id_check_char(first).unwrap()
    )
}

#[tokio::test]
async fn each_importance_walks_its_whole_chain() {
    let c = cast().await;
    let chains: [(&str, Vec<(&String, &str)>); 3] = [
        ("general", vec![(&c.director, "director")]),
        (
            "important",
            vec![(&c.director, "director"), (&c.leader, "leader")],
        ),
        (
            "critical",
            vec![
                (&c.director, "director"),
                (&c.leader, "leader"),
                (&c.principal, "principal"),
            ],
        ),
    ];
    for (importance, chain) in chains {
        let id = c.draft(&format!("{importance}级信息"), importance).await;
        let item = c.ok(&c.editor, id, "submit", json!({})).await;
        assert_eq!(item["state"], "in_review");
        assert_eq!(item["importance"], importance);
        for (n, (token, role)) in chain.iter().enumerate() {
            let r = c.review(id).await;
            assert_eq!(r["current_step"], n + 1, "{importance}");
            assert_eq!(r["waiting_for"], *role);
            assert_eq!(r["chain"].as_array().unwrap().len(), chain.len());
            assert_eq!(
                c.public_status(id).await,
                404,
                "nothing public before the whole chain approved"
            );
            let (s, body) = c.post(&c.director, id, "publish", json!({})).await;
            assert_eq!(
                (s, body["error"]["code"].as_str()),
                (409, Some("not_approved"))
            );
            let item = c
                .ok(
                    token,
                    id,
                    "approve",
                    json!({"comment": format!("{role}同意")}),
                )
                .await;
            let expected = if n + 1 == chain.len() {
                "approved"
            } else {
                "in_review"
            };
            assert_eq!(item["state"], expected);
        }
        let r = c.review(id).await;
        assert!(r["chain"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "approved"));
        let item = c.ok(&c.director, id, "publish", json!({})).await;
        assert_eq!(item["state"], "published");
        assert_eq!(c.public_status(id).await, 200);
    }
    // Every approval is in the audit log with the digest it bound to.
    assert_eq!(c.app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'item.approve' AND detail LIKE '%digest:%'").await, 6);
}

#[tokio::test]
async fn out_of_turn_own_and_foreign_approvals_are_refused() {
    let c = cast().await;
    let id = c.draft("特别重要的通知", "critical").await;
    c.ok(&c.editor, id, "submit", json!({})).await;
    for (token, code) in [
        (&c.leader, "not_your_step"),
        (&c.principal, "not_your_step"),
        (&c.editor, "own_item"),
        (&c.stranger, "not_your_unit"),
    ] {
        let (s, body) = c.post(token, id, "approve", json!({})).await;
        assert_eq!(s, 403, "{code}");
        assert_eq!(body["error"]["code"], code);
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    // Holding two roles does not allow approving two steps.
    c.ok(&c.both, id, "approve", json!({})).await;
    let (s, body) = c.post(&c.both, id, "approve", json!({})).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (403, Some("already_approved"))
    );
    // The refusals are in the audit log.
    assert!(
        c.app
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'permission.denied'")
            .await
            >= 4
    );
    let r = c.review(id).await;
    assert_eq!(r["current_step"], 2);
}

#[tokio::test]
async fn any_change_voids_approvals_and_restarts_the_chain() {
    let c = cast().await;
    let id = c.draft("会被修改的通知", "important").await;
    c.ok(&c.editor, id, "submit", json!({})).await;
    let seen = c.review(id).await["digest"].as_str().unwrap().to_owned();
    c.ok(&c.director, id, "approve", json!({"digest": seen}))
        .await;
    // The author changes the text: the director's approval no longer counts.
    let r = reqwest::Client::new()
        .put(c.app.url(&format!("/api/v1/items/{id}")))
        .bearer_auth(&c.editor)
        .json(&json!({"column": "notices", "title": "会被修改的通知", "body_html": "<p>改过的正文</p>", "importance": "important", "prereview": prereview()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c.review(id).await;
    assert_eq!(r["state"], "in_review");
    assert_eq!(r["current_step"], 1);
    assert_ne!(r["digest"], seen.as_str());
    assert_eq!(
        c.app
            .count(&format!(
                "SELECT COUNT(*) FROM approvals WHERE item_id = {id} AND void = 0"
            ))
            .await,
        0,
        "approvals voided"
    );
    // Approving what one saw before the change is refused.
    let (s, body) = c
        .post(&c.director, id, "approve", json!({"digest": seen}))
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (409, Some("content_changed"))
    );
    c.ok(&c.director, id, "approve", json!({})).await;
    c.ok(&c.leader, id, "approve", json!({})).await;
    // Content altered behind the application's back after approval: publishing refuses.
    sqlx::query("UPDATE items SET body_html = '<p>偷改</p>' WHERE id = $1")
        .bind(id)
        .execute(&c.app.state.db.pool)
        .await
        .unwrap();
    let (s, body) = c.post(&c.director, id, "publish", json!({})).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (409, Some("content_changed"))
    );
    assert_eq!(c.public_status(id).await, 404);
}

#[tokio::test]
async fn lowering_importance_is_refused_and_raising_extends_the_chain() {
    let c = cast().await;
    let id = c.draft("重要程度调整", "important").await;
    c.ok(&c.editor, id, "submit", json!({})).await;
    let (s, body) = c
        .post(
            &c.director,
            id,
            "importance",
            json!({"importance": "general"}),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (403, Some("cannot_lower_importance"))
    );
    let (s, body) = c
        .post(
            &c.director,
            id,
            "importance",
            json!({"importance": "urgent"}),
        )
        .await;
    assert_eq!(s, 422, "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "importance", "{body}");
    assert_eq!(c.review(id).await["chain"].as_array().unwrap().len(), 2);
    let (s, body) = c
        .post(
            &c.director,
            id,
            "approve",
            json!({"comment": "意".repeat(1001)}),
        )
        .await;
    assert_eq!((s, body["error"]["field"].as_str()), (422, Some("comment")));
    assert_eq!(
        c.review(id).await["current_step"],
        1,
        "nothing was approved"
    );
    let (s, _) = c
        .post(
            &c.editor,
            id,
            "importance",
            json!({"importance": "critical"}),
        )
        .await;
    assert_eq!(s, 403, "the author is not a reviewer");
    c.ok(&c.director, id, "approve", json!({})).await;
    c.ok(
        &c.leader,
        id,
        "importance",
        json!({"importance": "critical"}),
    )
    .await;
    let r = c.review(id).await;
    assert_eq!(r["chain"].as_array().unwrap().len(), 3);
    assert_eq!(
        r["current_step"], 2,
        "the director's approval stands: the content did not change"
    );
    c.ok(&c.leader, id, "approve", json!({})).await;
    let item = c.ok(&c.principal, id, "approve", json!({})).await;
    assert_eq!(item["state"], "approved");
}

#[tokio::test]
async fn one_approval_per_step_even_under_concurrency() {
    let c = cast().await;
    let id = c.draft("同时审核的通知", "important").await;
    c.ok(&c.editor, id, "submit", json!({})).await;
    // The same director sends "approve" eight times at once (a double click, a retry).
    let tries = (0..8).map(|_| c.post(&c.director, id, "approve", json!({})));
    let answers = futures::future::join_all(tries).await;
    let ok = answers.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(ok, 1, "exactly one approval lands: {answers:?}");
    for (s, v) in answers.iter().filter(|(s, _)| *s != 200) {
        assert!(*s == 403 || *s == 409, "{s} {v}");
        assert!(!v["error"]["message"].as_str().unwrap_or("").is_empty());
    }
    assert_eq!(
        c.app
            .count(&format!(
                "SELECT COUNT(*) FROM approvals WHERE item_id = {id} AND void = 0"
            ))
            .await,
        1
    );
    // The 分管领导's step was not skipped: the item still waits for it and cannot be published.
    let r = c.review(id).await;
    assert_eq!(r["state"], "in_review");
    assert_eq!(r["current_step"], 2, "step 2 of 2 (分管领导) waits");
    let (s, _) = c.post(&c.director, id, "publish", json!({})).await;
    assert_eq!(s, 409);
    assert_eq!(c.public_status(id).await, 404);
    // The leader's step, sent twice at once as well, lands once; then the item is approved.
    let tries = (0..4).map(|_| c.post(&c.leader, id, "approve", json!({})));
    let answers = futures::future::join_all(tries).await;
    assert_eq!(answers.iter().filter(|(s, _)| *s == 200).count(), 1);
    assert_eq!(c.review(id).await["state"], "approved");
}

#[tokio::test]
async fn whoever_changed_the_content_approves_and_publishes_none_of_it() {
    let c = cast().await;
    let id = c.draft("被审核人改过的通知", "important").await;
    // The director edits the editor's draft: from now on the director is one of its authors.
    let r = reqwest::Client::new()
        .put(c.app.url(&format!("/api/v1/items/{id}")))
        .bearer_auth(&c.director)
        .json(&json!({"column": "notices", "title": "被审核人改过的通知", "body_html": "<p>主任改写的正文</p>", "importance": "important", "prereview": prereview()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    c.ok(&c.editor, id, "submit", json!({})).await;
    let (s, body) = c.post(&c.director, id, "approve", json!({})).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (403, Some("own_item")),
        "{body}"
    );
    c.ok(&c.both, id, "approve", json!({})).await;
    c.ok(&c.leader, id, "approve", json!({})).await;
    let (s, body) = c.post(&c.director, id, "publish", json!({})).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (403, Some("own_item")),
        "{body}"
    );
    assert_eq!(c.public_status(id).await, 404);
    // An attachment is content too: whoever adds one is an author of what is then reviewed.
    let id2 = c.draft("附件由主任上传", "general").await;
    let b = c.app.login("r-director", PASSWORD).await;
    upload(&c, &b, id2, "说明.pdf", pdf_with_text("Notice text")).await;
    c.ok(&c.editor, id2, "submit", json!({})).await;
    let (s, _) = c.post(&c.director, id2, "approve", json!({})).await;
    assert_eq!(s, 403);
    // Saving the form without changing anything makes nobody an author.
    let id3 = c.draft("原样保存", "general").await;
    let r = reqwest::Client::new()
        .put(c.app.url(&format!("/api/v1/items/{id3}")))
        .bearer_auth(&c.both)
        .json(&json!({"column": "notices", "title": "原样保存", "body_html": "<p>正文内容</p>", "importance": "general", "prereview": prereview()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    c.ok(&c.editor, id3, "submit", json!({})).await;
    c.ok(&c.both, id3, "approve", json!({})).await;
}

#[tokio::test]
async fn approvals_that_no_longer_fit_a_changed_chain_are_void() {
    let c = cast().await;
    // Chains where the more important one is not the other extended: 分管领导 moves to last.
    let admin = c.app.login("tuoan-admin", DEMO_PASSWORD).await;
    let (s, _) = c
        .set_policy(
            &admin,
            ["director", "director,leader", "director,principal,leader"],
        )
        .await;
    assert_eq!(s, 200);
    let id = c.draft("链条变化的通知", "important").await;
    c.ok(&c.editor, id, "submit", json!({})).await;
    c.ok(&c.director, id, "approve", json!({})).await;
    c.ok(&c.leader, id, "approve", json!({})).await;
    assert_eq!(c.review(id).await["state"], "approved");
    // Raised to 特别重要: step 2 now wants the 主要领导; the leader's approval there is void.
    c.ok(
        &c.director,
        id,
        "importance",
        json!({"importance": "critical"}),
    )
    .await;
    let r = c.review(id).await;
    assert_eq!(r["state"], "in_review");
    assert_eq!(r["current_step"], 2);
    c.ok(&c.principal, id, "approve", json!({})).await;
    // The leader, whose approval was voided, approves the step that is theirs now.
    let item = c.ok(&c.leader, id, "approve", json!({})).await;
    assert_eq!(item["state"], "approved");
    let (s, body) = c.post(&c.director, id, "publish", json!({})).await;
    assert_eq!(s, 200, "{body}");
    // The policy changes while an item is under review: from the first step that no longer fits
    // on, approvals are void (a later step approved before the new first one does not stand).
    let g = c.draft("审核中改规则", "general").await;
    c.ok(&c.editor, g, "submit", json!({})).await;
    c.ok(&c.director, g, "approve", json!({})).await;
    assert_eq!(c.review(g).await["state"], "approved");
    let (s, _) = c
        .set_policy(
            &admin,
            [
                "leader,director",
                "leader,director",
                "director,principal,leader",
            ],
        )
        .await;
    assert_eq!(s, 200);
    let r = c.review(g).await;
    assert_eq!(r["state"], "in_review", "{r}");
    assert_eq!(r["current_step"], 1);
    c.ok(&c.leader, g, "approve", json!({})).await;
    let item = c.ok(&c.director, g, "approve", json!({})).await;
    assert_eq!(item["state"], "approved");
}

#[tokio::test]
async fn every_field_the_portal_shows_is_screened() {
    let c = cast().await;
    let r = reqwest::Client::new()
        .post(c.app.url("/api/v1/items"))
        .bearer_auth(&c.editor)
        .json(&json!({"unit": "tuoan", "column": "notices", "title": "元数据筛查", "body_html": "<p>正文</p>", "importance": "general", "prereview": prereview(), "author": format!("张{}", valid_id()), "doc_no": "机密★禄政发〔2019〕1号"}))
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(r).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    c.ok(&c.editor, id, "submit", json!({})).await;
    let r = c.review(id).await;
    let at = |kind: &str, field: &str| {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == kind && f["location"].as_str().unwrap().contains(field))
    };
    assert!(
        at("resident_id", "作者") && at("classification_mark", "发文字号"),
        "{r}"
    );
    assert_eq!(r["blocking"], true);
    // A misshapen field is named.
    let (s, v) = json_of(
        reqwest::Client::new()
            .post(c.app.url("/api/v1/items"))
            .bearer_auth(&c.editor)
            .json(&json!({"unit": "tuoan", "title": 5}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        v["error"]["message"].as_str().unwrap().contains("title"),
        "{v}"
    );
}

#[tokio::test]
async fn a_file_named_as_classified_is_a_finding() {
    let c = cast().await;
    let id = c.draft("附件名称带密级", "general").await;
    let editor = c.app.login("r-editor", PASSWORD).await;
    upload(&c, &editor, id, "机密★名单.pdf", pdf_with_text("Notice")).await;
    c.ok(&c.editor, id, "submit", json!({})).await;
    let r = c.review(id).await;
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "classification_mark"
                && f["location"].as_str().unwrap().contains("附件名称")),
        "{r}"
    );
}

#[tokio::test]
async fn a_raised_importance_stays_raised_through_rejection_and_edits() {
    let c = cast().await;
    let id = c.draft("提高后又退回的通知", "general").await;
    c.ok(&c.editor, id, "submit", json!({})).await;
    c.ok(
        &c.director,
        id,
        "importance",
        json!({"importance": "important"}),
    )
    .await;
    c.ok(&c.director, id, "reject", json!({"comment": "请补充依据"}))
        .await;
    // Back in draft, the author cannot quietly lower it again.
    let edit = |importance: &'static str| {
        reqwest::Client::new()
            .put(c.app.url(&format!("/api/v1/items/{id}")))
            .bearer_auth(&c.editor)
            .json(&json!({"column": "notices", "title": "提高后又退回的通知", "body_html": "<p>补充了依据</p>", "importance": importance, "prereview": prereview()}))
            .send()
    };
    let (s, body) = json_of(edit("general").await.unwrap()).await;
    assert_eq!(
        (s, body["error"]["field"].as_str()),
        (422, Some("importance")),
        "{body}"
    );
    assert_eq!(json_of(edit("important").await.unwrap()).await.0, 200);
    c.ok(&c.editor, id, "submit", json!({})).await;
    assert_eq!(c.review(id).await["chain"].as_array().unwrap().len(), 2);
    // A reviewer who is not the last of the chain may not lower it; the last one needs a reason.
    let (s, body) = c
        .post(
            &c.director,
            id,
            "importance",
            json!({"importance": "general", "reason": "不涉及重要事项"}),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (403, Some("cannot_lower_importance"))
    );
    let (s, body) = c
        .post(
            &c.leader,
            id,
            "importance",
            json!({"importance": "general"}),
        )
        .await;
    assert_eq!(
        (s, body["error"]["field"].as_str()),
        (422, Some("reason")),
        "{body}"
    );
    assert_eq!(c.review(id).await["importance"], "important");
    c.ok(
        &c.leader,
        id,
        "importance",
        json!({"importance": "general", "reason": "属日常工作动态，不涉及重要事项"}),
    )
    .await;
    let r = c.review(id).await;
    assert_eq!(r["importance"], "general");
    assert_eq!(r["chain"].as_array().unwrap().len(), 1);
    assert_eq!(
        c.app
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'item.lower_importance' AND detail LIKE '%日常工作动态%'")
            .await,
        1,
        "the lowering and its reason are audited"
    );
    // A draft submitted as important cannot be edited down after a rejection either.
    let id2 = c.draft("按重要送审的通知", "important").await;
    c.ok(&c.editor, id2, "submit", json!({})).await;
    c.ok(&c.director, id2, "reject", json!({"comment": "退回修改"}))
        .await;
    let r = reqwest::Client::new()
        .put(c.app.url(&format!("/api/v1/items/{id2}")))
        .bearer_auth(&c.editor)
        .json(&json!({"column": "notices", "title": "按重要送审的通知", "body_html": "<p>正文</p>", "importance": "general", "prereview": prereview()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn rejection_returns_the_draft_with_comments() {
    let c = cast().await;
    let id = c.draft("将被退回", "important").await;
    c.ok(&c.editor, id, "submit", json!({})).await;
    c.ok(&c.director, id, "approve", json!({})).await;
    let (s, body) = c
        .post(&c.leader, id, "reject", json!({"comment": "  "}))
        .await;
    assert_eq!((s, body["error"]["field"].as_str()), (422, Some("comment")));
    let (s, _) = c
        .post(
            &c.principal,
            id,
            "reject",
            json!({"comment": "不是我这一步"}),
        )
        .await;
    assert_eq!(s, 403);
    let item = c
        .ok(
            &c.leader,
            id,
            "reject",
            json!({"comment": "请补充资金来源"}),
        )
        .await;
    assert_eq!(item["state"], "draft");
    let r = c.review(id).await;
    assert_eq!(r["review_comment"], "请补充资金来源");
    assert!(
        r["chain"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] != "approved"),
        "approvals void"
    );
    c.ok(&c.editor, id, "submit", json!({})).await;
    assert_eq!(c.review(id).await["current_step"], 1);
}

#[tokio::test]
async fn pre_review_form_is_required_to_submit() {
    let c = cast().await;
    let id = c.create("没有预审", "general", "<p>x</p>", json!({})).await;
    let (s, body) = c.post(&c.editor, id, "submit", json!({})).await;
    assert_eq!(s, 422);
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["mode", "scope", "time_limit"]);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("预审表"));
}

#[tokio::test]
async fn security_items_wait_for_a_recorded_consultation() {
    let c = cast().await;
    let pr = json!({"mode": "政府网站", "scope": "社会公众", "time_limit": "长期公开", "touches_security": true, "consult_department": "市公安局"});
    let id = c
        .create("涉及社会稳定的通告", "general", "<p>x</p>", pr)
        .await;
    c.ok(&c.editor, id, "submit", json!({})).await;
    let (s, body) = c.post(&c.director, id, "approve", json!({})).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (409, Some("consultation_missing"))
    );
    let tomorrow = (c.app.state.today() + chrono::Duration::days(1)).to_string();
    let (s, body) = c.post(&c.editor, id, "consultations", json!({"department": "市公安局", "contact": "张警官", "held_on": tomorrow, "outcome": "同意"})).await;
    assert_eq!((s, body["error"]["field"].as_str()), (422, Some("held_on")));
    let (s, body) = c.post(&c.editor, id, "consultations", json!({"department": "", "contact": "张警官", "held_on": "2026-11-01", "outcome": "同意"})).await;
    assert_eq!(
        (s, body["error"]["field"].as_str()),
        (422, Some("department"))
    );
    let r = c.ok(&c.editor, id, "consultations", json!({"department": "市公安局", "contact": "张警官", "held_on": "2026-11-01", "outcome": "同意发布"})).await;
    assert_eq!(r["consultations"][0]["department"], "市公安局");
    let item = c.ok(&c.director, id, "approve", json!({})).await;
    assert_eq!(item["state"], "approved");
}

#[tokio::test]
async fn blocking_findings_stop_publishing_until_the_last_reviewer_overrides() {
    let c = cast().await;
    let id_no = valid_id();
    let body = format!("<p>秘密★1年</p><p>申请人身份证号 {id_no}，联系电话 13812345678。</p>");
    let id = c
        .create("含敏感内容的通知", "important", &body, prereview())
        .await;
    c.ok(&c.editor, id, "submit", json!({})).await;
    let r = c.review(id).await;
    assert_eq!(r["blocking"], true);
    let kinds: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["classification_mark", "resident_id", "mobile"]);
    let shown = r["findings"].to_string();
    assert!(!shown.contains(&id_no), "the number itself is never shown");
    assert!(shown.contains(&format!("5301**********{}", &id_no[14..])));
    assert!(shown.contains("138****5678"));
    c.ok(&c.director, id, "approve", json!({})).await;
    c.ok(&c.leader, id, "approve", json!({})).await;
    let (s, body) = c.post(&c.director, id, "publish", json!({})).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (409, Some("blocking_findings"))
    );
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("居民身份证号码"));
    // Only the chain's last reviewer (分管领导 here) may override, and only in writing.
    let (s, body) = c
        .post(
            &c.director,
            id,
            "override",
            json!({"reason": "经核实属于公开范围"}),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (403, Some("not_last_reviewer"))
    );
    let (s, body) = c
        .post(&c.leader, id, "override", json!({"reason": ""}))
        .await;
    assert_eq!((s, body["error"]["field"].as_str()), (422, Some("reason")));
    c.ok(
        &c.leader,
        id,
        "override",
        json!({"reason": "当事人书面同意公开，经核实不涉密"}),
    )
    .await;
    let item = c.ok(&c.director, id, "publish", json!({})).await;
    assert_eq!(item["state"], "published");
    assert_eq!(
        c.app
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'screening.override'")
            .await,
        1
    );
}

#[tokio::test]
async fn one_click_masking_fixes_the_text_and_restarts_review() {
    let c = cast().await;
    let id_no = valid_id();
    let id = c
        .create(
            "需要遮盖的公示",
            "general",
            &format!("<p>身份证 {id_no}</p>"),
            prereview(),
        )
        .await;
    c.ok(&c.editor, id, "submit", json!({})).await;
    let r = c.review(id).await;
    let f = &r["findings"][0];
    assert_eq!(f["maskable"], true);
    let (s, body) = c
        .post(
            &c.editor,
            id,
            "mask",
            json!({"index": 0, "masked": "wrong"}),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (409, Some("finding_changed"))
    );
    let item = c
        .ok(
            &c.editor,
            id,
            "mask",
            json!({"index": 0, "masked": f["masked"]}),
        )
        .await;
    assert!(!item["body_html"].as_str().unwrap().contains(&id_no));
    assert!(item["body_html"]
        .as_str()
        .unwrap()
        .contains(f["masked"].as_str().unwrap()));
    let r = c.review(id).await;
    assert_eq!(r["blocking"], false);
    assert_eq!(r["current_step"], 1);
    c.ok(&c.director, id, "approve", json!({})).await;
    c.ok(&c.director, id, "publish", json!({})).await;
}

#[tokio::test]
async fn withdrawal_keeps_the_record_and_answers_410() {
    let c = cast().await;
    let id = c.draft("将被撤回的通知", "general").await;
    c.ok(&c.editor, id, "submit", json!({})).await;
    c.ok(&c.director, id, "approve", json!({})).await;
    let item = c.ok(&c.director, id, "publish", json!({})).await;
    let index_no = item["index_no"].as_str().unwrap().to_owned();
    let (s, body) = c
        .post(&c.director, id, "withdraw", json!({"reason": ""}))
        .await;
    assert_eq!((s, body["error"]["field"].as_str()), (422, Some("reason")));
    let (s, body) = c
        .post(
            &c.director,
            id,
            "withdraw",
            json!({"reason": "长".repeat(501)}),
        )
        .await;
    assert_eq!((s, body["error"]["field"].as_str()), (422, Some("reason")));
    assert_eq!(
        c.public_status(id).await,
        200,
        "a refused withdrawal leaves the page up"
    );
    let (s, _) = c
        .post(&c.editor, id, "withdraw", json!({"reason": "内容有误"}))
        .await;
    assert_eq!(s, 403, "an editor cannot withdraw");
    let item = c
        .ok(&c.director, id, "withdraw", json!({"reason": "政策已调整"}))
        .await;
    assert_eq!(item["state"], "withdrawn");
    assert_eq!(
        item["index_no"],
        index_no.as_str(),
        "the index number stays"
    );
    let (s, html) = c.app.get_text(&format!("/items/{id}")).await;
    assert_eq!(s, 410);
    let t = text_of(&html);
    assert!(t.contains("已撤回") && t.contains(&index_no), "{t}");
    let (s, body) = json_of(c.app.get(&format!("/api/v1/items/{id}")).await).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (410, Some("withdrawn"))
    );
    let (s, _) = c
        .post(&c.director, id, "withdraw", json!({"reason": "再撤一次"}))
        .await;
    assert_eq!(s, 409);
    assert_eq!(
        c.app
            .count(&format!(
                "SELECT COUNT(*) FROM change_log WHERE item_id = {id} AND op = 'withdraw'"
            ))
            .await,
        1
    );
    // Published items are not edited in place.
    let r = reqwest::Client::new()
        .put(c.app.url(&format!("/api/v1/items/{id}")))
        .bearer_auth(&c.director)
        .json(&json!({"column": "notices", "title": "x", "body_html": "<p>x</p>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
}

#[tokio::test]
async fn scheduled_publication_happens_at_the_set_time() {
    let c = cast().await;
    let id = c.draft("定时发布的通知", "general").await;
    c.ok(&c.editor, id, "submit", json!({})).await;
    c.ok(&c.director, id, "approve", json!({})).await;
    let (s, body) = c
        .post(&c.director, id, "publish", json!({"at": "tomorrow"}))
        .await;
    assert_eq!((s, body["error"]["field"].as_str()), (422, Some("at")));
    let at = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let item = c.ok(&c.director, id, "publish", json!({"at": at})).await;
    assert_eq!(item["state"], "approved");
    assert_eq!(c.public_status(id).await, 404);
    assert_eq!(
        sunshine::service::review::publish_due(&c.app.state)
            .await
            .unwrap(),
        0
    );
    sqlx::query("UPDATE items SET publish_at = publish_at - 7200 WHERE id = $1")
        .bind(id)
        .execute(&c.app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        sunshine::service::review::publish_due(&c.app.state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(c.public_status(id).await, 200);
    assert_eq!(
        sunshine::service::review::publish_due(&c.app.state)
            .await
            .unwrap(),
        0,
        "published once"
    );
}

#[tokio::test]
async fn review_queue_and_policy_in_the_back_office() {
    let c = cast().await;
    let id = c.draft("排队的重要信息", "important").await;
    c.ok(&c.editor, id, "submit", json!({})).await;
    let director = c.app.login("r-director", PASSWORD).await;
    let leader = c.app.login("r-leader", PASSWORD).await;
    let q = |b: reqwest::Client| {
        let url = c.app.url("/admin/queue");
        async move { text_of(&b.get(url).send().await.unwrap().text().await.unwrap()) }
    };
    assert!(q(director.clone()).await.contains("排队的重要信息"));
    assert!(
        !q(leader.clone()).await.contains("排队的重要信息"),
        "not the leader's turn yet"
    );
    c.ok(&c.director, id, "approve", json!({})).await;
    assert!(q(leader.clone()).await.contains("第2/2步：分管领导"));
    // The item page shows the chain and offers the leader the buttons of his step.
    let page = c.app.page_as(&leader, &format!("/admin/items/{id}")).await;
    assert!(text_of(&page).contains("等待第2步：分管领导审核"));
    assert!(
        text_of(&page).contains("状态：待审"),
        "the state is named, not 未知"
    );
    assert!(page.contains("/review/approve") && page.contains("/review/reject"));

    // The unit's administrator changes the chain for 一般 items.
    let admin = c.app.login("tuoan-admin", DEMO_PASSWORD).await;
    let url = "/admin/units/tuoan/review-policy";
    let (s, page) = c
        .set_policy(
            &admin,
            ["editor", "director,leader", "director,leader,principal"],
        )
        .await;
    assert_eq!(s, 422);
    assert!(text_of(&page).contains("不能担任审核步骤"));
    let (s, _) = c
        .set_policy(
            &admin,
            [
                "director,leader",
                "director,leader",
                "director,leader,principal",
            ],
        )
        .await;
    assert_eq!(s, 200);
    let g = c.draft("新规则下的一般信息", "general").await;
    c.ok(&c.editor, g, "submit", json!({})).await;
    assert_eq!(c.review(g).await["chain"].as_array().unwrap().len(), 2);
    let (s, _) = c
        .app
        .submit(&director, "/admin", url, &[("general", "director")])
        .await;
    assert_eq!(s, 403, "only the administrator sets the policy");
}

#[tokio::test]
async fn audit_log_is_readable_by_supervisors_and_exportable() {
    let c = cast().await;
    let id = c.draft("审计样本", "general").await;
    c.ok(&c.editor, id, "submit", json!({})).await;
    let sup = c.app.login("admin", DEMO_PASSWORD).await;
    let page = sup.get(c.app.url("/admin/audit")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    // The page says what happened in words; the export keeps the codes (a data contract).
    let page = text_of(&page.text().await.unwrap());
    assert!(
        page.contains("送审") && page.contains(&format!("信息 {id}")),
        "{page}"
    );
    assert!(!page.contains("item.submit"), "{page}");
    let csv = sup.get(c.app.url("/admin/audit.csv")).send().await.unwrap();
    assert_eq!(csv.status(), 200);
    let body = csv.text().await.unwrap();
    assert!(body.contains("seq,at,actor_id") && body.contains("item.submit"));
    assert_eq!(
        c.app
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'audit.export'")
            .await,
        1
    );
    let editor = c.app.login("r-editor", PASSWORD).await;
    assert_eq!(
        editor
            .get(c.app.url("/admin/audit"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

const DOCX_CT: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// A minimal Office Open XML package with the given parts.
fn ooxml(parts: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts: zip::write::SimpleFileOptions = zip::write::SimpleFileOptions::default();
        // Laid out as Word and Excel write them: content types, package relationships, then the parts.
        let rels = (
            "_rels/.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>"#,
        );
        for (name, body) in parts
            .iter()
            .take(1)
            .chain(std::iter::once(&rels))
            .chain(parts.iter().skip(1))
        {
            z.start_file(*name, opts).unwrap();
            z.write_all(body.as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

fn docx(body: &str, creator: &str) -> Vec<u8> {
    ooxml(&[
        (
            "[Content_Types].xml",
            &format!(
                r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="{DOCX_CT}.main+xml"/></Types>"#
            ),
        ),
        (
            "word/document.xml",
            &format!(
                r#"<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>{body}</w:t></w:r></w:p></w:body></w:document>"#
            ),
        ),
        (
            "docProps/core.xml",
            &format!(
                r#"<cp:coreProperties xmlns:cp="cp" xmlns:dc="dc"><dc:creator>{creator}</dc:creator></cp:coreProperties>"#
            ),
        ),
    ])
}

fn xlsx_with_hidden_sheet(secret: &str) -> Vec<u8> {
    ooxml(&[
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<workbook><sheets><sheet name="汇总" sheetId="1"/><sheet name="明细" sheetId="2" state="hidden"/></sheets></workbook>"#,
        ),
        (
            "xl/sharedStrings.xml",
            &format!("<sst><si><t>姓名</t></si><si><t>{secret}</t></si></sst>"),
        ),
        (
            "xl/worksheets/sheet1.xml",
            "<worksheet><sheetData><row><c t=\"s\"><v>0</v></c></row></sheetData></worksheet>",
        ),
        (
            "xl/worksheets/sheet2.xml",
            "<worksheet><sheetData><row><c t=\"s\"><v>1</v></c></row></sheetData></worksheet>",
        ),
    ])
}

fn pdf_with_text(text: &str) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc
        .add_object(dictionary! {"Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier"});
    let resources_id = doc.add_object(dictionary! {"Font" => dictionary! {"F1" => font_id}});
    let content = Content {
        operations: vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 12.into()]),
            Operation::new("Td", vec![50.into(), 700.into()]),
            Operation::new("Tj", vec![Object::string_literal(text)]),
            Operation::new("ET", vec![]),
        ],
    };
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
    let page_id = doc
        .add_object(dictionary! {"Type" => "Page", "Parent" => pages_id, "Contents" => content_id});
    let pages = dictionary! {"Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1, "Resources" => resources_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()]};
    doc.objects.insert(pages_id, Object::Dictionary(pages));
    let catalog_id = doc.add_object(dictionary! {"Type" => "Catalog", "Pages" => pages_id});
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

async fn upload(c: &Cast, b: &reqwest::Client, id: i64, name: &str, bytes: Vec<u8>) {
    let page = c.app.page_as(b, &format!("/admin/items/{id}")).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf_of(&page))
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    let r = b
        .post(c.app.url(&format!("/admin/items/{id}/attachments")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "upload {name}");
}

/// A PDF of a few tens of kilobytes whose page content inflates to 30 MB.
fn pdf_bomb() -> Vec<u8> {
    use lopdf::{dictionary, Document, Object, Stream};
    use std::io::Write;
    let mut content = b"BT (Notice) Tj ET\n".to_vec();
    content.extend(std::iter::repeat_n(b' ', 30 * 1024 * 1024));
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&content).unwrap();
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let content_id = doc.add_object(Stream::new(
        dictionary! {"Filter" => "FlateDecode"},
        z.finish().unwrap(),
    ));
    let page_id = doc
        .add_object(dictionary! {"Type" => "Page", "Parent" => pages_id, "Contents" => content_id});
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! {"Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1},
        ),
    );
    let catalog_id = doc.add_object(dictionary! {"Type" => "Catalog", "Pages" => pages_id});
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[tokio::test]
async fn a_file_not_read_whole_blocks_publication() {
    let c = cast().await;
    let id = c.draft("附件解压过大", "general").await;
    let editor = c.app.login("r-editor", PASSWORD).await;
    upload(&c, &editor, id, "压缩包.pdf", pdf_bomb()).await;
    c.ok(&c.editor, id, "submit", json!({})).await;
    let r = c.review(id).await;
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "not_fully_screened")
        .unwrap_or_else(|| panic!("a bomb is not a silent pass: {r}"));
    assert_eq!(f["severity"], "blocking");
    assert!(f["location"].as_str().unwrap().contains("压缩包.pdf"));
    c.ok(&c.director, id, "approve", json!({})).await;
    let (s, body) = c.post(&c.director, id, "publish", json!({})).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (409, Some("blocking_findings")),
        "{body}"
    );
    assert_eq!(c.public_status(id).await, 404);
}

#[tokio::test]
async fn attachments_are_screened_inside() {
    let c = cast().await;
    let id = c.draft("带附件送审", "general").await;
    let editor = c.app.login("r-editor", PASSWORD).await;
    let id_no = valid_id();
    upload(&c, &editor, id, "名单.docx", docx("公示名单", "内部资料")).await;
    upload(
        &c,
        &editor,
        id,
        "明细.xlsx",
        xlsx_with_hidden_sheet("13812345678"),
    )
    .await;
    upload(
        &c,
        &editor,
        id,
        "扫描件.pdf",
        pdf_with_text(&format!("ID {id_no}")),
    )
    .await;
    upload(
        &c,
        &editor,
        id,
        "损坏.pdf",
        b"%PDF-1.4\n%garbage without structure".to_vec(),
    )
    .await;
    upload(
        &c,
        &editor,
        id,
        "照片.png",
        vec![
            0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R',
        ],
    )
    .await;
    c.ok(&c.editor, id, "submit", json!({})).await;
    let r = c.review(id).await;
    let found: Vec<(String, String)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_owned(),
                f["location"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let has = |kind: &str, loc: &str| found.iter().any(|(k, l)| k == kind && l.contains(loc));
    assert!(
        has("classification_mark", "名单.docx”文档属性"),
        "{found:?}"
    );
    assert!(has("mobile", "明细.xlsx"), "{found:?}");
    assert!(has("resident_id", "扫描件.pdf"), "{found:?}");
    assert!(
        has("unreadable", "损坏.pdf"),
        "a corrupted file is said so: {found:?}"
    );
    assert!(has("unreadable", "照片.png"), "{found:?}");
    let unreadable = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["location"].as_str().unwrap().contains("损坏.pdf"))
        .unwrap();
    assert!(unreadable["excerpt"]
        .as_str()
        .unwrap()
        .contains("损坏或已加密"));
    assert_eq!(r["blocking"], true);
    // Attachments cannot be masked in place.
    assert!(r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["location"].as_str().unwrap().contains("附件"))
        .all(|f| f["maskable"] == false));
    // Replacing an attachment after approval voids the approval.
    c.ok(
        &c.director,
        id,
        "override",
        json!({"reason": "附件为公示名单，已脱敏核对"}),
    )
    .await;
    c.ok(&c.director, id, "approve", json!({})).await;
    upload(&c, &editor, id, "补充.docx", docx("补充说明", "妥安乡")).await;
    let r = c.review(id).await;
    assert_eq!(r["state"], "in_review");
    assert_eq!(r["current_step"], 1);
}

#[tokio::test]
async fn audit_verify_finds_edited_deleted_and_reordered_entries() {
    let c = cast().await;
    for n in 0..3 {
        let id = c.draft(&format!("审计链{n}"), "general").await;
        c.ok(&c.editor, id, "submit", json!({})).await;
    }
    let url = c.app.state.config.database_url.clone();
    let verify = || {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_sunshine"))
            .args(["audit", "verify"])
            .env("SUNSHINE_DATABASE_URL", &url)
            .env("SUNSHINE_DATA_KEY", TEST_DATA_KEY)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr),
        )
    };
    let (code, out) = verify();
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("审计日志完整"));
    let pool = &c.app.state.db.pool;
    let exec = |sql: String| async move { sqlx::query(&sql).execute(pool).await.unwrap() };

    // Edited.
    exec("UPDATE audit_log SET detail = detail || ' ' WHERE seq = 3".into()).await;
    let (code, out) = verify();
    assert_eq!(code, Some(1));
    assert!(out.contains("第 3 条") && out.contains("被修改"), "{out}");
    exec(
        "UPDATE audit_log SET detail = substr(detail, 1, length(detail) - 1) WHERE seq = 3".into(),
    )
    .await;
    assert_eq!(verify().0, Some(0), "restored");

    // Reordered: two entries swap places.
    exec("UPDATE audit_log SET seq = -4 WHERE seq = 4".into()).await;
    exec("UPDATE audit_log SET seq = 4 WHERE seq = 5".into()).await;
    exec("UPDATE audit_log SET seq = 5 WHERE seq = -4".into()).await;
    let (code, out) = verify();
    assert_eq!(code, Some(1));
    assert!(out.contains("第 4 条"), "{out}");
    exec("UPDATE audit_log SET seq = -4 WHERE seq = 4".into()).await;
    exec("UPDATE audit_log SET seq = 4 WHERE seq = 5".into()).await;
    exec("UPDATE audit_log SET seq = 5 WHERE seq = -4".into()).await;
    assert_eq!(verify().0, Some(0), "restored");

    // Deleted in the middle, and at the end.
    exec("DELETE FROM audit_log WHERE seq = 2".into()).await;
    let (code, out) = verify();
    assert_eq!(code, Some(1));
    assert!(out.contains("第 2 条缺失"), "{out}");
}

#[tokio::test]
async fn cutting_off_the_tail_of_the_audit_log_is_detected() {
    let c = cast().await;
    let id = c.draft("审计链尾", "general").await;
    c.ok(&c.editor, id, "submit", json!({})).await;
    let last: i64 = c.app.count("SELECT MAX(seq) FROM audit_log").await;
    sqlx::query("DELETE FROM audit_log WHERE seq = $1")
        .bind(last)
        .execute(&c.app.state.db.pool)
        .await
        .unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_sunshine"))
        .args(["audit", "verify"])
        .env("SUNSHINE_DATABASE_URL", &c.app.state.config.database_url)
        .env("SUNSHINE_DATA_KEY", TEST_DATA_KEY)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("末尾的记录被删除"));
}
