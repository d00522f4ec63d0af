//! 信息处理费 (国办函〔2020〕109号): by count (per applicant per calendar month, cumulative) or by
//! volume (per application). The office picks one method per application, never both.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FeeMethod {
    /// 按件
    Count,
    /// 按量
    Pages,
}

impl FeeMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            FeeMethod::Count => "count",
            FeeMethod::Pages => "pages",
        }
    }
    pub fn parse(s: &str) -> Option<FeeMethod> {
        [FeeMethod::Count, FeeMethod::Pages]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// The fee in yuan for an applicant's `k`-th application in a calendar month: 1-10 free;
/// 11-30 100 元 each; from 31 on, in bands of 10, each band 100 元 more than the one before.
pub fn by_count(k: u32) -> u32 {
    match k {
        0..=10 => 0,
        11..=30 => 100,
        _ => 100 * (1 + (k - 30).div_ceil(10)),
    }
}

/// The fee in yuan for one application of `p` pages: 1-30 free; 31-100 10 元/page; 101-200
/// 20 元/page; from 201 40 元/page, each rate on the pages in its band.
pub fn by_pages(p: u32) -> u64 {
    let band = |lo: u32, hi: u32| u64::from(p.min(hi).saturating_sub(lo));
    band(30, 100) * 10 + band(100, 200) * 20 + band(200, u32::MAX) * 40
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_band_edges() {
        assert_eq!(by_count(1), 0);
        assert_eq!(by_count(10), 0);
        assert_eq!(by_count(11), 100);
        assert_eq!(by_count(30), 100);
        assert_eq!(by_count(31), 200);
        assert_eq!(by_count(40), 200);
        assert_eq!(by_count(41), 300);
        assert_eq!(by_count(50), 300);
        assert_eq!(by_count(51), 400);
    }

    #[test]
    fn pages_band_edges() {
        assert_eq!(by_pages(0), 0);
        assert_eq!(by_pages(30), 0);
        assert_eq!(by_pages(31), 10);
        assert_eq!(by_pages(100), 700);
        assert_eq!(by_pages(101), 720);
        assert_eq!(by_pages(200), 2700);
        assert_eq!(by_pages(201), 2740);
    }
}
