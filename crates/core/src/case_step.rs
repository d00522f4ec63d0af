//! One step of an application's case (补正、征求意见、延长、收费、答复、救济), each with exactly
//! the fields it needs, and the rules that decide whether it may be taken: who may extend and by
//! how much, which fee method, what a reply requires. Pure: the service supplies what it read
//! (today, the receipt date, the actor's roles, whether a fee was noticed) as a [`Context`].

use crate::application::Outcome;
use crate::deadline::{Event, MAX_EXTENSION_DAYS};
use crate::fees::FeeMethod;
use crate::FieldError;
use chrono::NaiveDate;
use serde::Deserialize;

/// The steps, by the name the API's path and the case page's forms use.
pub const NAMES: &[&str] = &[
    "correction-request",
    "correction-received",
    "consultation-start",
    "consultation-end",
    "extend",
    "fee-notice",
    "fee-paid",
    "reply",
    "remedies",
];

/// A step as typed into the case page or sent to the API (`POST /api/v1/applications/{id}/{step}`
/// with the step's fields as the body): unchecked, each step with exactly its own fields. Every
/// date is `YYYY-MM-DD`; `on` (when the step happened) defaults to today.
#[derive(Debug, Clone, PartialEq)]
pub enum StepInput {
    CorrectionRequest(CorrectionRequest),
    CorrectionReceived(OnDay),
    ConsultationStart(ConsultationStart),
    ConsultationEnd(OnDay),
    Extend(Extend),
    FeeNotice(FeeNotice),
    FeePaid(OnDay),
    Reply(ReplyInput),
    Remedies(RemedyInput),
}

/// A step that records only when it happened.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct OnDay {
    pub on: Option<String>,
}

/// 补正: everything the applicant must correct, at once, and the period to do it in.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CorrectionRequest {
    pub on: Option<String>,
    /// A list, or one item per line.
    pub items: Option<serde_json::Value>,
    pub period_days: Option<u32>,
}

/// 征求第三方或其他机关意见.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ConsultationStart {
    pub on: Option<String>,
    pub party: Option<String>,
}

/// 延长答复期限 (once, with the office head's consent).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Extend {
    pub on: Option<String>,
    pub days: Option<u32>,
    pub reason: Option<String>,
}

/// 收费通知: by count (按件) or by volume (按量, with the pages), once.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FeeNotice {
    pub on: Option<String>,
    pub method: Option<String>,
    pub pages: Option<u32>,
}

/// 答复: the decision (a line of report table 3), its legal basis, and for 部分公开 what is
/// withheld and why.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ReplyInput {
    pub on: Option<String>,
    pub outcome: Option<String>,
    pub basis: Option<String>,
    pub content: Option<String>,
    pub withheld: Option<String>,
    pub item_id: Option<i64>,
}

/// 行政复议或行政诉讼 against the reply (`on`, when it was recorded, is checked like every
/// step's date).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct RemedyInput {
    pub on: Option<String>,
    pub kind: Option<String>,
    pub filed_on: Option<String>,
    pub outcome: Option<String>,
    pub body: Option<String>,
    pub decided_on: Option<String>,
}

/// Reads one step's fields, whichever step it is (the API reads them from its JSON body, naming
/// a misshapen field and where it is).
pub trait ReadFields {
    type Error;
    fn read<T: serde::de::DeserializeOwned + Default>(&self) -> Result<T, Self::Error>;
}

/// What the rules read besides the step itself.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub today: NaiveDate,
    pub received_on: NaiveDate,
    /// The actor is the office head (办公室主任 or 分管领导) of the handling unit.
    pub office_head: bool,
    /// A fee notice went out already.
    pub fee_noticed: bool,
}

/// Why a step may not be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A field to correct.
    Field(FieldError),
    /// Extending needs the office head's consent.
    NotOfficeHead,
    /// One fee notice per application, by one method.
    FeeAlreadyNoticed,
    /// The method chosen charges nothing.
    NoFee,
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Field(_) => "invalid",
            Refusal::NotOfficeHead => "not_office_head",
            Refusal::FeeAlreadyNoticed => "fee_already_noticed",
            Refusal::NoFee => "no_fee",
        }
    }
    pub fn message(&self) -> String {
        match self {
            Refusal::Field(f) => f.message.clone(),
            Refusal::NotOfficeHead => {
                "延长答复期限须经政府信息公开工作机构负责人（办公室主任或分管领导）同意。".into()
            }
            Refusal::FeeAlreadyNoticed => {
                "这件申请已经发过收费通知：按件和按量只能选一种，且只通知一次。".into()
            }
            Refusal::NoFee => "按此方式计算不需要收费，无需发出收费通知。".into(),
        }
    }
}

