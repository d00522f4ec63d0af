//! What the audit log's and the review record's codes say, in words: staff read 发布 and
//! 信息 68, never `item.publish` or `item:68`. The codes themselves stay in the log and its CSV
//! export (a contract); only pages put them into words.

use std::borrow::Cow;
use sunshine_core::policy::Denied;

/// An audit or review action in words.
pub fn action(code: &str) -> &str {
    match code {
        "item.create" => "新建信息",
        "item.update" => "修改信息",
        "item.submit" => "送审",
        "item.approve" => "审核通过",
        "item.reject" => "退回修改",
        "item.publish" => "发布",
        "item.schedule" => "设定定时发布",
        "item.schedule_failed" => "定时发布未完成",
        "item.withdraw" => "撤回",
        "item.raise_importance" => "提高重要程度",
        "item.lower_importance" => "降低重要程度",
        "item.consultation" => "记录会商",
        "item.mask" => "一键遮盖",
        "item.html" => "正文含不允许的格式，已清理",
        "screening.override" => "书面放行筛查结果",
        "restart" => "内容修改，重新审核",
        "attachment.add" => "上传附件",
        "attachment.delete" => "删除附件",
        "column.add" => "新建栏目",
        "column.save" => "修改栏目",
        "column.move" => "调整栏目顺序",
        "column.html" => "栏目说明含不允许的格式，已清理",
        "unit.create" => "新建单位",
        "unit.settings" => "修改单位设置",
        "unit.site" => "修改网站标识",
        "unit.html" => "单位说明含不允许的格式，已清理",
        "unit.mourning" => "设置哀悼模式",
        "unit.review_policy" => "修改审核链",
        "unit.reply_template" => "修改答复书模板",
        "unit.fee_pause" => "修改收费期间是否停止计时",
        "application.receive" => "收到申请",
        "application.step" => "办理申请",
        "application.remedy" => "登记行政复议或诉讼",
        "application.lapsed" => "申请逾期未补正或未缴费，办结",
        "application.view_id" => "查看申请人证件号码",
        "application.view_proof" => "查看申请人身份证明",
        "complaint.add" => "登记投诉举报",
        "report.draft" => "生成年度报告草稿",
        "report.save" => "保存年度报告",
        "report.import" => "导入历年年报数据",
        "report.record" => "登记年报资料（培训、检查、行政执法数据）",
        "site.mourning" => "设置全站哀悼模式",
        "user.add" => "新建账号或重设密码",
        "user.disable" => "停用账号",
        "user.enable" => "启用账号",
        "user.grant" => "分配岗位",
        "user.revoke" => "取消岗位",
        "user.password" => "修改密码",
        "user.reset" => "重设密码",
        "token.create" => "创建接口令牌",
        "token.revoke" => "作废接口令牌",
        "login.success" => "登录",
        "login.failure" => "登录失败",
        "logout" => "退出登录",
        "permission.denied" => "无权操作，已拒绝",
        "audit.export" => "导出审计日志",
        "audit.upgrade" => "升级审计日志校验方式",
        "calendar.load" => "载入工作日历",
        "data.generate" => "生成测试数据",
        "demo.load" => "载入演示数据",
        other => other,
    }
}

/// Who acted, in words where the log names a program rather than a person.
pub fn actor(who: &str) -> &str {
    match who {
        "cli" => "命令行（服务器管理员）",
        "public" => "公众（网上提交）",
        "scheduler" => "系统（定时任务）",
        other => other,
    }
}

/// Where from, in words where the log names no network address.
pub fn address(ip: &str) -> &str {
    match ip {
        "local" => "本机",
        "" => "—",
        other => other,
    }
}

/// What an action concerned: `item:68` reads 信息 68; `unit:tuoan` the unit's name (by
/// `unit_name`); a page's path is said as a page.
pub fn target<'a>(t: &'a str, unit_name: impl Fn(&str) -> Option<String>) -> Cow<'a, str> {
    let Some((kind, rest)) = t.split_once(':') else {
        return Cow::Borrowed(t);
    };
    let word = match kind {
        "item" => "信息",
        "application" => "申请",
        "attachment" => "附件",
        "column" => "栏目",
        "user" => "账号",
        "token" => "接口令牌",
        "report" => "年度报告",
        "file" => "文件",
        "path" => return Cow::Owned(format!("页面 {rest}")),
        "unit" => {
            return Cow::Owned(unit_name(rest).unwrap_or_else(|| format!("单位 {rest}")));
        }
        _ => return Cow::Borrowed(t),
    };
    Cow::Owned(format!("{word} {rest}"))
}

