//! Every back-office route declares the right it requires (read from its handler's signature)
//! and holds to it: without signing in it sends to the sign-in page; for another unit's staff it
//! refuses, or answers "not found" for records hidden from other units, and records the refusal
//! in the audit log.

mod common;
use common::*;

fn right<'a>(table: &'a [sunshine::web::Declared], method: &str, path: &str) -> &'a str {
    table
        .iter()
        .find(|d| d.method == method && d.path == path)
        .map(|d| d.right.as_str())
        .unwrap_or_else(|| panic!("{method} {path} is not in the table"))
}

#[test]
fn every_staff_route_declares_a_right() {
    let table = sunshine::web::staff_rights();
    assert!(table.len() >= 45, "{} routes", table.len());
    for d in &table {
        assert!(d.path.starts_with("/admin"), "{}", d.path);
        assert!(!d.right.is_empty(), "{} {}", d.method, d.path);
        if d.right.starts_with("anyone") {
            assert_eq!(d.path, "/admin/login", "only signing in is open to anyone");
        }
        if d.path.contains("{code}") {
            assert!(
                d.right.ends_with("unit {code}"),
                "{} {} names a unit but requires “{}”",
                d.method,
                d.path,
                d.right
            );
        }
        if d.path.contains("{id}") {
            assert!(
                d.right.contains("{id}"),
                "{} {} names a record but requires “{}”",
                d.method,
                d.path,
                d.right
            );
        }
    }
    let t = &table;
    assert_eq!(
        right(t, "POST", "/admin/units/{code}/settings"),
        "manage unit {code}"
    );
    assert_eq!(
        right(t, "POST", "/admin/units/{code}/letters/fee-pause"),
        "manage unit {code}"
    );
    assert_eq!(
        right(t, "POST", "/admin/units/{code}/items"),
        "edit unit {code}"
    );
    assert_eq!(
        right(t, "GET", "/admin/units/{code}/items"),
        "read unit {code}"
    );
    assert_eq!(
        right(t, "POST", "/admin/items/{id}"),
        "edit unit of item {id}"
    );
    assert_eq!(
        right(t, "POST", "/admin/columns/{id}/move"),
        "manage unit of column {id}"
    );
    assert_eq!(
        right(t, "POST", "/admin/items/{id}/review/{action}"),
        "review unit of item {id}"
    );
    assert_eq!(
        right(t, "POST", "/admin/applications/{id}/step/{name}"),
        "edit unit of application {id}"
    );
    assert_eq!(right(t, "GET", "/admin/supervision"), "supervisor");
    assert_eq!(
        right(t, "GET", "/admin/audit.csv"),
        "unit administrator or supervisor"
    );
    assert_eq!(right(t, "POST", "/admin/logout"), "signed in");
}

fn fill(path: &str, item: i64, app: i64, column: i64, attachment: i64) -> String {
    let id = if path.starts_with("/admin/items/") {
        item
    } else if path.starts_with("/admin/applications/") {
        app
    } else if path.starts_with("/admin/columns/") {
        column
    } else {
        attachment
    };
    path.replace("{code}", "tuoan")
        .replace("{id}", &id.to_string())
        .replace("{year}", "2025")
        .replace("{format}", "json")
        .replace("{what}", "training")
        .replace("{action}", "approve")
        .replace("{name}", "extend")
}

/// One record of each kind of 妥安乡's, for paths that name a record.
struct Records {
    item: i64,
    column: i64,
    attachment: i64,
    case: i64,
}

async fn tuoan_records(app: &TestApp) -> Records {
    let unit = "(SELECT id FROM units WHERE code = 'tuoan')";
    let first = |table: &str| format!("SELECT MIN(id) FROM {table} WHERE unit_id = {unit}");
    let item = app.count(&first("items")).await;
    let column = app.count(&first("columns")).await;
    let attachment = app
        .count(&format!(
            "INSERT INTO attachments (item_id, unit_id, file_name, mime, size_bytes, sha256, \
             storage_key, created_at) VALUES ({item}, {unit}, 'a.pdf', 'application/pdf', 1, 'x', \
             'rights-{item}', 0) RETURNING id"
        ))
        .await;
    file_online(app).await;
    let case = app.count(&first("applications")).await;
    Records {
        item,
        column,
        attachment,
        case,
    }
}

