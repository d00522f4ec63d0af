//! Configuration: defaults, then a TOML file, then `SUNSHINE_*` environment variables, then
//! command-line flags. Validated once at start-up with messages that say what to fix.

use anyhow::{bail, Context};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// A PostgreSQL read replica for what may lag a moment: public pages and API answers, and
    /// the change log that invalidates them (read from the same replica, so a page is never
    /// made from an older state than the change that dropped it). Empty: everything on
    /// `database_url`.
    pub database_read_url: String,
    /// Where attachment bytes live: the data directory, or S3-compatible object storage.
    pub storage: Storage,
    /// Largest accepted attachment, in bytes.
    pub max_upload_bytes: u64,
    /// Staff sessions end after this many minutes without a request.
    pub session_idle_minutes: i64,
    /// Send the session cookie only over HTTPS. Browsers treat http://localhost as secure.
    pub cookie_secure: bool,
    /// How often batched click counts are written.
    pub click_flush_seconds: u64,
    /// Memory for rendered public pages and API answers, in MB (0: no page cache).
    pub page_cache_mb: u64,
    /// A cached page is made again after this many seconds even if nothing changed (so the
    /// 点击 figures of other nodes and a scheduled mourning period show).
    pub page_cache_seconds: u64,
    /// Failed logins (per account) within the window before further attempts are refused.
    pub login_max_failures: i64,
    pub login_window_minutes: i64,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_forwarded_for: bool,
    /// Reverse proxies (addresses or CIDR ranges) whose entries in `X-Forwarded-For` are skipped:
    /// the client is the right-most address that is not one of them.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Staff sessions end this many hours after sign-in, however active.
    pub session_max_hours: i64,
    /// API tokens are valid this many days unless `token create --days` says otherwise.
    pub token_days: i64,
    /// A client must send a request's headers within this many seconds (also the most an idle
    /// keep-alive connection waits for its next request).
    pub header_timeout_seconds: u64,
    /// A request body must arrive whole within this many seconds.
    pub body_timeout_seconds: u64,
    /// Connections served at once; more wait in the listen queue.
    pub max_connections: usize,
    pub log_json: bool,
    /// Key for personal data at rest (64 hex digits); generated into the data dir when absent.
    pub data_key: Option<String>,
    /// Public applications accepted per address per hour.
    pub intake_per_hour: i64,
    /// The portal's public address (`https://gk.example.gov.cn`), for the links that leave the
    /// site: the sitemap, robots.txt. Empty: `http://` and the bind address.
    pub public_url: String,
    /// How often scheduled publications and lapsed applications are processed.
    pub scheduler_seconds: u64,
}

/// The file form: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    database_read_url: Option<String>,
    s3_bucket: Option<String>,
    s3_endpoint: Option<String>,
    s3_region: Option<String>,
    s3_prefix: Option<String>,
    s3_access_key_id: Option<String>,
    s3_secret_access_key: Option<String>,
    max_upload_mb: Option<u64>,
    session_idle_minutes: Option<i64>,
    cookie_secure: Option<bool>,
    click_flush_seconds: Option<u64>,
    page_cache_mb: Option<u64>,
    page_cache_seconds: Option<u64>,
    login_max_failures: Option<i64>,
    login_window_minutes: Option<i64>,
    trust_forwarded_for: Option<bool>,
    trusted_proxies: Option<Vec<String>>,
    log_format: Option<String>,
    intake_per_hour: Option<i64>,
    public_url: Option<String>,
    scheduler_seconds: Option<i64>,
    session_max_hours: Option<i64>,
    token_days: Option<i64>,
    header_timeout_seconds: Option<i64>,
    body_timeout_seconds: Option<i64>,
    max_connections: Option<i64>,
}

/// What the command line said; `None` leaves the value to file, environment or default.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
}

