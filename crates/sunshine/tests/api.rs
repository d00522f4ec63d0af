//! The public JSON API and the staff API with bearer tokens.

mod common;
use common::*;
use serde_json::{json, Value};
use sunshine_core::role::Role;

/// Posts a workflow step for an item with a token.
async fn post(app: &TestApp, token: &str, id: i64, step: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/items/{id}/{step}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    json_of(r).await
}

fn prereview() -> Value {
    json!({"mode": "政府网站", "scope": "社会公众", "time_limit": "长期公开"})
}

async fn json_of(r: reqwest::Response) -> (u16, Value) {
    let s = r.status().as_u16();
    (s, r.json().await.expect("json body"))
}

#[tokio::test]
async fn public_reads() {
    let app = spawn_demo().await;
    let (s, units) = json_of(app.get("/api/v1/units").await).await;
    assert_eq!(s, 200);
    let tuoan = units
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "tuoan")
        .expect("tuoan listed");
    assert_eq!(tuoan["name"], "妥安乡");
    assert_eq!(tuoan["kind"], "township");
    assert_eq!(tuoan["parent"], "lufeng");
    assert_eq!(tuoan["org_code"], "LFDEMO-201");

    let (s, cols) = json_of(app.get("/api/v1/units/tuoan/columns").await).await;
    assert_eq!(s, 200);
    let cols = cols.as_array().unwrap();
    assert!(cols.iter().any(|c| c["slug"] == "annual-report"
        && c["name"] == "政府信息公开年报"
        && c["parent"].is_null()));
    assert!(cols
        .iter()
        .any(|c| c["slug"] == "regulations" && c["parent"] == "statutory"));

    let (s, list) = json_of(
        app.get("/api/v1/items?unit=tuoan&column=annual-report")
            .await,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(list["total"], 3);
    let first = &list["items"][0];
    for key in ["id", "index_no", "title", "unit", "column", "published_on"] {
        assert!(first.get(key).is_some(), "{key} missing");
    }
    let seed = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["title"] == "妥安乡2017年政府信息公开工作年度报告")
        .unwrap();
    let (s, item) = json_of(app.get(&format!("/api/v1/items/{}", seed["id"])).await).await;
    assert_eq!(s, 200);
    assert_eq!(item["published_on"], "2018-01-30");
    assert_eq!(item["index_no"], "LFDEMO-201/2018-00001");
    assert_eq!(item["author"], "妥安乡");
    assert!(item["body_html"]
        .as_str()
        .unwrap()
        .contains("<h2>一、基本情况</h2>"));
    assert!(item["attachments"].is_array());
    assert!(item["hits"].is_number());

    let (s, all) = json_of(app.get("/api/v1/items?page=2").await).await;
    assert_eq!(s, 200);
    assert!(all["total"].as_i64().unwrap() > 20);
    assert_eq!(all["items"].as_array().unwrap().len(), 20);
}

#[tokio::test]
async fn bad_queries_name_the_field() {
    let app = spawn_demo().await;
    for (path, status, field) in [
        ("/api/v1/items?unit=nowhere", 422, "unit"),
        ("/api/v1/items?unit=tuoan&column=nowhere", 422, "column"),
        ("/api/v1/items?column=notices", 422, "column"),
        ("/api/v1/items?page=0", 422, "page"),
        ("/api/v1/items?page=x", 422, "page"),
    ] {
        let (s, body) = json_of(app.get(path).await).await;
        assert_eq!(s, status, "{path}");
        assert_eq!(body["error"]["field"], field, "{path}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    for path in [
        "/api/v1/items/abc",
        "/api/v1/items/0",
        "/api/v1/items/424242",
        "/api/v1/units/nowhere/columns",
    ] {
        let (s, body) = json_of(app.get(path).await).await;
        assert_eq!(s, 404, "{path}");
        assert_eq!(body["error"]["code"], "not_found");
    }
    let (s, body) = json_of(app.get("/api/v2/anything").await).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (404, Some("no_such_endpoint"))
    );
}

