//! The people's side (issue 12): an applicant meets every problem of the form at once and
//! loses nothing; a proof of identity is kept sealed and shown to the handling staff only; the
//! back office's refusals keep its frame; the dashboard and the review chain tell staff what
//! they can and cannot do, in words.

mod common;
use common::*;
use reqwest::multipart::{Form, Part};
use sunshine_core::role::Role;

fn valid_id() -> String {
    let f = "53010219900101123";
    format!("{f}{}", sunshine_core::screening::id_check_char(f).unwrap())
}

/// A PNG's first bytes (enough for the content check) and a marker to look for in storage.
fn png() -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    b.extend_from_slice(b"\0\0\0\rIHDR identity-card-scan-of-wang-wu");
    b
}

fn attr(html: &str, before: &str) -> String {
    html.split(before)
        .nth(1)
        .unwrap_or("")
        .split('"')
        .next()
        .unwrap_or("")
        .to_owned()
}

/// The apply form as a browser sends it (multipart), with an optional proof file.
fn form(fields: &[(&str, String)], proof: Option<(&str, Vec<u8>)>) -> Form {
    let mut f = Form::new();
    for (k, v) in fields {
        f = f.text(k.to_string(), v.clone());
    }
    let (name, bytes) = proof.unwrap_or(("", Vec::new()));
    f.part("proof_file", Part::bytes(bytes).file_name(name.to_owned()))
}

