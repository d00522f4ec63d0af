//! The legal clock of an application (Art. 30-35), kept as events and derived from them:
//! 20 working days from the day after receipt; a correction restarts the clock from the day the
//! corrected application arrives; consultation pauses it; one extension of up to 20 days; a fee
//! notice pauses it (a setting, default on). Every deadline comes with how it was computed.

use crate::calendar::{Calendar, CalendarError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const REPLY_DAYS: u32 = 20;
pub const CORRECTION_NOTICE_DAYS: u32 = 7;
pub const MAX_EXTENSION_DAYS: u32 = 20;
pub const THIRD_PARTY_DAYS: u32 = 15;
pub const FEE_PAYMENT_DAYS: u32 = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    Received { on: NaiveDate },
    CorrectionRequested { on: NaiveDate, period_days: u32 },
    CorrectionReceived { on: NaiveDate },
    ConsultationStarted { on: NaiveDate },
    ConsultationEnded { on: NaiveDate },
    Extended { on: NaiveDate, days: u32 },
    FeeNotice { on: NaiveDate },
    FeePaid { on: NaiveDate },
    Replied { on: NaiveDate },
}

impl Event {
    pub fn on(&self) -> NaiveDate {
        match self {
            Event::Received { on }
            | Event::CorrectionRequested { on, .. }
            | Event::CorrectionReceived { on }
            | Event::ConsultationStarted { on }
            | Event::ConsultationEnded { on }
            | Event::Extended { on, .. }
            | Event::FeeNotice { on }
            | Event::FeePaid { on }
            | Event::Replied { on } => *on,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockSettings {
    /// Whether the reply clock stops while a fee is outstanding (not settled nationally).
    pub pause_while_fee_unpaid: bool,
}

impl Default for ClockSettings {
    fn default() -> Self {
        ClockSettings {
            pause_while_fee_unpaid: true,
        }
    }
}

/// Where the application stands on the clock.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    Running,
    /// Waiting for the applicant's correction until `until`; the clock will restart.
    AwaitingCorrection {
        until: NaiveDate,
    },
    /// Paused while a third party or agency is consulted; they answer by `answer_by`.
    Consulting {
        since: NaiveDate,
        answer_by: NaiveDate,
    },
    /// Waiting for the fee, to be paid by `pay_by` (paused when the setting says so).
    AwaitingFee {
        since: NaiveDate,
        pay_by: NaiveDate,
        paused: bool,
    },
    Replied {
        on: NaiveDate,
    },
}

/// The derived clock.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clock {
    pub received_on: NaiveDate,
    /// The day the 20 days run from (receipt, or the corrected application's arrival).
    pub runs_from: NaiveDate,
    pub extension_days: u32,
    pub paused_days: u32,
    /// The reply deadline; none while the clock is stopped.
    pub due_on: Option<NaiveDate>,
    /// By when a correction notice must go out (7 working days after receipt).
    pub correction_notice_by: NaiveDate,
    pub phase: Phase,
    pub overdue_reply: bool,
    /// How the deadline was computed, step by step, in Chinese.
    pub steps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    #[error("{0}")]
    Sequence(String),
}

fn seq(m: impl Into<String>) -> ClockError {
    ClockError::Sequence(m.into())
}

/// Derives the clock from the events, in the order they happened.
pub fn compute(cal: &Calendar, events: &[Event], s: ClockSettings) -> Result<Clock, ClockError> {
    let mut ev: Vec<&Event> = events.iter().collect();
    ev.sort_by_key(|e| e.on());
    let Some(Event::Received { on: received }) = ev.first().copied() else {
        return Err(seq("申请缺少收到日期"));
    };
    let received = *received;
    let mut c = Clock {
        received_on: received,
        runs_from: received,
        extension_days: 0,
        paused_days: 0,
        due_on: None,
        correction_notice_by: cal.add(received, CORRECTION_NOTICE_DAYS)?,
        phase: Phase::Running,
        overdue_reply: false,
        steps: vec![format!(
            "{received} 收到申请（当日不计入，自次日起算{REPLY_DAYS}个工作日）"
        )],
    };
    let mut corrections = 0;
    for e in ev.iter().skip(1) {
        match (e, &c.phase) {
            (Event::Received { .. }, _) => return Err(seq("一件申请只能有一个收到日期")),
            (_, Phase::Replied { .. }) => return Err(seq("已经答复的申请不能再有新的环节")),
            (Event::CorrectionRequested { on, period_days }, Phase::Running) => {
                if corrections > 0 {
                    return Err(seq("补正只能要求一次（一次性告知）"));
                }
                corrections += 1;
                let until = cal.add(*on, *period_days)?;
                let late = *on > c.correction_notice_by;
                c.steps.push(format!(
                    "{on} 发出补正通知，补正期限{period_days}个工作日，至 {until}{}",
                    if late {
                        format!("（晚于收到申请后7个工作日的 {}）", c.correction_notice_by)
                    } else {
                        String::new()
                    }
                ));
                c.phase = Phase::AwaitingCorrection { until };
            }
            (Event::CorrectionReceived { on }, Phase::AwaitingCorrection { .. }) => {
                c.runs_from = *on;
                c.paused_days = 0;
                c.steps.push(format!(
                    "{on} 收到补正后的申请，答复期限自次日重新起算{REPLY_DAYS}个工作日"
                ));
                c.phase = Phase::Running;
            }
            (Event::ConsultationStarted { on }, Phase::Running) => {
                let answer_by = cal.add(*on, THIRD_PARTY_DAYS)?;
                c.steps.push(format!("{on} 征求第三方或有关机关意见，对方应于 {answer_by} 前答复（{THIRD_PARTY_DAYS}个工作日），期间不计入答复期限"));
                c.phase = Phase::Consulting {
                    since: *on,
                    answer_by,
                };
            }
            (Event::ConsultationEnded { on }, Phase::Consulting { since, .. }) => {
                let n = cal.count(*since, *on)?;
                c.paused_days += n;
                c.steps.push(format!(
                    "{on} 征求意见结束：{since} 至 {on} 暂停，{n}个工作日不计入"
                ));
                c.phase = Phase::Running;
            }
            (
                Event::Extended { on, days },
                Phase::Running | Phase::Consulting { .. } | Phase::AwaitingFee { .. },
            ) => {
                if c.extension_days > 0 {
                    return Err(seq("答复期限只能延长一次"));
                }
                if *days == 0 || *days > MAX_EXTENSION_DAYS {
                    return Err(seq(format!("延长期限应为1至{MAX_EXTENSION_DAYS}个工作日")));
                }
                c.extension_days = *days;
                c.steps.push(format!(
                    "{on} 经政府信息公开工作机构负责人同意延长{days}个工作日，并告知申请人"
                ));
            }
            (Event::FeeNotice { on }, Phase::Running) => {
                let pay_by = cal.add(*on, FEE_PAYMENT_DAYS)?;
                let paused = s.pause_while_fee_unpaid;
                c.steps.push(format!(
                    "{on} 发出收费通知，申请人应于 {pay_by} 前缴费（{FEE_PAYMENT_DAYS}个工作日）{}",
                    if paused {
                        "，缴费前答复期限暂停"
                    } else {
                        "，答复期限不暂停（本单位设置）"
                    }
                ));
                c.phase = Phase::AwaitingFee {
                    since: *on,
                    pay_by,
                    paused,
                };
            }
            (Event::FeePaid { on }, Phase::AwaitingFee { since, paused, .. }) => {
                if *paused {
                    let n = cal.count(*since, *on)?;
                    c.paused_days += n;
                    c.steps.push(format!(
                        "{on} 收到缴费：{since} 至 {on} 暂停，{n}个工作日不计入"
                    ));
                } else {
                    c.steps.push(format!("{on} 收到缴费"));
                }
                c.phase = Phase::Running;
            }
            (Event::Replied { on }, _) => {
                c.phase = Phase::Replied { on: *on };
            }
            (e, phase) => {
                return Err(seq(format!(
                    "当前环节（{}）不能进行“{}”",
                    phase_label(phase),
                    event_label(e)
                )))
            }
        }
    }
    let stopped = matches!(
        c.phase,
        Phase::AwaitingCorrection { .. }
            | Phase::Consulting { .. }
            | Phase::AwaitingFee { paused: true, .. }
    );
    let total = REPLY_DAYS + c.extension_days + c.paused_days;
    if stopped {
        let used = match c.phase {
            Phase::Consulting { since, .. } | Phase::AwaitingFee { since, .. } => {
                cal.count(c.runs_from, since)?.saturating_sub(c.paused_days)
            }
            _ => 0,
        };
        c.steps.push(match c.phase {
            Phase::AwaitingCorrection { .. } => {
                "等待补正：答复期限将自收到补正之日起重新计算".to_owned()
            }
            _ => format!(
                "期限暂停中：已用{used}个工作日，尚余{}个工作日",
                (REPLY_DAYS + c.extension_days).saturating_sub(used)
            ),
        });
    } else {
        let due = cal.add(c.runs_from, total)?;
        let mut made_of = vec![format!("法定{REPLY_DAYS}个工作日")];
        if c.extension_days > 0 {
            made_of.push(format!("延长{}个工作日", c.extension_days));
        }
        if c.paused_days > 0 {
            made_of.push(format!("期限暂停的{}个工作日不计入", c.paused_days));
        }
        c.steps.push(format!(
            "答复期限：{due}（从{}的次日算起第{total}个工作日：{}）",
            c.runs_from,
            made_of.join("，")
        ));
        c.due_on = Some(due);
        if let Phase::Replied { on } = c.phase {
            c.overdue_reply = on > due;
            c.steps.push(format!(
                "{on} 答复{}",
                if c.overdue_reply {
                    "（已逾期）"
                } else {
                    ""
                }
            ));
        }
    }
    Ok(c)
}

/// Like [`compute`], but when the deadline runs into a *future* year whose arrangement is not
/// loaded yet, that year is counted with weekends only and the clock is marked provisional (the
/// deadline is recomputed when the year is loaded). A missing past year is still an error.
pub fn compute_provisional(
    cal: &Calendar,
    events: &[Event],
    s: ClockSettings,
) -> Result<(Clock, bool), ClockError> {
    let (mut c, filled) = with_future_years(
        cal,
        |cal| compute(cal, events, s),
        |e| match e {
            ClockError::Calendar(CalendarError::NoData(y)) => Some(*y),
            _ => None,
        },
    )?;
    if !filled.is_empty() {
        let years = filled
            .iter()
            .map(|y| y.to_string())
            .collect::<Vec<_>>()
            .join("、");
        c.steps.push(format!(
            "（{years}年节假日安排尚未载入：期限暂按仅周末休息估算，载入后自动重算）"
        ));
    }
    Ok((c, !filled.is_empty()))
}

/// Runs `f` on the calendar; when it fails for want of a *future* year's arrangement (`missing`
/// names the year), runs it again with that year counted by weekends only, for up to three
/// years. Returns the answer and the years so filled. A missing past year is still an error.
fn with_future_years<T, E>(
    cal: &Calendar,
    f: impl Fn(&Calendar) -> Result<T, E>,
    missing: impl Fn(&E) -> Option<i32>,
) -> Result<(T, Vec<i32>), E> {
    let last = cal.years().last().copied().unwrap_or(i32::MIN);
    let mut cal = std::borrow::Cow::Borrowed(cal);
    let mut filled: Vec<i32> = Vec::new();
    loop {
        match f(&cal) {
            Ok(v) => return Ok((v, filled)),
            Err(e) => match missing(&e) {
                Some(y) if y > last && filled.len() < 3 => {
                    cal.to_mut().set_year(crate::calendar::YearData {
                        year: y,
                        papers: vec![],
                        days: vec![],
                    });
                    filled.push(y);
                }
                _ => return Err(e),
            },
        }
    }
}

/// Working days left until the deadline (negative when overdue), seen from `today`.
pub fn days_left(cal: &Calendar, due: NaiveDate, today: NaiveDate) -> Result<i64, CalendarError> {
    if today <= due {
        Ok(i64::from(cal.count(today, due)?))
    } else {
        Ok(-i64::from(cal.count(due, today)?))
    }
}

/// Like [`days_left`], but a *future* year whose arrangement is not loaded yet is counted with
/// weekends only, as [`compute_provisional`] counts its deadlines (in December most deadlines
/// run into the next year before its arrangement is published).
pub fn days_left_provisional(
    cal: &Calendar,
    due: NaiveDate,
    today: NaiveDate,
) -> Result<i64, CalendarError> {
    with_future_years(
        cal,
        |cal| days_left(cal, due, today),
        |e| match e {
            CalendarError::NoData(y) => Some(*y),
            _ => None,
        },
    )
    .map(|(n, _)| n)
}

fn phase_label(p: &Phase) -> &'static str {
    match p {
        Phase::Running => "办理中",
        Phase::AwaitingCorrection { .. } => "等待补正",
        Phase::Consulting { .. } => "征求意见中",
        Phase::AwaitingFee { .. } => "等待缴费",
        Phase::Replied { .. } => "已答复",
    }
}

