//! The demo dataset: 禄丰市人民政府 (`lufeng`) with towns, townships and departments, each with
//! its columns and items. The seed document, 妥安乡's 2017 annual report, is published in
//! 妥安乡's 政府信息公开年报 column with its original date; every invented item says so in its
//! 来源 field.

use crate::db::{audit, columns, items, units, users, Db};
use chrono::{Duration, NaiveDate};
use sunshine_core::index_no::IndexPattern;
use sunshine_core::item::{Disclosure, ItemFields, Validity};
use sunshine_core::role::Role;
use sunshine_core::unit::{OfficeContact, UnitKind};

pub const DEMO_SOURCE: &str = "演示数据（虚构）";
const SEED_REPORT: &str = include_str!("../demo/tuoan-2017-report.txt");

/// Demo accounts: login, what they may do.
pub const ACCOUNTS: &[(&str, &str)] = &[
    ("admin", "禄丰市人民政府 管理员、监督员"),
    ("tuoan-editor", "妥安乡 信息员"),
    ("tuoan-director", "妥安乡 办公室主任"),
    ("tuoan-leader", "妥安乡 分管领导"),
    ("tuoan-principal", "妥安乡 主要领导"),
    ("tuoan-admin", "妥安乡 管理员"),
    ("gaofeng-editor", "高峰乡 信息员"),
    ("gaofeng-director", "高峰乡 办公室主任"),
];

pub enum Outcome {
    Loaded { password: String },
    AlreadyPresent,
}

struct DemoUnit {
    code: &'static str,
    name: &'static str,
    short: &'static str,
    kind: UnitKind,
    org: &'static str,
}

const UNITS: &[DemoUnit] = &[
    DemoUnit {
        code: "lufeng",
        name: "禄丰市人民政府",
        short: "禄丰市",
        kind: UnitKind::City,
        org: "LFDEMO-000",
    },
    DemoUnit {
        code: "jinshan",
        name: "金山镇人民政府",
        short: "金山镇",
        kind: UnitKind::Town,
        org: "LFDEMO-101",
    },
    DemoUnit {
        code: "guangtong",
        name: "广通镇人民政府",
        short: "广通镇",
        kind: UnitKind::Town,
        org: "LFDEMO-102",
    },
    DemoUnit {
        code: "heijing",
        name: "黑井镇人民政府",
        short: "黑井镇",
        kind: UnitKind::Town,
        org: "LFDEMO-103",
    },
    DemoUnit {
        code: "tuoan",
        name: "妥安乡",
        short: "妥安乡",
        kind: UnitKind::Township,
        org: "LFDEMO-201",
    },
    DemoUnit {
        code: "gaofeng",
        name: "高峰乡",
        short: "高峰乡",
        kind: UnitKind::Township,
        org: "LFDEMO-202",
    },
    DemoUnit {
        code: "zhongcun",
        name: "中村乡",
        short: "中村乡",
        kind: UnitKind::Township,
        org: "LFDEMO-203",
    },
    DemoUnit {
        code: "lufeng-fgj",
        name: "禄丰市发展和改革局",
        short: "市发展和改革局",
        kind: UnitKind::Department,
        org: "LFDEMO-301",
    },
    DemoUnit {
        code: "lufeng-czj",
        name: "禄丰市财政局",
        short: "市财政局",
        kind: UnitKind::Department,
        org: "LFDEMO-302",
    },
    DemoUnit {
        code: "lufeng-jtj",
        name: "禄丰市教育体育局",
        short: "市教育体育局",
        kind: UnitKind::Department,
        org: "LFDEMO-303",
    },
];