#[tokio::test]
async fn the_apply_form_shows_every_problem_at_once_and_keeps_everything() {
    let app = spawn_demo().await;
    let b = app.browser();
    let page = app.page_as(&b, "/apply").await;
    let (token, _) = solve(&page);
    // A wrong answer, no ID number, e-mail delivery without an address, an organisation
    // without its representative, a bad postcode: all said together.
    let typed = [
        ("token", token.clone()),
        ("answer", "999".into()),
        ("unit", "tuoan".into()),
        ("kind", "commercial".into()),
        ("name", "某某科技有限公司".into()),
        ("id_type", "credit_code".into()),
        ("id_number", "".into()),
        ("phone", "13912345678".into()),
        ("postcode", "65l200".into()),
        ("address", "禄丰市金山镇某路1号".into()),
        ("description", "2025年妥安乡农村公路建设项目招标文件".into()),
        ("delivery", "email".into()),
    ];
    let r = b
        .post(app.url("/apply"))
        .multipart(form(&typed, None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    let t = text_of(&html);
    for said in [
        "验证题答案不正确",
        "请填写证件号码",
        "选择以电子邮件获取信息的，请填写电子邮箱",
        "法定代表人或负责人",
        "联系人的姓名",
        "邮政编码应为6位数字",
    ] {
        assert!(t.contains(said), "{said} missing from: {t}");
    }
    // Everything typed is still there.
    for kept in [
        "某某科技有限公司",
        "禄丰市金山镇某路1号",
        "2025年妥安乡农村公路建设项目招标文件",
        "65l200",
    ] {
        assert!(html.contains(kept), "{kept} lost");
    }
    // Each error is tied to its field, the summary links to the fields, and the cursor starts
    // in the first field to mend (the representative comes before the ID number on the page).
    assert!(html.contains(r#"id="legal_rep" name="legal_rep" value="" aria-invalid="true" aria-describedby="err-legal_rep" autofocus"#), "{html}");
    assert!(html.contains(r#"<p class="err" id="err-legal_rep">"#));
    assert!(html.contains(r#"aria-invalid="true" aria-describedby="err-id_number""#));
    assert!(html.contains(r#"aria-invalid="true" aria-describedby="err-email""#));
    assert!(html.contains(r##"<a href="#id_number">"##));
    assert_eq!(
        html.matches(" autofocus").count(),
        1,
        "one field is focused"
    );
    assert!(
        t.find("法定代表人或负责人的姓名").unwrap() < t.find("请填写证件号码").unwrap(),
        "the summary follows the form's order"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, 0);

    // Mended, with the new question: filed, and the organisation's people are on the case.
    let (token, answer) = solve(&html);
    let mut mended: Vec<(&str, String)> = typed
        .iter()
        .filter(|(k, _)| !["token", "answer", "id_number", "postcode"].contains(k))
        .cloned()
        .collect();
    mended.extend([
        ("token", token),
        ("answer", answer),
        ("id_number", "91350100M000100Y43".into()),
        ("postcode", "651200".into()),
        ("email", "office@example.com".into()),
        ("legal_rep", "王法人".into()),
        ("contact_person", "李联系".into()),
    ]);
    let r = b
        .post(app.url("/apply"))
        .multipart(form(&mended, None))
        .send()
        .await
        .unwrap();
    let landed = r.url().path().to_owned();
    assert_eq!(
        landed,
        "/apply/receipt",
        "{}",
        text_of(&r.text().await.unwrap())
    );
    let director = app.login("tuoan-director", DEMO_PASSWORD).await;
    let id = app.count("SELECT MAX(id) FROM applications").await;
    let case = text_of(
        &app.page_as(&director, &format!("/admin/applications/{id}"))
            .await,
    );
    assert!(
        case.contains("王法人") && case.contains("李联系") && case.contains("邮编 651200"),
        "{case}"
    );
    assert!(case.contains("申请人未上传"), "no proof was given: {case}");
}

#[tokio::test]
async fn a_proof_of_identity_is_sealed_kept_across_a_correction_and_shown_only_to_the_handlers() {
    let app = spawn_demo().await;
    let b = app.browser();
    let (token, answer) = solve(&app.page_as(&b, "/apply").await);
    let mut fields = vec![
        ("token", token),
        ("answer", answer),
        ("unit", "tuoan".to_owned()),
        ("kind", "natural_person".into()),
        ("name", "王五".into()),
        ("id_type", "resident_id".into()),
        ("id_number", valid_id()),
        ("phone", "13912345678".into()),
        ("description", "".into()),
        ("delivery", "paper".into()),
    ];
    // A file that is no image: refused by its content, with everything else kept.
    let r = b
        .post(app.url("/apply"))
        .multipart(form(
            &fields,
            Some(("身份证.png", b"MZ\x90\0 not an image".to_vec())),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(text_of(&html).contains("身份证明只接受 JPG、PNG 图片或 PDF 文件"));
    assert!(html.contains("王五") && html.contains(&valid_id()));
    // A real picture, but the description is missing: the picture is kept for the next try.
    let (token, answer) = solve(&html);
    fields[0].1 = token;
    fields[1].1 = answer;
    let r = b
        .post(app.url("/apply"))
        .multipart(form(&fields, Some(("../../身份证 正面.png", png()))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        text_of(&html).contains("已上传：身份证 正面.png"),
        "{}",
        text_of(&html)
    );
    let kept = attr(&html, "name=\"proof\" value=\"");
    assert!(!kept.is_empty());
    // Stored sealed: no object holds the picture's bytes.
    for key in app.state.blobs.keys().await.unwrap() {
        let stored = app.state.blobs.get(&key).await.unwrap();
        assert!(
            !stored.windows(12).any(|w| w == b"identity-car"),
            "{key} holds the proof in the clear"
        );
    }
    // The corrected form sends no file again, only the reference.
    let (token, answer) = solve(&html);
    fields[0].1 = token;
    fields[1].1 = answer;
    fields[8].1 = "妥安乡2025年低保名单".into();
    fields.push(("proof", kept.clone()));
    let r = b
        .post(app.url("/apply"))
        .multipart(form(&fields, None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().path(), "/apply/receipt");
    let case_id = app.count("SELECT MAX(id) FROM applications").await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM application_files WHERE application_id = {case_id}"
        ))
        .await,
        1
    );
    // The same form sent again (a double click): the first receipt, nothing filed twice.
    let r = b
        .post(app.url("/apply"))
        .multipart(form(&fields, None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().path(), "/apply/receipt");
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, 1);
    // The reference reused in another application attaches nothing; a forged one neither.
    let (token, answer) = solve(&app.page_as(&b, "/apply").await);
    fields[0].1 = token;
    fields[1].1 = answer;
    let r = b
        .post(app.url("/apply"))
        .multipart(form(&fields, None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "the file went to the first application");
    assert!(text_of(&r.text().await.unwrap()).contains("已用于另一份申请"));
    let (token, answer) = solve(&app.page_as(&b, "/apply").await);
    fields[0].1 = token;
    fields[1].1 = answer;
    let last = fields.len() - 1;
    fields[last].1 = format!("{}00", &kept[..kept.len() - 2]);
    let r = b
        .post(app.url("/apply"))
        .multipart(form(&fields, None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "a forged reference");
    assert!(text_of(&r.text().await.unwrap()).contains("无法识别"));
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, 1);

    // The handling staff see it; each view is audited.
    let director = app.login("tuoan-director", DEMO_PASSWORD).await;
    let case_url = format!("/admin/applications/{case_id}");
    let page = app.page_as(&director, &case_url).await;
    assert!(page.contains("查看 身份证 正面.png"), "{page}");
    let file_id = attr(&page, "name=\"file\" value=\"");
    let csrf = csrf_of(&page);
    let r = director
        .post(app.url(&format!("{case_url}/proof")))
        .form(&[("csrf", csrf.as_str()), ("file", file_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.bytes().await.unwrap().to_vec(), png());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'application.view_proof'")
            .await,
        1
    );
    // A file number that is not this case's, or no number: nothing shown, nothing audited.
    for (bad, status) in [("999999", 404), ("abc", 422), ("", 422)] {
        let r = director
            .post(app.url(&format!("{case_url}/proof")))
            .form(&[("csrf", csrf.as_str()), ("file", bad)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "file={bad}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'application.view_proof'")
            .await,
        1
    );
    // Another unit's staff, and the city's supervisor (who oversees but does not handle the
    // case), get no file.
    let other = app.login("gaofeng-director", DEMO_PASSWORD).await;
    let page = app.page_as(&other, "/admin").await;
    let r = other
        .post(app.url(&format!("{case_url}/proof")))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("file", file_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert!(matches!(r.status().as_u16(), 403 | 404), "{}", r.status());
    let city = app.login("admin", DEMO_PASSWORD).await;
    let page = app.page_as(&city, &case_url).await;
    assert!(
        !page.contains("身份证 正面.png"),
        "the supervisor is not shown the proof"
    );
    let r = city
        .post(app.url(&format!("{case_url}/proof")))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("file", file_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'application.view_proof'")
            .await,
        1,
        "refused views show nothing"
    );
}

#[tokio::test]
async fn an_oversized_proof_is_refused_with_the_form_kept_and_robots_store_nothing() {
    let app = spawn_demo().await;
    let b = app.browser();
    let (token, answer) = solve(&app.page_as(&b, "/apply").await);
    let mut big = png();
    big.resize(6 * 1024 * 1024, 0);
    let fields = vec![
        ("token", token.clone()),
        ("answer", answer),
        ("unit", "tuoan".to_owned()),
        ("name", "王五".into()),
        ("kind", "natural_person".into()),
        ("id_type", "resident_id".into()),
        ("id_number", valid_id()),
        ("phone", "13912345678".into()),
        ("description", "妥安乡2025年低保名单".into()),
        ("delivery", "paper".into()),
    ];
    let r = b
        .post(app.url("/apply"))
        .multipart(form(&fields, Some(("scan.png", big))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(text_of(&html).contains("不能超过 5 MB"));
    assert!(html.contains("妥安乡2025年低保名单"));
    // A wrong answer (a robot, say) with a file: the file is not stored.
    let mut robot = fields.clone();
    robot[1].1 = "0".into();
    let r = b
        .post(app.url("/apply"))
        .multipart(form(&robot, Some(("scan.png", png()))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(text_of(&r.text().await.unwrap()).contains("验证题答对之前不保存上传的文件"));
    assert_eq!(app.count("SELECT COUNT(*) FROM application_files").await, 0);
    // Still accepted url-encoded, as before (no file).
    let r = b
        .post(app.url("/apply"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().path(), "/apply/receipt");
}

#[tokio::test]
async fn the_guide_guides_and_the_form_starts_at_its_unit() {
    let app = spawn_demo().await;
    let (s, html) = app.get_text("/units/tuoan/guide").await;
    assert_eq!(s, 200);
    assert!(html.contains(r#"href="/apply?unit=tuoan""#) && html.contains(r#"href="/track""#));
    let t = text_of(&html);
    for said in [
        "20个工作日",
        "7个工作日",
        "15个工作日",
        "按件计收",
        "按量计收",
        "每页10元",
        "60日内",
        "6个月内",
    ] {
        assert!(t.contains(said), "{said}");
    }
    assert!(
        !t.contains("自动生成"),
        "the public is not told how the page is made"
    );
    let (_, form) = app.get_text("/apply?unit=tuoan").await;
    assert!(form.contains(r#"<option value="tuoan" selected>"#));
    let (s, _) = app.get_text("/apply?unit=%3Cscript%3E").await;
    assert_eq!(s, 200, "an unknown unit only leaves the choice open");
}

#[tokio::test]
async fn back_office_refusals_keep_the_frame_and_say_the_rule() {
    let app = spawn_demo().await;
    let editor = app.login("tuoan-editor", DEMO_PASSWORD).await;
    for (path, rule) in [
        ("/admin/audit", "只有单位管理员和监督员可以查看审计日志"),
        ("/admin/applications", "依申请公开办理情况总览"),
        (
            "/admin/units/tuoan/settings",
            "只有本单位管理员可以查看和修改单位设置",
        ),
    ] {
        let r = editor
            .get(app.url(path))
            .header("referer", app.url("/admin/units/tuoan/items"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path}");
        let html = r.text().await.unwrap();
        assert!(text_of(&html).contains(rule), "{path}: {}", text_of(&html));
        assert!(
            html.contains(r#"<nav class="admin-nav""#),
            "{path} keeps the navigation"
        );
        assert!(
            html.contains(r#"<a href="/admin/units/tuoan/items">返回上一页</a>"#),
            "{path}"
        );
    }
    // A page of another site is never offered as the way back.
    let r = editor
        .get(app.url("/admin/audit"))
        .header("referer", "https://evil.example/admin/x")
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(!html.contains("evil.example") && html.contains("回到工作台"));
    // A record that is not there: the same frame.
    let r = editor
        .get(app.url("/admin/items/999999"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains(r#"<nav class="admin-nav""#));
    // The framework's own refusals too: a form's address opened by reloading it (405).
    let r = editor
        .get(app.url("/admin/applications/1/proof"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"<nav class="admin-nav""#), "{html}");
    assert!(text_of(&html).contains("不能这样打开"));
}

#[tokio::test]
async fn the_dashboard_offers_only_what_opens_and_flags_chains_nobody_can_finish() {
    let app = spawn_demo().await;
    let links = |html: &str| -> Vec<String> {
        html.split("<main")
            .nth(1)
            .unwrap_or("")
            .split("href=\"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap_or("").to_owned())
            .filter(|h| h.starts_with("/admin"))
            .collect()
    };
    for login in [
        "tuoan-editor",
        "tuoan-director",
        "tuoan-admin",
        "admin",
        "gaofeng-editor",
    ] {
        let b = app.login(login, DEMO_PASSWORD).await;
        let page = app.page_as(&b, "/admin").await;
        let found = links(&page);
        assert!(!found.is_empty());
        for href in found {
            let r = b.get(app.url(&href)).send().await.unwrap();
            assert_eq!(r.status(), 200, "{login}: the dashboard links to {href}");
        }
    }
    // Every role of 妥安乡's chains is held: no warning.
    let director = app.login("tuoan-director", DEMO_PASSWORD).await;
    assert!(!text_of(&app.page_as(&director, "/admin").await).contains("无人担任"));
    // 高峰乡 has no 分管领导 or 主要领导: its staff are told where important items stop.
    let g = app.login("gaofeng-editor", DEMO_PASSWORD).await;
    let t = text_of(&app.page_as(&g, "/admin").await);
    assert!(
        t.contains("高峰乡的审核链有无人担任的步骤") && t.contains("重要信息第2步“分管领导”"),
        "{t}"
    );
    // Its administrator (a new one) is sent to assign the role.
    app.user("gaofeng-admin", "gaofeng", &[Role::Admin]).await;
    let a = app.login("gaofeng-admin", PASSWORD).await;
    let page = app.page_as(&a, "/admin").await;
    assert!(page.contains(r#"<a href="/admin/units/gaofeng/review-policy">修改审核链</a>"#));
}

#[tokio::test]
async fn the_review_chain_is_chosen_from_roles() {
    let app = spawn_demo().await;
    let admin = app.login("tuoan-admin", DEMO_PASSWORD).await;
    let url = "/admin/units/tuoan/review-policy";
    let page = app.page_as(&admin, url).await;
    assert!(page.contains(r#"<select id="important_2" name="important_2">"#));
    assert!(
        !text_of(&page).contains("director"),
        "no role codes on the page"
    );
    // Chains of roles as chosen; a gap is skipped.
    let (s, _) = app
        .submit(
            &admin,
            url,
            url,
            &[
                ("general_1", "director"),
                ("important_1", "director"),
                ("important_3", "leader"),
                ("critical_1", "director"),
                ("critical_2", "leader"),
                ("critical_3", "principal"),
            ],
        )
        .await;
    assert_eq!(s, 200);
    let mut conn = app.state.db.pool.acquire().await.unwrap();
    let unit = sunshine::db::units::by_code(&mut conn, "tuoan")
        .await
        .unwrap()
        .unwrap();
    let p = sunshine::db::review::policy(&mut conn, unit.id)
        .await
        .unwrap();
    assert_eq!(p.important, vec![Role::Director, Role::Leader]);
    drop(conn);
    // A shorter chain for more important items is refused, the choices kept.
    let (s, page) = app
        .submit(
            &admin,
            url,
            url,
            &[
                ("general_1", "director"),
                ("general_2", "leader"),
                ("important_1", "director"),
                ("critical_1", "principal"),
            ],
        )
        .await;
    assert_eq!(s, 422);
    assert!(text_of(&page).contains("审核步骤不能比次一级更少"));
    assert!(page.contains(r#"<option value="principal" selected>主要领导</option>"#));
    // A role nobody holds is flagged where the chain is edited.
    sqlx::query("UPDATE users SET disabled = 1 WHERE login = 'tuoan-principal'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let t = text_of(&app.page_as(&admin, url).await);
    assert!(
        t.contains("特别重要信息第3步“主要领导”：本单位没有启用的账号担任这个岗位"),
        "{t}"
    );
    // The audit log says the new chains in words.
    let city = app.login("admin", DEMO_PASSWORD).await;
    let t = text_of(&app.page_as(&city, "/admin/audit").await);
    assert!(
        t.contains("修改审核链") && t.contains("重要信息：办公室主任→分管领导"),
        "{t}"
    );
}

/// The value of the hidden field `name` in the form that posts to `action` (first such form).
fn field_in(html: &str, action: &str, name: &str) -> String {
    let form = html
        .split(&format!("action=\"{action}\""))
        .nth(1)
        .unwrap_or("")
        .split("</form>")
        .next()
        .unwrap_or("");
    attr(form, &format!("name=\"{name}\" value=\""))
}

#[tokio::test]
async fn a_unit_administrator_runs_the_accounts_and_every_step_is_audited() {
    let app = spawn_demo().await;
    let admin = app.login("tuoan-admin", DEMO_PASSWORD).await;
    let url = "/admin/units/tuoan/users";
    let page = app.page_as(&admin, url).await;
    let t = text_of(&page);
    assert!(t.contains("tuoan-editor") && t.contains("分管领导"), "{t}");
    assert!(
        !t.contains("gaofeng-editor"),
        "another unit's people are not listed"
    );
    // A new account: a one-time password shown once.
    let (s, page) = app
        .submit(
            &admin,
            url,
            url,
            &[
                ("login", "zhang.san"),
                ("display_name", "张三"),
                ("role_editor", "1"),
            ],
        )
        .await;
    assert_eq!(s, 200, "{page}");
    let password = page
        .split("<strong class=\"secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(password.len(), 12);
    // The same login again: refused, what was typed kept.
    let (s, page) = app
        .submit(
            &admin,
            url,
            url,
            &[
                ("login", "zhang.san"),
                ("display_name", "张三丰"),
                ("role_director", "1"),
            ],
        )
        .await;
    assert_eq!(s, 422);
    assert!(text_of(&page).contains("登录名“zhang.san”已被使用") && page.contains("张三丰"));
    let (s, page) = app
        .submit(&admin, url, url, &[("login", "x y"), ("display_name", " ")])
        .await;
    assert_eq!(s, 422);
    let t = text_of(&page);
    assert!(
        t.contains("登录名只能由")
            && t.contains("请填写使用人的姓名")
            && t.contains("请至少选择一个岗位")
    );
    // The one-time password opens only the page where its holder chooses their own.
    let zhang = app.login("zhang.san", &password).await;
    let r = zhang
        .get(app.url("/admin/units/tuoan/items"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().path(), "/admin/password");
    assert!(text_of(&r.text().await.unwrap()).contains("一次性密码"));
    // Keeping the one-time password (which its issuer knows) is no change.
    let (s, page) = app
        .submit(
            &zhang,
            "/admin/password",
            "/admin/password",
            &[
                ("current", &password),
                ("new", &password),
                ("again", &password),
            ],
        )
        .await;
    assert_eq!(s, 422);
    assert!(text_of(&page).contains("新密码不能与当前密码相同"));
    let (s, _) = app
        .submit(
            &zhang,
            "/admin/password",
            "/admin/password",
            &[
                ("current", &password),
                ("new", "my-own-password-1"),
                ("again", "my-own-password-1"),
            ],
        )
        .await;
    assert_eq!(s, 200);
    // A login that differs only in case is taken.
    let (s, page) = app
        .submit(
            &admin,
            url,
            url,
            &[
                ("login", "Zhang.San"),
                ("display_name", "张三"),
                ("role_editor", "1"),
            ],
        )
        .await;
    assert_eq!(s, 422);
    assert!(text_of(&page).contains("不分大小写"));
    let r = zhang
        .get(app.url("/admin/units/tuoan/items"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.url().path(),
        "/admin/units/tuoan/items",
        "free to work now"
    );
    // Roles, disabling, enabling and resetting.
    let zid = app
        .count("SELECT id FROM users WHERE login = 'zhang.san'")
        .await
        .to_string();
    let roles = "/admin/units/tuoan/users/roles";
    let (s, _) = app
        .submit(
            &admin,
            url,
            roles,
            &[("user", &zid), ("role", "director"), ("op", "grant")],
        )
        .await;
    assert_eq!(s, 200);
    let (s, page) = app
        .submit(
            &admin,
            url,
            roles,
            &[("user", &zid), ("role", "root"), ("op", "grant")],
        )
        .await;
    assert_eq!(s, 422);
    assert!(text_of(&page).contains("请从列表中选择岗位"));
    let status = "/admin/units/tuoan/users/status";
    let (s, _) = app
        .submit(&admin, url, status, &[("user", &zid), ("op", "disable")])
        .await;
    assert_eq!(s, 200);
    let r = zhang.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(r.url().path(), "/admin/login", "the session ended at once");
    let (s, _) = app
        .submit(&admin, url, status, &[("user", &zid), ("op", "enable")])
        .await;
    assert_eq!(s, 200);
    // A reset (a password that may have leaked) ends the account's API tokens too.
    let token = app.token("zhang.san").await;
    let api = |t: String| {
        let app_url = app.url("/api/v1/applications?unit=tuoan");
        async move {
            reqwest::Client::new()
                .get(app_url)
                .bearer_auth(t)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(api(token.clone()).await, 200);
    let (s, page) = app
        .submit(
            &admin,
            url,
            "/admin/units/tuoan/users/reset",
            &[("user", &zid)],
        )
        .await;
    assert_eq!(api(token).await, 401, "the token ended with the reset");
    assert_eq!(s, 200);
    assert!(text_of(&page).contains("密码已重设"));
    assert_eq!(
        app.count("SELECT must_change FROM users WHERE login = 'zhang.san'")
            .await,
        1
    );
    // Not one's own account; not another unit's people.
    let me = app
        .count("SELECT id FROM users WHERE login = 'tuoan-admin'")
        .await
        .to_string();
    let (s, page) = app
        .submit(&admin, url, status, &[("user", &me), ("op", "disable")])
        .await;
    assert_eq!(s, 403);
    assert!(text_of(&page).contains("不能在这里停用或重设自己的账号"));
    for (role, op) in [("admin", "revoke"), ("director", "grant")] {
        let (s, page) = app
            .submit(
                &admin,
                url,
                roles,
                &[("user", &me), ("role", role), ("op", op)],
            )
            .await;
        assert_eq!(s, 403, "{role} {op}");
        assert!(text_of(&page).contains("不能给自己分配或取消岗位"));
    }
    // 监督员 oversees the units below: not a unit administrator's to give.
    let (s, page) = app
        .submit(
            &admin,
            url,
            roles,
            &[("user", &zid), ("role", "supervisor"), ("op", "grant")],
        )
        .await;
    assert_eq!(s, 422);
    assert!(text_of(&page).contains("请从列表中选择岗位"));
    assert!(!app
        .page_as(&admin, url)
        .await
        .contains("value=\"supervisor\""));
    let other = app
        .count("SELECT id FROM users WHERE login = 'gaofeng-editor'")
        .await
        .to_string();
    let (s, _) = app
        .submit(&admin, url, status, &[("user", &other), ("op", "disable")])
        .await;
    assert_eq!(s, 404, "another unit's account is not this administrator's");
    assert_eq!(
        app.count("SELECT disabled FROM users WHERE login = 'gaofeng-editor'")
            .await,
        0
    );
    // Someone who also works for another unit is disabled only by whoever runs both.
    sqlx::query("INSERT INTO user_roles (user_id, unit_id, role) SELECT u.id, g.id, 'editor' FROM users u, units g WHERE u.login = 'zhang.san' AND g.code = 'gaofeng'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (s, page) = app
        .submit(&admin, url, status, &[("user", &zid), ("op", "disable")])
        .await;
    assert_eq!(s, 403);
    assert!(text_of(&page).contains("在其他单位也有岗位"));
    // Editors do not reach the page; every step above is in the audit log, in words.
    let editor = app.login("tuoan-editor", DEMO_PASSWORD).await;
    assert_eq!(editor.get(app.url(url)).send().await.unwrap().status(), 403);
    for action in [
        "user.add",
        "user.grant",
        "user.disable",
        "user.enable",
        "user.reset",
    ] {
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND target = 'user:zhang.san'"))
                .await,
            1,
            "{action}"
        );
    }
}

#[tokio::test]
async fn a_reviewer_reads_the_item_as_published_with_findings_marked() {
    let app = spawn_demo().await;
    let editor = app.login("tuoan-editor", DEMO_PASSWORD).await;
    // Typed as plain text, with a mobile number in it.
    let new = "/admin/units/tuoan/items/new";
    let (s, page) = app
        .submit(
            &editor,
            new,
            "/admin/units/tuoan/items",
            &[
                ("column", "notices"),
                ("pr_mode", "政府网站"),
                ("pr_scope", "社会公众"),
                ("pr_time_limit", "长期公开"),
                ("title", "关于村道维修的通知"),
                ("body_format", "text"),
                ("body", "一、维修范围\n全乡村道。\n联系人电话 13812345678。"),
                ("importance", "general"),
                ("validity", "valid"),
                ("disclosure", "active"),
                ("publisher", "妥安乡人民政府"),
            ],
        )
        .await;
    assert_eq!(s, 200, "{}", text_of(&page));
    let id = app.count("SELECT MAX(id) FROM items").await;
    let url = format!("/admin/items/{id}");
    // The author gets back what they typed, not HTML.
    let page = app.page_as(&editor, &url).await;
    assert!(page.contains("一、维修范围\n全乡村道。"), "{page}");
    assert!(
        !page.contains("&#60;p&#62;") && !page.contains("&lt;p&gt;"),
        "no tags in the author's text"
    );
    assert!(page.contains(r#"value="text" checked"#));
    let (s, page) = app
        .submit(&editor, &url, &format!("{url}/review/submit"), &[])
        .await;
    assert_eq!(s, 200, "{}", text_of(&page));
    // The director reads it as the public will, the number marked where it stands.
    let director = app.login("tuoan-director", DEMO_PASSWORD).await;
    let page = app.page_as(&director, &url).await;
    assert!(
        page.contains("<h1 class=\"page-title\">审核信息</h1>"),
        "{page}"
    );
    assert!(page.contains("<h2>一、维修范围</h2>"), "the body rendered");
    assert!(
        page.contains(r#"<mark class="finding">13812345678</mark>"#),
        "{page}"
    );
    assert!(
        page.contains(r#"<details class="edit-fold">"#),
        "the edit form folded away"
    );
    assert!(page.contains("/review/approve") && page.contains("/review/reject"));
    // Sent back: 已退回 with the comment on the author's dashboard.
    let (s, _) = app
        .submit(
            &director,
            &url,
            &format!("{url}/review/reject"),
            &[("comment", "请删去个人手机号码")],
        )
        .await;
    assert_eq!(s, 200);
    let dash = text_of(&app.page_as(&editor, "/admin").await);
    assert!(
        dash.contains("已退回，待我修改")
            && dash.contains("关于村道维修的通知")
            && dash.contains("请删去个人手机号码"),
        "{dash}"
    );
    let page = text_of(&app.page_as(&editor, &url).await);
    assert!(page.contains("状态：已退回"), "{page}");
    // The preview leads back to editing.
    let preview = app.page_as(&editor, &format!("{url}/preview")).await;
    assert!(preview.contains(&format!(r#"<a href="/admin/items/{id}">返回编辑</a>"#)));
}

#[tokio::test]
async fn publishing_is_not_offered_while_it_must_fail() {
    let app = spawn_demo().await;
    let editor = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let (s, _) = app
        .submit(
            &editor,
            "/admin/units/tuoan/items/new",
            "/admin/units/tuoan/items",
            &[
                ("column", "notices"),
                ("pr_mode", "政府网站"),
                ("pr_scope", "社会公众"),
                ("pr_time_limit", "长期公开"),
                ("title", "机密文件摘要"),
                ("body_format", "text"),
                ("body", "本文件属于机密★，不得外传。"),
                ("importance", "general"),
                ("validity", "valid"),
                ("disclosure", "active"),
                ("publisher", "妥安乡人民政府"),
            ],
        )
        .await;
    assert_eq!(s, 200);
    let id = app.count("SELECT MAX(id) FROM items").await;
    let url = format!("/admin/items/{id}");
    let (s, page) = app
        .submit(&editor, &url, &format!("{url}/review/submit"), &[])
        .await;
    assert_eq!(s, 200, "{}", text_of(&page));
    let director = app.login("tuoan-director", DEMO_PASSWORD).await;
    let page = text_of(&app.page_as(&director, &url).await);
    assert!(
        page.contains("现在审核通过，之后仍不能发布"),
        "said before approving: {page}"
    );
    let page = app.page_as(&director, &url).await;
    let digest = field_in(&page, &format!("{url}/review/approve"), "digest");
    let (s, page) = app
        .submit(
            &director,
            &url,
            &format!("{url}/review/approve"),
            &[("digest", &digest)],
        )
        .await;
    assert_eq!(s, 200, "{}", text_of(&page));
    let page = app.page_as(&director, &url).await;
    assert!(
        !page.contains(&format!("action=\"{url}/review/publish\"")),
        "no 发布 that must fail"
    );
    assert!(text_of(&page).contains("不能发布：有阻止发布的筛查结果"));
}

#[tokio::test]
async fn the_demo_shows_a_year_of_practice() {
    use chrono::Datelike;
    let app = spawn_demo().await;
    sunshine::demo::practice(&app.state)
        .await
        .expect("the demo's year");
    let last = app.state.today().year() - 1;
    // Last year's cases, every kind of step, one still open this year.
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, 13);
    for (event, n) in [
        ("correction-request", 2),
        ("correction-received", 1),
        ("consultation-start", 1),
        ("extend", 1),
        ("fee-notice", 1),
        ("reply", 11),
    ] {
        let got = app
            .count(&format!(
                "SELECT COUNT(*) FROM application_events WHERE kind = '{event}'"
            ))
            .await;
        assert!(got >= n, "{event}: {got}");
    }
    let late: Vec<(String, String)> =
        sqlx::query_as("SELECT description, received_on FROM applications WHERE overdue = 1")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(late.len(), 1, "one reply was late: {late:?}");
    // The unanswered correction was concluded the day after its period, not the day the
    // conclusion ran (a year later here).
    let lapsed: String = sqlx::query_scalar(
        "SELECT replied_on FROM applications WHERE outcome = 'other_no_correction'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert!(lapsed.starts_with(&format!("{last}-07")), "{lapsed}");
    assert_eq!(app.count("SELECT COUNT(*) FROM remedies").await, 1);
    // Last year's report, from those records, published through its chain.
    let title = format!("妥安乡{last}年政府信息公开工作年度报告");
    let id = item_id(&app, &title).await;
    let (s, page) = app.get_text(&format!("/items/{id}")).await;
    assert_eq!(s, 200);
    let t = text_of(&page);
    assert!(t.contains(&title), "{t}");
    let city = app.login("admin", DEMO_PASSWORD).await;
    let sup = text_of(
        &app.page_as(&city, &format!("/admin/supervision?year={last}"))
            .await,
    );
    assert!(sup.contains("妥安乡"), "{sup}");
    // The report counts exactly those cases (table 三, all from natural persons), and its
    // published item is dated before the deadline.
    let mut conn = app.state.db.pool.acquire().await.expect("connection");
    let (r, _) = sunshine::service::report::generate(&mut conn, "tuoan", last)
        .await
        .expect("report");
    let row = |name: &str| {
        r.applications
            .get(name)
            .and_then(|c| c.get("total"))
            .copied()
    };
    for (name, n) in [
        ("new", 12),
        ("granted", 5),
        ("partial", 1),
        ("refused_third_party_rights", 1),
        ("refused_process_information", 1),
        ("unavailable_not_held", 1),
        ("not_processed_repeated", 1),
        ("not_processed_petition_complaint", 1),
        ("other_no_correction", 1),
        ("total_handled", 12),
        ("carried_out", 0),
    ] {
        assert_eq!(row(name), Some(n), "table 三 {name}");
    }
    assert_eq!(r.remedies.reconsideration.upheld, 1);
    let published: String = sqlx::query_scalar("SELECT published_on FROM items WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .expect("published");
    assert!(
        published.as_str() <= format!("{}-01-31", last + 1).as_str(),
        "{published}"
    );
}

/// On phones the 索引号 cells are hidden: their heading must go with them, or every column
/// stands under the wrong heading.
#[tokio::test]
async fn a_hidden_index_column_takes_its_heading_along() {
    let app = spawn_demo().await;
    let editor = app.login("tuoan-editor", DEMO_PASSWORD).await;
    let pages = [
        app.get_text("/units/tuoan/columns/annual-report").await.1,
        app.get_text("/units/tuoan/catalog").await.1,
        app.page_as(&editor, "/admin/units/tuoan/items").await,
    ];
    for html in pages {
        let cells = html.matches("<td class=\"index\">").count();
        assert!(cells > 0);
        assert!(
            html.contains("<th scope=\"col\" class=\"index\""),
            "a hidden cell without its heading hidden: {html}"
        );
    }
}

/// The accounts page under the inputs people and browsers really send: the same creation twice
/// (a double click, a reload), two administrators making `Zhang` and `zhang` at once, an id that
/// is no number or no account of the unit, a role that is no role.
#[tokio::test]
async fn account_forms_hold_under_repeats_races_and_junk() {
    let app = spawn_demo().await;
    let admin = app.login("tuoan-admin", DEMO_PASSWORD).await;
    let url = "/admin/units/tuoan/users";
    let fields = [
        ("login", "wang.wu"),
        ("display_name", "王五"),
        ("role_editor", "1"),
    ];
    let (s, _) = app.submit(&admin, url, url, &fields).await;
    assert_eq!(s, 200);
    // The same form again: said to be the account just made, not someone else's login.
    let (s, page) = app.submit(&admin, url, url, &fields).await;
    assert_eq!(s, 409);
    assert!(
        text_of(&page).contains("刚才已由您建立"),
        "{}",
        text_of(&page)
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE lower(login) = 'wang.wu'")
            .await,
        1
    );
    // Two creations at once whose logins differ only in case: one account.
    app.user("tuoan-admin2", "tuoan", &[Role::Admin]).await;
    let other = app.login("tuoan-admin2", PASSWORD).await;
    let page_a = app.page_as(&admin, url).await;
    let page_b = app.page_as(&other, url).await;
    let post = |b: &reqwest::Client, csrf: String, login: &'static str| {
        let b = b.clone();
        let to = app.url(url);
        async move {
            b.post(to)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("login", login),
                    ("display_name", "赵六"),
                    ("role_editor", "1"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let (a, b) = tokio::join!(
        post(&admin, csrf_of(&page_a), "Zhao.Liu"),
        post(&other, csrf_of(&page_b), "zhao.liu")
    );
    let mut got = [a, b];
    got.sort_unstable();
    assert_eq!(got, [200, 422], "one made, one told the login is taken");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE lower(login) = 'zhao.liu'")
            .await,
        1
    );
    // Junk ids and roles: clear answers, nothing changed.
    let status = "/admin/units/tuoan/users/status";
    for bad in ["abc", "-1", "0", "99999999", ""] {
        let (s, page) = app
            .submit(&admin, url, status, &[("user", bad), ("op", "disable")])
            .await;
        assert_eq!(s, 404, "user={bad}");
        assert!(text_of(&page).contains("没有找到这个账号"), "user={bad}");
    }
    let wid = app
        .count("SELECT id FROM users WHERE login = 'wang.wu'")
        .await
        .to_string();
    let (s, page) = app
        .submit(&admin, url, status, &[("user", &wid), ("op", "explode")])
        .await;
    assert_eq!(s, 422);
    assert!(text_of(&page).contains("请点“停用”或“启用”"));
    let (s, _) = app
        .submit(
            &admin,
            url,
            "/admin/units/tuoan/users/roles",
            &[("user", &wid), ("role", "director"), ("op", "")],
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(
        app.count("SELECT disabled FROM users WHERE login = 'wang.wu'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_review_chain_of_junk_is_refused_in_words() {
    let app = spawn_demo().await;
    let admin = app.login("tuoan-admin", DEMO_PASSWORD).await;
    let url = "/admin/units/tuoan/review-policy";
    let (s, page) = app
        .submit(
            &admin,
            url,
            url,
            &[
                ("general_1", "root"),
                ("important_1", "director"),
                ("critical_1", "director"),
            ],
        )
        .await;
    assert_eq!(s, 422);
    let t = text_of(&page);
    assert!(t.contains("“root”不能担任审核步骤"), "{t}");
    assert!(!t.contains("director,"), "no codes in the message");
    // Nothing chosen for a chain: it needs a step.
    let (s, page) = app
        .submit(
            &admin,
            url,
            url,
            &[("important_1", "director"), ("critical_1", "director")],
        )
        .await;
    assert_eq!(s, 422);
    assert!(text_of(&page).contains("审核链至少需要一个步骤"));
}

/// A multipart body that is no form, and one over the whole limit: each said plainly.
#[tokio::test]
async fn a_broken_or_huge_apply_body_is_refused_plainly() {
    let app = spawn_demo().await;
    let c = reqwest::Client::new();
    let r = c
        .post(app.url("/apply"))
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body("--XYZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n王五")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(text_of(&r.text().await.unwrap()).contains("表单无法读取"));
    let huge = vec![b'a'; sunshine::web::apply::BODY_LIMIT + 1024];
    let form = Form::new()
        .text("name", "王五")
        .part("proof_file", Part::bytes(huge).file_name("scan.png"));
    let r = c
        .post(app.url("/apply"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert!(text_of(&r.text().await.unwrap()).contains("不能超过 5 MB"));
    assert_eq!(app.count("SELECT COUNT(*) FROM application_files").await, 0);
}
