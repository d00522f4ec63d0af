//! The portal's front door: the frame of every public page (search box, statutory navigation,
//! footer from unit settings), display preferences without JavaScript, mourning mode, a unit's
//! own host name, the catalog and the feeds.

mod common;
use common::*;
use std::time::Duration;

/// The values of a back-office form's fields as the page fills them (the form posting to
/// `action`), so a test changes only what it names.
fn form_values(html: &str, action: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(html);
    let form_sel = scraper::Selector::parse("form").unwrap();
    let field_sel = scraper::Selector::parse("input, textarea").unwrap();
    let form = doc
        .select(&form_sel)
        .find(|f| f.value().attr("action") == Some(action))
        .expect("the form");
    form.select(&field_sel)
        .filter_map(|e| {
            let name = e.value().attr("name")?.to_string();
            let value = if e.value().name() == "textarea" {
                e.text().collect()
            } else {
                e.value().attr("value").unwrap_or("").to_string()
            };
            Some((name, value))
        })
        .collect()
}

/// Saves a unit's settings form with `changes` over what it holds.
async fn save_settings(
    app: &TestApp,
    b: &reqwest::Client,
    code: &str,
    changes: &[(&str, &str)],
) -> (u16, String) {
    let path = format!("/admin/units/{code}/settings");
    let html = app.page_as(b, &path).await;
    let mut fields = form_values(&html, &path);
    for (k, v) in changes {
        match fields.iter_mut().find(|(n, _)| n == k) {
            Some(f) => f.1 = v.to_string(),
            None => fields.push((k.to_string(), v.to_string())),
        }
    }
    let r = b
        .post(app.url(&path))
        .form(&fields)
        .send()
        .await
        .expect("post");
    let s = r.status().as_u16();
    (s, r.text().await.expect("body"))
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_public_page_wears_the_search_box_the_statutory_navigation_and_the_footer() {
    let app = spawn_demo().await;
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let (s, body) = save_settings(
        &app,
        &admin,
        "lufeng",
        &[
            ("host_org", "禄丰市人民政府办公室"),
            ("site_code", "5323310001"),
            ("icp_no", "滇ICP备05001234号-1"),
            ("police_no", "滇公网安备 53233102000123号"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{}", text_of(&body));
    let seed = item_id(&app, "妥安乡2017年政府信息公开工作年度报告").await;
    for path in [
        "/".to_string(),
        "/units/tuoan".into(),
        "/units/tuoan/columns/annual-report".into(),
        format!("/items/{seed}"),
        "/units/tuoan/guide".into(),
        "/catalog".into(),
        "/search?q=保密审查".into(),
        "/apply".into(),
        "/track".into(),
        "/open-data".into(),
        "/topics".into(),
    ] {
        let (s, html) = app.get_text(&path).await;
        assert_eq!(s, 200, "{path}");
        assert!(
            html.contains(r#"<form class="header-search" action="/search""#),
            "{path}: no search box in the header"
        );
        assert!(
            html.contains(r#"<meta name="SiteIDCode" content="5323310001">"#),
            "{path}"
        );
        let text = text_of(&html);
        for words in [
            "政府信息公开指南",
            "政府信息公开制度",
            "法定主动公开内容",
            "政府信息公开年报",
            "依申请公开",
            "信息公开目录",
            "主办单位：禄丰市人民政府办公室",
            "网站标识码：5323310001",
            "滇ICP备05001234号-1",
            "滇公网安备 53233102000123号",
            "我为政府网站找错",
        ] {
            assert!(text.contains(words), "{path}: {words} missing");
        }
        assert!(
            html.contains("sitecode=5323310001") && html.contains("recordcode=53233102000123"),
            "{path}"
        );
    }
    // A township's pages navigate within the township.
    let (_, html) = app.get_text("/units/tuoan").await;
    assert!(html.contains(r#"href="/units/tuoan/guide""#), "{html}");
    assert!(html.contains(r#"href="/units/tuoan/columns/annual-report""#));
    assert!(html.contains(r#"href="/units/tuoan/catalog""#));
    // and the township's own settings, where given, speak for it.
    let town = app.login("tuoan-admin", DEMO_PASSWORD).await;
    let (s, _) = save_settings(&app, &town, "tuoan", &[("host_org", "妥安乡人民政府")]).await;
    assert_eq!(s, 200);
    let text = text_of(&app.get_text("/units/tuoan").await.1);
    assert!(text.contains("主办单位：妥安乡人民政府"), "{text}");
    assert!(
        text.contains("网站标识码：5323310001"),
        "the city's code stands"
    );
    let text = text_of(&app.get_text("/").await.1);
    assert!(text.contains("主办单位：禄丰市人民政府办公室"));

    // Every wrong field is named at once; nothing is saved.
    let (s, body) = save_settings(
        &app,
        &admin,
        "lufeng",
        &[
            ("site_code", "53-23"),
            ("police_no", "滇公网安备"),
            ("host", "http://x.cn/a"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    let text = text_of(&body);
    for f in [
        "网站标识码由数字和字母组成",
        "公网安备号应含备案编号数字",
        "独立域名应只含",
    ] {
        assert!(text.contains(f), "{f}: {text}");
    }
    assert!(text_of(&app.get_text("/").await.1).contains("网站标识码：5323310001"));
}

#[tokio::test]
async fn large_text_and_high_contrast_are_remembered_without_javascript() {
    let app = spawn_demo().await;
    let r = no_redirects()
        .get(app.url("/prefs?text=large&back=%2Funits%2Ftuoan%3Fx%3D1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/units/tuoan?x=1");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("sunshine_prefs=large;"), "{cookie}");
    // Never sent off the site.
    for back in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let r = no_redirects()
            .get(app.url("/prefs"))
            .query(&[("contrast", "on"), ("back", back)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["location"], "/", "{back}");
    }
    let b = app.browser();
    let html = app.page_as(&b, "/").await;
    assert!(html.contains(r#"<html lang="zh-CN">"#));
    assert!(html.contains("大字版") && html.contains("高对比度"));
    let html = app.page_as(&b, "/prefs?text=large&back=/").await;
    assert!(
        html.contains(r#"<html lang="zh-CN" class="large">"#),
        "{html}"
    );
    assert!(
        html.contains("标准字号"),
        "the link now offers the way back"
    );
    let html = app.page_as(&b, "/prefs?contrast=on&back=/catalog").await;
    assert!(html.contains(r#"class="large contrast""#));
    assert!(
        text_of(&html).contains("政府信息公开目录"),
        "back on the page"
    );
    let html = app
        .page_as(&b, "/prefs?text=standard&contrast=off&back=/")
        .await;
    assert!(html.contains(r#"<html lang="zh-CN">"#));
    // A cookie that says nothing known changes nothing.
    let r = reqwest::Client::new()
        .get(app.url("/"))
        .header("cookie", "sunshine_prefs=<script>,huge")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains(r#"<html lang="zh-CN">"#));
    let (_, robots) = app.get_text("/robots.txt").await;
    assert!(robots.contains("Disallow: /prefs"));
}

#[tokio::test]
async fn the_city_administrator_greys_the_site_now_or_on_a_schedule() {
    let app = spawn_demo().await;
    let grey = |html: &str| html.contains(r#"class="mourning""#);
    assert!(!grey(&app.get_text("/").await.1));
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let settings = "/admin/units/lufeng/settings";
    let action = "/admin/units/lufeng/mourning";
    let (s, body) = app
        .submit(&admin, settings, action, &[("action", "on")])
        .await;
    assert_eq!(s, 200);
    assert!(
        text_of(&body).contains("正在置灰，直到手动关闭"),
        "{}",
        text_of(&body)
    );
    for path in ["/", "/units/tuoan", "/catalog", "/search"] {
        assert!(grey(&app.get_text(path).await.1), "{path}");
    }
    let (s, _) = app
        .submit(&admin, settings, action, &[("action", "off")])
        .await;
    assert_eq!(s, 200);
    assert!(!grey(&app.get_text("/").await.1));

    // Scheduled: a period that has begun greys the site; one to come does not yet.
    let (s, body) = app
        .submit(
            &admin,
            settings,
            action,
            &[
                ("action", "schedule"),
                ("from", "2020-01-01T00:00"),
                ("until", "2099-12-31T23:59"),
            ],
        )
        .await;
    assert_eq!(s, 200);
    assert!(text_of(&body).contains("到 2099年12月31日 23:59 自动恢复"));
    assert!(grey(&app.get_text("/").await.1));
    let (s, body) = app
        .submit(
            &admin,
            settings,
            action,
            &[
                ("action", "schedule"),
                ("from", "2099-04-04T00:00"),
                ("until", ""),
            ],
        )
        .await;
    assert_eq!(s, 200);
    assert!(text_of(&body).contains("已安排：2099年04月04日 00:00 起"));
    assert!(!grey(&app.get_text("/").await.1));

    // Bad input: each field named, nothing changed.
    for (fields, says) in [
        (
            vec![("action", "schedule"), ("from", "明天"), ("until", "")],
            "置灰开始时间应为 年-月-日 时:分",
        ),
        (
            vec![
                ("action", "schedule"),
                ("from", "2030-01-02T00:00"),
                ("until", "2030-01-01T00:00"),
            ],
            "结束时间应晚于开始时间",
        ),
        (vec![("action", "explode")], "请选择开启、关闭或按时间安排"),
        (
            vec![
                ("action", "schedule"),
                ("from", "2020-01-01T00:00"),
                ("until", "2020-01-02T00:00"),
            ],
            "结束时间已经过去",
        ),
    ] {
        let (s, body) = app.submit(&admin, settings, action, &fields).await;
        assert_eq!(s, 422, "{fields:?}");
        assert!(text_of(&body).contains(says), "{says}: {}", text_of(&body));
    }
    // Only the city's administrator: a township's is refused, the form not even offered.
    let town = app.login("tuoan-admin", DEMO_PASSWORD).await;
    let page = app.page_as(&town, "/admin/units/tuoan/settings").await;
    assert!(!page.contains("全站哀悼模式"));
    let (s, body) = app
        .submit(
            &town,
            "/admin/units/tuoan/settings",
            "/admin/units/tuoan/mourning",
            &[("action", "on")],
        )
        .await;
    assert_eq!(s, 403);
    assert!(text_of(&body).contains("由市级（最上级）单位的管理员设置"));
    let (s, _) = app
        .submit(
            &town,
            "/admin/units/tuoan/settings",
            "/admin/units/lufeng/mourning",
            &[("action", "on")],
        )
        .await;
    assert_eq!(s, 403, "another unit's settings are out of reach");
    assert!(!grey(&app.get_text("/").await.1));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'site.mourning'")
            .await,
        4
    );
}

#[tokio::test]
async fn a_unit_with_its_own_host_name_is_its_own_site() {
    let app = spawn_demo_with(|c| c.public_url = "https://gk.example.gov.cn".into()).await;
    let town = app.login("tuoan-admin", DEMO_PASSWORD).await;
    let (s, _) = save_settings(&app, &town, "tuoan", &[("host", "TuoAn.Example.gov.cn")]).await;
    assert_eq!(s, 200);
    let on_host = |path: &str| {
        let url = app.url(path);
        async move {
            let r = reqwest::Client::new()
                .get(url)
                .header("host", "tuoan.example.gov.cn")
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (s, html) = on_host("/").await;
    assert_eq!(s, 200);
    let text = text_of(&html);
    assert!(
        text.contains("妥安乡 · 政府信息公开"),
        "the township's home page"
    );
    assert!(
        html.contains(r#"<a class="site-name" href="/">妥安乡</a>"#),
        "{html}"
    );
    // Its search is its own: 高峰乡's items are not found there, and are found on the portal.
    let gaofeng = sqlx::query_scalar::<_, String>(
        "SELECT i.title FROM items i JOIN units u ON u.id = i.unit_id \
         WHERE u.code = 'gaofeng' AND i.state = 'published' ORDER BY i.id LIMIT 1",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let q = format!("\"{gaofeng}\"");
    let mut found = false;
    for _ in 0..50 {
        let (_, html) = app.get_text(&format!("/search?q={}", urlencode(&q))).await;
        if html.contains(&gaofeng) && !html.contains("没有找到") {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(found, "the portal finds 高峰乡's item");
    let (_, html) = on_host(&format!("/search?q={}", urlencode(&q))).await;
    assert!(text_of(&html).contains("没有找到"), "{}", text_of(&html));
    // The portal's own addresses can never be a unit's: that would take over the portal.
    for host in [
        app.base.trim_start_matches("http://"),
        "localhost",
        "127.0.0.1",
        "gk.example.gov.cn",
    ] {
        let (s, body) = save_settings(&app, &town, "tuoan", &[("host", host)]).await;
        assert_eq!(s, 422, "{host}");
        assert!(text_of(&body).contains("是整个平台的地址"), "{host}");
    }
    // The portal's own host is still the city's portal.
    let text = text_of(&app.get_text("/").await.1);
    assert!(text.contains("禄丰市人民政府 · 政府信息公开"));
    // One host, one unit.
    app.user(
        "gaofeng-admin",
        "gaofeng",
        &[sunshine_core::role::Role::Admin],
    )
    .await;
    let admin = app.login("gaofeng-admin", PASSWORD).await;
    let (s, body) =
        save_settings(&app, &admin, "gaofeng", &[("host", "tuoan.example.gov.cn")]).await;
    assert_eq!(s, 422);
    assert!(
        text_of(&body).contains("已是妥安乡的独立站点"),
        "{}",
        text_of(&body)
    );
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn the_catalog_lists_filters_sorts_and_downloads_without_javascript() {
    let app = spawn_demo().await;
    let seed = "妥安乡2017年政府信息公开工作年度报告";
    let (s, html) = app.get_text("/units/tuoan/catalog").await;
    assert_eq!(s, 200);
    let text = text_of(&html);
    for words in [
        "妥安乡政府信息公开目录",
        seed,
        "政府信息公开年报",
        "2017年12月30日",
        "妥安乡人民政府",
        "有效",
    ] {
        assert!(text.contains(words), "{words}");
    }
    // By year of publication: the seed went up in 2018, the 2018 report in 2019.
    let (s, html) = app.get_text("/units/tuoan/catalog?year=2018").await;
    assert_eq!(s, 200);
    let text = text_of(&html);
    assert!(text.contains(seed) && !text.contains("妥安乡2018年政府信息公开工作年度报告"));
    assert!(text.contains("共 1 条"), "{text}");
    assert!(text.contains("年份：2018"));
    // The city's catalog narrowed to the township matches the township's own.
    let city = text_of(&app.get_text("/catalog?unit=tuoan&year=2018").await.1);
    assert!(city.contains(seed) && city.contains("共 1 条"));
    let city = text_of(&app.get_text("/catalog?unit=gaofeng&year=2018").await.1);
    assert!(!city.contains(seed) && city.contains("没有符合条件的已公开信息"));
    // Sorting by title, both ways, through the headers' links.
    let names = |html: &str| -> Vec<String> {
        let doc = scraper::Html::parse_document(html);
        let sel = scraper::Selector::parse("table.catalog tbody tr td:nth-child(2) > a").unwrap();
        doc.select(&sel).map(|e| e.text().collect()).collect()
    };
    let (_, asc) = app
        .get_text("/units/tuoan/catalog?sort=title&order=asc")
        .await;
    let (_, desc) = app.get_text("/units/tuoan/catalog?sort=title").await;
    let mut a = names(&asc);
    assert!(a.len() > 2 && a.len() < 20, "one page: {a:?}");
    let newest = names(&app.get_text("/units/tuoan/catalog").await.1);
    assert_ne!(a, newest, "sorted by title, not by date");
    a.reverse();
    assert_eq!(names(&desc), a, "the other way round");
    assert!(asc.contains(r#"aria-sort="ascending""#));
    assert!(
        asc.contains("sort=title&amp;order=desc") || asc.contains("sort=title\""),
        "the header turns the order"
    );
    // Filters by column, topic, validity, 发文字号.
    let text = text_of(
        &app.get_text(
            "/units/tuoan/catalog?column=annual-report&topic=政府信息公开年报&validity=valid",
        )
        .await
        .1,
    );
    assert!(text.contains(seed) && text.contains("共 3 条"), "{text}");
    let text = text_of(&app.get_text("/catalog?doc_no=〔2026〕").await.1);
    assert!(
        text.contains("发〔2026〕") && !text.contains(seed),
        "{text}"
    );
    let text = text_of(&app.get_text("/catalog?doc_no=20_6").await.1);
    assert!(
        text.contains("没有符合条件"),
        "a _ is a character, not a wildcard"
    );
    // Bad input: a page, never a 5xx; what was not understood is said.
    for (path, says) in [
        ("/units/tuoan/catalog?year=二〇一八", "不是年份"),
        ("/units/tuoan/catalog?sort=evil", "排序方式只能选"),
        ("/units/tuoan/catalog?order=sideways", "顺序只能选"),
        ("/units/tuoan/catalog?page=abc", "页码应为"),
        ("/units/tuoan/catalog?page=99999", "最多翻到第"),
        ("/units/tuoan/catalog?column=nope", "没有栏目"),
        ("/catalog?unit=nowhere", "没有代码为"),
        ("/catalog?validity=forever", "有效性只能选"),
        ("/units/tuoan/catalog?page=40", "第 40 页超出了目录的范围"),
        (
            "/catalog?doc_no=%E3%80%94%E3%80%95",
            "发文字号里没有文字或数字",
        ),
    ] {
        let (s, html) = app.get_text(path).await;
        assert_eq!(s, 200, "{path}");
        assert!(text_of(&html).contains(says), "{path}: {says}");
    }
    // Never an internal code in what a person reads.
    for path in ["/units/tuoan/catalog?sort=evil&order=up&validity=published"] {
        let text = text_of(&app.get_text(path).await.1);
        for code in ["published", "index_no", "desc", "valid"] {
            assert!(!text.contains(code), "{path} shows {code}");
        }
    }
    // A column holds the columns under it: 法定主动公开内容 lists its 政策文件.
    let regulations = text_of(
        &app.get_text("/units/lufeng/catalog?column=regulations")
            .await
            .1,
    );
    let statutory = text_of(
        &app.get_text("/units/lufeng/catalog?column=statutory")
            .await
            .1,
    );
    assert!(!regulations.contains("没有符合条件"), "{regulations}");
    assert!(!statutory.contains("没有符合条件"), "{statutory}");
    let (s, _) = app.get_text("/units/nowhere/catalog").await;
    assert_eq!(s, 404);

    // Downloads: a spreadsheet-ready CSV and JSON, with the same filters.
    let r = app.get("/units/tuoan/catalog.csv?year=2018").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("filename*=UTF-8''"));
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("\u{feff}索引号,名称,内容概述,生成日期,发布日期,发布机构,发文字号,主题分类,有效性,单位,栏目,网址"));
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.contains(seed) && csv.contains("2017-12-30") && csv.contains("2018-01-30"));
    let v: serde_json::Value = app
        .get("/catalog.json?unit=tuoan&year=2018")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["title"], seed);
    assert_eq!(v["items"][0]["written_on"], "2017-12-30");
    assert_eq!(v["items"][0]["validity"], "valid");
    assert!(v["items"][0]["summary"].as_str().unwrap().chars().count() > 10);
    let r = app.get("/catalog.json?year=soon").await;
    assert_eq!(r.status(), 422);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v.to_string().contains("year"), "{v}");
    let r = app.get("/catalog.csv?sort=evil").await;
    assert_eq!(r.status(), 422);

    // Drafts and 依申请公开 items are never in the catalog.
    app.count("UPDATE items SET state = 'draft' WHERE title = '妥安乡2018年政府信息公开工作年度报告' RETURNING id").await;
    let text = text_of(
        &app.get_text("/units/tuoan/catalog?column=annual-report")
            .await
            .1,
    );
    assert!(text.contains("共 2 条") && !text.contains("妥安乡2018年政府信息公开工作年度报告"));
    // Browse by 主题分类.
    let (s, html) = app.get_text("/topics").await;
    assert_eq!(s, 200);
    assert!(html.contains("/catalog?topic=%E6%94%BF%E5%BA%9C"), "{html}");
}

#[tokio::test]
async fn an_empty_column_says_why() {
    let app = spawn_demo().await;
    let admin = app.login("tuoan-admin", DEMO_PASSWORD).await;
    let id: i64 = sqlx::query_scalar(
        "SELECT c.id FROM columns c JOIN units u ON u.id = c.unit_id WHERE u.code = 'tuoan' AND c.slug = 'system'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let (s, html) = app.get_text("/units/tuoan/columns/system").await;
    assert_eq!(s, 200);
    assert!(text_of(&html).contains("本栏目暂无信息。"));
    let note = "本乡执行禄丰市政府信息公开制度，未另行制定。";
    let (s, _) = app
        .submit(
            &admin,
            "/admin/units/tuoan/columns",
            &format!("/admin/columns/{id}"),
            &[("name", "政府信息公开制度"), ("empty_note", note)],
        )
        .await;
    assert_eq!(s, 200);
    assert!(text_of(&app.get_text("/units/tuoan/columns/system").await.1).contains(note));
    assert!(text_of(&app.get_text("/units/tuoan").await.1).contains(note));
    let long = "长".repeat(301);
    let (s, body) = app
        .submit(
            &admin,
            "/admin/units/tuoan/columns",
            &format!("/admin/columns/{id}"),
            &[("name", "政府信息公开制度"), ("empty_note", &long)],
        )
        .await;
    assert_eq!(s, 422);
    assert!(text_of(&body).contains("不能超过300个字"));
    assert!(text_of(&app.get_text("/units/tuoan/columns/system").await.1).contains(note));
}

#[tokio::test]
async fn feeds_follow_the_portal_a_unit_a_column_and_a_search() {
    let app = spawn_demo_with(|c| c.public_url = "https://gk.example.gov.cn".into()).await;
    let seed = "妥安乡2017年政府信息公开工作年度报告";
    let seed_id = item_id(&app, seed).await;
    for path in [
        "/feed.atom",
        "/units/tuoan/feed.atom",
        "/units/tuoan/columns/annual-report/feed.atom",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml"));
        let xml = r.text().await.unwrap();
        assert!(
            xml.starts_with("<?xml")
                && xml.contains(r#"<feed xmlns="http://www.w3.org/2005/Atom""#)
        );
        assert!(xml.contains(&format!(r#"<link rel="self" type="application/atom+xml" href="https://gk.example.gov.cn{path}"/>"#)), "{path}: {xml}");
        assert_eq!(
            xml.matches("<entry>").count(),
            xml.matches("</entry>").count()
        );
        if path.contains("annual-report") {
            assert!(xml.contains(&format!(
                "<id>https://gk.example.gov.cn/items/{seed_id}</id>"
            )));
            assert!(
                xml.contains("<published>2018-01-30T00:00:00+08:00</published>"),
                "{xml}"
            );
        }
    }
    // The portal's pages point to their feeds.
    let (_, html) = app.get_text("/units/tuoan/columns/annual-report").await;
    assert!(html.contains(r#"<link rel="alternate" type="application/atom+xml" href="/units/tuoan/columns/annual-report/feed.atom""#));
    // A search's feed.
    let mut xml = String::new();
    for _ in 0..50 {
        xml = app
            .get("/search.atom?q=保密审查")
            .await
            .text()
            .await
            .unwrap();
        if xml.contains(seed) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(xml.contains(seed), "{xml}");
    assert!(xml.contains("搜索“保密审查”"));
    let (_, html) = app.get_text("/search?q=保密审查").await;
    assert!(
        html.contains("/search.atom?q="),
        "the search page points to its feed"
    );
    // Bad input.
    assert_eq!(app.get("/search.atom").await.status(), 422);
    assert_eq!(app.get("/search.atom?year=abc&q=x").await.status(), 422);
    assert_eq!(app.get("/units/nowhere/feed.atom").await.status(), 404);
    assert_eq!(
        app.get("/units/tuoan/columns/nope/feed.atom")
            .await
            .status(),
        404
    );
    // Titles with markup are escaped, never raw.
    app.count(&format!(
        "UPDATE items SET title = '<b>&amp;' WHERE id = {seed_id} RETURNING id"
    ))
    .await;
    let xml = app
        .get("/units/tuoan/columns/annual-report/feed.atom")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        xml.contains("<title>&#60;b&#62;&#38;amp;</title>") && !xml.contains("<b>"),
        "{xml}"
    );
}

#[tokio::test]
async fn english_is_offered_by_the_browser_or_the_switch_and_keeps_statutory_names_in_chinese() {
    let app = spawn_demo().await;
    let seed = item_id(&app, "妥安乡2017年政府信息公开工作年度报告").await;
    let english = |path: String| {
        let url = app.url(&path);
        async move {
            reqwest::Client::new()
                .get(url)
                .header("accept-language", "en-GB,en;q=0.9,zh;q=0.5")
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let html = english("/".into()).await;
    assert!(html.contains(r#"<html lang="en">"#), "{html}");
    let text = text_of(&html);
    for words in [
        "Skip to content",
        "Guide to Open Government Information (政府信息公开指南)",
        "Annual Reports on Open Government Information (政府信息公开年报)",
        "Apply for information (依申请公开)",
        "Latest published information",
        "Report an error on a government website (我为政府网站找错)",
        "中文",
    ] {
        assert!(text.contains(words), "{words}: {text}");
    }
    let text = text_of(&english(format!("/items/{seed}")).await);
    assert!(
        text.contains("Index number (索引号)") && text.contains("In force"),
        "{text}"
    );
    assert!(
        text.contains("妥安乡2017年政府信息公开工作年度报告"),
        "the document stays as published"
    );
    let text = text_of(&english("/units/tuoan/catalog?year=2018".into()).await);
    assert!(
        text.contains("Clear filters") && text.contains("Total 1 items"),
        "{text}"
    );
    let text = text_of(&english("/units/tuoan/guide".into()).await);
    assert!(text.contains("within 20 working days"), "{text}");
    // Chinese stays the default, and Chinese first in the header wins.
    let html = app.get_text("/").await.1;
    assert!(html.contains(r#"<html lang="zh-CN">"#) && html.contains("English"));
    // The switch is remembered, whatever the browser asks.
    let b = app.browser();
    let html = app.page_as(&b, "/prefs?lang=en&back=/catalog").await;
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(text_of(&html).contains("Catalogue of Government Information"));
    let html = b
        .get(app.url("/"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"<html lang="en">"#));
    let r = b
        .get(app.url("/prefs?lang=zh&back=/"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert!(
        r.text().await.unwrap().contains(r#"<html lang="zh-CN">"#),
        "中文 chosen beats the browser"
    );
}
