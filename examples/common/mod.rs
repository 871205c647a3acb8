//! Small helpers shared by the examples: argument handling, errors, file output.
#![allow(dead_code)]

use std::path::Path;
use std::process::ExitCode;

/// A failed run: the message for stderr and the exit code.
pub(crate) struct Fail {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl Fail {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }
}

impl<E: std::fmt::Display> From<E> for Fail {
    fn from(e: E) -> Self {
        Self {
            code: 2,
            message: e.to_string(),
        }
    }
}

/// Runs `main`, printing `error: <message>` to stderr on failure.
pub(crate) fn run(main: impl FnOnce() -> Result<u8, Fail>) -> ExitCode {
    match main() {
        Ok(code) => ExitCode::from(code),
        Err(fail) => {
            eprintln!("error: {}", fail.message);
            ExitCode::from(fail.code)
        }
    }
}

/// Reads a file, or stdin for `-`.
pub(crate) fn read_input(path: &str) -> Result<String, Fail> {
    use std::io::Read;
    // Bounded by what is read, not by the size a file reports (0 for /dev/zero or a FIFO).
    const LIMIT: u64 = 64 * 1024 * 1024;
    let mut bytes = Vec::new();
    let read = if path == "-" {
        std::io::stdin()
            .lock()
            .take(LIMIT + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(LIMIT + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| Fail::usage(format!("reading {path}: {e}")))?;
    if bytes.len() as u64 > LIMIT {
        return Err(Fail::usage(format!(
            "reading {path}: more than {LIMIT} bytes"
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        Fail::usage(format!(
            "reading {path}: not UTF-8 text (byte offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Writes `text` to `path`; with `secret`, the file is created with mode 0600.
pub(crate) fn write_file(path: &Path, text: &str, secret: bool) -> Result<(), Fail> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Fail::usage(format!("creating {}: {e}", parent.display())))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| Fail::usage(format!("writing {}: {e}", path.display())))?;
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Fail::usage(format!("chmod {}: {e}", path.display())))?;
    }
    std::io::Write::write_all(&mut file, text.as_bytes())
        .map_err(|e| Fail::usage(format!("writing {}: {e}", path.display())))
}

/// Parses an RFC 3339 timestamp.
pub(crate) fn parse_time(s: &str) -> Result<time::OffsetDateTime, Fail> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| Fail::usage(format!("--at: '{s}' is not an RFC 3339 time: {e}")))
}

/// The wall clock, read by the example (the library never reads it).
pub(crate) fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Simple `--flag value` parsing: returns (flags, positionals).
pub(crate) struct Args {
    pub(crate) flags: Vec<(String, String)>,
    pub(crate) switches: Vec<String>,
    pub(crate) positional: Vec<String>,
}

impl Args {
    /// `with_value` lists the flags that take a value; `switches` those that do not.
    pub(crate) fn parse(with_value: &[&str], switches: &[&str]) -> Result<Self, Fail> {
        let mut args = std::env::args().skip(1);
        let mut out = Args {
            flags: Vec::new(),
            switches: Vec::new(),
            positional: Vec::new(),
        };
        while let Some(a) = args.next() {
            if a == "--help" || a == "-h" {
                return Err(Fail::usage("see the example's doc comment for usage"));
            }
            if let Some((k, v)) = a.split_once('=').filter(|_| a.starts_with("--")) {
                if !with_value.contains(&k) {
                    return Err(Fail::usage(format!("unknown option {k}")));
                }
                out.flags.push((k.to_owned(), v.to_owned()));
            } else if with_value.contains(&a.as_str()) {
                let v = args
                    .next()
                    .ok_or_else(|| Fail::usage(format!("{a} needs a value")))?;
                out.flags.push((a, v));
            } else if switches.contains(&a.as_str()) {
                out.switches.push(a);
            } else if a.starts_with("--") {
                return Err(Fail::usage(format!("unknown option {a}")));
            } else {
                out.positional.push(a);
            }
        }
        Ok(out)
    }

    pub(crate) fn get(&self, flag: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(k, _)| k == flag)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn has(&self, switch: &str) -> bool {
        self.switches.iter().any(|s| s == switch)
    }

    /// A duration flag (`400d`, `2w`, Go's syntax: `HumanDuration`), if given.
    pub(crate) fn duration(&self, flag: &str) -> Result<Option<time::Duration>, Fail> {
        self.get(flag)
            .map(|v| {
                v.parse::<certcycle::HumanDuration>()
                    .map(|d| d.0)
                    .map_err(|e| Fail::usage(format!("{flag}: {e}")))
            })
            .transpose()
    }
}

/// RFC 3339 with `Z`, whole seconds.
pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// `--format text|json`: whether JSON was asked for.
pub(crate) fn json_format(args: &Args) -> Result<bool, Fail> {
    match args.get("--format").unwrap_or("text") {
        "text" => Ok(false),
        "json" => Ok(true),
        other => Err(Fail::usage(format!(
            "--format: '{other}' is not text or json"
        ))),
    }
}

/// The flags with a value that say how a cluster's objects resolve (`plan` and `check`).
pub(crate) const RESOLVE_FLAGS: &[&str] = &[
    "--namespace",
    "--issuer-secret",
    "--linkerd-namespace",
    "--trust-roots",
];

/// How the objects resolve: `--cert-manager-before-1.18` (which rotationPolicy default
/// cert-manager has), `--issuer-secret NS/NAME`, `--linkerd-namespace NS`, `--trust-roots FILE`
/// (PEM).
pub(crate) fn resolve_options(args: &Args) -> Result<certcycle::k8s::ResolveOptions, Fail> {
    let mut options = certcycle::k8s::ResolveOptions::default();
    if args.has("--cert-manager-before-1.18") {
        options = options.cert_manager_before_1_18();
    }
    if let Some(ns) = args.get("--linkerd-namespace") {
        ns.clone_into(&mut options.linkerd_namespace);
    }
    if let Some(v) = args.get("--issuer-secret") {
        let (ns, name) = v
            .split_once('/')
            .filter(|(ns, n)| !ns.is_empty() && !n.is_empty() && !n.contains('/'))
            .ok_or_else(|| Fail::usage("--issuer-secret: NAMESPACE/NAME"))?;
        options.issuer_secret = Some((ns.to_owned(), name.to_owned()));
    }
    if let Some(path) = args.get("--trust-roots") {
        let text = read_input(path)?;
        let certs = certcycle::Certificate::all_from_pem(&text)
            .map_err(|e| Fail::usage(format!("--trust-roots {path}: {e}")))?;
        if certs.is_empty() {
            return Err(Fail::usage(format!("--trust-roots {path}: no certificate")));
        }
        options.trust_roots = Some((path.to_owned(), certs));
    }
    Ok(options)
}

/// `--namespace NS`: places the namespaced objects that name none, as `kubectl apply -n NS`.
pub(crate) fn place(objects: &mut certcycle::k8s::Objects, args: &Args) {
    if let Some(ns) = args.get("--namespace") {
        objects.set_default_namespace(ns);
    }
}

/// The `unsupported:` lines: objects certcycle recognizes but does not model.
pub(crate) fn unsupported(objects: &certcycle::k8s::Objects) -> String {
    objects
        .unsupported
        .iter()
        .map(|(o, why)| {
            format!(
                "unsupported: {}/{} ({}:{}): {why}\n",
                o.kind,
                o.key(),
                o.file,
                o.document
            )
        })
        .collect()
}
