//! Attachment bytes behind the `object_store` interface: a directory under the data dir for one
//! node, or an S3-compatible bucket that every node of a deployment shares (settings
//! `s3_bucket`, `s3_endpoint`, …; see `config::Storage`).

use crate::config::Storage;
use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{ClientOptions, ObjectStore, RetryConfig};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    /// Where the bytes are, for messages (`数据目录 …` or `对象存储 s3://bucket/prefix`).
    place: Arc<str>,
}

/// A store that did not answer or refused: the cause is logged, the person is told to retry.
#[derive(Debug, thiserror::Error)]
#[error("attachment storage ({place}): {source}")]
pub struct Unavailable {
    place: Arc<str>,
    #[source]
    source: object_store::Error,
}

impl Blobs {
    /// The store the configuration names. S3 is checked at once (one request for a key that
    /// does not exist), so a wrong address, bucket or key stops start-up with a message rather
    /// than failing the first upload.
    pub async fn open(config: &crate::config::Config) -> anyhow::Result<Blobs> {
        match &config.storage {
            Storage::Local => Blobs::local(&config.data_dir.join("attachments")),
            Storage::S3(s3) => {
                let mut b = AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key_id)
                    .with_secret_access_key(&s3.secret_access_key)
                    .with_client_options(
                        ClientOptions::new()
                            .with_connect_timeout(Duration::from_secs(5))
                            .with_timeout(Duration::from_secs(60)),
                    )
                    .with_retry(RetryConfig {
                        max_retries: 3,
                        retry_timeout: Duration::from_secs(20),
                        ..RetryConfig::default()
                    });
                if !s3.endpoint.is_empty() {
                    b = b
                        .with_endpoint(&s3.endpoint)
                        .with_allow_http(s3.endpoint.starts_with("http://"));
                }
                let store = b.build().map_err(|e| {
                    anyhow::anyhow!(
                        "对象存储设置有误（{e}）：请检查 s3_bucket、s3_endpoint 和 s3_region"
                    )
                })?;
                let place: Arc<str> = format!("s3://{}/{}", s3.bucket, s3.prefix).into();
                let store: Arc<dyn ObjectStore> = if s3.prefix.is_empty() {
                    Arc::new(store)
                } else {
                    Arc::new(PrefixStore::new(store, s3.prefix.as_str()))
                };
                let blobs = Blobs { store, place };
                blobs.check().await?;
                Ok(blobs)
            }
        }
    }

    pub fn local(dir: &std::path::Path) -> anyhow::Result<Blobs> {
        crate::files::private_dir(dir)?;
        Ok(Blobs {
            store: Arc::new(LocalFileSystem::new_with_prefix(dir)?),
            place: format!("数据目录 {}", dir.display()).into(),
        })
    }

    /// One request the store must answer: a listing of a prefix nobody writes (empty when the
    /// bucket is there and the key may read it; an error for a wrong bucket, key or address).
    async fn check(&self) -> anyhow::Result<()> {
        let probe = ObjectPath::from("sunshine-start-check");
        match self.store.list_with_delimiter(Some(&probe)).await {
            Ok(_) => Ok(()),
            Err(e) => Err(anyhow::anyhow!(
                "无法使用附件的对象存储 {}：{e}。请检查地址、桶名和访问密钥，并确认服务在运行、桶已创建",
                self.place
            )),
        }
    }

    /// A fresh random key under the unit's prefix; never derived from the client's file name.
    pub fn new_key(unit_id: i64) -> String {
        use rand::RngCore;
        let mut b = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut b);
        format!("{unit_id}/{}", hex::encode(b))
    }

    fn fail(&self, source: object_store::Error) -> Unavailable {
        Unavailable {
            place: self.place.clone(),
            source,
        }
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), Unavailable> {
        self.store
            .put(&ObjectPath::from(key), bytes.into())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, Unavailable> {
        let got = self
            .store
            .get(&ObjectPath::from(key))
            .await
            .map_err(|e| self.fail(e))?;
        got.bytes().await.map_err(|e| self.fail(e))
    }

    pub async fn delete(&self, key: &str) -> Result<(), Unavailable> {
        self.store
            .delete(&ObjectPath::from(key))
            .await
            .map_err(|e| self.fail(e))
    }

    /// Every key in the store (for tests and checks; a listing, not for request paths).
    pub async fn keys(&self) -> Result<Vec<String>, Unavailable> {
        use futures::TryStreamExt;
        let listed: Vec<_> = self
            .store
            .list(None)
            .try_collect()
            .await
            .map_err(|e| self.fail(e))?;
        Ok(listed.into_iter().map(|m| m.location.to_string()).collect())
    }
}
