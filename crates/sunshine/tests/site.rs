//! What crawlers and browsers ask of the site: robots.txt, the sitemap and the icon.

mod common;
use common::*;

async fn text(app: &TestApp, path: &str) -> (u16, String, String) {
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(path))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .or_else(|| r.headers().get("location"))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, kind, r.text().await.unwrap_or_default())
}

#[tokio::test]
async fn robots_and_the_sitemap_list_the_public_pages_at_the_public_address() {
    let app = spawn_demo_with(|c| c.public_url = "https://gk.example.gov.cn".into()).await;
    let base = "https://gk.example.gov.cn";
    let (s, kind, robots) = text(&app, "/robots.txt").await;
    assert_eq!(s, 200);
    assert!(kind.starts_with("text/plain"), "{kind}");
    assert!(robots.contains("Disallow: /admin"), "{robots}");
    assert!(
        robots.contains(&format!("Sitemap: {base}/sitemap.xml")),
        "{robots}"
    );

    let (s, kind, index) = text(&app, "/sitemap.xml").await;
    assert_eq!(s, 200);
    assert!(kind.starts_with("application/xml"), "{kind}");
    assert!(index.contains("<sitemapindex"), "{index}");
    assert!(
        index.contains(&format!("<loc>{base}/sitemap-units.xml</loc>")),
        "{index}"
    );
    assert!(
        index.contains(&format!("<loc>{base}/sitemap-items-1.xml</loc>")),
        "{index}"
    );
    assert!(
        !index.contains("sitemap-items-2.xml"),
        "one page of ids is enough for the demo"
    );

    // Units and their visible columns; a hidden column is left out.
    app.count(
        "UPDATE columns SET hidden = 1 WHERE slug = 'other' AND unit_id = \
         (SELECT id FROM units WHERE code = 'tuoan') RETURNING id",
    )
    .await;
    let (s, _, units) = text(&app, "/sitemap-units.xml").await;
    assert_eq!(s, 200);
    for path in [
        "/",
        "/sections/townships",
        "/units/tuoan",
        "/units/tuoan/guide",
    ] {
        assert!(
            units.contains(&format!("<loc>{base}{path}</loc>")),
            "{path}: {units}"
        );
    }
    assert!(units.contains(&format!("<loc>{base}/units/tuoan/columns/notices</loc>")));
    assert!(!units.contains(&format!("<loc>{base}/units/tuoan/columns/other</loc>")));

    // Published items with the day they were published; never a draft or a withdrawn one.
    let seed = item_id(&app, "妥安乡2017年政府信息公开工作年度报告").await;
    let withdrawn = app
        .count("UPDATE items SET state = 'withdrawn' WHERE id = (SELECT MIN(id) FROM items WHERE state = 'published') RETURNING id")
        .await;
    let draft = app
        .count("UPDATE items SET state = 'draft' WHERE id = (SELECT MIN(id) FROM items WHERE state = 'published') RETURNING id")
        .await;
    let (s, _, page) = text(&app, "/sitemap-items-1.xml").await;
    assert_eq!(s, 200);
    assert!(
        page.contains(&format!("<loc>{base}/items/{seed}</loc><lastmod>2018-")),
        "{page}"
    );
    for hidden in [withdrawn, draft] {
        assert!(
            !page.contains(&format!("/items/{hidden}<")),
            "{hidden} listed"
        );
    }
    // 依申请公开 items and those in a hidden column are not listed either.
    let on_request = app
        .count(
            "UPDATE items SET disclosure = 'on_request' WHERE id = (SELECT MIN(id) FROM items \
             WHERE state = 'published' AND disclosure = 'active') RETURNING id",
        )
        .await;
    let in_hidden = app
        .count(
            "SELECT COALESCE(MIN(i.id), 0) FROM items i JOIN columns c ON c.id = i.column_id \
             WHERE c.hidden = 1 AND i.state = 'published'",
        )
        .await;
    assert!(in_hidden > 0, "the hidden column holds a published item");
    let (_, _, page) = text(&app, "/sitemap-items-1.xml").await;
    for hidden in [on_request, in_hidden] {
        assert!(
            !page.contains(&format!("/items/{hidden}<")),
            "{hidden} listed"
        );
    }
    for bad in [
        "/sitemap-items-2.xml",
        "/sitemap-items-0.xml",
        "/sitemap-items-x.xml",
        "/sitemap-items-1",
        "/sitemap-items-01.xml",
        "/sitemap-items-+1.xml",
    ] {
        assert_eq!(text(&app, bad).await.0, 404, "{bad}");
    }
}

