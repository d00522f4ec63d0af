//! Pagination of public lists.

/// A page request, 1-based, with the page size fixed by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub number: u32,
    pub size: u32,
}

impl Page {
    pub const MAX_NUMBER: u32 = 100_000;

    /// Parses `?page=`; anything that is not a positive whole number within range is refused.
    pub fn parse(raw: Option<&str>, size: u32) -> Option<Page> {
        let number = match raw {
            None | Some("") => 1,
            Some(s) => s
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=Self::MAX_NUMBER).contains(n))?,
        };
        Some(Page { number, size })
    }

    pub fn offset(self) -> i64 {
        i64::from(self.number - 1) * i64::from(self.size)
    }

    pub fn limit(self) -> i64 {
        i64::from(self.size)
    }

    /// Number of pages for `total` rows (at least 1, so an empty list still has page 1).
    pub fn count(self, total: i64) -> u32 {
        let size = i64::from(self.size.max(1));
        u32::try_from(((total + size - 1) / size).max(1)).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing() {
        assert_eq!(
            Page::parse(None, 20),
            Some(Page {
                number: 1,
                size: 20
            })
        );
        assert_eq!(Page::parse(Some("3"), 20).unwrap().offset(), 40);
        for bad in ["0", "-1", "abc", "1.5", "999999999"] {
            assert_eq!(Page::parse(Some(bad), 20), None, "{bad}");
        }
    }

    #[test]
    fn counting() {
        let p = Page {
            number: 1,
            size: 20,
        };
        assert_eq!(p.count(0), 1);
        assert_eq!(p.count(20), 1);
        assert_eq!(p.count(21), 2);
    }
}
