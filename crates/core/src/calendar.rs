//! The working-day calendar (工作日) on the State Council's yearly holiday notices, with their
//! make-up working days (调休上班). Legal deadlines are counted on it.
//!
//! A date in a year without loaded data is never treated as "weekends only": calculations that
//! reach it fail with [`CalendarError::NoData`]; where something must be shown anyway,
//! [`Calendar::add_provisional`] marks the result provisional.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// One exception day of a notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayEntry {
    pub name: String,
    pub date: NaiveDate,
    #[serde(rename = "isOffDay")]
    pub is_off_day: bool,
}

/// A year's arrangement in the holiday-cn shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearData {
    pub year: i32,
    #[serde(default)]
    pub papers: Vec<String>,
    pub days: Vec<DayEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("{0}年的节假日安排尚未载入，无法按工作日计算；请管理员用 sunshine calendar load 载入该年安排")]
    NoData(i32),
    #[error("日期超出范围")]
    OutOfRange,
    #[error("节假日数据有误：{0}")]
    BadData(String),
}

macro_rules! shipped {
    ($($y:literal),*) => { &[$(($y, include_str!(concat!("../data/holidays/", $y, ".json")))),*] };
}

/// The arrangements shipped with the release.
const SHIPPED: &[(&str, &str)] = shipped!(
    "2008", "2009", "2010", "2011", "2012", "2013", "2014", "2015", "2016", "2017", "2018", "2019",
    "2020", "2021", "2022", "2023", "2024", "2025", "2026"
);

impl YearData {
    /// Parses and checks a year's file: a plausible year, dates within a year of it, no date twice.
    /// (A weekday listed as a working day is redundant, not wrong: the 2020 file so records
    /// 3 February after the Spring Festival extension.)
    pub fn parse(json: &str) -> Result<YearData, CalendarError> {
        let data: YearData = serde_json::from_str(json)
            .map_err(|e| CalendarError::BadData(format!("不是有效的节假日 JSON：{e}")))?;
        if !(2000..=2200).contains(&data.year) {
            return Err(CalendarError::BadData(format!("年份 {} 不合理", data.year)));
        }
        let mut seen = std::collections::HashSet::new();
        for d in &data.days {
            if (d.date.year() - data.year).abs() > 1 {
                return Err(CalendarError::BadData(format!(
                    "{} 不属于 {} 年的安排",
                    d.date, data.year
                )));
            }
            if !seen.insert(d.date) {
                return Err(CalendarError::BadData(format!("{} 出现了两次", d.date)));
            }
        }
        Ok(data)
    }
}

/// Which days are working days, for the years whose arrangement is loaded.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    /// Loaded years and their arrangement (shared, copied on write: copies of the shipped
    /// calendar cost nothing until a loaded year is laid over them).
    years: Arc<BTreeMap<i32, YearData>>,
    /// Exception days from every loaded file: date → (is off, name).
    exceptions: Arc<HashMap<NaiveDate, (bool, String)>>,
}

impl Calendar {
    /// The shipped data, 2008 to the latest published year. Parsed once per process; each call
    /// returns a copy that loaded years can be laid over.
    pub fn shipped() -> Calendar {
        static SHIPPED_CALENDAR: std::sync::OnceLock<Calendar> = std::sync::OnceLock::new();
        SHIPPED_CALENDAR
            .get_or_init(|| {
                let mut c = Calendar::default();
                for (_, json) in SHIPPED {
                    if let Ok(y) = YearData::parse(json) {
                        c.set_year(y);
                    }
                }
                c
            })
            .clone()
    }

    /// Adds or replaces a year's arrangement.
    pub fn set_year(&mut self, data: YearData) {
        let years = Arc::make_mut(&mut self.years);
        let exceptions = Arc::make_mut(&mut self.exceptions);
        if let Some(old) = years.remove(&data.year) {
            for d in old.days {
                exceptions.remove(&d.date);
            }
        }
        for d in &data.days {
            exceptions.insert(d.date, (d.is_off_day, d.name.clone()));
        }
        years.insert(data.year, data);
    }

    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    pub fn year(&self, y: i32) -> Option<&YearData> {
        self.years.get(&y)
    }

    pub fn covers(&self, d: NaiveDate) -> bool {
        self.years.contains_key(&d.year())
    }

    /// Whether `d` is a working day, or an error if its year has no data.
    pub fn is_workday(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        if !self.covers(d) {
            return Err(CalendarError::NoData(d.year()));
        }
        Ok(self.workday_unchecked(d))
    }