/// One code of an entry's details in words, if it is one: a case step, a channel, a reply's
/// outcome, a remedy and its result.
fn code_word(w: &str) -> Option<&'static str> {
    use sunshine_core::application::{Channel, Outcome};
    let step = match w {
        "correction-request" => Some("要求补正"),
        "correction-received" => Some("收到补正"),
        "consultation-start" => Some("开始征求意见"),
        "consultation-end" => Some("结束征求意见"),
        "extend" => Some("延长答复期限"),
        "fee-notice" => Some("发出收费通知"),
        "fee-paid" => Some("缴费"),
        "reply" => Some("答复"),
        "remedies" => Some("登记复议、诉讼"),
        "reconsideration" => Some("行政复议"),
        "litigation_direct" => Some("行政诉讼（直接起诉）"),
        "litigation_after_reconsideration" => Some("行政诉讼（复议后起诉）"),
        "upheld" => Some("结果维持"),
        "corrected" => Some("结果纠正"),
        "pending" => Some("尚未审结"),
        _ => None,
    };
    step.or_else(|| Channel::parse(w).map(Channel::label))
        .or_else(|| Outcome::parse(w).map(Outcome::label))
}

/// An entry's details in words: a refused rule by its message, a content digest shortened to
/// its first eight characters and called what it is, a file by its number, and the codes of
/// case steps, channels and outcomes by their names. Anything else (what people wrote) stays
/// as written.
pub fn detail(d: &str) -> Cow<'_, str> {
    if let Some(denied) = Denied::ALL.iter().find(|x| x.code() == d) {
        return Cow::Borrowed(denied.message());
    }
    let mut changed = false;
    let words: Vec<Cow<str>> = d
        .split(' ')
        .map(|w| {
            let said = if let Some(h) = w
                .strip_prefix("digest:")
                .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                Some(Cow::Owned(format!("（内容指纹 {}）", &h[..8])))
            } else if let Some(n) = w
                .strip_prefix("file:")
                .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            {
                Some(Cow::Owned(format!("文件 {n}")))
            } else {
                code_word(w).map(Cow::Borrowed)
            };
            match said {
                Some(s) => {
                    changed = true;
                    s
                }
                None => Cow::Borrowed(w),
            }
        })
        .collect();
    if changed {
        Cow::Owned(words.join(" "))
    } else {
        Cow::Borrowed(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_words() {
        assert_eq!(action("item.publish"), "发布");
        assert_eq!(actor("cli"), "命令行（服务器管理员）");
        assert_eq!(address("local"), "本机");
        assert_eq!(target("item:68", |_| None), "信息 68");
        assert_eq!(target("unit:tuoan", |_| Some("妥安乡".into())), "妥安乡");
        assert_eq!(target("path:/admin/audit", |_| None), "页面 /admin/audit");
        assert_eq!(detail("not_auditor"), Denied::NotAuditor.message());
        let raw = format!("digest:{} 筛查发现0项（阻止性0项）", "ab".repeat(32));
        let d = detail(&raw);
        assert_eq!(d, "（内容指纹 abababab） 筛查发现0项（阻止性0项）");
        assert!(!d.contains("digest"));
        assert_eq!(detail("reply 2025-12-15"), "答复 2025-12-15");
        assert_eq!(detail("reconsideration upheld"), "行政复议 结果维持");
        assert_eq!(
            detail("20251215ABCDEF online 网上或电子邮件提交的"),
            "20251215ABCDEF 网上提交 网上或电子邮件提交的"
        );
        assert_eq!(
            detail("other_no_correction"),
            "其他处理：申请人无正当理由逾期不补正"
        );
        // What people typed stays as typed.
        assert_eq!(
            detail("请查看 file:abc 与 digest:xyz"),
            "请查看 file:abc 与 digest:xyz"
        );
    }

    /// Every action the code writes to the audit log has its words.
    #[test]
    fn every_logged_action_has_words() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut missing = Vec::new();
        let mut stack = vec![src];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                // Every string literal shaped like an action (`area.verb`), wherever it is passed
                // (an `Entry`, `unit_entry`, a helper), but for field paths and file names.
                // (Every piece between two quotes is looked at: what lies between two strings is
                // code, never shaped like this.)
                for piece in text.split('"') {
                    let Some((area, verb)) = piece.split_once('.') else {
                        continue;
                    };
                    let shaped = |p: &str| {
                        !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                    };
                    let not_action = ["applicant", "a", "i", "c", "data", "sunshine"]
                        .contains(&area)
                        || ["html", "xml", "toml", "db", "key"].contains(&verb);
                    if shaped(area) && shaped(verb) && !not_action && action(piece) == piece {
                        missing.push(format!("{}: {piece}", path.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "no words for:\n{}", missing.join("\n"));
    }
}
