//! Lock files that let processes take turns: refreshing a profile's token,
//! signing it in, updating a shared file. A lock is held until its file is
//! dropped, and the OS releases it when the process dies, so a killed copy
//! blocks nobody.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Why a lock could not be had, naming the file or folder it concerns.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("cannot create {}: {source}", dir.display())]
    Folder {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open {}: {reason}", path.display())]
    Open { path: PathBuf, reason: String },
    #[error("cannot lock {}: {source}", path.display())]
    Lock {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Another process kept it for the whole wait.
    #[error("another digiusher-mcp process has held {} for {} s", path.display(), waited.as_secs())]
    Busy { path: PathBuf, waited: Duration },
}

/// How often an async waiter looks again: the holder is a network round trip.
const ASYNC_POLL: Duration = Duration::from_millis(25);
/// How often a blocking waiter looks again: the holder only rewrites a small file.
const BLOCKING_POLL: Duration = Duration::from_millis(5);

/// The lock at `path` (its folder created private), or `None` while another
/// process holds it.
pub fn try_lock(path: &Path) -> Result<Option<File>, LockError> {
    let file = open(path)?;
    Ok(take(&file, path)?.then_some(file))
}

/// The lock at `path`, waiting up to `wait` for another process to let go.
pub async fn lock(path: &Path, wait: Duration) -> Result<File, LockError> {
    let file = open(path)?;
    let started = Instant::now();
    while !take(&file, path)? {
        give_up_after(path, started, wait)?;
        tokio::time::sleep(ASYNC_POLL).await;
    }
    Ok(file)
}

/// [`lock`] for blocking code (it sleeps the thread between tries).
pub fn lock_blocking(path: &Path, wait: Duration) -> Result<File, LockError> {
    let file = open(path)?;
    let started = Instant::now();
    while !take(&file, path)? {
        give_up_after(path, started, wait)?;
        std::thread::sleep(BLOCKING_POLL);
    }
    Ok(file)
}

fn open(path: &Path) -> Result<File, LockError> {
    if let Some(dir) = path.parent() {
        crate::files::create_private_dir(dir).map_err(|source| LockError::Folder {
            dir: dir.to_path_buf(),
            source,
        })?;
    }
    crate::files::open_lock(path).map_err(|e| LockError::Open {
        path: path.to_path_buf(),
        reason: e.reason(),
    })
}

/// Whether `file` is now locked by us; `false` while another process holds it.
fn take(file: &File, path: &Path) -> Result<bool, LockError> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(TryLockError::WouldBlock) => Ok(false),
        Err(TryLockError::Error(source)) => Err(LockError::Lock {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn give_up_after(path: &Path, started: Instant, wait: Duration) -> Result<(), LockError> {
    if started.elapsed() < wait {
        Ok(())
    } else {
        Err(LockError::Busy {
            path: path.to_path_buf(),
            waited: wait,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_lock(name: &str) -> PathBuf {
        std::env::temp_dir()
            .join(format!(
                "digiusher-mcp-lock-{}-{:016x}",
                std::process::id(),
                fastrand::u64(..)
            ))
            .join(format!("{name}.lock"))
    }

    #[test]
    fn a_held_lock_is_refused_until_dropped() {
        let path = temp_lock("try");
        let held = try_lock(&path).unwrap().expect("free at first");
        assert!(try_lock(&path).unwrap().is_none());
        drop(held);
        assert!(try_lock(&path).unwrap().is_some());
    }

    #[test]
    fn a_waiter_gives_up_naming_the_file_and_the_wait() {
        let path = temp_lock("busy");
        let _held = try_lock(&path).unwrap().unwrap();
        let err = lock_blocking(&path, Duration::from_millis(30)).unwrap_err();
        assert!(matches!(err, LockError::Busy { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            format!(
                "another digiusher-mcp process has held {} for 0 s",
                path.display()
            )
        );
    }

    #[tokio::test]
    async fn a_waiter_gets_the_lock_once_it_is_let_go() {
        let path = temp_lock("wait");
        let held = try_lock(&path).unwrap().unwrap();
        let release = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            drop(held);
        });
        lock(&path, Duration::from_secs(10)).await.unwrap();
        release.await.unwrap();
    }
}