impl Config {
    pub fn defaults(data_dir: &Path) -> Config {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: data_dir.to_owned(),
            database_url: sqlite_url(data_dir),
            database_read_url: String::new(),
            storage: Storage::Local,
            max_upload_bytes: 20 * 1024 * 1024,
            session_idle_minutes: 30,
            cookie_secure: true,
            click_flush_seconds: 10,
            page_cache_mb: 64,
            page_cache_seconds: 60,
            login_max_failures: 5,
            login_window_minutes: 15,
            trust_forwarded_for: false,
            trusted_proxies: Vec::new(),
            session_max_hours: 12,
            token_days: 90,
            header_timeout_seconds: 10,
            body_timeout_seconds: 120,
            max_connections: 1024,
            log_json: false,
            data_key: None,
            intake_per_hour: 5,
            public_url: String::new(),
            scheduler_seconds: 30,
        }
    }

    /// Builds the configuration from all sources; `env` is passed in so tests control it.
    pub fn load(o: &Overrides, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
        let file_path = o
            .config_file
            .clone()
            .or_else(|| env("SUNSHINE_CONFIG").map(PathBuf::from));
        let file: FileConfig = match &file_path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("无法读取配置文件 {}", p.display()))?;
                toml::from_str(&text).with_context(|| format!("配置文件 {} 有误", p.display()))?
            }
            None => FileConfig::default(),
        };
        let data_dir = o
            .data_dir
            .clone()
            .or_else(|| env("SUNSHINE_DATA_DIR").map(PathBuf::from))
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("./data"));
        let data_dir = absolute(&data_dir)?;
        let mut c = Config::defaults(&data_dir);
        let pick = |flag: &Option<String>, var: &str, file: Option<String>| {
            flag.clone().or_else(|| env(var)).or(file)
        };
        if let Some(b) = pick(&o.bind, "SUNSHINE_BIND", file.bind) {
            c.bind = b
                .parse()
                .with_context(|| format!("监听地址“{b}”无效，应为 IP:端口，例如 127.0.0.1:8080"))?;
        }
        if let Some(u) = pick(&o.database_url, "SUNSHINE_DATABASE_URL", file.database_url) {
            crate::db::backend_of(&u)?;
            c.database_url = u;
        }
        if let Some(u) = env("SUNSHINE_DATABASE_READ_URL").or(file.database_read_url) {
            let u = u.trim().to_owned();
            if !u.is_empty()
                && (crate::db::backend_of(&u)? != crate::db::Backend::Postgres
                    || crate::db::backend_of(&c.database_url)? != crate::db::Backend::Postgres)
            {
                bail!(
                    "database_read_url（只读副本）只用于 PostgreSQL：database_url 和 database_read_url 都应为 postgres:// 地址"
                );
            }
            c.database_read_url = u;
        }
        let s3 = S3Keys {
            bucket: env("SUNSHINE_S3_BUCKET").or(file.s3_bucket),
            endpoint: env("SUNSHINE_S3_ENDPOINT").or(file.s3_endpoint),
            region: env("SUNSHINE_S3_REGION").or(file.s3_region),
            prefix: env("SUNSHINE_S3_PREFIX").or(file.s3_prefix),
            access_key_id: env("SUNSHINE_S3_ACCESS_KEY_ID").or(file.s3_access_key_id),
            secret_access_key: env("SUNSHINE_S3_SECRET_ACCESS_KEY").or(file.s3_secret_access_key),
        };
        c.storage = storage(s3)?;
        let num = |var: &str, file: Option<i64>| -> anyhow::Result<Option<i64>> {
            match env(var) {
                Some(v) => {
                    Ok(Some(v.trim().parse().with_context(|| {
                        format!("环境变量 {var} 应为整数，现为“{v}”")
                    })?))
                }
                None => Ok(file),
            }
        };
        let flag = |var: &str, file: Option<bool>| -> anyhow::Result<Option<bool>> {
            match env(var).as_deref() {
                Some("1" | "true" | "yes") => Ok(Some(true)),
                Some("0" | "false" | "no") => Ok(Some(false)),
                Some(v) => bail!("环境变量 {var} 应为 true 或 false，现为“{v}”"),
                None => Ok(file),
            }
        };
        if let Some(mb) = num(
            "SUNSHINE_MAX_UPLOAD_MB",
            file.max_upload_mb.map(|v| v as i64),
        )? {
            if !(1..=1024).contains(&mb) {
                bail!("max_upload_mb 应在 1 到 1024 之间，现为 {mb}");
            }
            c.max_upload_bytes = mb as u64 * 1024 * 1024;
        }
        if let Some(m) = num("SUNSHINE_SESSION_IDLE_MINUTES", file.session_idle_minutes)? {
            if !(1..=24 * 60).contains(&m) {
                bail!("session_idle_minutes 应在 1 到 1440 之间，现为 {m}");
            }
            c.session_idle_minutes = m;
        }
        if let Some(s) = num(
            "SUNSHINE_CLICK_FLUSH_SECONDS",
            file.click_flush_seconds.map(|v| v as i64),
        )? {
            if !(1..=3600).contains(&s) {
                bail!("click_flush_seconds 应在 1 到 3600 之间，现为 {s}");
            }
            c.click_flush_seconds = s as u64;
        }
        if let Some(m) = num(
            "SUNSHINE_PAGE_CACHE_MB",
            file.page_cache_mb.map(|v| v as i64),
        )? {
            if !(0..=16_384).contains(&m) {
                bail!("page_cache_mb 应在 0 到 16384 之间（0 为不缓存页面），现为 {m}");
            }
            c.page_cache_mb = m as u64;
        }
        if let Some(s) = num(
            "SUNSHINE_PAGE_CACHE_SECONDS",
            file.page_cache_seconds.map(|v| v as i64),
        )? {
            if !(1..=86_400).contains(&s) {
                bail!("page_cache_seconds 应在 1 到 86400 之间，现为 {s}");
            }
            c.page_cache_seconds = s as u64;
        }
        if let Some(n) = num("SUNSHINE_LOGIN_MAX_FAILURES", file.login_max_failures)? {
            if !(1..=100).contains(&n) {
                bail!("login_max_failures 应在 1 到 100 之间，现为 {n}");
            }
            c.login_max_failures = n;
        }
        if let Some(n) = num("SUNSHINE_LOGIN_WINDOW_MINUTES", file.login_window_minutes)? {
            if !(1..=24 * 60).contains(&n) {
                bail!("login_window_minutes 应在 1 到 1440 之间，现为 {n}");
            }
            c.login_window_minutes = n;
        }
        if let Some(v) = flag("SUNSHINE_COOKIE_SECURE", file.cookie_secure)? {
            c.cookie_secure = v;
        }
        if let Some(v) = flag("SUNSHINE_TRUST_FORWARDED_FOR", file.trust_forwarded_for)? {
            c.trust_forwarded_for = v;
        }
        if let Some(k) = env("SUNSHINE_DATA_KEY") {
            crate::crypto::DataKey::from_hex(&k)?;
            c.data_key = Some(k);
        }
        if let Some(u) = env("SUNSHINE_PUBLIC_URL").or(file.public_url) {
            c.public_url = public_url(&u)?;
        }
        if let Some(n) = num("SUNSHINE_INTAKE_PER_HOUR", file.intake_per_hour)? {
            if !(1..=10_000).contains(&n) {
                bail!("intake_per_hour 应在 1 到 10000 之间，现为 {n}");
            }
            c.intake_per_hour = n;
        }
        let ranged =
            |var: &str, key: &str, file: Option<i64>, lo: i64, hi: i64| match num(var, file)? {
                Some(n) if !(lo..=hi).contains(&n) => {
                    bail!("{key} 应在 {lo} 到 {hi} 之间，现为 {n}")
                }
                other => Ok(other),
            };
        if let Some(n) = ranged(
            "SUNSHINE_SCHEDULER_SECONDS",
            "scheduler_seconds",
            file.scheduler_seconds,
            1,
            3600,
        )? {
            c.scheduler_seconds = n as u64;
        }
        if let Some(n) = ranged(
            "SUNSHINE_SESSION_MAX_HOURS",
            "session_max_hours",
            file.session_max_hours,
            1,
            24 * 7,
        )? {
            c.session_max_hours = n;
        }
        if let Some(n) = ranged(
            "SUNSHINE_TOKEN_DAYS",
            "token_days",
            file.token_days,
            1,
            3660,
        )? {
            c.token_days = n;
        }
        if let Some(n) = ranged(
            "SUNSHINE_HEADER_TIMEOUT_SECONDS",
            "header_timeout_seconds",
            file.header_timeout_seconds,
            1,
            600,
        )? {
            c.header_timeout_seconds = n as u64;
        }
        if let Some(n) = ranged(
            "SUNSHINE_BODY_TIMEOUT_SECONDS",
            "body_timeout_seconds",
            file.body_timeout_seconds,
            1,
            3600,
        )? {
            c.body_timeout_seconds = n as u64;
        }
        if let Some(n) = ranged(
            "SUNSHINE_MAX_CONNECTIONS",
            "max_connections",
            file.max_connections,
            1,
            100_000,
        )? {
            c.max_connections = n as usize;
        }
        let proxies: Option<Vec<String>> = match env("SUNSHINE_TRUSTED_PROXIES") {
            Some(v) => Some(
                v.split([',', ' '])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
            None => file.trusted_proxies,
        };
        if let Some(list) = proxies {
            c.trusted_proxies = list
                .iter()
                .map(|p| parse_proxy(p))
                .collect::<anyhow::Result<_>>()?;
        }
        match env("SUNSHINE_LOG_FORMAT").or(file.log_format).as_deref() {
            None | Some("text") => {}
            Some("json") => c.log_json = true,
            Some(v) => bail!("log_format 应为 text 或 json，现为“{v}”"),
        }
        Ok(c)
    }
}

