//! Small view helpers shared by page templates.

use serde::Serialize;

/// One step of the breadcrumb (首页 >> 乡镇信息公开 >> 妥安乡).
#[derive(Debug, Clone, Serialize)]
pub struct Crumb {
    pub href: String,
    pub label: String,
}

pub fn crumb(href: impl Into<String>, label: impl Into<String>) -> Crumb {
    Crumb {
        href: href.into(),
        label: label.into(),
    }
}

/// 2018-01-30 → 2018年01月30日, the way the portal prints dates.
pub fn cn_date(day: Option<chrono::NaiveDate>) -> String {
    match day {
        Some(d) => d.format("%Y年%m月%d日").to_string(),
        None => String::new(),
    }
}

/// Human-readable file size.
pub fn file_size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

/// Pagination links for a list page.
#[derive(Debug, Clone, Serialize)]
pub struct Pager {
    pub current: u32,
    pub pages: u32,
    /// How many items, as shown ("10000+" past the count's cap).
    pub total: String,
    pub base: String,
}

impl Pager {
    pub fn prev(&self) -> Option<String> {
        (self.current > 1).then(|| format!("{}?page={}", self.base, self.current - 1))
    }
    pub fn next(&self) -> Option<String> {
        (self.current < self.pages).then(|| format!("{}?page={}", self.base, self.current + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn dates_and_sizes() {
        let day = chrono::NaiveDate::from_ymd_opt(2018, 1, 30);
        assert_eq!(cn_date(day), "2018年01月30日");
        assert_eq!(cn_date(None), "");
        assert_eq!(file_size(1), "1 KB");
        assert_eq!(file_size(3 * 1024 * 1024 / 2), "1.5 MB");
    }
}