pub fn event_label(e: &Event) -> &'static str {
    match e {
        Event::Received { .. } => "收到申请",
        Event::CorrectionRequested { .. } => "要求补正",
        Event::CorrectionReceived { .. } => "收到补正",
        Event::ConsultationStarted { .. } => "征求意见",
        Event::ConsultationEnded { .. } => "征求意见结束",
        Event::Extended { .. } => "延长答复期限",
        Event::FeeNotice { .. } => "收费通知",
        Event::FeePaid { .. } => "缴费",
        Event::Replied { .. } => "答复",
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn days_left_runs_into_a_year_not_loaded_yet_by_weekends() {
        let cal = Calendar::shipped();
        let last = *cal.years().last().expect("years");
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).expect("date");
        let (today, due) = (d(last, 12, 28), d(last + 1, 1, 8));
        assert!(
            days_left(&cal, due, today).is_err(),
            "the strict count refuses"
        );
        let n = days_left_provisional(&cal, due, today).expect("provisional");
        assert!(
            (5..=10).contains(&n),
            "{n} working days, weekends only in the new year"
        );
        assert_eq!(
            days_left_provisional(&cal, d(last, 12, 31), d(last, 12, 28)),
            days_left(&cal, d(last, 12, 31), d(last, 12, 28)),
            "within loaded years both agree"
        );
    }

    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn clock(events: &[Event]) -> Clock {
        compute(&Calendar::shipped(), events, ClockSettings::default()).unwrap()
    }

    #[test]
    fn plain_twenty_days() {
        let c = clock(&[Event::Received {
            on: d("2026-03-02"),
        }]);
        assert_eq!(c.due_on, Some(d("2026-03-30")));
        assert_eq!(c.correction_notice_by, d("2026-03-11"));
        assert!(c.steps.last().unwrap().contains("2026-03-30"));
    }

    #[test]
    fn correction_restarts_the_clock_from_arrival() {
        let cal = Calendar::shipped();
        let waiting = clock(&[
            Event::Received {
                on: d("2026-03-02"),
            },
            Event::CorrectionRequested {
                on: d("2026-03-04"),
                period_days: 10,
            },
        ]);
        assert_eq!(waiting.due_on, None);
        assert_eq!(
            waiting.phase,
            Phase::AwaitingCorrection {
                until: cal.add(d("2026-03-04"), 10).unwrap()
            }
        );
        let c = clock(&[
            Event::Received {
                on: d("2026-03-02"),
            },
            Event::CorrectionRequested {
                on: d("2026-03-04"),
                period_days: 10,
            },
            Event::CorrectionReceived {
                on: d("2026-03-16"),
            },
        ]);
        assert_eq!(c.runs_from, d("2026-03-16"));
        assert_eq!(c.due_on, Some(cal.add(d("2026-03-16"), 20).unwrap()));
        assert!(c.steps.iter().any(|s| s.contains("重新起算")));
    }

    #[test]
    fn late_correction_notice_is_marked() {
        let c = clock(&[
            Event::Received {
                on: d("2026-03-02"),
            },
            Event::CorrectionRequested {
                on: d("2026-03-20"),
                period_days: 5,
            },
        ]);
        assert!(c.steps[1].contains("晚于收到申请后7个工作日"));
    }

    #[test]
    fn consultation_pauses_the_clock() {
        let cal = Calendar::shipped();
        let paused = clock(&[
            Event::Received {
                on: d("2026-03-02"),
            },
            Event::ConsultationStarted {
                on: d("2026-03-06"),
            },
        ]);
        assert_eq!(paused.due_on, None);
        assert_eq!(
            paused.phase,
            Phase::Consulting {
                since: d("2026-03-06"),
                answer_by: cal.add(d("2026-03-06"), 15).unwrap()
            }
        );
        assert!(paused
            .steps
            .last()
            .unwrap()
            .contains("已用4个工作日，尚余16个工作日"));
        let c = clock(&[
            Event::Received {
                on: d("2026-03-02"),
            },
            Event::ConsultationStarted {
                on: d("2026-03-06"),
            },
            Event::ConsultationEnded {
                on: d("2026-03-13"),
            },
        ]);
        assert_eq!(c.paused_days, 5);
        assert_eq!(c.due_on, Some(cal.add(d("2026-03-02"), 25).unwrap()));
    }

    #[test]
    fn one_extension_up_to_twenty_days() {
        let cal = Calendar::shipped();
        let base = [
            Event::Received {
                on: d("2026-03-02"),
            },
            Event::Extended {
                on: d("2026-03-25"),
                days: 20,
            },
        ];
        assert_eq!(
            clock(&base).due_on,
            Some(cal.add(d("2026-03-02"), 40).unwrap())
        );
        let mut twice = base.to_vec();
        twice.push(Event::Extended {
            on: d("2026-03-26"),
            days: 5,
        });
        assert!(compute(&cal, &twice, ClockSettings::default())
            .unwrap_err()
            .to_string()
            .contains("只能延长一次"));
        let too_long = [
            Event::Received {
                on: d("2026-03-02"),
            },
            Event::Extended {
                on: d("2026-03-25"),
                days: 21,
            },
        ];
        assert!(compute(&cal, &too_long, ClockSettings::default())
            .unwrap_err()
            .to_string()
            .contains("1至20"));
    }

    #[test]
    fn fee_notice_pauses_by_default_and_not_when_set_so() {
        let cal = Calendar::shipped();
        let ev = [
            Event::Received {
                on: d("2026-03-02"),
            },
            Event::FeeNotice {
                on: d("2026-03-09"),
            },
            Event::FeePaid {
                on: d("2026-03-13"),
            },
        ];
        assert_eq!(clock(&ev).paused_days, 4);
        assert_eq!(
            clock(&ev).due_on,
            Some(cal.add(d("2026-03-02"), 24).unwrap())
        );
        let no_pause = compute(
            &cal,
            &ev,
            ClockSettings {
                pause_while_fee_unpaid: false,
            },
        )
        .unwrap();
        assert_eq!(no_pause.due_on, Some(cal.add(d("2026-03-02"), 20).unwrap()));
        let waiting = clock(&ev[..2]);
        assert_eq!(waiting.due_on, None);
        assert_eq!(
            waiting.phase,
            Phase::AwaitingFee {
                since: d("2026-03-09"),
                pay_by: cal.add(d("2026-03-09"), 20).unwrap(),
                paused: true
            }
        );
    }

    #[test]
    fn late_replies_are_marked_overdue() {
        let c = clock(&[
            Event::Received {
                on: d("2026-03-02"),
            },
            Event::Replied {
                on: d("2026-03-31"),
            },
        ]);
        assert!(c.overdue_reply);
        let c = clock(&[
            Event::Received {
                on: d("2026-03-02"),
            },
            Event::Replied {
                on: d("2026-03-30"),
            },
        ]);
        assert!(!c.overdue_reply);
    }

    #[test]
    fn impossible_sequences_are_explained() {
        let cal = Calendar::shipped();
        let bad = [
            Event::Received {
                on: d("2026-03-02"),
            },
            Event::CorrectionReceived {
                on: d("2026-03-05"),
            },
        ];
        let e = compute(&cal, &bad, ClockSettings::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("不能进行“收到补正”"), "{e}");
        assert!(compute(&cal, &[], ClockSettings::default()).is_err());
    }

    #[test]
    fn spring_festival_2020_and_days_left() {
        let cal = Calendar::shipped();
        let c = clock(&[Event::Received {
            on: d("2020-01-17"),
        }]);
        assert_eq!(c.due_on, Some(d("2020-02-21")));
        assert_eq!(
            days_left(&cal, d("2020-02-21"), d("2020-02-14")).unwrap(),
            5
        );
        assert_eq!(
            days_left(&cal, d("2020-02-21"), d("2020-02-25")).unwrap(),
            -2
        );
    }

    #[test]
    fn a_deadline_in_a_year_without_data_is_an_error_or_provisional() {
        let cal = Calendar::shipped();
        let ev = [Event::Received {
            on: d("2026-12-20"),
        }];
        let e = compute(&cal, &ev, ClockSettings::default()).unwrap_err();
        assert!(matches!(
            e,
            ClockError::Calendar(CalendarError::NoData(2027))
        ));
        let (c, provisional) = compute_provisional(&cal, &ev, ClockSettings::default()).unwrap();
        assert!(provisional);
        assert!(c.due_on.unwrap() > d("2027-01-01"));
        assert!(c.steps.last().unwrap().contains("2027年节假日安排尚未载入"));
        let ok = [Event::Received {
            on: d("2026-03-02"),
        }];
        assert!(
            !compute_provisional(&cal, &ok, ClockSettings::default())
                .unwrap()
                .1
        );
        // A past year without data is never guessed.
        let old = [Event::Received {
            on: d("2007-05-08"),
        }];
        assert!(compute_provisional(&cal, &old, ClockSettings::default()).is_err());
    }

    mod laws {
        use super::*;
        use proptest::prelude::*;

        /// Receipts from 2009 to mid-2026, inside the shipped calendar with room for the whole
        /// clock after them.
        fn received() -> impl Strategy<Value = NaiveDate> {
            (0i64..(365 * 17 + 150)).prop_map(|n| d("2009-01-01") + chrono::Duration::days(n))
        }

        /// A step after the one before, `gap` days later.
        #[derive(Debug, Clone)]
        enum Op {
            Correction(u32),
            Corrected,
            ConsultStart,
            ConsultEnd,
            Extend(u32),
            FeeNotice,
            FeePaid,
        }

        fn op() -> impl Strategy<Value = (i64, Op)> {
            (
                0i64..12,
                prop_oneof![
                    (1u32..30).prop_map(Op::Correction),
                    Just(Op::Corrected),
                    Just(Op::ConsultStart),
                    Just(Op::ConsultEnd),
                    (1u32..=MAX_EXTENSION_DAYS).prop_map(Op::Extend),
                    Just(Op::FeeNotice),
                    Just(Op::FeePaid),
                ],
            )
        }

        fn events(from: NaiveDate, ops: &[(i64, Op)]) -> Vec<Event> {
            let mut on = from;
            let mut out = vec![Event::Received { on }];
            for (gap, op) in ops {
                on += chrono::Duration::days(*gap);
                out.push(match op {
                    Op::Correction(p) => Event::CorrectionRequested {
                        on,
                        period_days: *p,
                    },
                    Op::Corrected => Event::CorrectionReceived { on },
                    Op::ConsultStart => Event::ConsultationStarted { on },
                    Op::ConsultEnd => Event::ConsultationEnded { on },
                    Op::Extend(n) => Event::Extended { on, days: *n },
                    Op::FeeNotice => Event::FeeNotice { on },
                    Op::FeePaid => Event::FeePaid { on },
                });
            }
            out
        }

        fn settings() -> impl Strategy<Value = ClockSettings> {
            any::<bool>().prop_map(|p| ClockSettings {
                pause_while_fee_unpaid: p,
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1000))]

            /// Whatever steps a case takes, a deadline it reaches falls on a working day.
            #[test]
            fn every_due_date_is_a_working_day(
                from in received(),
                ops in proptest::collection::vec(op(), 0..8),
                s in settings(),
            ) {
                let cal = Calendar::shipped();
                if let Ok(c) = compute(&cal, &events(from, &ops), s) {
                    if let Some(due) = c.due_on {
                        prop_assert!(cal.is_workday(due).unwrap(), "{due} in {ops:?}");
                        prop_assert!(due > from);
                    }
                }
            }

            /// A case that takes its steps in order (a correction, a consultation, one
            /// extension, a fee, each a few days after the last) is accepted, and its deadline
            /// falls on a working day after the receipt.
            #[test]
            fn every_orderly_case_has_a_due_date_on_a_working_day(
                from in received(),
                gaps in proptest::collection::vec(0i64..4, 8),
                steps in proptest::collection::vec(any::<bool>(), 4),
                period in 1u32..15,
                days in 1u32..=MAX_EXTENSION_DAYS,
                s in settings(),
            ) {
                let cal = Calendar::shipped();
                let mut on = from;
                let mut gap = gaps.iter();
                let mut next = || {
                    on += chrono::Duration::days(*gap.next().unwrap_or(&1));
                    on
                };
                let mut ev = vec![Event::Received { on: from }];
                if steps[0] {
                    ev.push(Event::CorrectionRequested { on: next(), period_days: period });
                    ev.push(Event::CorrectionReceived { on: next() });
                }
                if steps[1] {
                    ev.push(Event::ConsultationStarted { on: next() });
                    ev.push(Event::ConsultationEnded { on: next() });
                }
                if steps[2] {
                    ev.push(Event::Extended { on: next(), days });
                }
                if steps[3] {
                    ev.push(Event::FeeNotice { on: next() });
                    ev.push(Event::FeePaid { on: next() });
                }
                let c = compute(&cal, &ev, s);
                prop_assert!(c.is_ok(), "{ev:?}: {c:?}");
                let due = c.unwrap().due_on;
                prop_assert!(due.is_some(), "{ev:?}");
                let due = due.unwrap();
                prop_assert!(cal.is_workday(due).unwrap() && due > from, "{due} for {ev:?}");
            }

            /// A pause (consulting a third party) never brings the deadline forward.
            #[test]
            fn pauses_never_shorten_the_clock(
                from in received(),
                start in 0i64..25,
                length in 1i64..30,
                s in settings(),
            ) {
                let cal = Calendar::shipped();
                let plain = compute(&cal, &[Event::Received { on: from }], s).unwrap();
                let at = from + chrono::Duration::days(start);
                let paused = compute(
                    &cal,
                    &[
                        Event::Received { on: from },
                        Event::ConsultationStarted { on: at },
                        Event::ConsultationEnded { on: at + chrono::Duration::days(length) },
                    ],
                    s,
                );
                if let Ok(paused) = paused {
                    let (with, without) = (paused.due_on.unwrap(), plain.due_on.unwrap());
                    prop_assert!(with >= without);
                    // A pause over working days moves the deadline on.
                    if paused.paused_days > 0 {
                        prop_assert!(with > without, "{} paused days", paused.paused_days);
                    }
                }
            }

            /// An extension moves the deadline by exactly its working days.
            #[test]
            fn an_extension_adds_exactly_its_working_days(
                from in received(),
                after in 0i64..20,
                days in 1u32..=MAX_EXTENSION_DAYS,
                s in settings(),
            ) {
                let cal = Calendar::shipped();
                let due = compute(&cal, &[Event::Received { on: from }], s)
                    .unwrap()
                    .due_on
                    .unwrap();
                let on = (from + chrono::Duration::days(after)).min(due);
                let extended = compute(
                    &cal,
                    &[Event::Received { on: from }, Event::Extended { on, days }],
                    s,
                )
                .unwrap();
                prop_assert_eq!(extended.due_on, Some(cal.add(due, days).unwrap()));
                prop_assert_eq!(extended.extension_days, days);
            }
        }
    }
}
