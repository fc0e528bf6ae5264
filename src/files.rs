//! Atomic file writes: a new file beside the target, then a rename, so that a
//! crash or a full disk never leaves half a credential or half a host config.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The permissions the written file ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 0600: secrets and sign-in state.
    Private,
    /// Those of the file it replaces (the default for a new one): another
    /// program's configuration keeps what its owner chose.
    KeepTarget,
}

/// A write that failed, with the file or folder it failed on.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Write `bytes` to `path` atomically, creating its folder (0700) if missing.
pub fn write_atomically(path: &Path, bytes: &[u8], mode: Mode) -> Result<(), WriteError> {
    let failed = |path: &Path, source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().ok_or_else(|| {
        failed(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "no parent folder"),
        )
    })?;
    create_private_dir(dir).map_err(|e| failed(dir, e))?;
    let tmp = dir.join(format!(
        ".{}.{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id(),
        fastrand::u32(..)
    ));
    let result = write_then_rename(&tmp, path, bytes, mode);
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| failed(path, e))
}

fn write_then_rename(tmp: &Path, path: &Path, bytes: &[u8], mode: Mode) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if mode == Mode::Private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    if mode == Mode::KeepTarget
        && let Ok(meta) = std::fs::metadata(path)
    {
        std::fs::set_permissions(tmp, meta.permissions())?;
    }
    std::fs::rename(tmp, path)
}

/// Create a folder (and parents) readable only by the user; an existing folder
/// is left as it is.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode_of(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn private_files_are_0600_in_a_0700_folder_and_leave_no_temp() {
        let root = std::env::temp_dir().join(format!("files-{}", fastrand::u64(..)));
        let path = root.join("a").join("secret.json");
        write_atomically(&path, b"one", Mode::Private).unwrap();
        write_atomically(&path, b"two", Mode::Private).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(mode_of(&path), 0o600);
        assert_eq!(mode_of(path.parent().unwrap()), 0o700);
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn a_replaced_config_keeps_its_owners_permissions() {
        let root = std::env::temp_dir().join(format!("files-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&root).unwrap();
        let path = root.join("mcp.json");
        std::fs::write(&path, b"{}").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomically(&path, b"{\"a\":1}", Mode::KeepTarget).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{\"a\":1}");
        assert_eq!(mode_of(&path), 0o640);
        let _ = std::fs::remove_dir_all(root);
    }
}
