//! Attachment bytes behind the `object_store` interface: a directory under the data dir by
//! default; the same trait serves S3-compatible object storage for several nodes.

use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::ObjectStore;
use std::sync::Arc;

#[derive(Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
}

impl Blobs {
    pub fn local(dir: &std::path::Path) -> anyhow::Result<Blobs> {
        crate::files::private_dir(dir)?;
        Ok(Blobs {
            store: Arc::new(LocalFileSystem::new_with_prefix(dir)?),
        })
    }

    /// A fresh random key under the unit's prefix; never derived from the client's file name.
    pub fn new_key(unit_id: i64) -> String {
        use rand::RngCore;
        let mut b = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut b);
        format!("{unit_id}/{}", hex::encode(b))
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> anyhow::Result<()> {
        self.store.put(&ObjectPath::from(key), bytes.into()).await?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> anyhow::Result<Bytes> {
        Ok(self
            .store
            .get(&ObjectPath::from(key))
            .await?
            .bytes()
            .await?)
    }

    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        self.store.delete(&ObjectPath::from(key)).await?;
        Ok(())
    }
}