/// Where attachments are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// `attachments/` in the data directory: one node only.
    Local,
    /// An S3-compatible bucket shared by every node.
    S3(S3Storage),
}

#[derive(Clone, PartialEq, Eq)]
pub struct S3Storage {
    pub bucket: String,
    /// `http(s)://host:port` of an S3-compatible server (MinIO, Ceph, a cloud's OSS); empty
    /// for AWS itself.
    pub endpoint: String,
    pub region: String,
    /// Keys are stored under this prefix (`sunshine/`), so one bucket can hold several sites.
    pub prefix: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// Never prints the secret (the configuration may be logged when debugging).
impl std::fmt::Debug for S3Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Storage")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("prefix", &self.prefix)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"…")
            .finish()
    }
}

struct S3Keys {
    bucket: Option<String>,
    endpoint: Option<String>,
    region: Option<String>,
    prefix: Option<String>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
}

fn storage(k: S3Keys) -> anyhow::Result<Storage> {
    let clean = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let Some(bucket) = clean(k.bucket) else {
        if k.endpoint.is_some() || k.access_key_id.is_some() || k.secret_access_key.is_some() {
            bail!("设置了对象存储的地址或密钥，却没有设置 s3_bucket（桶名）：请补上桶名，或删去其余 s3_ 设置以把附件存在数据目录");
        }
        return Ok(Storage::Local);
    };
    if bucket.len() < 3
        || bucket.len() > 63
        || !bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        bail!("s3_bucket“{bucket}”不是有效的桶名：应为 3 到 63 个小写字母、数字、连字符或点");
    }
    let endpoint = clean(k.endpoint).unwrap_or_default();
    if !endpoint.is_empty() {
        let ok = url::Url::parse(&endpoint)
            .map(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .unwrap_or(false);
        if !ok {
            bail!("s3_endpoint“{endpoint}”无效：应为对象存储服务的地址，如 https://oss.example.gov.cn 或 http://10.0.0.8:9000");
        }
    }
    let (Some(access_key_id), Some(secret_access_key)) =
        (clean(k.access_key_id), clean(k.secret_access_key))
    else {
        bail!("使用对象存储需要访问密钥：请设置 SUNSHINE_S3_ACCESS_KEY_ID 和 SUNSHINE_S3_SECRET_ACCESS_KEY");
    };
    let prefix = clean(k.prefix).unwrap_or_default();
    if prefix.split('/').any(|p| p == "..") || prefix.starts_with('/') {
        bail!("s3_prefix“{prefix}”无效：应为桶内的相对路径，如 sunshine 或 province/sunshine");
    }
    Ok(Storage::S3(S3Storage {
        bucket,
        endpoint,
        region: clean(k.region).unwrap_or_else(|| "us-east-1".into()),
        prefix: prefix.trim_end_matches('/').to_owned(),
        access_key_id,
        secret_access_key,
    }))
}

