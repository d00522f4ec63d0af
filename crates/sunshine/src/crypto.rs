//! Encryption at rest for applicants' ID numbers (个人信息保护法 Art. 28): AES-256-GCM with a key
//! from configuration (`SUNSHINE_DATA_KEY`, 64 hex digits). Without one, a key is generated once
//! into the data directory (`data.key`, readable by its owner only): fine for one node; several
//! nodes must share `SUNSHINE_DATA_KEY`.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::{bail, Context};
use rand::RngCore;

#[derive(Clone)]
pub struct DataKey(Aes256Gcm, [u8; 32]);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

impl DataKey {
    pub fn from_hex(hex_key: &str) -> anyhow::Result<DataKey> {
        let bytes =
            hex::decode(hex_key.trim()).context("SUNSHINE_DATA_KEY 应为64位十六进制数字")?;
        if bytes.len() != 32 {
            bail!(
                "SUNSHINE_DATA_KEY 应为64位十六进制数字（32字节），现为 {} 字节",
                bytes.len()
            );
        }
        let mut raw = [0u8; 32];
        raw.copy_from_slice(&bytes);
        Ok(DataKey(
            Aes256Gcm::new_from_slice(&bytes).context("无效的密钥")?,
            raw,
        ))
    }

    /// The configured key, or the data directory's key file, created on first use.
    pub fn load(configured: Option<&str>, data_dir: &std::path::Path) -> anyhow::Result<DataKey> {
        if let Some(k) = configured {
            return DataKey::from_hex(k);
        }
        let path = data_dir.join("data.key");
        if let Ok(k) = std::fs::read_to_string(&path) {
            return DataKey::from_hex(&k);
        }
        std::fs::create_dir_all(data_dir)?;
        let mut b = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut b);
        let k = hex::encode(b);
        std::fs::write(&path, &k)
            .with_context(|| format!("无法写入密钥文件 {}", path.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        }
        tracing::warn!(
            "no SUNSHINE_DATA_KEY configured: generated a key file in the data directory"
        );
        DataKey::from_hex(&k)
    }

    /// Encrypts to hex(nonce ‖ ciphertext).
    pub fn seal(&self, plain: &str) -> anyhow::Result<String> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = self
            .0
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| anyhow::anyhow!("加密失败"))?;
        Ok(hex::encode([nonce.as_slice(), &ct].concat()))
    }

    /// A keyed hash (SHA-256 over key and value): equal values match, and without the key the
    /// hash says nothing about the value.
    pub fn keyed_hash(&self, value: &str) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(self.1);
        h.update(value.as_bytes());
        hex::encode(h.finalize())
    }

    pub fn open(&self, sealed: &str) -> anyhow::Result<String> {
        let bytes = hex::decode(sealed).context("密文格式错误")?;
        if bytes.len() < 13 {
            bail!("密文格式错误");
        }
        let (nonce, ct) = bytes.split_at(12);
        let plain = self
            .0
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| anyhow::anyhow!("无法解密（密钥不符或数据被改动）"))?;
        Ok(String::from_utf8(plain)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let k = DataKey::from_hex(&"ab".repeat(32)).unwrap();
        let s = k.seal("530102199001011234").unwrap();
        assert!(!s.contains("530102"));
        assert_ne!(
            s,
            k.seal("530102199001011234").unwrap(),
            "fresh nonce each time"
        );
        assert_eq!(k.open(&s).unwrap(), "530102199001011234");
        let mut t = s.clone().into_bytes();
        let last = t.len() - 1;
        t[last] = if t[last] == b'0' { b'1' } else { b'0' };
        assert!(k.open(std::str::from_utf8(&t).unwrap()).is_err());
        let other = DataKey::from_hex(&"cd".repeat(32)).unwrap();
        assert!(other.open(&s).is_err());
        assert!(DataKey::from_hex("short").is_err());
    }
}
