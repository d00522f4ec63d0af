//! A corpus of short texts with planted and look-alike numbers and marks. Reports recall (planted
//! findings found) and false alarms (findings where none was planted); both must be perfect.
//! `cargo test -p sunshine-core --test screening_corpus -- --nocapture` prints the figures.

use sunshine_core::html::reader_text;
use sunshine_core::screening::{id_check_char, luhn, screen, Exemptions, Kind, Segment, BODY};

fn id(first17: &str) -> String {
    format!("{first17}{}", id_check_char(first17).expect("17 digits"))
}

fn wrong_check(first17: &str) -> String {
    let good = id_check_char(first17).expect("17 digits");
    format!("{first17}{}", if good == '0' { '1' } else { '0' })
}

/// Appends the Luhn check digit.
fn card(prefix: &str) -> String {
    (0..10)
        .map(|d| format!("{prefix}{d}"))
        .find(|c| luhn(c))
        .expect("a check digit exists")
}

fn grouped(s: &str) -> String {
    s.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Screens every text of a corpus as `read` makes it into what the screener reads; prints recall
/// and false alarms; returns every miss and false alarm.
fn score(name: &str, corpus: &[(String, Vec<Kind>)], read: impl Fn(&str) -> String) -> Vec<String> {
    let ex = Exemptions::default();
    let (mut planted, mut found, mut false_alarms) = (0, 0, 0);
    let mut problems = Vec::new();
    for (text, expected) in corpus {
        let got: Vec<Kind> = screen(
            &[Segment {
                location: BODY.into(),
                text: read(text),
            }],
            &ex,
        )
        .into_iter()
        .map(|f| f.kind)
        .collect();
        planted += expected.len();
        for k in expected {
            if got.contains(k) {
                found += 1;
            } else {
                problems.push(format!("missed {k:?} in {text}"));
            }
        }
        for k in &got {
            if !expected.contains(k) {
                false_alarms += 1;
                problems.push(format!("false alarm {k:?} in {text}"));
            }
        }
    }
    let negatives = corpus.iter().filter(|(_, e)| e.is_empty()).count();
    println!(
        "{name}: {} texts ({} with planted findings, {} look-alikes); recall {}/{} = {:.1}%; false alarms {}",
        corpus.len(),
        corpus.len() - negatives,
        negatives,
        found,
        planted,
        100.0 * found as f64 / planted as f64,
        false_alarms
    );
    problems
}

#[test]
fn corpus_recall_and_false_alarms() {
    use Kind::*;
    let id_x = "11010519491231002X".to_owned();
    assert_eq!(id_check_char("11010519491231002"), Some('X'));
    let id_a = id("53010219900101123");
    let id_b = id("44030419851231567");
    let card16 = card("622202123456789");
    let card19 = card("621700123456789012");
    let corpus: Vec<(String, Vec<Kind>)> = vec![
        // Classification marks: blocking.
        (
            "秘密★1年\n关于春节期间值班安排的通知".into(),
            vec![ClassificationMark],
        ),
        (
            "机密★10年 关于调整干部的请示".into(),
            vec![ClassificationMark],
        ),
        ("绝密\n全县应急预案".into(), vec![ClassificationMark]),
        ("【内部】乡党委会议纪要".into(), vec![ClassificationMark]),
        ("（机密）专项整治方案".into(), vec![ClassificationMark]),
        ("密级：秘密 份号：003".into(), vec![ClassificationMark]),
        ("内部资料，阅后收回".into(), vec![ClassificationMark]),
        ("本文件不得外传。".into(), vec![ClassificationMark]),
        ("仅供内部参考的统计数据".into(), vec![ClassificationMark]),
        ("秘密 ★ 请妥善保管".into(), vec![ClassificationMark]),
        // Resident ID numbers with a valid check character: blocking.
        (format!("申请人张某，身份证号{id_a}。"), vec![ResidentId]),
        (format!("身份证：{id_x}"), vec![ResidentId]),
        (
            format!("证件号码 {} 已核验", id_b.to_lowercase()),
            vec![ResidentId],
        ),
        (
            format!("公民身份号码{}{}", &id_a[..6], &id_a[6..]),
            vec![ResidentId],
        ),
        (
            format!("号码 {} {} {}", &id_b[..6], &id_b[6..14], &id_b[14..]),
            vec![ResidentId],
        ),
        // Bank cards passing Luhn: blocking.
        (format!("补贴发放至卡号{card16}"), vec![BankCard]),
        (format!("开户行农业银行，账号 {card19}"), vec![BankCard]),
        (format!("卡号：{}", grouped(&card16)), vec![BankCard]),
        ("测试卡 4111111111111111".into(), vec![BankCard]),
        // Warnings.
        ("联系人王某 13812345678".into(), vec![Mobile]),
        ("手机：138-1234-5678".into(), vec![Mobile]),
        ("电话 +86 15987654321".into(), vec![Mobile]),
        ("来信请寄 zhangsan@163.com".into(), vec![Email]),
        ("邮箱 li.si@example.com.cn 收".into(), vec![Email]),
        ("旧身份证号130503670401001".into(), vec![ShortId]),
        (
            format!("疑似证件号{}", wrong_check("53010219900101123")),
            vec![BadCheckId],
        ),
        (
            format!("户主身份证{id_a}，电话13912345678"),
            vec![ResidentId, Mobile],
        ),
        // Look-alikes that must not be flagged.
        ("索引号：000014349/2018-00222".into(), vec![]),
        ("禄政发〔2017〕12号".into(), vec![]),
        ("禄政办发[2026]3号".into(), vec![]),
        ("2017年12月30日".into(), vec![]),
        ("发布日期 2026-11-28".into(), vec![]),
        ("2017-2018年度".into(), vec![]),
        ("拨付资金12345678901.50元".into(), vec![]),
        ("全县生产总值13800000000元".into(), vec![]),
        ("合同金额￥13912345678".into(), vec![]),
        ("增幅13812345678%".into(), vec![]),
        ("1.属于国家秘密".into(), vec![]),
        ("依法保护商业秘密和个人隐私".into(), vec![]),
        ("属于三类内部事务信息".into(), vec![]),
        ("机关内部管理制度".into(), vec![]),
        ("保守国家秘密是公民的义务".into(), vec![]),
        ("办公电话 0878-4121234".into(), vec![]),
        ("传真（0878）4121235".into(), vec![]),
        ("统一社会信用代码 91530102MA6K8Y1234".into(), vec![]),
        ("统一社会信用代码 11532331015174046X".into(), vec![]),
        ("邮政编码 651200".into(), vec![]),
        ("累计232条，其中乡镇动态92条".into(), vec![]),
        ("编号4111111111111112".into(), vec![]),
        ("流水号110102199013451234".into(), vec![]),
        ("订单号12345678901".into(), vec![]),
        ("全年共组织写作培训2次53人次".into(), vec![]),
    ];
    assert!(corpus.len() >= 40);
    let problems = score("screening corpus", &corpus, |t| t.to_owned());
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn office_numbers_are_not_alarms() {
    let ex = Exemptions::from_contact(
        "0878-4121234；13887654321",
        "0878-4121235",
        "tuoan@example.gov.cn",
    );
    let text =
        "咨询电话13887654321，传真0878-4121235，邮箱tuoan@example.gov.cn；经办人手机13912345678";
    let got: Vec<Kind> = screen(
        &[Segment {
            location: BODY.into(),
            text: text.into(),
        }],
        &ex,
    )
    .into_iter()
    .map(|f| f.kind)
    .collect();
    assert_eq!(
        got,
        vec![Kind::Mobile],
        "only the private mobile is flagged"
    );
}

#[test]
fn the_seed_report_raises_no_alarm() {
    let text = include_str!("../../sunshine/demo/tuoan-2017-report.txt");
    let got = screen(
        &[Segment {
            location: BODY.into(),
            text: text.into(),
        }],
        &Exemptions::default(),
    );
    assert!(got.is_empty(), "{got:?}");
}

/// Full-width digits and letters as phone keyboards type them.
fn wide(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

/// A zero-width space after every character.
fn zw(s: &str) -> String {
    s.chars().flat_map(|c| [c, '\u{200b}']).collect()
}

/// Evasions a reader sees through: marks and numbers split by inline formatting, typed in
/// full-width forms, or with invisible characters inside. Bodies are HTML, read through
/// `reader_text` as the screener reads an item's body. Look-alikes stay quiet, including text
/// that block boundaries keep apart.
#[test]
fn evasion_corpus_recall_and_false_alarms() {
    use Kind::*;
    let id_a = id("53010219900101123");
    let card16 = card("622202123456789");
    let corpus: Vec<(String, Vec<Kind>)> = vec![
        (
            "<p>内部<strong>资料</strong>，阅后收回</p>".into(),
            vec![ClassificationMark],
        ),
        (
            "<p><span>机</span><span>密</span>★</p>".into(),
            vec![ClassificationMark],
        ),
        (
            "<p>秘<em>密</em> ★ 5年</p>".into(),
            vec![ClassificationMark],
        ),
        (
            "<p>不得<a href=\"#\">外传</a></p>".into(),
            vec![ClassificationMark],
        ),
        (
            "<p>【内&#x90e8;】会议纪要</p>".into(),
            vec![ClassificationMark],
        ),
        (
            format!("<p>{}</p>", zw("内部资料")),
            vec![ClassificationMark],
        ),
        ("<p>机密＊</p>".into(), vec![ClassificationMark]),
        ("<p>机 密★</p>".into(), vec![ClassificationMark]),
        ("<p>机\u{3000}密★</p>".into(), vec![ClassificationMark]),
        ("<p>机&nbsp;密★</p>".into(), vec![ClassificationMark]),
        ("<p>内部&nbsp;资料</p>".into(), vec![ClassificationMark]),
        ("<p>机<br>密★</p>".into(), vec![ClassificationMark]),
        (
            "<table><tr><td>机</td><td>密★</td></tr></table>".into(),
            vec![ClassificationMark],
        ),
        (
            "<p title=\"绝密★\">说明</p>".into(),
            vec![ClassificationMark],
        ),
        (
            format!("<p><a href=\"/\" title=\"{id_a}\">链接</a></p>"),
            vec![ResidentId],
        ),
        (
            format!("<p><img src=\"x.png\" alt=\"{id_a}\"></p>"),
            vec![ResidentId],
        ),
        (format!("<p>身份证号{}</p>", wide(&id_a)), vec![ResidentId]),
        (format!("<p>身份证号{}</p>", zw(&id_a)), vec![ResidentId]),
        (
            format!(
                "<p>身份证号<span>{}</span><b>{}</b></p>",
                &id_a[..9],
                &id_a[9..]
            ),
            vec![ResidentId],
        ),
        (
            format!("<p>身份证号{}&#8203;{}</p>", &id_a[..6], &id_a[6..]),
            vec![ResidentId],
        ),
        (format!("<p>卡号{}</p>", wide(&card16)), vec![BankCard]),
        (format!("<p>卡号{}</p>", zw(&card16)), vec![BankCard]),
        ("<p>手机１３８１２３４５６７８</p>".into(), vec![Mobile]),
        ("<p>邮箱ｚｈａｎｇ＠ｑｑ．ｃｏｍ</p>".into(), vec![Email]),
        // Look-alikes: quiet in either width, and across block boundaries.
        ("<p>禄政发〔２０１７〕１２号</p>".into(), vec![]),
        ("<p>２０２６年１１月２８日</p>".into(), vec![]),
        (
            "<p>索引号：０００６１４３４９／２０１８－００２２２</p>".into(),
            vec![],
        ),
        ("<p>依法保护商业<strong>秘密</strong></p>".into(), vec![]),
        ("<p>机 关 秘 书 科</p>".into(), vec![]),
        (
            "<p><a href=\"https://www.lufeng.gov.cn/xxgk/2017-12-30.html\">年报</a></p>".into(),
            vec![],
        ),
        ("<p>机</p><p>密</p>".into(), vec![]),
        ("<p>内部</p><p>资料室开放时间</p>".into(), vec![]),
        (
            format!(
                "<table><tr><td>{}</td><td>{}</td></tr></table>",
                &id_a[..9],
                &id_a[9..]
            ),
            vec![],
        ),
        (
            "<table><tr><td>6222</td><td>0212</td><td>3456</td><td>7890</td></tr></table>".into(),
            vec![],
        ),
        (
            "<p>拨付资金１２３４５６７８９０１．５０元</p>".into(),
            vec![],
        ),
        (
            "<p>统一社会信用代码 ９１５３０１０２ＭＡ６Ｋ８Ｙ１２３４</p>".into(),
            vec![],
        ),
        (
            "<p>累计<b>232</b>条，其中乡镇动态<b>92</b>条</p>".into(),
            vec![],
        ),
    ];
    let problems = score("evasion corpus", &corpus, |html| reader_text(html).text);
    // Excerpts never show the number itself, in any width.
    for (html, _) in &corpus {
        let got = screen(
            &[Segment {
                location: BODY.into(),
                text: reader_text(html).text,
            }],
            &Exemptions::default(),
        );
        for f in got.iter().filter(|f| f.kind != Kind::ClassificationMark) {
            let shown: String = f.excerpt.chars().filter(|c| c.is_ascii_digit()).collect();
            assert!(shown.len() < 12, "excerpt shows too much: {}", f.excerpt);
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn masks_land_on_the_original_text() {
    let id_a = id("53010219900101123");
    let html = format!(
        "<p>身份证号<span>{}</span>{}，请核实。</p>",
        wide(&id_a[..9]),
        &id_a[9..]
    );
    let reader = reader_text(&html);
    let got = screen(
        &[Segment {
            location: BODY.into(),
            text: reader.text.clone(),
        }],
        &Exemptions::default(),
    );
    assert_eq!(got.len(), 1, "{got:?}");
    let f = &got[0];
    assert_eq!(f.original, format!("{}{}", wide(&id_a[..9]), &id_a[9..]));
    let (a, b) = f.span.unwrap();
    let (x, y) = reader.source_range(a, b).unwrap();
    let masked = sunshine_core::text::replace_ranges(&html, &[(x, y)], &f.masked);
    let clean = sunshine_core::html::sanitize(&masked);
    assert!(clean.contains(&f.masked), "{clean}");
    assert!(
        clean.contains("请核实") && clean.starts_with("<p>身份证号"),
        "{clean}"
    );
    let digits: String = clean
        .chars()
        .filter(|c| c.is_ascii_digit() || ('０'..='９').contains(c))
        .collect();
    assert!(digits.chars().count() <= 8, "{clean}");
}