#[tokio::test]
async fn the_icon_is_served_and_linked_from_every_page() {
    let app = spawn_demo().await;
    let (s, location, _) = text(&app, "/favicon.ico").await;
    assert_eq!((s, location.as_str()), (308, "/static/favicon.svg"));
    let (s, kind, svg) = text(&app, "/static/favicon.svg").await;
    assert_eq!((s, kind.as_str()), (200, "image/svg+xml"));
    assert!(svg.starts_with("<svg") && svg.contains("<title>"), "{svg}");
    for path in ["/", "/units/tuoan", "/admin/login", "/no/such/page"] {
        let (_, _, html) = text(&app, path).await;
        assert!(
            html.contains("rel=\"icon\" href=\"/static/favicon.svg\""),
            "{path}"
        );
    }
}

/// An item page says what it is in its head: its canonical address at the public address, a
/// description (its first sentence, as text), and the national meta tags of government sites.
#[tokio::test]
async fn an_item_page_describes_itself_for_search_engines_and_aggregators() {
    let app = spawn_demo_with(|c| c.public_url = "https://gk.example.gov.cn".into()).await;
    let seed = item_id(&app, "妥安乡2017年政府信息公开工作年度报告").await;
    let (s, _, html) = text(&app, &format!("/items/{seed}")).await;
    assert_eq!(s, 200);
    let head = &html[..html.find("</head>").expect("head")];
    for tag in [
        format!("<link rel=\"canonical\" href=\"https://gk.example.gov.cn/items/{seed}\">"),
        "<meta name=\"SiteDomain\" content=\"gk.example.gov.cn\">".to_owned(),
        "<meta name=\"SiteName\" content=\"禄丰市人民政府\">".to_owned(),
        "<meta name=\"ArticleTitle\" content=\"妥安乡2017年政府信息公开工作年度报告\">".to_owned(),
        "<meta name=\"ColumnName\" content=\"政府信息公开年报\">".to_owned(),
        "<meta name=\"PubDate\" content=\"2018-".to_owned(),
    ] {
        assert!(head.contains(&tag), "{tag} missing in {head}");
    }
    let description = head
        .split("<meta name=\"description\" content=\"")
        .nth(1)
        .and_then(|d| d.split('"').next())
        .expect("description");
    assert!(
        description.starts_with("为全面有效的实施") && description.chars().count() <= 121,
        "{description}"
    );
    // The back office's preview is not for indexing and claims no public address.
    let b = app.login("tuoan-director", DEMO_PASSWORD).await;
    let preview = app
        .page_as(&b, &format!("/admin/items/{seed}/preview"))
        .await;
    assert!(preview.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert!(!preview.contains("rel=\"canonical\""));
}

/// The footer's 开放数据 is a page people can read: what is offered, the formats, examples at
/// the portal's own address, and the machine-readable description for programs.
#[tokio::test]
async fn the_open_data_page_explains_the_api_with_examples() {
    let app = spawn_demo_with(|c| c.public_url = "https://gk.example.gov.cn".into()).await;
    let (_, _, home) = text(&app, "/").await;
    assert!(
        home.contains("<a href=\"/open-data\">开放数据</a>"),
        "footer link"
    );
    assert!(
        !home.contains("href=\"/api/openapi.json\""),
        "no raw JSON link for people"
    );
    let (s, kind, page) = text(&app, "/open-data").await;
    assert_eq!(s, 200);
    assert!(kind.starts_with("text/html"), "{kind}");
    let visible = text_of(&page);
    for want in [
        "开放数据",
        "/api/v1/items",
        "/api/v1/reports",
        "curl 'https://gk.example.gov.cn/api/v1/items?unit=",
        "接口说明（OpenAPI 3.1）",
        "JSON",
    ] {
        assert!(visible.contains(want), "{want} missing");
    }
    assert!(page.contains("href=\"/api/openapi.json\""));
    // Each example answers.
    let examples: Vec<&str> = visible
        .split("curl 'https://gk.example.gov.cn")
        .skip(1)
        .filter_map(|s| s.split('\'').next())
        .collect();
    assert_eq!(examples.len(), 3, "{examples:?}");
    for example in examples {
        assert_eq!(app.get(example).await.status(), 200, "{example}");
    }
    let (_, _, units) = text(&app, "/sitemap-units.xml").await;
    assert!(units.contains("<loc>https://gk.example.gov.cn/open-data</loc>"));
}

/// Without a public address set, a page claims no canonical address and no domain: the bind
/// address is no address for the public.
#[tokio::test]
async fn without_a_public_address_no_canonical_is_claimed() {
    let app = spawn_demo().await;
    let seed = item_id(&app, "妥安乡2017年政府信息公开工作年度报告").await;
    let (_, _, html) = text(&app, &format!("/items/{seed}")).await;
    assert!(!html.contains("rel=\"canonical\"") && !html.contains("SiteDomain"));
    assert!(html.contains("<meta name=\"ArticleTitle\""));
}