/// Invented items: column slug, title pattern (`{}` is the unit's short name), body.
const TOWNSHIP_ITEMS: &[(&str, &str, &str)] = &[
    (
        "township-news",
        "{}召开2026年森林防火工作推进会",
        "会议传达了上级森林防火工作要求，安排部署了冬春季森林防火重点工作。",
    ),
    (
        "township-news",
        "{}开展农村人居环境整治专项行动",
        "全乡（镇）各村委会组织群众清理房前屋后垃圾，改善村容村貌。",
    ),
    (
        "township-news",
        "{}组织开展防汛应急演练",
        "演练模拟强降雨引发山洪，检验了预警、转移和救援各环节。",
    ),
    (
        "work-news",
        "{}推进高标准农田建设",
        "项目区完成土地平整和沟渠配套，预计新增有效灌溉面积。",
    ),
    (
        "work-news",
        "{}开展义务教育控辍保学入户走访",
        "乡（镇）村干部和教师组成工作组，逐户了解适龄儿童就学情况。",
    ),
    (
        "notices",
        "{}关于做好冬春季节安全生产工作的通知",
        "各村委会、各站所：为切实做好冬春季节安全生产工作，现将有关事项通知如下。",
    ),
    (
        "notices",
        "{}关于开展2026年城乡居民医疗保险集中缴费的通告",
        "2027年度城乡居民基本医疗保险集中缴费工作即将开始，请广大群众按时缴费。",
    ),
    (
        "other",
        "{}2026年惠农补贴资金发放情况公示",
        "根据有关规定，现将本年度惠农补贴资金发放情况予以公示，公示期为7天。",
    ),
];

const OFFICE_ITEMS: &[(&str, &str, &str)] = &[
    (
        "news",
        "{}召开2026年第四季度工作会议",
        "会议总结了前三季度工作，安排部署了第四季度重点任务。",
    ),
    (
        "news",
        "{}开展优化营商环境专题调研",
        "调研组深入企业了解生产经营困难，现场协调解决有关问题。",
    ),
    (
        "notices",
        "{}关于公开征求意见的公告",
        "为提高决策的科学性和透明度，现就有关事项公开征求社会各界意见。",
    ),
    (
        "regulations",
        "{}关于印发政务公开工作要点的通知",
        "现将本年度政务公开工作要点印发给你们，请结合实际认真贯彻落实。",
    ),
];

fn fields(
    column: &str,
    title: String,
    body_html: String,
    author: &str,
    source: &str,
    written_on: Option<NaiveDate>,
    doc_no: Option<String>,
) -> ItemFields {
    ItemFields {
        column: column.into(),
        title,
        body_html,
        publisher: author.into(),
        author: author.into(),
        source: source.into(),
        doc_no,
        written_on,
        topic: "综合政务".into(),
        validity: Validity::Valid,
        disclosure: Disclosure::Active,
        withheld_reason: String::new(),
        importance: sunshine_core::review::Importance::General,
        prereview: sunshine_core::review::PreReview {
            mode: "政府网站".into(),
            scope: "社会公众".into(),
            time_limit: "长期公开".into(),
            ..Default::default()
        },
        doc_type: String::new(),
        repealed_on: None,
    }
}

