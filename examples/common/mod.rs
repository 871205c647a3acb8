//! Small helpers shared by the examples: argument handling, errors, file output.
#![allow(dead_code)]

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
            eprintln!("error: {}", certcycle::visible(&fail.message));
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

/// A clap value parser: an RFC 3339 timestamp (`2026-01-01T00:00:00Z`). Clap names the flag
/// in its error (`invalid value 'yesterday' for '--start <RFC3339>'`).
pub(crate) fn time_arg(s: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("not an RFC 3339 time ({e}), e.g. 2026-12-06T00:00:00Z"))
}

/// A clap value parser: a duration (`400d`, `2w`, Go's syntax `9600h`, `1h30m`: certcycle's
/// `HumanDuration`).
pub(crate) fn duration_arg(s: &str) -> Result<time::Duration, String> {
    s.parse::<certcycle::HumanDuration>()
        .map(|d| d.0)
        .map_err(|e| e.to_string())
}

/// A duration as given and as read (for messages that repeat the user's own spelling).
#[derive(Debug, Clone)]
pub(crate) struct SpelledDuration {
    /// As given (`30d`).
    pub(crate) text: String,
    /// As read.
    pub(crate) value: time::Duration,
}

/// A clap value parser: [`duration_arg`], keeping the spelling.
pub(crate) fn spelled_duration_arg(s: &str) -> Result<SpelledDuration, String> {
    Ok(SpelledDuration {
        text: s.to_owned(),
        value: duration_arg(s)?,
    })
}

/// The wall clock, read by the example (the library never reads it).
pub(crate) fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// The wall clock to the second (reports print times to the second).
pub(crate) fn now_to_second() -> time::OffsetDateTime {
    now().replace_nanosecond(0).unwrap_or_else(|_| now())
}

/// Writes `text` to stdout. A closed stdout (`plan | head -1`) ends the program quietly with
/// status 141, as a Unix tool killed by SIGPIPE; another write error is `error:` and exit 2.
pub(crate) fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(141);
        }
        eprintln!("error: writing to stdout: {e}");
        std::process::exit(2);
    }
}

/// `print!` through [`emit`]: a closed stdout ends the program quietly.
#[allow(unused_macros)]
macro_rules! out {
    ($($arg:tt)*) => { $crate::common::emit(&format!($($arg)*)) };
}

/// `println!` through [`emit`]: a closed stdout ends the program quietly.
#[allow(unused_macros)]
macro_rules! outln {
    () => { $crate::common::emit("\n") };
    ($($arg:tt)*) => { $crate::common::emit(&format!("{}\n", format_args!($($arg)*))) };
}

/// The flags that say how a cluster's objects resolve (`plan` and `check`).
#[derive(Debug, clap::Args)]
pub(crate) struct Resolve {
    /// Places namespaced objects that name no namespace (Kustomize, Argo CD, Flux output), as
    /// `kubectl apply -n NS`.
    #[arg(long, value_name = "NS")]
    pub(crate) namespace: Option<String>,
    /// The identity issuer Secret, when it is not linkerd/linkerd-identity-issuer.
    #[arg(long, value_name = "NS/NAME")]
    pub(crate) issuer_secret: Option<String>,
    /// Linkerd's namespace [default: linkerd].
    #[arg(long, value_name = "NS")]
    pub(crate) linkerd_namespace: Option<String>,
    /// The trust roots as a PEM file, when no Bundle, ConfigMap or Helm values hold them.
    #[arg(long, value_name = "FILE")]
    pub(crate) trust_roots: Option<String>,
    /// cert-manager before 1.18 (rotationPolicy defaults to Never there, Always since); the
    /// same as --cert-manager-version 1.17.
    #[arg(
        long = "cert-manager-before-1.18",
        conflicts_with = "cert_manager_version"
    )]
    pub(crate) cert_manager_before_1_18: bool,
    /// The cert-manager release the cluster runs: the rotationPolicy default (Always since
    /// 1.18), spec.renewal (since 1.21), renewBeforePercentage's overflow (before 1.21).
    #[arg(long, value_name = "VERSION", default_value = "1.21.0", value_parser = clap::value_parser!(certcycle::k8s::CertManagerVersion))]
    pub(crate) cert_manager_version: certcycle::k8s::CertManagerVersion,
    /// The Linkerd release: before stable-2.12.0 (edge-22.8.2) a helm upgrade of
    /// identityTrustAnchorsPEM does not roll the control plane (no trust-root-sha256).
    #[arg(long, value_name = "VERSION", default_value = "edge-26.8.3", value_parser = clap::value_parser!(certcycle::k8s::LinkerdVersion))]
    pub(crate) linkerd_version: certcycle::k8s::LinkerdVersion,
    /// The Istio release of an istio-csr set-up (1.30): istiod reloads its root file from
    /// 1.31 [default: unknown, assumed before 1.31].
    #[arg(long, value_name = "MAJOR.MINOR", value_parser = istio_version)]
    pub(crate) istio_version: Option<(u32, u32)>,
    /// Istio runs in ambient mode: ztunnel holds the workloads' certificates (it trusts one
    /// root before 1.26, and reads the root file for its channel to istio-csr only at start
    /// before 1.30).
    #[arg(long)]
    pub(crate) istio_ambient: bool,
    /// trust-manager runs with --filter-expired-certificates (expired certificates are left
    /// out of the bundles it builds).
    #[arg(long)]
    pub(crate) trust_manager_filter_expired_certificates: bool,
    /// trust-manager runs with --filter-non-ca-certs (non-CA certificates are left out).
    #[arg(long)]
    pub(crate) trust_manager_filter_non_ca_certs: bool,
}