impl From<FieldError> for Refusal {
    fn from(f: FieldError) -> Self {
        Refusal::Field(f)
    }
}

/// How a fee is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeeChoice {
    Count,
    Pages(u32),
}

impl FeeChoice {
    pub fn method(self) -> FeeMethod {
        match self {
            FeeChoice::Count => FeeMethod::Count,
            FeeChoice::Pages(_) => FeeMethod::Pages,
        }
    }

    /// The fee in yuan: by count from which of the applicant's applications this is in the
    /// month (`nth`), by volume from the pages. Nothing to charge is refused.
    pub fn yuan(self, nth: u32) -> Result<i64, Refusal> {
        let yuan = match self {
            FeeChoice::Count => i64::from(crate::fees::by_count(nth)),
            FeeChoice::Pages(p) => i64::try_from(crate::fees::by_pages(p)).unwrap_or(i64::MAX),
        };
        if yuan == 0 {
            Err(Refusal::NoFee)
        } else {
            Ok(yuan)
        }
    }
}

/// 救济 kinds and results, as report table 4 counts them.
pub const REMEDY_KINDS: &[&str] = &[
    "reconsideration",
    "litigation_direct",
    "litigation_after_reconsideration",
];
pub const REMEDY_RESULTS: &[&str] = &["upheld", "corrected", "other", "pending"];

/// A reply, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub outcome: Outcome,
    pub basis: String,
    /// As given (the letter's text trims it; a unit's template takes it as it is).
    pub content: Option<String>,
    pub withheld: Option<String>,
    pub item_id: Option<i64>,
}

/// A remedy, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remedy {
    pub kind: &'static str,
    pub filed_on: NaiveDate,
    pub result: &'static str,
    pub body: String,
    pub decided_on: Option<NaiveDate>,
}

/// A step that may be taken, with its date (`on`; a remedy's is its filing date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    CorrectionRequest {
        items: Vec<String>,
        period_days: u32,
    },
    CorrectionReceived,
    ConsultationStart {
        party: Option<String>,
    },
    ConsultationEnd,
    Extend {
        days: u32,
        reason: String,
    },
    FeeNotice(FeeChoice),
    FeePaid,
    Reply(Reply),
    Remedy(Remedy),
}

fn text(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn required(field: &'static str, v: Option<String>, what: &str) -> Result<String, Refusal> {
    text(v).ok_or_else(|| FieldError::new(field, format!("请填写{what}")).into())
}

/// A `YYYY-MM-DD` date (full-width digits read as ASCII).
pub fn date(field: &'static str, s: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(crate::text::fold_width(s).trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, format!("日期“{s}”格式不正确，应为 YYYY-MM-DD")))
}

/// The date something in a case happened: given (`YYYY-MM-DD`) or today; never in the future,
/// never before `not_before` (the receipt, once there is one).
pub fn step_date(
    on: Option<&str>,
    today: NaiveDate,
    not_before: Option<NaiveDate>,
) -> Result<NaiveDate, FieldError> {
    let d = match on.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => date("on", s)?,
        None => today,
    };
    if d > today {
        return Err(FieldError::new(
            "on",
            format!("日期 {d} 在将来：只能登记已经发生的事（今天是 {today}）"),
        ));
    }
    if let Some(nb) = not_before.filter(|nb| d < *nb) {
        return Err(FieldError::new(
            "on",
            format!("日期 {d} 早于收到申请之日 {nb}"),
        ));
    }
    Ok(d)
}

impl StepInput {
    /// The step `name` (the path) with its fields read by `fields`; none for a name that is not
    /// a step.
    pub fn read<R: ReadFields>(name: &str, fields: &R) -> Option<Result<StepInput, R::Error>> {
        let step = match name {
            "correction-request" => fields.read().map(StepInput::CorrectionRequest),
            "correction-received" => fields.read().map(StepInput::CorrectionReceived),
            "consultation-start" => fields.read().map(StepInput::ConsultationStart),
            "consultation-end" => fields.read().map(StepInput::ConsultationEnd),
            "extend" => fields.read().map(StepInput::Extend),
            "fee-notice" => fields.read().map(StepInput::FeeNotice),
            "fee-paid" => fields.read().map(StepInput::FeePaid),
            "reply" => fields.read().map(StepInput::Reply),
            "remedies" => fields.read().map(StepInput::Remedies),
            _ => return None,
        };
        Some(step)
    }