/// A trusted proxy: an address (`10.0.0.5`) or a range (`10.0.0.0/8`, `fd00::/8`).
fn parse_proxy(p: &str) -> anyhow::Result<ipnet::IpNet> {
    if let Ok(net) = p.parse::<ipnet::IpNet>() {
        return Ok(net);
    }
    p.parse::<std::net::IpAddr>()
        .map(ipnet::IpNet::from)
        .with_context(|| {
            format!("trusted_proxies 中的“{p}”不是 IP 地址或网段，例如 10.0.0.5 或 10.0.0.0/8")
        })
}

fn absolute(p: &Path) -> anyhow::Result<PathBuf> {
    if p.is_absolute() {
        Ok(p.to_owned())
    } else {
        Ok(std::env::current_dir().context("无法确定当前目录")?.join(p))
    }
}

/// The default database: `sunshine.db` in the data directory.
pub fn sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join("sunshine.db").display())
}

/// A public address: `http` or `https`, a host, no path, query or fragment; kept without a
/// trailing slash.
fn public_url(raw: &str) -> anyhow::Result<String> {
    let u = raw.trim();
    let bad = || {
        anyhow::anyhow!(
            "public_url“{u}”无效：应为网站的公网地址，如 https://gk.example.gov.cn（只含协议和域名，可带端口）"
        )
    };
    let parsed = url::Url::parse(u).map_err(|_| bad())?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host_str().is_none()
        || parsed.path() != "/"
        || parsed.query().is_some()
        || parsed.fragment().is_some()
        || !parsed.username().is_empty()
        || parsed.password().is_some()
    {
        return Err(bad());
    }
    // The parsed form: what the parser understood, not the text as typed.
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

impl Config {
    /// Where the portal is reached from outside, without a trailing slash.
    pub fn base_url(&self) -> String {
        if self.public_url.is_empty() {
            format!("http://{}", self.bind)
        } else {
            self.public_url.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)], o: Overrides) -> anyhow::Result<Config> {
        let m: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::load(&o, &|k| m.get(k).cloned())
    }

    #[test]
    fn defaults_are_local_sqlite() {
        let c = load(
            &[],
            Overrides {
                data_dir: Some("/tmp/x".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_url, "sqlite:///tmp/x/sunshine.db");
    }

    #[test]
    fn page_cache_settings_are_checked() {
        let c = load(&[], Overrides::default()).expect("defaults");
        assert_eq!((c.page_cache_mb, c.page_cache_seconds), (64, 60));
        let c = load(&[("SUNSHINE_PAGE_CACHE_MB", "0")], Overrides::default()).expect("off");
        assert_eq!(c.page_cache_mb, 0);
        for (k, v, named) in [
            ("SUNSHINE_PAGE_CACHE_MB", "-1", "page_cache_mb"),
            ("SUNSHINE_PAGE_CACHE_MB", "20000", "page_cache_mb"),
            ("SUNSHINE_PAGE_CACHE_MB", "lots", "SUNSHINE_PAGE_CACHE_MB"),
            ("SUNSHINE_PAGE_CACHE_SECONDS", "0", "page_cache_seconds"),
            ("SUNSHINE_PAGE_CACHE_SECONDS", "86401", "page_cache_seconds"),
        ] {
            let e = load(&[(k, v)], Overrides::default())
                .expect_err("refused")
                .to_string();
            assert!(e.contains(named), "{k}={v}: {e}");
        }
    }

    #[test]
    fn object_storage_settings_are_checked_and_the_secret_never_printed() {
        let c = load(&[], Overrides::default()).expect("defaults");
        assert_eq!(c.storage, Storage::Local);
        let good = [
            ("SUNSHINE_S3_BUCKET", "sunshine-files"),
            ("SUNSHINE_S3_ENDPOINT", "http://10.0.0.8:9000"),
            ("SUNSHINE_S3_ACCESS_KEY_ID", "AKID"),
            ("SUNSHINE_S3_SECRET_ACCESS_KEY", "very-secret-key"),
            ("SUNSHINE_S3_PREFIX", "province/"),
        ];
        let c = load(&good, Overrides::default()).expect("s3");
        let Storage::S3(s3) = &c.storage else {
            panic!("{:?}", c.storage)
        };
        assert_eq!(
            (s3.bucket.as_str(), s3.region.as_str(), s3.prefix.as_str()),
            ("sunshine-files", "us-east-1", "province")
        );
        assert!(!format!("{c:?}").contains("very-secret-key"));
        for (k, v, named) in [
            ("SUNSHINE_S3_BUCKET", "Bad_Bucket", "s3_bucket"),
            ("SUNSHINE_S3_ENDPOINT", "10.0.0.8:9000", "s3_endpoint"),
            (
                "SUNSHINE_S3_SECRET_ACCESS_KEY",
                " ",
                "SUNSHINE_S3_SECRET_ACCESS_KEY",
            ),
            ("SUNSHINE_S3_PREFIX", "../other", "s3_prefix"),
        ] {
            let mut vars = good.to_vec();
            vars.retain(|(g, _)| *g != k);
            vars.push((k, v));
            let e = load(&vars, Overrides::default())
                .expect_err("refused")
                .to_string();
            assert!(e.contains(named), "{k}={v}: {e}");
        }
        let e = load(&good[1..], Overrides::default())
            .expect_err("no bucket")
            .to_string();
        assert!(e.contains("s3_bucket"), "{e}");
        // A read replica only with PostgreSQL.
        let e = load(
            &[("SUNSHINE_DATABASE_READ_URL", "postgres://r/x")],
            Overrides::default(),
        )
        .expect_err("sqlite has no replica")
        .to_string();
        assert!(e.contains("database_read_url"), "{e}");
        let c = load(
            &[
                ("SUNSHINE_DATABASE_URL", "postgres://p/x"),
                ("SUNSHINE_DATABASE_READ_URL", "postgres://r/x"),
            ],
            Overrides::default(),
        )
        .expect("replica");
        assert_eq!(c.database_read_url, "postgres://r/x");
    }

    #[test]
    fn flags_beat_environment() {
        let c = load(
            &[
                ("SUNSHINE_BIND", "0.0.0.0:9000"),
                ("SUNSHINE_DATABASE_URL", "postgres://a@b/c"),
            ],
            Overrides {
                bind: Some("127.0.0.1:9001".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(c.bind.port(), 9001);
        assert_eq!(c.database_url, "postgres://a@b/c");
    }

    #[test]
    fn the_public_address_is_kept_without_its_slash() {
        assert_eq!(
            public_url(" https://gk.example.gov.cn/ ").unwrap(),
            "https://gk.example.gov.cn"
        );
        assert_eq!(
            public_url("http://10.0.0.5:8080").unwrap(),
            "http://10.0.0.5:8080"
        );
        assert_eq!(
            public_url("https:gk.example.gov.cn").unwrap(),
            "https://gk.example.gov.cn"
        );
        assert_eq!(
            public_url("https://GK.example.gov.cn:443/.").unwrap(),
            "https://gk.example.gov.cn"
        );
        for bad in [
            "",
            "https://",
            "https://gk.example.gov.cn/?a=1",
            "https://u:p@gk.example.gov.cn",
            "https://:secret@gk.example.gov.cn",
        ] {
            assert!(public_url(bad).is_err(), "{bad}");
        }
        let mut c = Config::defaults(std::path::Path::new("/tmp/x"));
        assert_eq!(c.base_url(), format!("http://{}", c.bind));
        c.public_url = "https://gk.example.gov.cn".into();
        assert_eq!(c.base_url(), "https://gk.example.gov.cn");
    }

    #[test]
    fn bad_values_are_named() {
        for (var, val, hint) in [
            ("SUNSHINE_BIND", "localhost", "监听地址"),
            ("SUNSHINE_DATABASE_URL", "mysql://x", "数据库地址"),
            ("SUNSHINE_MAX_UPLOAD_MB", "0", "max_upload_mb"),
            (
                "SUNSHINE_SESSION_IDLE_MINUTES",
                "abc",
                "SUNSHINE_SESSION_IDLE_MINUTES",
            ),
            ("SUNSHINE_COOKIE_SECURE", "maybe", "SUNSHINE_COOKIE_SECURE"),
            ("SUNSHINE_LOG_FORMAT", "xml", "log_format"),
            ("SUNSHINE_SCHEDULER_SECONDS", "0", "scheduler_seconds"),
            ("SUNSHINE_PUBLIC_URL", "gk.example.gov.cn", "public_url"),
            (
                "SUNSHINE_PUBLIC_URL",
                "https://gk.example.gov.cn/portal",
                "public_url",
            ),
            (
                "SUNSHINE_PUBLIC_URL",
                "ftp://gk.example.gov.cn",
                "public_url",
            ),
            ("SUNSHINE_TRUSTED_PROXIES", "10.0.0.0/33", "trusted_proxies"),
            (
                "SUNSHINE_BODY_TIMEOUT_SECONDS",
                "-1",
                "body_timeout_seconds",
            ),
        ] {
            let e = format!(
                "{:#}",
                load(&[(var, val)], Overrides::default()).unwrap_err()
            );
            assert!(e.contains(hint), "{var}={val}: {e}");
        }
    }

    #[test]
    fn scheduler_period_and_proxies_are_settings() {
        let c = load(
            &[
                ("SUNSHINE_SCHEDULER_SECONDS", "5"),
                ("SUNSHINE_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.7"),
            ],
            Overrides::default(),
        )
        .unwrap();
        assert_eq!(c.scheduler_seconds, 5);
        assert_eq!(c.trusted_proxies.len(), 2);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(
            &p,
            "scheduler_seconds = 7\ntrusted_proxies = [\"127.0.0.1\"]\n",
        )
        .unwrap();
        let c = load(
            &[],
            Overrides {
                config_file: Some(p),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(c.scheduler_seconds, 7);
        assert_eq!(c.trusted_proxies[0].to_string(), "127.0.0.1/32");
    }

    #[test]
    fn file_with_unknown_key_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "bindd = \"x\"\n").unwrap();
        let e = format!(
            "{:#}",
            load(
                &[],
                Overrides {
                    config_file: Some(p),
                    ..Default::default()
                }
            )
            .unwrap_err()
        );
        assert!(e.contains("配置文件"), "{e}");
    }
}
