//! Writing files for people to use (`bootstrap --out`, `rotate --out`, `plan --fix-out`, the
//! testkit's install files): all or nothing, never through a link, keys private from creation.
//!
//! Each file is written under a fresh name in its own directory (created with `O_EXCL`, so an
//! existing name or link is never opened; mode 0600 for keys from the first byte), then every
//! file is renamed into place once all were written. A rename replaces a directory entry, never
//! what a link there points to, so a planted `issuer.key -> /somewhere` link is replaced, not
//! followed, and a descriptor opened on an old file keeps reading the old bytes. An existing
//! file or link is refused unless `replace` is set; a directory on the way that is a link is
//! always refused.

use std::fmt;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// One file to write.
#[non_exhaustive]
pub struct NewFile {
    /// Where, relative to the directory written to.
    pub path: PathBuf,
    /// What (zeroized when dropped: it may be a key).
    pub contents: Zeroizing<Vec<u8>>,
    /// A private key: mode 0600 from creation.
    pub secret: bool,
}

impl fmt::Debug for NewFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewFile")
            .field("path", &self.path)
            .field("bytes", &self.contents.len())
            .field("secret", &self.secret)
            .finish()
    }
}

impl NewFile {
    /// A public file (mode 0644).
    pub fn public(path: impl Into<PathBuf>, contents: impl AsRef<[u8]>) -> Self {
        Self {
            path: path.into(),
            contents: Zeroizing::new(contents.as_ref().to_vec()),
            secret: false,
        }
    }

    /// A private key file (mode 0600 from creation).
    pub fn secret(path: impl Into<PathBuf>, contents: impl AsRef<[u8]>) -> Self {
        Self {
            secret: true,
            ..Self::public(path, contents)
        }
    }
}

/// Why nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The file exists (pass `replace` / `--force` to replace it).
    #[error("{}: exists (--force replaces it)", crate::display::visible(&.0.display().to_string()))]
    Exists(PathBuf),
    /// A directory on the way is a symbolic link: nothing is written through it.
    #[error("{}: a symbolic link, not a directory: nothing is written through it", crate::display::visible(&.0.display().to_string()))]
    LinkedDirectory(PathBuf),
    /// The same path twice in one set.
    #[error("{}: named twice", crate::display::visible(&.0.display().to_string()))]
    Twice(PathBuf),
    /// The operating system refused.
    #[error("{}: {message}", crate::display::visible(&.path.display().to_string()))]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's message.
        message: String,
    },
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> WriteError + '_ {
    move |e| WriteError::Io {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

/// Creates `rel`'s directories under `dir`, refusing any that is a symbolic link.
fn make_dirs(dir: &Path, rel: &Path) -> Result<(), WriteError> {
    let mut at = dir.to_path_buf();
    for part in rel.components() {
        at.push(part);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => return Err(WriteError::LinkedDirectory(at)),
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(WriteError::Io {
                    path: at,
                    message: "not a directory".into(),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir(&at).map_err(io(&at))?;
            }
            Err(e) => return Err(io(&at)(e)),
        }
    }
    Ok(())
}

/// Writes every file of `files` under `dir`, or none: see the module docs. Each file's path
/// is relative to `dir` (plain names only: no `..`, no root); `dir` itself is created as
/// named (it is the caller's choice, links included), directories below it never through a
/// link. `replace` replaces existing files (by rename: a link there is replaced, not
/// followed).
///
/// ```
/// use certcycle::{NewFile, WriteError, write_new_files};
/// let dir = std::env::temp_dir().join(format!("certcycle-doc-{}", std::process::id()));
/// let files = [NewFile::public("ca.crt", "PEM"), NewFile::secret("keys/ca.key", "KEY")];
/// write_new_files(&dir, &files, false)?;
/// assert!(matches!(write_new_files(&dir, &files, false), Err(WriteError::Exists(_))));
/// write_new_files(&dir, &files, true)?;
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), WriteError>(())
/// ```
///
/// # Errors
/// [`WriteError`]; nothing is left behind but the directories made.
pub fn write_new_files(dir: &Path, files: &[NewFile], replace: bool) -> Result<(), WriteError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut seen = std::collections::BTreeSet::new();
    let mut targets = Vec::with_capacity(files.len());
    for f in files {
        let plain = f
            .path
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !plain || f.path.as_os_str().is_empty() {
            return Err(WriteError::Io {
                path: f.path.clone(),
                message: "not a plain relative path".into(),
            });
        }
        if !seen.insert(f.path.clone()) {
            return Err(WriteError::Twice(f.path.clone()));
        }
        if let Some(parent) = f.path.parent() {
            make_dirs(dir, parent)?;
        }
        let target = dir.join(&f.path);
        match std::fs::symlink_metadata(&target) {
            Ok(m) if m.is_dir() => {
                return Err(WriteError::Io {
                    path: target,
                    message: "a directory".into(),
                });
            }
            Ok(_) if !replace => return Err(WriteError::Exists(target)),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&target)(e)),
        }
        targets.push(target);
    }
    let mut temps: Vec<PathBuf> = Vec::with_capacity(files.len());
    let cleanup = |temps: &[PathBuf]| {
        for t in temps {
            let _ = std::fs::remove_file(t);
        }
    };
    for (i, (f, target)) in files.iter().zip(&targets).enumerate() {
        match write_temp(f, target, i) {
            Ok(t) => temps.push(t),
            Err(e) => {
                cleanup(&temps);
                return Err(e);
            }
        }
    }
    for (i, (target, t)) in targets.iter().zip(&temps).enumerate() {
        if let Err(e) = std::fs::rename(t, target) {
            cleanup(&temps[i..]);
            return Err(io(target)(e));
        }
    }
    Ok(())
}

/// `f`'s contents under a fresh name beside it, created exclusively with its final mode.
fn write_temp(f: &NewFile, target: &Path, i: usize) -> Result<PathBuf, WriteError> {
    use std::io::Write as _;
    let name = target
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let temp = target.with_file_name(format!(".{name}.certcycle-{}-{i}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if f.secret { 0o600 } else { 0o644 });
    }
    let mut file = options.open(&temp).map_err(io(&temp))?;
    let written = file
        .write_all(&f.contents)
        .and_then(|()| file.sync_all())
        .map_err(io(&temp));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    Ok(temp)
}
