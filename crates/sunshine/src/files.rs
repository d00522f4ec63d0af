//! Files the deployment keeps on disk: the data directory, the SQLite database and the key file
//! are readable by the service's own user only.

use std::path::Path;

/// Creates `dir` (and its parents) readable by its owner only; an existing one loses any access
/// for others (group access an administrator gave, for backups say, is left alone).
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
        let mode = std::fs::metadata(dir)?.permissions().mode();
        if mode & 0o007 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & !0o007))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// The SQLite database file and its journal files: owner only.
pub fn restrict_database(url: &str) {
    let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return;
    };
    let path = path.split('?').next().unwrap_or("");
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{path}{suffix}");
        let _ = owner_only(Path::new(&p));
    }
}

/// Makes an existing file readable and writable by its owner only.
pub fn owner_only(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    let _ = path;
    Ok(())
}

/// Writes a new secret file atomically and owner-only from its first byte: written under a
/// temporary name created 0600, then linked into place. If another process created the file
/// first, its content wins and is returned.
pub fn create_secret(path: &Path, content: &str) -> std::io::Result<String> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.{}.{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("secret"),
        std::process::id(),
        crate::auth::random_hex(8)
    ));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let _ = std::fs::remove_file(&tmp);
    let mut f = opts.open(&tmp)?;
    f.write_all(content.as_bytes())?;
    f.sync_all()?;
    drop(f);
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(content.to_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read_to_string(path),
        Err(e) => Err(e),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn secrets_and_directories_are_owner_only() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("data");
        private_dir(&dir).unwrap();
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let key = dir.join("data.key");
        assert_eq!(create_secret(&key, "first").unwrap(), "first");
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            create_secret(&key, "second").unwrap(),
            "first",
            "the first one stays"
        );
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&dir).unwrap();
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o007,
            0
        );
    }
}