#[tokio::test]
async fn staff_api_follows_the_back_office_rules() {
    let app = spawn_demo().await;
    app.user("api-editor", "tuoan", &[Role::Editor]).await;
    app.user("api-director", "tuoan", &[Role::Director]).await;
    app.user("api-gaofeng", "gaofeng", &[Role::Editor, Role::Director])
        .await;
    let (editor, director, stranger) = (
        app.token("api-editor").await,
        app.token("api-director").await,
        app.token("api-gaofeng").await,
    );
    let c = reqwest::Client::new();

    // No token or a bad one: 401.
    let (s, body) = json_of(
        c.post(app.url("/api/v1/items"))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 401);
    assert_eq!(body["error"]["code"], "unauthorized");
    let (s, _) = json_of(
        c.get(app.url("/api/v1/items/1"))
            .bearer_auth("sst_forged")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 401);

    // Malformed bodies and missing fields.
    let r = c
        .post(app.url("/api/v1/items"))
        .bearer_auth(&editor)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (s, body) = json_of(r).await;
    assert_eq!(s, 422);
    assert_eq!(body["error"]["field"], "body");
    let (s, body) = json_of(
        c.post(app.url("/api/v1/items"))
            .bearer_auth(&editor)
            .json(&json!({"unit": "tuoan", "column": "notices"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422);
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"title") && fields.contains(&"body_html"),
        "{fields:?}"
    );

    // A draft, invisible to the public and to another unit, visible to its own staff.
    let draft = json!({"unit": "tuoan", "column": "notices", "title": "接口起草的通知", "body_html": "<p>内容</p>", "doc_no": "妥政通[2026]7号", "prereview": prereview()});
    let (s, item) = json_of(
        c.post(app.url("/api/v1/items"))
            .bearer_auth(&editor)
            .json(&draft)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(item["state"], "draft");
    assert_eq!(item["doc_no"], "妥政通〔2026〕7号");
    assert!(item["index_no"].is_null());
    let id = item["id"].as_i64().unwrap();
    assert_eq!(app.get(&format!("/api/v1/items/{id}")).await.status(), 404);
    assert_eq!(
        c.get(app.url(&format!("/api/v1/items/{id}")))
            .bearer_auth(&stranger)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        c.get(app.url(&format!("/api/v1/items/{id}")))
            .bearer_auth(&director)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let (s, _) = json_of(
        c.put(app.url(&format!("/api/v1/items/{id}")))
            .bearer_auth(&stranger)
            .json(&draft)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 404);
    let (s, body) = json_of(
        c.post(app.url("/api/v1/items"))
            .bearer_auth(&stranger)
            .json(&draft)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(body["error"]["code"], "not_your_unit");

    // Duplicate document number.
    let (s, body) = json_of(
        c.post(app.url("/api/v1/items"))
            .bearer_auth(&editor)
            .json(&draft)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(body["error"]["field"], "doc_no");

    // Editing, then publishing: not by the author, not by a non-director.
    let mut edited = draft.clone();
    edited["title"] = json!("接口起草的通知（修改）");
    let (s, item) = json_of(
        c.put(app.url(&format!("/api/v1/items/{id}")))
            .bearer_auth(&editor)
            .json(&edited)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(item["title"], "接口起草的通知（修改）");
    let (s, body) = post(&app, &editor, id, "publish", json!({})).await;
    assert_eq!(s, 403);
    assert_eq!(body["error"]["code"], "not_director");
    let (s, body) = post(&app, &director, id, "publish", json!({})).await;
    assert_eq!(s, 409);
    assert_eq!(body["error"]["code"], "not_approved");
    assert_eq!(post(&app, &editor, id, "submit", json!({})).await.0, 200);
    let (s, item) = post(&app, &director, id, "approve", json!({"comment": "同意"})).await;
    assert_eq!(s, 200);
    assert_eq!(item["state"], "approved");
    let (s, item) = post(&app, &director, id, "publish", json!({})).await;
    assert_eq!(s, 200);
    assert_eq!(item["state"], "published");
    assert!(item["index_no"]
        .as_str()
        .unwrap()
        .starts_with("LFDEMO-201/"));
    let (s, body) = post(&app, &director, id, "publish", json!({})).await;
    assert_eq!(s, 409);
    assert_eq!(body["error"]["code"], "wrong_state");
    assert_eq!(app.get(&format!("/api/v1/items/{id}")).await.status(), 200);

    // A director's own draft: refused with own_item.
    let own = json!({"unit": "tuoan", "column": "notices", "title": "主任自拟", "body_html": "<p>x</p>", "prereview": prereview()});
    let (_, item) = json_of(
        c.post(app.url("/api/v1/items"))
            .bearer_auth(&director)
            .json(&own)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let own_id = item["id"].as_i64().unwrap();
    assert_eq!(
        post(&app, &director, own_id, "submit", json!({})).await.0,
        200
    );
    let (s, body) = post(&app, &director, own_id, "approve", json!({})).await;
    assert_eq!(s, 403);
    assert_eq!(body["error"]["code"], "own_item");

    // 依申请公开 items never reach the portal.
    let on_request = json!({"unit": "tuoan", "column": "notices", "title": "依申请", "body_html": "<p>x</p>", "disclosure": "on_request", "prereview": prereview()});
    let (_, item) = json_of(
        c.post(app.url("/api/v1/items"))
            .bearer_auth(&editor)
            .json(&on_request)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let oid = item["id"].as_i64().unwrap();
    post(&app, &editor, oid, "submit", json!({})).await;
    post(&app, &director, oid, "approve", json!({})).await;
    let (s, body) = post(&app, &director, oid, "publish", json!({})).await;
    assert_eq!(s, 409);
    assert_eq!(body["error"]["code"], "not_active");
}

/// The API's contract: every path and method it serves, as published since the first release.
const CONTRACT: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/api/v1/units"),
    ("GET", "/api/v1/units/{code}/columns"),
    ("GET", "/api/v1/search"),
    ("GET", "/api/v1/items"),
    ("POST", "/api/v1/items"),
    ("GET", "/api/v1/items/{id}"),
    ("PUT", "/api/v1/items/{id}"),
    ("POST", "/api/v1/items/{id}/submit"),
    ("POST", "/api/v1/items/{id}/approve"),
    ("POST", "/api/v1/items/{id}/reject"),
    ("POST", "/api/v1/items/{id}/publish"),
    ("POST", "/api/v1/items/{id}/withdraw"),
    ("POST", "/api/v1/items/{id}/override"),
    ("POST", "/api/v1/items/{id}/importance"),
    ("POST", "/api/v1/items/{id}/consultations"),
    ("POST", "/api/v1/items/{id}/mask"),
    ("GET", "/api/v1/items/{id}/review"),
    ("GET", "/api/v1/reports"),
    ("GET", "/api/v1/reports/{unit}/{year}"),
    ("POST", "/api/v1/applications"),
    ("GET", "/api/v1/applications"),
    ("GET", "/api/v1/applications/track"),
    ("GET", "/api/v1/applications/{id}"),
    ("GET", "/api/v1/applications/{id}/id-number"),
    ("POST", "/api/v1/applications/{id}/{step}"),
];

/// Every `$ref` in a document.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn openapi_is_generated_and_describes_every_route_parameter_and_schema() {
    let app = spawn_demo().await;
    let (s, spec) = json_of(app.get("/api/openapi.json").await).await;
    assert_eq!(s, 200);
    assert_eq!(spec["openapi"], "3.1.0");
    let paths = spec["paths"].as_object().unwrap();
    let mut described: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), p.clone()))
        })
        .collect();
    described.sort();
    let mut contract: Vec<(String, String)> = CONTRACT
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    contract.sort();
    assert_eq!(
        described, contract,
        "the paths are the contract's, no more, no fewer"
    );
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            let what = format!("{method} {path}");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{what}: summary"
            );
            // Every `{param}` of the path is a described path parameter.
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for name in path.split('{').skip(1).filter_map(|s| s.split('}').next()) {
                assert!(
                    params
                        .iter()
                        .any(|p| p["name"] == name && p["in"] == "path"),
                    "{what}: path parameter {name} is not described"
                );
            }
            for p in &params {
                assert!(
                    p["schema"].is_object(),
                    "{what}: parameter {} has no schema",
                    p["name"]
                );
            }
            // A success answer with its body, and error answers in the error shape.
            let responses = op["responses"].as_object().unwrap();
            let ok = responses
                .iter()
                .find(|(code, _)| code.starts_with('2'))
                .unwrap_or_else(|| panic!("{what}: no success answer"));
            assert!(
                ok.1["content"].is_object(),
                "{what}: success without a body schema"
            );
            for (code, r) in responses.iter().filter(|(c, _)| c.starts_with('4')) {
                assert_eq!(
                    r["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/Error",
                    "{what} {code}: errors answer the error shape"
                );
            }
        }
    }
    // Every schema referred to is described.
    let mut all = vec![];
    refs(&spec, &mut all);
    assert!(all.len() > 50, "{} references", all.len());
    for r in all {
        let name = r.trim_start_matches("#/components/schemas/");
        assert!(
            schemas.contains_key(name),
            "{r} is referred to but not described"
        );
    }
    // The answers' fields, as clients read them.
    let props = |schema: &str| -> Vec<String> {
        schemas[schema]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{schema} has no properties"))
            .keys()
            .cloned()
            .collect()
    };
    for f in [
        "id",
        "index_no",
        "title",
        "unit",
        "column",
        "published_on",
        "state",
        "attachments",
        "hits",
    ] {
        assert!(props("Item").contains(&f.to_owned()), "Item.{f}");
    }
    for f in ["items", "total", "page", "page_size"] {
        assert!(props("ItemList").contains(&f.to_owned()), "ItemList.{f}");
    }
    for f in [
        "tracking_no",
        "access_code",
        "received_on",
        "due_on",
        "state",
    ] {
        assert!(props("Receipt").contains(&f.to_owned()), "Receipt.{f}");
    }
    // Field types as the answers carry them (flags answer 0 and 1).
    let kind = |schema: &str, field: &str| schemas[schema]["properties"][field]["type"].clone();
    assert_eq!(kind("AppRow", "overdue"), "integer");
    assert_eq!(kind("AppRow", "due_provisional"), "integer");
    assert_eq!(kind("Item", "hits"), "integer");
    assert_eq!(kind("ItemList", "total"), "integer");
    assert_eq!(kind("CaseLine", "overdue"), "boolean");
    // Parameters the server requires are required in the description.
    let required = |path: &str, name: &str| {
        spec["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["required"] == true)
            .unwrap_or(false)
    };
    assert!(required("/api/v1/reports", "year"));
    assert!(required("/api/v1/applications/track", "no"));
    assert!(required("/api/v1/applications/track", "code"));
    assert!(!required("/api/v1/items", "unit"));
    // A new draft names its unit beside the item's fields.
    let new_item = schemas["NewItem"].to_string();
    assert!(
        new_item.contains("\"unit\"") && new_item.contains("body_html"),
        "{new_item}"
    );
    // Every documented operation is served (not 405, not an unknown endpoint).
    for (method, path) in CONTRACT {
        let url = path
            .replace("{code}", "tuoan")
            .replace("{unit}", "tuoan")
            .replace("{year}", "2025")
            .replace("{step}", "extend")
            .replace("{id}", "1");
        let r = reqwest::Client::new()
            .request(method.parse().unwrap(), app.url(&url))
            .send()
            .await
            .unwrap();
        assert_ne!(r.status(), 405, "{method} {path} documented but not served");
        let status = r.status();
        let body = r.text().await.unwrap();
        assert!(
            !body.contains("no_such_endpoint") && !body.contains("页面不存在"),
            "{method} {path} documented but not routed ({status})"
        );
    }
}

