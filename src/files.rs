//! Atomic file writes: a new file beside the target, then a rename, so that a
//! crash or a full disk never leaves half a credential or half a host config.
//! Bounded reads: a file we read must be a regular file of bounded size, so that
//! a FIFO, a device or a huge file in its place cannot hang or bloat us.

use std::io::{Read, Write};
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

/// Enough for any file we keep (credentials, accounts, registrations, links).
pub const READ_CAP: u64 = 1024 * 1024;

/// A read that failed or was refused, with the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{} is {kind}, not a regular file", path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("{} is larger than {cap} bytes", path.display())]
    TooLarge { path: PathBuf, cap: u64 },
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl ReadError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }

    /// Refused for what the file is (a FIFO, too large), not for an I/O failure:
    /// a caller treats it as a damaged file.
    pub fn is_refused(&self) -> bool {
        !matches!(self, ReadError::Io { .. })
    }

    /// Why, without the file's name (for a message that names it already).
    pub fn reason(&self) -> String {
        match self {
            ReadError::NotRegular { kind, .. } => format!("it is {kind}, not a regular file"),
            ReadError::TooLarge { cap, .. } => format!("it is larger than {cap} bytes"),
            ReadError::Io { source, .. } => source.to_string(),
        }
    }
}

/// The bytes of `path`, a regular file (or a link to one) of at most `cap`
/// bytes. Opening never blocks (a FIFO is refused, not waited on), and reading
/// stops past the cap whatever the file claims its size is.
pub fn read_bounded(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    let io = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    let file = open_regular(path, &mut options)?;
    let len = file.metadata().map_err(io)?.len();
    if len > cap {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            cap,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(cap + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            cap,
        });
    }
    Ok(bytes)
}

/// [`read_bounded`] as UTF-8 text.
pub fn read_text(path: &Path, cap: u64) -> Result<String, ReadError> {
    let bytes = read_bounded(path, cap)?;
    String::from_utf8(bytes).map_err(|_| ReadError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
    })
}

/// Open (creating it, 0600) a lock file: a regular file, opened without blocking,
/// so that a FIFO in its place cannot stall every call.
pub fn open_lock(path: &Path) -> Result<std::fs::File, ReadError> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    open_regular(path, &mut options)
}

/// Open without blocking, then refuse what is not a regular file.
fn open_regular(
    path: &Path,
    options: &mut std::fs::OpenOptions,
) -> Result<std::fs::File, ReadError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let refused = |kind| ReadError::NotRegular {
        path: path.to_path_buf(),
        kind,
    };
    let file = match options.open(path) {
        Ok(file) => file,
        // A FIFO without a reader refuses a non-blocking open for writing.
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => return Err(refused("a FIFO")),
        Err(source) => {
            return Err(ReadError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let meta = file.metadata().map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if !meta.is_file() {
        return Err(refused(kind_of(&meta.file_type())));
    }
    Ok(file)
}

/// What a file that is not a regular file is, in words.
fn kind_of(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        } else if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        } else if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
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

    fn temp_dir() -> PathBuf {
        let root = std::env::temp_dir().join(format!("files-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&root).unwrap();
        root
    }

    fn mkfifo(path: &Path) {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }

    /// Runs `f` on a thread and fails if it takes more than two seconds: a hang.
    fn quickly<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || tx.send(f()));
        rx.recv_timeout(std::time::Duration::from_secs(2))
            .expect("it hung")
    }

    #[test]
    fn odd_files_are_refused_at_once() {
        let root = temp_dir();
        let fifo = root.join("credentials.json");
        mkfifo(&fifo);
        let (f1, f2) = (fifo.clone(), fifo.clone());
        let e = quickly(move || read_bounded(&f1, READ_CAP)).unwrap_err();
        assert!(e.to_string().contains("a FIFO"), "{e}");
        assert!(e.is_refused());
        let e = quickly(move || open_lock(&f2)).unwrap_err();
        assert!(e.to_string().contains("a FIFO"), "{e}");

        let zero = root.join("accounts.json");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let e = quickly(move || read_bounded(&zero, READ_CAP)).unwrap_err();
        assert!(e.to_string().contains("a device"), "{e}");

        let sparse = root.join("registrations.json");
        std::fs::File::create(&sparse)
            .unwrap()
            .set_len(2 << 30)
            .unwrap();
        let e = quickly(move || read_bounded(&sparse, READ_CAP)).unwrap_err();
        assert!(matches!(e, ReadError::TooLarge { .. }), "{e}");

        let folder = root.join("dir");
        std::fs::create_dir(&folder).unwrap();
        assert!(read_bounded(&folder, READ_CAP).unwrap_err().is_refused());
        assert!(
            read_bounded(&root.join("none"), READ_CAP)
                .unwrap_err()
                .is_not_found()
        );
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn regular_files_and_links_to_them_are_read() {
        let root = temp_dir();
        let path = root.join("a.json");
        std::fs::write(&path, b"{}").unwrap();
        let link = root.join("b.json");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert_eq!(read_bounded(&link, READ_CAP).unwrap(), b"{}");
        assert!(matches!(
            read_bounded(&path, 1),
            Err(ReadError::TooLarge { .. })
        ));
        let lock = open_lock(&root.join(".a.lock")).unwrap();
        assert!(lock.metadata().unwrap().is_file());
        let _ = std::fs::remove_dir_all(root);
    }
}
