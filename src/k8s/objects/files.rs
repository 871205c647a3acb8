//! Files in: a regular file's text read within bounds, and a `rotate --out` directory
//! (`DIR/<namespace>/<name>/<key>` files are the data of Secret `namespace/name`; a directory
//! holding `ca-bundle.crt` only is a ConfigMap), and the writer of that layout.

use super::secret::secret_from_text;
use super::{ConfigMapObject, Object, ObjectRef, Objects, Resource};
use crate::bundle::TrustBundle;
use crate::cert::Certificate;
use crate::k8s::node::MAX_INPUT_BYTES;
use crate::k8s::{K8sError, Location};
use crate::plan::Secrets;
use crate::presets::linkerd;
use std::collections::BTreeMap;
use std::path::Path;

/// The most directory entries one `rotate --out` directory read lists (a real one has 14).
const MAX_OUT_DIR_ENTRIES: usize = 10_000;

/// Adds the Secrets and ConfigMaps of the `rotate --out` directory `path`.
pub(super) fn read_out_dir(objects: &mut Objects, path: &Path) -> Result<(), K8sError> {
    let label = path.display().to_string();
    let io = |e: std::io::Error| K8sError::Io {
        file: label.clone(),
        message: e.to_string(),
    };
    // Every entry listed counts, empty files and subdirectories too: a directory of a
    // million empty files costs no bytes but would cost a million objects.
    let mut listed = 0usize;
    let mut sorted = |dir: &Path| -> Result<Vec<std::fs::DirEntry>, K8sError> {
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            listed += 1;
            if listed > MAX_OUT_DIR_ENTRIES {
                return Err(K8sError::TooManyEntries {
                    file: label.clone(),
                    limit: MAX_OUT_DIR_ENTRIES,
                });
            }
            entries.push(entry.map_err(io)?);
        }
        entries.sort_by_key(std::fs::DirEntry::file_name);
        Ok(entries)
    };
    let mut document = 0;
    let mut left = MAX_INPUT_BYTES;
    for ns in sorted(path)? {
        if ns.file_name() == STANDS_FOR_FILE {
            let text = read_bounded(&ns.path(), &mut left)?;
            let at = time::OffsetDateTime::parse(
                text.trim(),
                &time::format_description::well_known::Rfc3339,
            )
            .map_err(|e| K8sError::Io {
                file: ns.path().display().to_string(),
                message: format!("not one RFC 3339 time (the time the directory stands for): {e}"),
            })?;
            objects.stands_for = Some(at);
            continue;
        }
        if !ns.path().is_dir() {
            continue;
        }
        for name in sorted(&ns.path())? {
            if !name.path().is_dir() {
                continue;
            }
            let files = sorted(&name.path())?;
            let mut data = BTreeMap::new();
            for f in files {
                let key = f.file_name().to_string_lossy().into_owned();
                data.insert(key, read_bounded(&f.path(), &mut left)?);
            }
            document += 1;
            let at = ObjectRef {
                file: name.path().display().to_string(),
                document,
                kind: String::new(),
                namespace: Some(ns.file_name().to_string_lossy().into_owned()),
                name: name.file_name().to_string_lossy().into_owned(),
            };
            let is_config_map =
                !data.is_empty() && data.keys().all(|k| k == linkerd::CA_BUNDLE_CRT);
            let (kind, resource) = if is_config_map {
                (
                    "ConfigMap",
                    Resource::ConfigMap(ConfigMapObject {
                        data,
                        binary_keys: Vec::new(),
                    }),
                )
            } else {
                ("Secret", Resource::Secret(secret_from_text(data)))
            };
            objects.objects.push(Object {
                at: ObjectRef {
                    kind: kind.into(),
                    ..at
                },
                location: Location::UNKNOWN,
                api_version: "v1".into(),
                resource,
                rendered_from: None,
            });
        }
    }
    Ok(())
}

/// A regular file's text, at most what is `left` of the [`MAX_INPUT_BYTES`] one call may read
/// (a directory's files share it). The read itself is bounded (at most one byte past the
/// limit), never the size the file reports: `/dev/zero`, a FIFO or a link to one report 0.
/// Anything but a regular file (after links) is refused by name before it is opened.
pub(super) fn read_bounded(path: &Path, left: &mut usize) -> Result<String, K8sError> {
    let file = path.display().to_string();
    let io = |e: std::io::Error| K8sError::Io {
        file: file.clone(),
        message: e.to_string(),
    };
    let not_a_file = |meta: &std::fs::Metadata| {
        (!meta.is_file()).then(|| K8sError::NotAFile {
            file: file.clone(),
            found: file_kind(meta),
        })
    };
    if let Some(e) = not_a_file(&std::fs::metadata(path).map_err(io)?) {
        return Err(e);
    }
    let handle = std::fs::File::open(path).map_err(io)?;
    // Checked again on the open handle: the path may have been swapped in between.
    if let Some(e) = not_a_file(&handle.metadata().map_err(io)?) {
        return Err(e);
    }
    let text = read_limited(&file, handle, *left)?;
    *left = left.saturating_sub(text.len());
    Ok(text)
}