#[tokio::test]
async fn concurrent_publishing_never_repeats_an_index_number() {
    let app = spawn_demo().await;
    app.user("c-editor", "tuoan", &[Role::Editor]).await;
    app.user("c-director", "tuoan", &[Role::Director]).await;
    let (editor, director) = (app.token("c-editor").await, app.token("c-director").await);
    let c = reqwest::Client::new();
    let mut ids = vec![];
    for n in 0..12 {
        let body = json!({"unit": "tuoan", "column": "notices", "title": format!("并发{n}"), "body_html": "<p>x</p>", "prereview": prereview()});
        let (s, item) = json_of(
            c.post(app.url("/api/v1/items"))
                .bearer_auth(&editor)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 201);
        let id = item["id"].as_i64().unwrap();
        assert_eq!(post(&app, &editor, id, "submit", json!({})).await.0, 200);
        assert_eq!(post(&app, &director, id, "approve", json!({})).await.0, 200);
        ids.push(id);
    }
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let (c, url, token) = (
                c.clone(),
                app.url(&format!("/api/v1/items/{id}/publish")),
                director.clone(),
            );
            tokio::spawn(async move {
                c.post(url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
                    .json::<Value>()
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut numbers = vec![];
    for t in tasks {
        let item = t.await.unwrap();
        assert_eq!(item["state"], "published", "{item}");
        numbers.push(item["index_no"].as_str().unwrap().to_owned());
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 12, "every publication got its own number");
}

#[tokio::test]
async fn every_api_error_is_json_in_chinese() {
    let app = spawn_demo().await;
    let c = reqwest::Client::new();
    let check = |r: reqwest::Response| async move {
        let s = r.status().as_u16();
        let ct = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let v: Value = serde_json::from_str(&r.text().await.unwrap()).expect("a JSON body");
        assert!(ct.starts_with("application/json"), "{ct}");
        let m = v["error"]["message"].as_str().unwrap().to_owned();
        assert!(
            m.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{m}"
        );
        for english in ["Failed to", "invalid type", "expected", "Invalid URL"] {
            assert!(!m.contains(english), "{m}");
        }
        (s, m)
    };
    let (s, _) = check(c.delete(app.url("/api/v1/items/1")).send().await.unwrap()).await;
    assert_eq!(s, 405);
    // A wrong method is pointed to the methods the address takes: the Allow header is kept, and
    // the message no longer names a fixed list that is wrong for most addresses.
    let r = c.delete(app.url("/api/v1/items")).send().await.unwrap();
    let allow = r.headers()["allow"].to_str().unwrap().to_owned();
    let (s, m) = check(r).await;
    assert_eq!(s, 405);
    assert!(allow.contains("POST") && !allow.contains("PUT"), "{allow}");
    assert!(m.contains("响应头 Allow") && !m.contains("PUT"), "{m}");
    let (s, _) = check(
        c.get(app.url("/api/v1/units/%FF/columns"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(s == 400 || s == 404, "{s}");
    let (s, m) = check(
        c.post(app.url("/api/v1/applications"))
            .header("content-type", "application/json")
            .body("{\"unit\": \"tuoan\", \"applicant\": null}")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422);
    assert!(m.contains("applicant") && m.contains("第 1 行"), "{m}");
    let (s, _) = check(
        c.post(app.url("/api/v1/applications"))
            .header("content-type", "application/json")
            .body(vec![b' '; 5 * 1024 * 1024])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 413);
    let (s, _) = check(
        c.post(app.url("/api/v1/applications"))
            .body("unit=tuoan")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 415);
}
