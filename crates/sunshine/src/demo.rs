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