#[tokio::test]
async fn every_staff_route_holds_to_its_right() {
    let app = spawn_demo().await;
    let Records {
        item,
        column,
        attachment,
        case,
    } = tuoan_records(&app).await;

    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Another township's information officer: signed in, staff, but not of 妥安乡.
    let stranger = app.login("gaofeng-editor", DEMO_PASSWORD).await;
    let csrf = csrf_of(&app.page_as(&stranger, "/admin").await);
    let denied = "SELECT COUNT(*) FROM audit_log WHERE action = 'permission.denied' \
                  AND actor = 'gaofeng-editor'";
    let before = app.count(denied).await;
    let mut refused = 0;
    for d in sunshine::web::staff_rights() {
        let path = fill(d.path, item, case, column, attachment);
        let send = |c: &reqwest::Client| {
            let req = if d.method == "GET" {
                c.get(app.url(&path))
            } else {
                c.post(app.url(&path)).form(&[("csrf", csrf.as_str())])
            };
            req.send()
        };
        let r = send(&anonymous).await.unwrap();
        if d.right.starts_with("anyone") {
            assert!(r.status().as_u16() < 500, "{} {path}", d.method);
            continue;
        }
        assert_eq!(r.status(), 303, "{} {path} without signing in", d.method);
        let to = r.headers()["location"].to_str().unwrap();
        assert!(
            to.starts_with("/admin/login"),
            "{} {path} sends to {to}",
            d.method
        );

        if d.right == "signed in" {
            continue;
        }
        let r = send(&stranger).await.unwrap();
        let hidden = (d.path.starts_with("/admin/items/")
            || d.path.starts_with("/admin/attachments/"))
            && !d.right.starts_with("review");
        let expected = if hidden { 404 } else { 403 };
        let status = r.status().as_u16();
        let body = r.text().await.unwrap_or_default();
        assert_eq!(
            status, expected,
            "{} {path} as another unit's staff: {body}",
            d.method
        );
        if !hidden {
            assert!(
                !body.contains("not_") && (body.contains("只有") || body.contains("您")),
                "{} {path}: the refusal says why in words: {body}",
                d.method
            );
        }
        refused += 1;
    }
    assert!(refused >= 35, "{refused} routes checked");
    assert_eq!(
        app.count(denied).await - before,
        refused,
        "every refusal is in the audit log"
    );
    // Nothing of 妥安乡 was changed by the attempts.
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE actor = 'gaofeng-editor' \
             AND action <> 'permission.denied' AND action <> 'login.success'"
        )
        .await,
        0
    );
}

/// Staff reads start from the units a grant covers: another unit's item, application or
/// attachment is not loaded at all, whoever asks for it by id.
#[tokio::test]
async fn staff_queries_start_from_the_unit_scope() {
    use sunshine::db::{applications, attachments, items, Scope};
    let app = spawn_demo().await;
    let unit_of = |code: &str| format!("(SELECT id FROM units WHERE code = '{code}')");
    let tuoan = app.count(&format!("SELECT {}", unit_of("tuoan"))).await;
    let gaofeng = app.count(&format!("SELECT {}", unit_of("gaofeng"))).await;
    let item = app
        .count(&format!(
            "SELECT MIN(id) FROM items WHERE unit_id = {tuoan}"
        ))
        .await;
    let mut conn = app.state.db.pool.acquire().await.unwrap();
    let found = |s: Option<items::Item>| s.map(|i| i.id);
    assert_eq!(
        found(
            items::get(&mut conn, &Scope::unit(tuoan), item)
                .await
                .unwrap()
        ),
        Some(item)
    );
    assert_eq!(
        found(
            items::get(&mut conn, &Scope::Everything, item)
                .await
                .unwrap()
        ),
        Some(item)
    );
    assert_eq!(
        found(
            items::get(&mut conn, &Scope::unit(gaofeng), item)
                .await
                .unwrap()
        ),
        None
    );
    assert_eq!(
        found(
            items::get(&mut conn, &Scope::Units(vec![]), item)
                .await
                .unwrap()
        ),
        None
    );
    assert_eq!(
        found(
            items::get(&mut conn, &Scope::Units(vec![gaofeng, tuoan]), item)
                .await
                .unwrap()
        ),
        Some(item)
    );
    let att = app
        .count(&format!(
            "INSERT INTO attachments (item_id, unit_id, file_name, mime, size_bytes, sha256, \
             storage_key, created_at) VALUES ({item}, {tuoan}, 'a.pdf', 'application/pdf', 1, \
             'x', 'scope-test', 0) RETURNING id"
        ))
        .await;
    assert!(attachments::get(&mut conn, &Scope::unit(gaofeng), att)
        .await
        .unwrap()
        .is_none());
    assert!(attachments::get(&mut conn, &Scope::unit(tuoan), att)
        .await
        .unwrap()
        .is_some());
    // No application yet with that id in either unit: not found either way.
    assert!(applications::get(&mut conn, &Scope::unit(gaofeng), 1)
        .await
        .unwrap()
        .is_none());
}

/// Within the unit, each right is the one declared: an information officer (信息员) cannot do
/// what needs the unit's administrator, and a supervisor reads but never writes.
#[tokio::test]
async fn each_right_holds_against_lesser_roles_of_the_unit() {
    use sunshine_core::role::Role;
    let app = spawn_demo().await;
    let Records {
        item,
        column,
        attachment,
        case,
    } = tuoan_records(&app).await;
    app.user("city-watch", "lufeng", &[Role::Supervisor]).await;
    let officer = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let supervisor = app.login("city-watch", PASSWORD).await;
    let (mut managed, mut written) = (0, 0);
    for d in sunshine::web::staff_rights() {
        let path = fill(d.path, item, case, column, attachment);
        let who = if d.right.starts_with("manage") {
            managed += 1;
            &officer
        } else if d.right.starts_with("edit") || d.right.starts_with("review") {
            written += 1;
            &supervisor
        } else {
            continue;
        };
        let csrf = csrf_of(&app.page_as(who, "/admin").await);
        let req = if d.method == "GET" {
            who.get(app.url(&path))
        } else {
            who.post(app.url(&path)).form(&[("csrf", csrf.as_str())])
        };
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap_or_default();
        assert_eq!(status, 403, "{} {path} ({}): {body}", d.method, d.right);
        assert!(
            body.contains("只有") || body.contains("您"),
            "{} {path}: {body}",
            d.method
        );
    }
    assert!(
        managed >= 10 && written >= 14,
        "{managed} managed, {written} written"
    );
    // What a supervisor may do, they can: read the unit's items, cases and reports.
    for path in [
        "/admin/units/tuoan/items".to_owned(),
        format!("/admin/items/{item}"),
        format!("/admin/applications/{case}"),
    ] {
        let r = supervisor.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
}
