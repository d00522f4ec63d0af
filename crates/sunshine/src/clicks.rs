//! Click counts (点击) without a database write per view: views are counted in memory and
//! added to the database in one batch every few seconds and on shutdown.

use crate::db::Db;
use std::collections::HashMap;
use std::sync::Mutex;

/// Counts are kept in shards by item, so views of different items on different workers do not
/// wait for one lock.
const SHARDS: usize = 16;

#[derive(Default)]
pub struct Clicks {
    pending: [Mutex<HashMap<i64, i64>>; SHARDS],
}

impl Clicks {
    fn shard(&self, item_id: i64) -> std::sync::MutexGuard<'_, HashMap<i64, i64>> {
        self.pending[item_id.rem_euclid(SHARDS as i64) as usize]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one view and returns this node's not-yet-written count for the item.
    pub fn hit(&self, item_id: i64) -> i64 {
        let mut p = self.shard(item_id);
        let n = p.entry(item_id).or_insert(0);
        *n += 1;
        *n
    }

    pub fn pending(&self, item_id: i64) -> i64 {
        self.shard(item_id).get(&item_id).copied().unwrap_or(0)
    }

    /// Writes the pending counts in one transaction. On failure they are kept for next time.
    pub async fn flush(&self, db: &Db) -> anyhow::Result<usize> {
        let mut batch: HashMap<i64, i64> = HashMap::new();
        for shard in &self.pending {
            batch.extend(std::mem::take(
                &mut *shard.lock().unwrap_or_else(|e| e.into_inner()),
            ));
        }
        if batch.is_empty() {
            return Ok(0);
        }
        let result = async {
            let mut tx = db.begin().await?;
            for (&id, &n) in &batch {
                crate::db::items::add_hits(&mut tx, id, n).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        }
        .await;
        if let Err(e) = result {
            for (id, n) in batch {
                *self.shard(id).entry(id).or_insert(0) += n;
            }
            return Err(e.into());
        }
        Ok(batch.len())
    }
}