    pub fn name(&self) -> &'static str {
        match self {
            StepInput::CorrectionRequest(_) => "correction-request",
            StepInput::CorrectionReceived(_) => "correction-received",
            StepInput::ConsultationStart(_) => "consultation-start",
            StepInput::ConsultationEnd(_) => "consultation-end",
            StepInput::Extend(_) => "extend",
            StepInput::FeeNotice(_) => "fee-notice",
            StepInput::FeePaid(_) => "fee-paid",
            StepInput::Reply(_) => "reply",
            StepInput::Remedies(_) => "remedies",
        }
    }

    /// When the step happened, as given (today when absent).
    fn on(&self) -> Option<&str> {
        match self {
            StepInput::CorrectionRequest(s) => s.on.as_deref(),
            StepInput::CorrectionReceived(s)
            | StepInput::ConsultationEnd(s)
            | StepInput::FeePaid(s) => s.on.as_deref(),
            StepInput::ConsultationStart(s) => s.on.as_deref(),
            StepInput::Extend(s) => s.on.as_deref(),
            StepInput::FeeNotice(s) => s.on.as_deref(),
            StepInput::Reply(s) => s.on.as_deref(),
            StepInput::Remedies(s) => s.on.as_deref(),
        }
    }

    /// Applies the step's rules: the step with its date, or why it may not be taken. The date
    /// is checked first, for every step; then the step's own fields, in the order of its form.
    pub fn check(self, cx: &Context) -> Result<(NaiveDate, Step), Refusal> {
        let on = step_date(self.on(), cx.today, Some(cx.received_on))?;
        let step = match self {
            StepInput::CorrectionRequest(CorrectionRequest {
                items, period_days, ..
            }) => {
                let items: Vec<String> = match items {
                    Some(serde_json::Value::Array(v)) if !v.is_empty() => v
                        .iter()
                        .map(|x| {
                            x.as_str()
                                .map(str::to_owned)
                                .unwrap_or_else(|| x.to_string())
                        })
                        .collect(),
                    Some(serde_json::Value::String(t)) if !t.trim().is_empty() => t
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    _ => {
                        return Err(
                            FieldError::new("items", "请一次性列出需要补正的全部事项").into()
                        )
                    }
                };
                let period_days =
                    period_days
                        .filter(|p| (1..=60).contains(p))
                        .ok_or_else(|| {
                            FieldError::new("period_days", "请给出1至60个工作日的补正期限")
                        })?;
                Step::CorrectionRequest { items, period_days }
            }
            StepInput::CorrectionReceived(_) => Step::CorrectionReceived,
            StepInput::ConsultationStart(ConsultationStart { party, .. }) => {
                Step::ConsultationStart { party: text(party) }
            }
            StepInput::ConsultationEnd(_) => Step::ConsultationEnd,
            StepInput::Extend(Extend { days, reason, .. }) => {
                if !cx.office_head {
                    return Err(Refusal::NotOfficeHead);
                }
                let days = days.ok_or_else(|| {
                    FieldError::new(
                        "days",
                        format!("请填写延长的工作日数（1至{MAX_EXTENSION_DAYS}）"),
                    )
                })?;
                if days == 0 || days > MAX_EXTENSION_DAYS {
                    return Err(FieldError::new(
                        "days",
                        format!("延长期限最长{MAX_EXTENSION_DAYS}个工作日，现为{days}"),
                    )
                    .into());
                }
                let reason = required("reason", reason, "延长理由")?;
                Step::Extend { days, reason }
            }
            StepInput::FeeNotice(FeeNotice { method, pages, .. }) => {
                if cx.fee_noticed {
                    return Err(Refusal::FeeAlreadyNoticed);
                }
                let choice = match method.as_deref() {
                    Some("count") => FeeChoice::Count,
                    Some("pages") => FeeChoice::Pages(
                        pages.ok_or_else(|| FieldError::new("pages", "按量收费请填写页数"))?,
                    ),
                    _ => {
                        return Err(FieldError::new(
                            "method",
                            "收费方式应为 count（按件）或 pages（按量），只能选一种",
                        )
                        .into())
                    }
                };
                Step::FeeNotice(choice)
            }
            StepInput::FeePaid(_) => Step::FeePaid,
            StepInput::Reply(ReplyInput {
                outcome,
                basis,
                content,
                withheld,
                item_id,
                ..
            }) => {
                let outcome = Outcome::parse(&required("outcome", outcome, "答复结果")?)
                    .ok_or_else(|| {
                        FieldError::new(
                            "outcome",
                            "答复结果应为年度报告表三的一项，如 granted、partial、unavailable_not_held",
                        )
                    })?;
                let basis = required("basis", basis, "答复的法律依据")?;
                let withheld = text(withheld);
                if outcome == Outcome::Partial && withheld.is_none() {
                    return Err(FieldError::new(
                        "withheld",
                        "部分公开时，请写明不予公开的部分及理由",
                    )
                    .into());
                }
                Step::Reply(Reply {
                    outcome,
                    basis,
                    content,
                    withheld,
                    item_id,
                })
            }
            StepInput::Remedies(RemedyInput {
                kind,
                filed_on,
                outcome,
                body,
                decided_on,
                ..
            }) => {
                let kind = required("kind", kind, "救济类型")?;
                let kind = REMEDY_KINDS
                    .iter()
                    .copied()
                    .find(|k| *k == kind)
                    .ok_or_else(|| FieldError::new("kind", "救济类型应为 reconsideration（行政复议）、litigation_direct（直接起诉）或 litigation_after_reconsideration（复议后起诉）"))?;
                let filed_on = date("filed_on", &required("filed_on", filed_on, "提起日期")?)?;
                if filed_on > cx.today {
                    return Err(FieldError::new("filed_on", "提起日期不能在将来").into());
                }
                // As given: an empty or padded result is not one of the four.
                let result = outcome.as_deref().unwrap_or("pending");
                let result = REMEDY_RESULTS
                    .iter()
                    .copied()
                    .find(|r| *r == result)
                    .ok_or_else(|| FieldError::new("outcome", "结果应为 upheld（维持）、corrected（纠正）、other（其他）或 pending（尚未审结）"))?;
                let decided_on = match text(decided_on) {
                    Some(s) => Some(date("decided_on", &s)?),
                    None => None,
                };
                let r = Remedy {
                    kind,
                    filed_on,
                    result,
                    body: body.unwrap_or_default(),
                    decided_on,
                };
                return Ok((filed_on, Step::Remedy(r)));
            }
        };
        Ok((on, step))
    }
}

