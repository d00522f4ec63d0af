//! Encryption at rest for applicants' ID numbers (个人信息保护法 Art. 28): AES-256-GCM with a key
//! from configuration (`SUNSHINE_DATA_KEY`, 64 hex digits). Without one, a key is generated once
//! into the data directory (`data.key`, readable by its owner only): fine for one node; several
//! nodes must share `SUNSHINE_DATA_KEY`.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::{bail, Context};
use rand::RngCore;

/// What a derived key is for. Each purpose has a key of its own, derived from the master key
/// with HMAC-SHA256 over a label, so that no value keyed for one purpose says anything about
/// another, and the master key (which encrypts) never keys a hash itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Matching one applicant's applications by ID number (fees by count).
    ApplicantId,
    /// The audit log's chain: a key kept outside the database, so rewriting the log takes it.
    AuditChain,
    /// The sign-in form's CSRF token, bound to a cookie, with no server state.
    LoginForm,
    /// The key's fingerprint kept in the database, to refuse a node started with another key.
    KeyCheck,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::ApplicantId => b"sunshine/applicant-id/v1",
            Purpose::AuditChain => b"sunshine/audit-chain/v1",
            Purpose::LoginForm => b"sunshine/login-form/v1",
            Purpose::KeyCheck => b"sunshine/key-check/v1",
        }
    }
}

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