/// Loads the demo into an empty database; leaves an existing demo alone.
pub async fn load(db: &Db, password: Option<&str>) -> anyhow::Result<Outcome> {
    let mut tx = db.begin().await?;
    if units::by_code(&mut tx, "lufeng").await?.is_some() {
        return Ok(Outcome::AlreadyPresent);
    }
    let today = (chrono::Utc::now() + Duration::hours(8)).date_naive();
    let mut ids = Vec::new();
    for (i, u) in UNITS.iter().enumerate() {
        let parent_id = if u.kind == UnitKind::City {
            None
        } else {
            ids.first().copied()
        };
        let contact = OfficeContact {
            address: format!("云南省楚雄彝族自治州禄丰市{}（演示地址）", u.short),
            hours: "工作日 上午9:00-12:00，下午14:30-17:30".into(),
            phone: format!("0878-41{:05}", 20000 + i * 17),
            fax: format!("0878-41{:05}", 20001 + i * 17),
            email: format!("gk-{}@example.gov.cn", u.code),
        };
        let id = units::insert(
            &mut tx,
            &units::NewUnit {
                code: u.code,
                name: u.name,
                kind: u.kind,
                parent_id,
                org_code: u.org,
                sort_order: i as i64,
                contact,
            },
        )
        .await?;
        columns::create_defaults(&mut tx, id, u.kind).await?;
        ids.push(id);
    }
    for (n, (u, &unit_id)) in UNITS.iter().zip(&ids).enumerate() {
        let list = if u.kind.is_township_like() {
            TOWNSHIP_ITEMS
        } else {
            OFFICE_ITEMS
        };
        for (k, (col, title, body)) in list.iter().enumerate() {
            let published = today - Duration::days((k as i64) * 9 + (n as i64) * 2 + 1);
            let doc_no = (*col == "regulations").then(|| {
                format!(
                    "{}发〔2026〕{}号",
                    &u.short[..u
                        .short
                        .char_indices()
                        .nth(1)
                        .map_or(u.short.len(), |(i, _)| i)],
                    10 + n
                )
            });
            let f = fields(
                col,
                title.replace("{}", u.short),
                format!("<p>{body}</p><p>（本条为演示数据，内容系虚构。）</p>"),
                u.name,
                DEMO_SOURCE,
                Some(published - Duration::days(3)),
                doc_no,
            );
            publish(&mut tx, unit_id, u, &f, published).await?;
        }
    }
    // 妥安乡's annual reports: the seed (real) between two invented neighbours.
    let tuoan = UNITS
        .iter()
        .position(|u| u.code == "tuoan")
        .map(|i| (ids[i], &UNITS[i]))
        .ok_or_else(|| anyhow::anyhow!("demo unit missing"))?;
    let date =
        |y, m, d| NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| anyhow::anyhow!("bad demo date"));
    let reports = [
        (
            "妥安乡2016年度政府信息公开工作报告".to_owned(),
            "<p>本条为演示数据：妥安乡2016年度报告的原文未收录，此处仅作占位，以便“上一条/下一条”可以浏览。</p>".to_owned(),
            DEMO_SOURCE,
            date(2017, 1, 20)?,
            Some(date(2016, 12, 28)?),
        ),
        (
            "妥安乡2017年政府信息公开工作年度报告".to_owned(),
            sunshine_core::text::to_html(SEED_REPORT),
            "",
            date(2018, 1, 30)?,
            Some(date(2017, 12, 30)?),
        ),
        (
            "妥安乡2018年政府信息公开工作年度报告".to_owned(),
            "<p>本条为演示数据：妥安乡2018年度报告的原文未收录，此处仅作占位，以便“上一条/下一条”可以浏览。</p>".to_owned(),
            DEMO_SOURCE,
            date(2019, 1, 28)?,
            Some(date(2018, 12, 29)?),
        ),
    ];
    for (title, body, source, published, written) in reports {
        let mut f = fields(
            "annual-report",
            title,
            body,
            "妥安乡",
            source,
            written,
            None,
        );
        f.publisher = "妥安乡人民政府".into();
        f.topic = "政府信息公开年报".into();
        publish(&mut tx, tuoan.0, tuoan.1, &f, published).await?;
    }
    // Accounts.
    let password = password
        .map(str::to_owned)
        .unwrap_or_else(|| crate::auth::random_hex(6));
    let hash = crate::auth::hash_password(&password)?;
    let unit_id = |code: &str| {
        UNITS
            .iter()
            .position(|u| u.code == code)
            .map(|i| ids[i])
            .unwrap_or(ids[0])
    };
    let grants: &[(&str, &str, &[Role])] = &[
        ("admin", "lufeng", &[Role::Admin, Role::Supervisor]),
        ("tuoan-editor", "tuoan", &[Role::Editor]),
        ("tuoan-director", "tuoan", &[Role::Director, Role::Editor]),
        ("tuoan-leader", "tuoan", &[Role::Leader]),
        ("tuoan-principal", "tuoan", &[Role::Principal]),
        ("tuoan-admin", "tuoan", &[Role::Admin]),
        ("gaofeng-editor", "gaofeng", &[Role::Editor]),
        (
            "gaofeng-director",
            "gaofeng",
            &[Role::Director, Role::Editor],
        ),
    ];
    for (login, unit, roles) in grants {
        let uid = users::upsert(&mut tx, login, login, &hash).await?;
        for r in *roles {
            users::grant(&mut tx, uid, unit_id(unit), *r).await?;
        }
    }
    audit::append(
        &mut tx,
        &audit::Entry {
            actor: "cli",
            ip: "local",
            action: "demo.load",
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Outcome::Loaded { password })
}