/// Reads at most `limit` bytes of UTF-8 text (one more to tell that it is over).
pub(super) fn read_limited(
    file: &str,
    reader: impl std::io::Read,
    limit: usize,
) -> Result<String, K8sError> {
    use std::io::Read as _;
    let io = |e: std::io::Error| K8sError::Io {
        file: file.to_owned(),
        message: e.to_string(),
    };
    let mut bytes = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader.take(cap).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() > limit {
        return Err(K8sError::TooLarge {
            file: file.to_owned(),
            size: bytes.len(),
            limit,
        });
    }
    String::from_utf8(bytes).map_err(|e| K8sError::Io {
        file: file.to_owned(),
        message: format!(
            "not UTF-8 text (byte offset {})",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// What a path is, when it is not a regular file.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Writes the Secrets and ConfigMap data of `secrets` and `bundle` as a `rotate --out`
/// directory, the layout [`Objects::read_path`] reads back (DESIGN §8):
/// `DIR/cert-manager/linkerd-trust-anchor/{tls.crt,tls.key,ca.crt}`,
/// `DIR/cert-manager/linkerd-previous-anchor/{tls.crt,ca.crt}`,
/// `DIR/linkerd/linkerd-identity-issuer/{tls.crt,tls.key,ca.crt}` (`ca.crt`: the anchor that
/// signed it), `DIR/linkerd/linkerd-identity-trust-roots/ca-bundle.crt`. All or nothing, through
/// [`write_new_files`](crate::write_new_files): key files mode 0600 from creation, never
/// through an existing link; existing files are refused unless `replace`.
///
/// # Errors
/// [`WriteError`](crate::WriteError): an existing file (without `replace`), a linked
/// directory, or the file that could not be written; nothing is written then.
pub fn write_out_dir(
    dir: &Path,
    secrets: &Secrets,
    bundle: &TrustBundle,
    replace: bool,
) -> Result<(), crate::WriteError> {
    write_out_dir_at(dir, secrets, bundle, None, replace)
}

/// The file of a `rotate --out` directory that holds the time it stands for, one RFC 3339
/// line ([`write_out_dir_at`]; `check DIR` reads the directory at that time without `--at`).
pub const STANDS_FOR_FILE: &str = "certcycle-at";

/// [`write_out_dir`], and with `at` the time the state stands for in
/// [`STANDS_FOR_FILE`], read back as [`Objects::stands_for`](super::Objects::stands_for).
///
/// # Errors
/// As [`write_out_dir`].
pub fn write_out_dir_at(
    dir: &Path,
    secrets: &Secrets,
    bundle: &TrustBundle,
    at: Option<time::OffsetDateTime>,
    replace: bool,
) -> Result<(), crate::WriteError> {
    use crate::NewFile;
    let anchor = &secrets.anchor;
    let a = Path::new("cert-manager").join(linkerd::TRUST_ANCHOR_SECRET);
    // The seed's last step copies the new anchor into linkerd-previous-anchor: after it,
    // trust-manager builds the one-anchor bundle from two identical sources.
    let previous = secrets.previous.as_ref().unwrap_or(anchor.certificate());
    let p = Path::new("cert-manager").join(linkerd::PREVIOUS_ANCHOR_SECRET);
    let issuer = &secrets.issuer;
    let signer = [anchor.certificate(), previous]
        .into_iter()
        .find(|c| issuer.certificate().authority_key_id() == c.subject_key_id())
        .map(Certificate::to_pem)
        .unwrap_or_default();
    let i = Path::new("linkerd").join(linkerd::ISSUER_SECRET);
    let r = Path::new("linkerd").join(linkerd::TRUST_ROOTS_CONFIGMAP);
    let files = [
        NewFile::public(a.join(linkerd::TLS_CRT), anchor.certificate().to_pem()),
        NewFile::secret(
            a.join(linkerd::TLS_KEY),
            anchor.private_key().secret_pkcs8_pem().as_bytes(),
        ),
        NewFile::public(a.join(linkerd::CA_CRT), anchor.certificate().to_pem()),
        NewFile::public(p.join(linkerd::TLS_CRT), previous.to_pem()),
        NewFile::public(p.join(linkerd::CA_CRT), previous.to_pem()),
        NewFile::public(i.join(linkerd::TLS_CRT), issuer.certificate().to_pem()),
        NewFile::secret(
            i.join(linkerd::TLS_KEY),
            issuer.private_key().secret_pkcs8_pem().as_bytes(),
        ),
        NewFile::public(i.join(linkerd::CA_CRT), signer),
        NewFile::public(r.join(linkerd::CA_BUNDLE_CRT), bundle.to_pem()),
    ];
    let mut files = Vec::from(files);
    if let Some(at) = at {
        files.push(NewFile::public(
            STANDS_FOR_FILE,
            format!("{}\n", crate::display::rfc3339(at)),
        ));
    }
    crate::write_new_files(dir, &files, replace)
}