fn hmac_bytes(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    use hmac::Mac;
    let mut m = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

fn hmac_hex(key: &[u8], parts: &[&[u8]]) -> String {
    hex::encode(hmac_bytes(key, parts))
}

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
        crate::files::private_dir(data_dir)
            .with_context(|| format!("无法创建数据目录 {}", data_dir.display()))?;
        let mut b = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut b);
        // Created owner-only and atomically: no moment exists when the file is readable by
        // others or half written; a second process starting at once gets the first one's key.
        let k = crate::files::create_secret(&path, &hex::encode(b))
            .with_context(|| format!("无法写入密钥文件 {}", path.display()))?;
        tracing::warn!(
            "no SUNSHINE_DATA_KEY configured: generated a key file in the data directory"
        );
        DataKey::from_hex(&k)
    }

    /// Encrypts to hex(nonce ‖ ciphertext).
    pub fn seal(&self, plain: &str) -> anyhow::Result<String> {
        Ok(hex::encode(self.seal_bytes(plain.as_bytes())?))
    }

    /// Encrypts bytes (a file) to nonce ‖ ciphertext. CPU work for a file: call it on the CPU
    /// pool.
    pub fn seal_bytes(&self, plain: &[u8]) -> anyhow::Result<Vec<u8>> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = self
            .0
            .encrypt(Nonce::from_slice(&nonce), plain)
            .map_err(|_| anyhow::anyhow!("加密失败"))?;
        Ok([nonce.as_slice(), &ct].concat())
    }

    /// A token for a page to carry and give back: `label`, `fields` and the time it was made,
    /// sealed, so it tells nothing and cannot be made up. Fields must not contain `:`.
    pub fn seal_stamped(&self, label: &str, fields: &[&str]) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp().to_string();
        let mut parts = vec![label];
        parts.extend_from_slice(fields);
        parts.push(&now);
        self.seal(&parts.join(":"))
    }

    /// The fields of a token [`DataKey::seal_stamped`] made with `label` and `n` fields, if it
    /// is ours and younger than `ttl_seconds`; `None` for anything else, whatever it is.
    pub fn open_stamped(
        &self,
        label: &str,
        n: usize,
        ttl_seconds: i64,
        token: &str,
    ) -> Option<Vec<String>> {
        let token = token.trim();
        if token.is_empty() || token.len() > 400 {
            return None;
        }
        let plain = self.open(token).ok()?;
        let mut parts: Vec<&str> = plain.split(':').collect();
        let at: i64 = parts.pop()?.parse().ok()?;
        if parts.len() != n + 1 || parts[0] != label {
            return None;
        }
        let age = chrono::Utc::now().timestamp() - at;
        (0..ttl_seconds)
            .contains(&age)
            .then(|| parts[1..].iter().map(|p| (*p).to_owned()).collect())
    }

    /// Decrypts what [`DataKey::seal_bytes`] made.
    pub fn open_bytes(&self, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        if sealed.len() < 13 {
            bail!("密文格式错误");
        }
        let (nonce, ct) = sealed.split_at(12);
        self.0
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| anyhow::anyhow!("无法解密（密钥不符或数据被改动）"))
    }

    /// The key for one purpose: HMAC-SHA256(master key, purpose label).
    fn derived(&self, purpose: Purpose) -> Vec<u8> {
        hmac_bytes(&self.1, &[purpose.label()])
    }

    /// HMAC-SHA256 of `value` under the purpose's derived key, in hex: equal values match, and
    /// without the key the result says nothing about the value.
    pub fn mac(&self, purpose: Purpose, value: &str) -> String {
        hmac_hex(&self.derived(purpose), &[value.as_bytes()])
    }

    /// The same over several parts, each length-prefixed so that no two lists collide.
    pub fn mac_parts(&self, purpose: Purpose, parts: &[&str]) -> String {
        let mut framed: Vec<Vec<u8>> = Vec::with_capacity(parts.len() * 2);
        for p in parts {
            framed.push((p.len() as u64).to_be_bytes().to_vec());
            framed.push(p.as_bytes().to_vec());
        }
        let refs: Vec<&[u8]> = framed.iter().map(Vec::as_slice).collect();
        hmac_hex(&self.derived(purpose), &refs)
    }

    /// The keyed hash of the old scheme (SHA-256 over key and value), kept only to recognise
    /// values stored before the upgrade to [`DataKey::mac`].
    pub fn legacy_keyed_hash(&self, value: &str) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(self.1);
        h.update(value.as_bytes());
        hex::encode(h.finalize())
    }

    pub fn open(&self, sealed: &str) -> anyhow::Result<String> {
        let bytes = hex::decode(sealed).context("密文格式错误")?;
        Ok(String::from_utf8(self.open_bytes(&bytes)?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamped_tokens_carry_their_fields_and_nothing_else_opens() {
        let k = DataKey::from_hex(&"ab".repeat(32)).expect("a key");
        let t = k.seal_stamped("proof", &["42"]).expect("sealed");
        assert_eq!(
            k.open_stamped("proof", 1, 60, &t),
            Some(vec!["42".to_owned()])
        );
        assert_eq!(
            k.open_stamped("challenge", 1, 60, &t),
            None,
            "another label"
        );
        assert_eq!(k.open_stamped("proof", 2, 60, &t), None, "another shape");
        assert_eq!(k.open_stamped("proof", 1, 0, &t), None, "expired");
        let other = DataKey::from_hex(&"cd".repeat(32)).expect("a key");
        assert_eq!(other.open_stamped("proof", 1, 60, &t), None, "another key");
        for junk in ["", "zz", &"0".repeat(500), &t[..t.len() - 2]] {
            assert_eq!(k.open_stamped("proof", 1, 60, junk), None, "{junk}");
        }
        // Made an hour ago: still open for two hours, not for half of one.
        let old = k
            .seal(&format!(
                "proof:7:{}",
                chrono::Utc::now().timestamp() - 3600
            ))
            .expect("sealed");
        assert!(k.open_stamped("proof", 1, 7200, &old).is_some());
        assert!(k.open_stamped("proof", 1, 1800, &old).is_none());
    }

    #[test]
    fn files_seal_and_open_and_tampering_is_caught() {
        let k = DataKey::from_hex(&"ab".repeat(32)).expect("a key");
        let plain = b"%PDF-1.4 identity card scan".to_vec();
        let sealed = k.seal_bytes(&plain).expect("sealed");
        assert!(
            !sealed.windows(8).any(|w| w == b"identity"),
            "stored unreadable"
        );
        assert_eq!(k.open_bytes(&sealed).unwrap(), plain);
        let mut bad = sealed.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(k.open_bytes(&bad).is_err());
        let other = DataKey::from_hex(&"cd".repeat(32)).unwrap();
        assert!(other.open_bytes(&sealed).is_err());
        assert!(k.open_bytes(b"short").is_err());
    }

    #[test]
    fn purposes_have_keys_of_their_own() {
        let k = DataKey::from_hex(&"ab".repeat(32)).unwrap();
        let id = k.mac(Purpose::ApplicantId, "530102199001011234");
        assert_eq!(id, k.mac(Purpose::ApplicantId, "530102199001011234"));
        assert_ne!(id, k.mac(Purpose::AuditChain, "530102199001011234"));
        assert_ne!(id, k.legacy_keyed_hash("530102199001011234"));
        let other = DataKey::from_hex(&"cd".repeat(32)).unwrap();
        assert_ne!(id, other.mac(Purpose::ApplicantId, "530102199001011234"));
        assert_ne!(
            k.mac_parts(Purpose::AuditChain, &["ab", "c"]),
            k.mac_parts(Purpose::AuditChain, &["a", "bc"])
        );
    }

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