impl Resolve {
    /// How the objects resolve.
    pub(crate) fn options(&self) -> Result<certcycle::k8s::ResolveOptions, Fail> {
        let mut options = certcycle::k8s::ResolveOptions::default()
            .cert_manager_version(self.cert_manager_version)
            .linkerd_version(self.linkerd_version);
        if let Some((major, minor)) = self.istio_version {
            options = options.istio_version(major, minor);
        }
        if self.istio_ambient {
            options = options.istio_ambient();
        }
        if self.cert_manager_before_1_18 {
            options = options.cert_manager_before_1_18();
        }
        options.trust_manager_filter = certcycle::plan::BundleFilter::new(
            self.trust_manager_filter_expired_certificates,
            self.trust_manager_filter_non_ca_certs,
        );
        if let Some(ns) = &self.linkerd_namespace {
            ns.clone_into(&mut options.linkerd_namespace);
        }
        if let Some(v) = &self.issuer_secret {
            let (ns, name) = v
                .split_once('/')
                .filter(|(ns, n)| !ns.is_empty() && !n.is_empty() && !n.contains('/'))
                .ok_or_else(|| Fail::usage("--issuer-secret: NAMESPACE/NAME"))?;
            options.issuer_secret = Some(certcycle::k8s::NamespacedName::new(ns, name));
        }
        if let Some(path) = &self.trust_roots {
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

    /// The flags as given, for a command line that resolves the objects the same way (the
    /// `fix-out: re-check:` line): defaults left out.
    #[allow(dead_code)]
    pub(crate) fn words(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut flag = |name: &str, value: Option<String>| {
            out.push(format!("--{name}"));
            out.extend(value);
        };
        for (name, value) in [
            ("namespace", &self.namespace),
            ("issuer-secret", &self.issuer_secret),
            ("linkerd-namespace", &self.linkerd_namespace),
            ("trust-roots", &self.trust_roots),
        ] {
            if let Some(v) = value {
                flag(name, Some(v.clone()));
            }
        }
        if self.cert_manager_before_1_18 {
            flag("cert-manager-before-1.18", None);
        } else if self.cert_manager_version != certcycle::k8s::CertManagerVersion::CURRENT {
            flag(
                "cert-manager-version",
                Some(self.cert_manager_version.to_string()),
            );
        }
        if self.linkerd_version != certcycle::k8s::LinkerdVersion::CURRENT {
            flag("linkerd-version", Some(self.linkerd_version.to_string()));
        }
        if let Some((major, minor)) = self.istio_version {
            flag("istio-version", Some(format!("{major}.{minor}")));
        }
        for (name, on) in [
            ("istio-ambient", self.istio_ambient),
            (
                "trust-manager-filter-expired-certificates",
                self.trust_manager_filter_expired_certificates,
            ),
            (
                "trust-manager-filter-non-ca-certs",
                self.trust_manager_filter_non_ca_certs,
            ),
        ] {
            if on {
                flag(name, None);
            }
        }
        out
    }

    /// `--namespace NS`: places the namespaced objects that name none, as `kubectl apply -n NS`.
    pub(crate) fn place(&self, objects: &mut certcycle::k8s::Objects) {
        if let Some(ns) = &self.namespace {
            objects.set_default_namespace(ns);
        }
    }
}

/// RFC 3339 with `Z`, whole seconds.
pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// The `unsupported:` lines: objects certcycle recognizes but does not model.
pub(crate) fn unsupported(objects: &certcycle::k8s::Objects) -> String {
    objects
        .unsupported
        .iter()
        .map(|(o, why)| {
            let line = format!(
                "unsupported: {}/{} ({}:{}): {why}",
                o.kind,
                o.key(),
                o.file,
                o.document
            );
            format!("{}\n", certcycle::visible(&line))
        })
        .collect()
}

/// `--istio-version`: `1.30` or `1.30.2` (the patch is ignored).
fn istio_version(s: &str) -> Result<(u32, u32), String> {
    let mut parts = s.trim_start_matches('v').split('.');
    let number = |p: Option<&str>| p.and_then(|p| p.parse::<u32>().ok());
    match (number(parts.next()), number(parts.next())) {
        (Some(major), Some(minor)) if parts.all(|p| p.parse::<u32>().is_ok()) => Ok((major, minor)),
        _ => Err(format!("{s:?} is not an Istio version (1.30, 1.31.2)")),
    }
}