impl Step {
    /// The clock event the step records on `on` (a remedy records none).
    pub fn event(&self, on: NaiveDate) -> Option<Event> {
        Some(match self {
            Step::CorrectionRequest { period_days, .. } => Event::CorrectionRequested {
                on,
                period_days: *period_days,
            },
            Step::CorrectionReceived => Event::CorrectionReceived { on },
            Step::ConsultationStart { .. } => Event::ConsultationStarted { on },
            Step::ConsultationEnd => Event::ConsultationEnded { on },
            Step::Extend { days, .. } => Event::Extended { on, days: *days },
            Step::FeeNotice(_) => Event::FeeNotice { on },
            Step::FeePaid => Event::FeePaid { on },
            Step::Reply(_) => Event::Replied { on },
            Step::Remedy(_) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn cx() -> Context {
        Context {
            today: d("2026-03-20"),
            received_on: d("2026-03-02"),
            office_head: false,
            fee_noticed: false,
        }
    }

    /// Fields read from a JSON value, as the API reads its body.
    struct Json(serde_json::Value);

    impl ReadFields for Json {
        type Error = serde_json::Error;
        fn read<T: serde::de::DeserializeOwned + Default>(&self) -> Result<T, Self::Error> {
            serde_json::from_value(self.0.clone())
        }
    }

    fn ext(days: u32, reason: &str) -> StepInput {
        StepInput::Extend(Extend {
            on: None,
            days: Some(days),
            reason: Some(reason.into()),
        })
    }

    #[test]
    fn each_step_reads_only_its_own_fields() {
        let body = Json(serde_json::json!({"days": 10, "reason": "需调档", "basis": "x"}));
        assert_eq!(
            StepInput::read("extend", &body).unwrap().unwrap(),
            ext(10, "需调档")
        );
        assert!(StepInput::read("explode", &body).is_none());
        let bad = Json(serde_json::json!({"days": "ten"}));
        assert!(StepInput::read("extend", &bad).unwrap().is_err());
        for name in NAMES {
            let s = StepInput::read(name, &Json(serde_json::json!({})))
                .unwrap()
                .unwrap();
            assert_eq!(s.name(), *name);
        }
    }

    #[test]
    fn only_the_office_head_extends_and_by_at_most_twenty_days() {
        assert_eq!(ext(10, "需调档").check(&cx()), Err(Refusal::NotOfficeHead));
        let head = Context {
            office_head: true,
            ..cx()
        };
        assert_eq!(
            ext(10, "需调档").check(&head),
            Ok((
                d("2026-03-20"),
                Step::Extend {
                    days: 10,
                    reason: "需调档".into()
                }
            ))
        );
        for bad in [0, 21] {
            assert!(
                matches!(ext(bad, "需调档").check(&head), Err(Refusal::Field(f)) if f.field == "days")
            );
        }
        assert!(matches!(ext(5, "  ").check(&head), Err(Refusal::Field(f)) if f.field == "reason"));
        // The date is checked first, for every step: a future date is refused before the rules.
        let future = StepInput::Extend(Extend {
            on: Some("2026-04-01".into()),
            days: Some(5),
            reason: None,
        });
        assert!(matches!(future.check(&cx()), Err(Refusal::Field(f)) if f.field == "on"));
    }

    #[test]
    fn one_fee_notice_by_one_method_that_charges_something() {
        let fee = |method: &str, pages| {
            StepInput::FeeNotice(FeeNotice {
                on: None,
                method: Some(method.into()),
                pages,
            })
        };
        assert_eq!(
            fee("count", None).check(&cx()).map(|s| s.1),
            Ok(Step::FeeNotice(FeeChoice::Count))
        );
        assert!(
            matches!(fee("pages", None).check(&cx()), Err(Refusal::Field(f)) if f.field == "pages")
        );
        assert!(
            matches!(fee("both", None).check(&cx()), Err(Refusal::Field(f)) if f.field == "method")
        );
        let noticed = Context {
            fee_noticed: true,
            ..cx()
        };
        assert_eq!(
            fee("count", None).check(&noticed),
            Err(Refusal::FeeAlreadyNoticed)
        );
        // The first ten applications in a month are free; the eleventh costs 100 yuan.
        assert_eq!(FeeChoice::Count.yuan(3), Err(Refusal::NoFee));
        assert_eq!(FeeChoice::Count.yuan(11), Ok(100));
    }

    #[test]
    fn a_reply_names_its_outcome_and_basis_and_what_is_withheld() {
        let reply = |outcome: &str, withheld: Option<&str>| {
            StepInput::Reply(ReplyInput {
                on: Some("2026-03-19".into()),
                outcome: Some(outcome.into()),
                basis: Some("《条例》第三十七条".into()),
                content: None,
                withheld: withheld.map(str::to_owned),
                item_id: None,
            })
        };
        assert!(
            matches!(reply("partial", None).check(&cx()), Err(Refusal::Field(f)) if f.field == "withheld")
        );
        assert!(
            matches!(reply("maybe", None).check(&cx()), Err(Refusal::Field(f)) if f.field == "outcome")
        );
        let (on, step) = reply("partial", Some("第三方个人信息"))
            .check(&cx())
            .unwrap();
        assert_eq!(on, d("2026-03-19"));
        assert_eq!(step.event(on), Some(Event::Replied { on }));
    }

    #[test]
    fn step_dates_are_past_and_after_the_receipt() {
        let at = |on: &str| {
            StepInput::FeePaid(OnDay {
                on: Some(on.into()),
            })
        };
        assert!(at("2026-03-21").check(&cx()).is_err());
        assert!(at("2026-03-01").check(&cx()).is_err());
        assert!(at("03/05/2026").check(&cx()).is_err());
        assert_eq!(at("2026-03-05").check(&cx()).unwrap().0, d("2026-03-05"));
        // One rule for every date of a case, registration's included (no receipt yet there).
        assert_eq!(
            step_date(Some("２０２６-03-05"), d("2026-03-20"), None),
            Ok(d("2026-03-05"))
        );
        let bad = step_date(Some("2026/03/05"), d("2026-03-20"), None).unwrap_err();
        assert!(
            bad.field == "on" && bad.message.contains("格式不正确"),
            "{}",
            bad.message
        );
        assert!(step_date(None, d("2026-03-20"), Some(d("2026-03-21"))).is_err());
        let remedy = |on: Option<&str>, outcome: Option<&str>| {
            StepInput::Remedies(RemedyInput {
                on: on.map(str::to_owned),
                kind: Some("reconsideration".into()),
                filed_on: Some("2026-03-10".into()),
                outcome: outcome.map(str::to_owned),
                body: None,
                decided_on: None,
            })
        };
        let (on, step) = remedy(None, None).check(&cx()).unwrap();
        assert_eq!(on, d("2026-03-10"));
        assert!(matches!(
            step,
            Step::Remedy(Remedy {
                result: "pending",
                ..
            })
        ));
        assert_eq!(step.event(on), None);
        // A remedy's record date is checked like any step's; its result is taken as given.
        assert!(remedy(Some("2027-01-01"), None).check(&cx()).is_err());
        assert!(remedy(None, Some("")).check(&cx()).is_err());
        assert!(remedy(None, Some(" upheld ")).check(&cx()).is_err());
    }
}