    fn workday_unchecked(&self, d: NaiveDate) -> bool {
        match self.exceptions.get(&d) {
            Some((off, _)) => !off,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The name of the holiday or make-up day on `d`, if any.
    pub fn day_name(&self, d: NaiveDate) -> Option<&str> {
        self.exceptions.get(&d).map(|(_, n)| n.as_str())
    }

    /// The date `n` working days after `from` (`from` itself not counted; day 1 is the first
    /// working day after it). `n = 0` gives `from`.
    pub fn add(&self, from: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut d = from;
        let mut left = n;
        while left > 0 {
            d = d.succ_opt().ok_or(CalendarError::OutOfRange)?;
            if self.is_workday(d)? {
                left -= 1;
            }
        }
        Ok(d)
    }

    /// Like [`add`](Self::add), but through years without data it counts weekends only and says
    /// the result is provisional. For display only, never for a legal decision.
    pub fn add_provisional(&self, from: NaiveDate, n: u32) -> (NaiveDate, bool) {
        let mut d = from;
        let mut left = n;
        let mut provisional = false;
        while left > 0 {
            let Some(next) = d.succ_opt() else { break };
            d = next;
            if !self.covers(d) {
                provisional = true;
            }
            if self.workday_unchecked(d) {
                left -= 1;
            }
        }
        (d, provisional)
    }

    /// The first date whose [`count`](Self::count) from `from` is more than `n`, or the first
    /// date the calendar cannot say: `count(from, to)` is known and at most `n` exactly when
    /// `to` is before it. (A deadline of `n` working days for everything dated `from`, found
    /// once rather than counted for each.)
    pub fn beyond(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut d = from;
        let mut left = n + 1;
        while let Some(next) = d.succ_opt() {
            d = next;
            match self.is_workday(d) {
                Ok(true) => {
                    left -= 1;
                    if left == 0 {
                        break;
                    }
                }
                Ok(false) => {}
                Err(_) => break,
            }
        }
        d
    }

    /// The number of working days after `from` up to and including `to` (0 when `to` is not
    /// after `from`).
    pub fn count(&self, from: NaiveDate, to: NaiveDate) -> Result<u32, CalendarError> {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = d.succ_opt().ok_or(CalendarError::OutOfRange)?;
            if self.is_workday(d)? {
                n += 1;
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn every_shipped_file_parses() {
        for (year, json) in SHIPPED {
            let data = YearData::parse(json).unwrap_or_else(|e| panic!("{year}: {e}"));
            assert_eq!(data.year.to_string(), *year);
            assert!(!data.days.is_empty(), "{year} has no days");
        }
    }

    #[test]
    fn shipped_years() {
        let c = Calendar::shipped();
        assert_eq!(c.years(), (2008..=2026).collect::<Vec<_>>());
    }

    #[test]
    fn make_up_saturdays_count_and_holidays_do_not() {
        let c = Calendar::shipped();
        // 2020: Spring Festival extended to 2 February; 19 January (Sunday) was a working day.
        assert!(c.is_workday(d("2020-01-19")).unwrap());
        assert!(!c.is_workday(d("2020-01-31")).unwrap());
        assert!(!c.is_workday(d("2020-02-02")).unwrap());
        assert!(c.is_workday(d("2020-02-03")).unwrap());
        // 2026: 14 and 28 February (Saturdays) are working days; 15-23 February off.
        assert!(c.is_workday(d("2026-02-14")).unwrap());
        assert!(c.is_workday(d("2026-02-28")).unwrap());
        assert!(!c.is_workday(d("2026-02-23")).unwrap());
        // Neighbouring-year entries: 31 December 2011 (Saturday) was worked for the 2012 New Year.
        assert!(c.is_workday(d("2011-12-31")).unwrap());
        assert_eq!(c.day_name(d("2026-10-01")), Some("国庆节"));
    }

    #[test]
    fn twenty_working_days_examples() {
        let c = Calendar::shipped();
        // Received Friday 17 January 2020: 19 Jan (Sun, worked) is day 1; 24 Jan - 2 Feb off.
        assert_eq!(c.add(d("2020-01-17"), 1).unwrap(), d("2020-01-19"));
        assert_eq!(c.add(d("2020-01-17"), 20).unwrap(), d("2020-02-21"));
        // Received on the eve of National Day 2025 (1-8 October off, 28 Sept and 11 Oct worked).
        assert_eq!(c.add(d("2025-09-30"), 1).unwrap(), d("2025-10-09"));
        // 9 Oct = day 1, 10 Oct = 2, Saturday 11 Oct (worked) = 3, … 4 Nov = 20.
        assert_eq!(c.add(d("2025-09-30"), 20).unwrap(), d("2025-11-04"));
        // Year end: received 25 December 2025, New Year 2026 off 1-3 Jan, 4 Jan (Sunday) worked.
        assert_eq!(c.add(d("2025-12-25"), 5).unwrap(), d("2026-01-04"));
        assert_eq!(c.add(d("2025-12-25"), 20).unwrap(), d("2026-01-23"));
        // Received on a holiday: day 1 is the next working day.
        assert_eq!(c.add(d("2026-10-01"), 1).unwrap(), d("2026-10-08"));
        assert_eq!(c.count(d("2026-10-01"), d("2026-10-08")).unwrap(), 1);
    }

    #[test]
    fn years_without_data_are_errors_not_weekends() {
        let c = Calendar::shipped();
        assert_eq!(c.add(d("2026-12-15"), 20), Err(CalendarError::NoData(2027)));
        assert_eq!(
            c.is_workday(d("2007-06-01")),
            Err(CalendarError::NoData(2007))
        );
        let (date, provisional) = c.add_provisional(d("2026-12-15"), 20);
        assert!(provisional);
        assert!(date > d("2027-01-01"));
        let (date, provisional) = c.add_provisional(d("2026-03-02"), 20);
        assert!(!provisional);
        assert_eq!(date, c.add(d("2026-03-02"), 20).unwrap());
    }

    #[test]
    fn loading_a_year_replaces_it() {
        let mut c = Calendar::shipped();
        let json = r#"{"year": 2027, "papers": [], "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}"#;
        c.set_year(YearData::parse(json).unwrap());
        assert!(!c.is_workday(d("2027-01-01")).unwrap());
        assert!(c.is_workday(d("2027-01-04")).unwrap());
        let replaced = r#"{"year": 2027, "papers": [], "days": [{"name": "元旦", "date": "2027-01-04", "isOffDay": true}]}"#;
        c.set_year(YearData::parse(replaced).unwrap());
        assert!(
            c.is_workday(d("2027-01-01")).unwrap(),
            "the old arrangement is gone"
        );
        assert!(!c.is_workday(d("2027-01-04")).unwrap());
    }

    #[test]
    fn bad_files_are_refused_with_reason() {
        for (json, hint) in [
            ("not json", "不是有效"),
            (r#"{"year": 1800, "days": []}"#, "不合理"),
            (
                r#"{"year": 2027, "days": [{"name": "x", "date": "2030-01-01", "isOffDay": true}]}"#,
                "不属于",
            ),
            (
                r#"{"year": 2027, "days": [{"name": "x", "date": "2027-01-01", "isOffDay": true}, {"name": "x", "date": "2027-01-01", "isOffDay": true}]}"#,
                "两次",
            ),
        ] {
            let e = YearData::parse(json).unwrap_err().to_string();
            assert!(e.contains(hint), "{json}: {e}");
        }
    }

    fn date_in_data() -> impl Strategy<Value = NaiveDate> {
        (0i64..(365 * 18)).prop_map(|n| d("2008-01-01") + chrono::Duration::days(n))
    }

    proptest! {
        #[test]
        fn adding_then_counting_gives_n(from in date_in_data(), n in 0u32..80) {
            let c = Calendar::shipped();
            let to = c.add(from, n).unwrap();
            prop_assert_eq!(c.count(from, to).unwrap(), n);
        }

        #[test]
        fn a_result_is_never_a_day_off(from in date_in_data(), n in 1u32..80) {
            let c = Calendar::shipped();
            let to = c.add(from, n).unwrap();
            prop_assert!(c.is_workday(to).unwrap());
            // and the day before it is counted one fewer
            prop_assert_eq!(c.count(from, to - chrono::Duration::days(1)).unwrap(), n - 1);
        }

        #[test]
        fn beyond_is_where_the_count_passes_n(from in date_in_data(), x in -10i64..80, n in 0u32..30) {
            let c = Calendar::shipped();
            let to = from + chrono::Duration::days(x);
            prop_assert_eq!(c.count(from, to).is_ok_and(|k| k <= n), to < c.beyond(from, n));
        }

        #[test]
        fn counting_is_additive(a in date_in_data(), x in 0i64..60, y in 0i64..60) {
            let c = Calendar::shipped();
            let b = a + chrono::Duration::days(x);
            let e = b + chrono::Duration::days(y);
            prop_assert_eq!(c.count(a, e).unwrap(), c.count(a, b).unwrap() + c.count(b, e).unwrap());
        }
    }
}