async fn publish(
    tx: &mut crate::db::Tx<'_>,
    unit_id: i64,
    u: &DemoUnit,
    f: &ItemFields,
    on: NaiveDate,
) -> anyhow::Result<()> {
    let col = columns::by_slug(tx, unit_id, &f.column)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo column {} missing", f.column))?;
    let id = items::insert(tx, unit_id, col.id, f, None).await?;
    let item = items::get(tx, &crate::db::Scope::Everything, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo item vanished"))?;
    items::publish(tx, &item, u.org, &IndexPattern::default(), on).await?;
    Ok(())
}

/// A year of 妥安乡's practice, so that the report, its appendix and the supervision view show
/// real figures on first start: last year's applications across the outcomes, with a correction
/// answered and one left unanswered, a consultation, an extension, a fee, a late reply and a
/// reconsideration; one case still open; and last year's annual report generated from those
/// records, taken through its review chain and published. Everything goes through the same
/// services as staff work (events, letters, audit entries), never straight into tables.
pub async fn practice(app: &crate::app::App) -> anyhow::Result<()> {
    use crate::service::applications::{self as svc, StepInput};
    use crate::service::Actor;
    use anyhow::Context;
    use chrono::Datelike;
    use sunshine_core::application::{ApplicantInput, ApplicationInput};
    use sunshine_core::case_step::{
        ConsultationStart, CorrectionRequest, Extend, FeeNotice, OnDay, RemedyInput, ReplyInput,
    };

    let mut conn = app.db.pool.acquire().await?;
    let mut people = Vec::new();
    for login in ["tuoan-editor", "tuoan-director", "tuoan-leader"] {
        let u = users::by_login(&mut conn, login)
            .await?
            .with_context(|| format!("demo account {login} missing"))?;
        let g = users::grants(&mut conn, u.id).await?;
        people.push((u, g));
    }
    let tuoan = units::by_code(&mut conn, "tuoan")
        .await?
        .context("demo unit tuoan missing")?;
    drop(conn);
    let actor = |i: usize| Actor {
        user_id: people[i].0.id,
        login: &people[i].0.login,
        ip: "local",
        grants: &people[i].1,
    };
    let (editor, director, leader) = (actor(0), actor(1), actor(2));
    let year = app.today().year() - 1;
    let day = |m: u32, d: u32| format!("{year}-{m:02}-{d:02}");
    let on = |m: u32, d: u32| Some(day(m, d));
    let basis = |outcome: &str| {
        sunshine_core::application::Outcome::parse(outcome)
            .map(|o| o.default_basis().to_owned())
            .filter(|b| !b.is_empty())
    };
    // The years the cases speak of, from the demo's year.
    let years = |s: &str| {
        s.replace("{last}", &(year - 1).to_string())
            .replace("{year}", &year.to_string())
    };
    let reply = |m: u32, d: u32, outcome: &str, content: &str| {
        StepInput::Reply(ReplyInput {
            on: on(m, d),
            outcome: Some(outcome.into()),
            basis: basis(outcome),
            content: Some(years(content)),
            ..Default::default()
        })
    };
    /// Received (month, day), channel, applicant, request, and the steps taken.
    type Case<'a> = ((u32, u32), &'a str, &'a str, &'a str, Vec<StepInput>);
    let cases: Vec<Case> = vec![
        (
            (3, 3),
            "in_person",
            "张某",
            "{last}年妥安乡农村低保资金发放名单",
            vec![reply(
                3,
                20,
                "granted",
                "所申请信息见附件《{last}年妥安乡农村低保资金发放名单》。",
            )],
        ),
        (
            (4, 7),
            "post",
            "李某",
            "妥安乡某村土地承包经营权确权登记资料",
            vec![StepInput::Reply(ReplyInput {
                on: on(4, 28),
                outcome: Some("partial".into()),
                basis: basis("partial"),
                content: Some(
                    "确权登记汇总表予以公开；其中涉及其他农户身份证号码和家庭住址的内容不予公开。"
                        .into(),
                ),
                withheld: Some("其他农户的身份证号码和家庭住址（《条例》第十五条）".into()),
                ..Default::default()
            })],
        ),
        (
            (5, 6),
            "email",
            "王某",
            "某企业与妥安乡签订的投资协议",
            vec![
                StepInput::ConsultationStart(ConsultationStart {
                    on: on(5, 7),
                    party: Some("某投资企业（第三方）".into()),
                }),
                StepInput::ConsultationEnd(OnDay { on: on(5, 21) }),
                reply(
                    6,
                    3,
                    "refused_third_party_rights",
                    "经征求第三方意见，第三方不同意公开，且不公开不会对公共利益造成重大影响。",
                ),
            ],
        ),
        (
            (6, 2),
            "in_person",
            "赵某",
            "2010年妥安乡集镇规划原始图纸",
            vec![reply(
                6,
                10,
                "unavailable_not_held",
                "经检索，本机关未制作、未保存所申请的信息。",
            )],
        ),
        (
            (7, 1),
            "post",
            "钱某",
            "乡里修路的文件",
            vec![
                StepInput::CorrectionRequest(CorrectionRequest {
                    on: on(7, 3),
                    items: Some(serde_json::json!([
                        "写明所需文件的名称、文号或者年份",
                        "写明是哪一条道路"
                    ])),
                    period_days: Some(10),
                }),
                StepInput::CorrectionReceived(OnDay { on: on(7, 9) }),
                reply(
                    7,
                    25,
                    "granted",
                    "所申请的《妥安乡{last}年通村道路硬化工程实施方案》见附件。",
                ),
            ],
        ),
        (
            (7, 14),
            "email",
            "孙某",
            "有关材料",
            vec![StepInput::CorrectionRequest(CorrectionRequest {
                on: on(7, 16),
                items: Some(serde_json::json!(["写明所需政府信息的名称或者内容特征"])),
                period_days: Some(10),
            })],
        ),
        (
            (8, 18),
            "in_person",
            "周某",
            "妥安乡{last}年度财政预算执行情况",
            vec![
                StepInput::Extend(Extend {
                    on: on(9, 12),
                    days: Some(15),
                    reason: Some("所需信息涉及多个年度、多个站所，需要汇总核对".into()),
                }),
                reply(9, 26, "granted", "所申请信息见附件。"),
            ],
        ),
        (
            (9, 1),
            "post",
            "吴某",
            "妥安乡近四年全部会议纪要",
            vec![
                StepInput::FeeNotice(FeeNotice {
                    on: on(9, 5),
                    method: Some("pages".into()),
                    pages: Some(60),
                }),
                StepInput::FeePaid(OnDay { on: on(9, 10) }),
                reply(
                    9,
                    29,
                    "granted",
                    "所申请会议纪要中属于公开范围的部分见附件（共60页）。",
                ),
            ],
        ),
        (
            (9, 15),
            "in_person",
            "郑某",
            "与上次相同的申请内容",
            vec![reply(
                9,
                19,
                "not_processed_repeated",
                "您于本年3月已提出相同申请，本机关已依法答复。",
            )],
        ),
        (
            (10, 9),
            "email",
            "冯某",
            "举报某村干部违规问题并要求公开处理结果",
            vec![reply(
                10,
                14,
                "not_processed_petition_complaint",
                "您的申请实为举报，已告知您通过信访、纪检监察渠道反映。",
            )],
        ),
        (
            (10, 20),
            "post",
            "陈某",
            "妥安乡征地补偿方案研究过程中的讨论稿",
            vec![
                reply(
                    11,
                    10,
                    "refused_process_information",
                    "所申请信息为行政机关在履行职责过程中形成的讨论记录，属于过程性信息。",
                ),
                StepInput::Remedies(RemedyInput {
                    on: on(12, 1),
                    kind: Some("reconsideration".into()),
                    filed_on: on(11, 20),
                    outcome: Some("upheld".into()),
                    body: Some("禄丰市人民政府".into()),
                    decided_on: on(12, 1),
                }),
            ],
        ),
        (
            (11, 3),
            "in_person",
            "褚某",
            "妥安乡{year}年高标准农田建设项目招标文件",
            vec![reply(
                12,
                15,
                "granted",
                "所申请信息见附件（逾期答复，已向申请人说明原因）。",
            )],
        ),
    ];
    let id_of = |n: usize| {
        let first = format!("5323311980{:02}{:02}12{}", 1 + n % 12, 1 + n % 28, n % 10);
        let check = sunshine_core::screening::id_check_char(&first).unwrap_or('0');
        format!("{first}{check}")
    };
    for (n, ((m, d), channel, name, request, steps)) in cases.into_iter().enumerate() {
        let input = ApplicationInput {
            unit: "tuoan".into(),
            applicant: ApplicantInput {
                kind: "natural_person".into(),
                name: name.into(),
                id_type: "resident_id".into(),
                id_number: id_of(n),
                phone: format!("1387812{:04}", 1000 + n),
                ..Default::default()
            },
            description: years(request),
            delivery: "paper".into(),
            channel: channel.into(),
            on: on(m, d),
            ..Default::default()
        };
        let receipt = svc::register(app, &director, &input, None)
            .await
            .map_err(|e| anyhow::anyhow!("demo application {n}: {}", e.message()))?;
        for s in steps {
            svc::step(app, &director, receipt.id, s)
                .await
                .map_err(|e| anyhow::anyhow!("demo application {n}: {}", e.message()))?;
        }
    }
    // The correction nobody answered lapses (其他处理 1), as the scheduler would conclude it.
    svc::conclude_lapsed(app).await?;
    // One case of this year still open, in the queues.
    let today = app.today();
    let open = ApplicationInput {
        unit: "tuoan".into(),
        applicant: ApplicantInput {
            kind: "natural_person".into(),
            name: "卫某".into(),
            id_type: "resident_id".into(),
            id_number: id_of(40),
            phone: "13878129999".into(),
            ..Default::default()
        },
        description: format!("妥安乡{}年村道维修计划", today.year()),
        delivery: "paper".into(),
        channel: "in_person".into(),
        on: Some(today.to_string()),
        ..Default::default()
    };
    svc::register(app, &director, &open, None)
        .await
        .map_err(|e| anyhow::anyhow!("demo open application: {}", e.message()))?;

    // Last year's annual report: sections 五 and 六 written, drafted from the records, reviewed
    // (重要: 办公室主任, then 分管领导) and published.
    let mut tx = app.db.begin().await?;
    let mut yr = crate::db::report::year(&mut tx, tuoan.id, year).await?;
    yr.section_five = "一是主动公开的信息数量偏少、更新不够及时；二是依申请公开答复文书格式还不够统一。下一步，将按季度检查各站所信息更新情况，统一使用本平台生成的答复书模板。".into();
    yr.section_six = "本年度未收取信息处理费以外的费用。（本报告为演示数据，内容系虚构。）".into();
    crate::db::report::save_year(&mut tx, tuoan.id, year, &yr).await?;
    tx.commit().await?;
    let fail = |what: &str, e: crate::service::Error| {
        anyhow::anyhow!("demo report: {what}: {}", e.message())
    };
    let item = crate::service::report::draft_item(app, &editor, &tuoan, year)
        .await
        .map_err(|e| fail("draft", e))?;
    crate::service::review::submit(app, &editor, item)
        .await
        .map_err(|e| fail("submit", e))?;
    crate::service::review::approve(app, &director, item, "同意。", None)
        .await
        .map_err(|e| fail("approve (director)", e))?;
    crate::service::review::approve(app, &leader, item, "同意公开。", None)
        .await
        .map_err(|e| fail("approve (leader)", e))?;
    crate::service::review::publish(app, &director, item, None)
        .await
        .map_err(|e| fail("publish", e))?;
    // Dated as the unit would have published it, before the 31 January deadline (Art. 49),
    // not on the day the demo was loaded; the portal's pages and index are made after this.
    let on = NaiveDate::from_ymd_opt(year + 1, 1, 20).map_or(today, |d| d.min(today));
    sqlx::query("UPDATE items SET published_on = $1 WHERE id = $2")
        .bind(on.to_string())
        .bind(item)
        .execute(&app.db.pool)
        .await?;
    Ok(())
}
