//! Following the change log: every node reads the entries written since it last looked (the
//! search index, the page cache). Entries may become visible out of order (PostgreSQL hands out
//! ids before commit), so a follower remembers what it has applied above a floor and waits a
//! while for the gaps below.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// What the follower knows of the log beyond the floor.
#[derive(Default, Debug)]
pub struct Follow {
    pub floor: i64,
    /// Entries above the floor already applied.
    seen: BTreeSet<i64>,
    /// Entries above the floor not seen yet, with when they were first missed.
    gaps: BTreeMap<i64, Instant>,
}

impl Follow {
    pub fn at(floor: i64) -> Follow {
        Follow {
            floor,
            ..Follow::default()
        }
    }

    /// Where to read new entries from: past everything seen.
    pub fn read_after(&self) -> i64 {
        self.seen.iter().next_back().copied().unwrap_or(self.floor)
    }

    /// The gaps to look for again (oldest first).
    pub fn missing(&self) -> Vec<i64> {
        self.gaps.keys().copied().collect()
    }

    /// Takes in entries just applied; entries below the highest seen that have not appeared
    /// are gaps (a transaction not committed yet, or rolled back), waited for `patience`; the
    /// floor moves up over everything applied and every gap given up on. Whether it moved.
    pub fn absorb(&mut self, applied: &[i64], now: Instant, patience: Duration) -> bool {
        self.seen
            .extend(applied.iter().filter(|id| **id > self.floor));
        for id in applied {
            self.gaps.remove(id);
        }
        if let Some(&top) = self.seen.iter().next_back() {
            let from = self
                .gaps
                .keys()
                .next_back()
                .map_or(self.floor, |g| (*g).max(self.floor));
            for id in from + 1..top {
                if !self.seen.contains(&id) {
                    self.gaps.entry(id).or_insert(now);
                }
            }
        }
        let before = self.floor;
        loop {
            let next = self.floor + 1;
            if self.seen.remove(&next) {
                self.floor = next;
            } else if self
                .gaps
                .get(&next)
                .is_some_and(|t| now.duration_since(*t) >= patience)
            {
                self.gaps.remove(&next);
                self.floor = next;
            } else {
                break;
            }
        }
        self.floor != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_waits_for_late_entries_and_gives_up_on_rolled_back_ones() {
        let t0 = Instant::now();
        let patience = Duration::from_secs(30);
        let mut f = Follow::at(10);
        // 12 and 14 commit before 11 and 13: both are gaps.
        assert!(!f.absorb(&[12, 14], t0, patience));
        assert_eq!(
            (f.floor, f.read_after(), f.missing()),
            (10, 14, vec![11, 13])
        );
        // 11 commits late: the floor passes it and the applied 12, and stops at the gap 13.
        assert!(f.absorb(&[11], t0 + Duration::from_secs(1), patience));
        assert_eq!((f.floor, f.missing()), (12, vec![13]));
        // Nothing new for a while; 13 never commits (rolled back): given up after the wait.
        assert!(!f.absorb(&[], t0 + Duration::from_secs(29), patience));
        assert!(f.absorb(&[], t0 + Duration::from_secs(30), patience));
        assert_eq!((f.floor, f.missing(), f.seen.len()), (14, vec![], 0));
        // An entry applied twice (re-read after a restart) changes nothing.
        assert!(!f.absorb(&[14], t0 + Duration::from_secs(31), patience));
        assert_eq!(f.floor, 14);
    }
}
