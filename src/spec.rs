//! [`CertSpec`]: what to issue, in cert-manager's terms.

pub(crate) mod window;
pub use window::{RenewalSpec, RenewalSpecPolicy, RenewalWindow, WindowError};

use crate::cert::{ExtendedKeyUsage, KeyUsage};
use crate::error::Error;
use time::Duration;

/// What happens to the private key when a certificate is renewed (cert-manager's
/// `privateKey.rotationPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RotationPolicy {
    /// A fresh key at every renewal (cert-manager's default since 1.18, and the seed
    /// document's advice).
    #[default]
    Always,
    /// Keep the key; only the validity changes.
    Never,
}

/// What to issue: names, lifetime, renewal, CA-ness, usages and key rotation policy.
///
/// Required values go into the constructors ([`CertSpec::ca`], [`CertSpec::leaf`]); there is
/// no default lifetime. Everything else has a documented default and a builder method; the
/// getter for what a builder `x` set is `get_x` (the convention of jiff's builders).
///
/// ```
/// use certcycle::CertSpec;
/// use time::Duration;
/// let spec = CertSpec::leaf(Duration::hours(24))
///     .dns_name("web.default.serviceaccount.identity.linkerd.cluster.local")
///     .backdate(Duration::seconds(20));
/// assert!(!spec.is_ca());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSpec {
    pub(crate) common_name: Option<String>,
    pub(crate) dns_names: Vec<String>,
    pub(crate) uri_names: Vec<String>,
    pub(crate) duration: Duration,
    pub(crate) backdate: Duration,
    pub(crate) renew_before: Option<Duration>,
    pub(crate) renew_before_percentage: Option<i32>,
    /// cert-manager 1.21's `spec.renewal`.
    pub(crate) renewal: Option<RenewalSpec>,
    /// cert-manager before 1.21 computed `renewBeforePercentage` in int64 nanoseconds, which
    /// wraps for long lifetimes (#8947).
    pub(crate) percentage_wraps: bool,
    pub(crate) is_ca: bool,
    pub(crate) path_len: Option<u8>,
    pub(crate) key_usage: KeyUsage,
    pub(crate) ext_key_usage: Vec<ExtendedKeyUsage>,
    pub(crate) rotation_policy: RotationPolicy,
}

impl CertSpec {
    /// A CA certificate named `common_name`, valid for `duration`. Key usage defaults to
    /// `keyCertSign | cRLSign` (RFC 5280 §4.2.1.3), no path length constraint, no backdate.
    pub fn ca(common_name: impl Into<String>, duration: Duration) -> Self {
        Self {
            common_name: Some(common_name.into()),
            dns_names: Vec::new(),
            uri_names: Vec::new(),
            duration,
            backdate: Duration::ZERO,
            renew_before: None,
            renew_before_percentage: None,
            renewal: None,
            percentage_wraps: false,
            is_ca: true,
            path_len: None,
            key_usage: KeyUsage::KEY_CERT_SIGN | KeyUsage::CRL_SIGN,
            ext_key_usage: Vec::new(),
            rotation_policy: RotationPolicy::Always,
        }
    }

    /// An end-entity certificate valid for `duration`; add names with [`CertSpec::dns_name`]
    /// and friends. Key usage defaults to `digitalSignature` (what ECDSA TLS needs) and EKU to
    /// serverAuth + clientAuth (mTLS).
    pub fn leaf(duration: Duration) -> Self {
        Self {
            common_name: None,
            is_ca: false,
            key_usage: KeyUsage::DIGITAL_SIGNATURE,
            ext_key_usage: vec![ExtendedKeyUsage::ServerAuth, ExtendedKeyUsage::ClientAuth],
            ..Self::ca(String::new(), duration)
        }
    }

    /// Sets the subject common name.
    pub fn common_name(mut self, cn: impl Into<String>) -> Self {
        self.common_name = Some(cn.into());
        self
    }

    /// Adds a dNSName SAN.
    pub fn dns_name(mut self, name: impl Into<String>) -> Self {
        self.dns_names.push(name.into());
        self
    }

    /// Adds a URI SAN (for example a SPIFFE id).
    pub fn uri_name(mut self, uri: impl Into<String>) -> Self {
        self.uri_names.push(uri.into());
        self
    }

    /// Starts validity this long before the issuance time, to absorb clock skew.
    pub fn backdate(mut self, backdate: Duration) -> Self {
        self.backdate = backdate;
        self
    }

    /// cert-manager's `renewBefore`.
    pub fn renew_before(mut self, renew_before: Duration) -> Self {
        self.renew_before = Some(renew_before);
        self
    }

    /// cert-manager's `renewBeforePercentage` (an `int32` in its API, as here: admission
    /// refuses values outside 1..=99, see [`crate::renewal::validate_spec`]).
    pub fn renew_before_percentage(mut self, percentage: i32) -> Self {
        self.renew_before_percentage = Some(percentage);
        self
    }

    /// Sets the basicConstraints pathLenConstraint (CA only).
    pub fn path_len(mut self, path_len: u8) -> Self {
        self.path_len = Some(path_len);
        self
    }

    /// Replaces the key usage bits.
    pub fn key_usage(mut self, key_usage: KeyUsage) -> Self {
        self.key_usage = key_usage;
        self
    }

    /// Replaces the extended key usages (empty: no extension).
    pub fn ext_key_usage(mut self, usages: Vec<ExtendedKeyUsage>) -> Self {
        self.ext_key_usage = usages;
        self
    }

    /// Sets the key rotation policy.
    pub fn rotation_policy(mut self, policy: RotationPolicy) -> Self {
        self.rotation_policy = policy;
        self
    }

    /// The requested lifetime (the `duration` given to [`CertSpec::ca`] or
    /// [`CertSpec::leaf`]).
    pub fn get_duration(&self) -> Duration {
        self.duration
    }

    /// What [`CertSpec::backdate`] set.
    pub fn get_backdate(&self) -> Duration {
        self.backdate
    }

    /// What [`CertSpec::renew_before`] set (`renewBefore`).
    pub fn get_renew_before(&self) -> Option<Duration> {
        self.renew_before
    }

    /// What [`CertSpec::renew_before_percentage`] set (`renewBeforePercentage`).
    pub fn get_renew_before_percentage(&self) -> Option<i32> {
        self.renew_before_percentage
    }

    /// cert-manager 1.21's `spec.renewal`: `policy: Disabled` (never renewed) or renewal
    /// windows ([`crate::renewal::cert_manager_renewal`] applies them).
    pub fn renewal(mut self, renewal: RenewalSpec) -> Self {
        self.renewal = Some(renewal);
        self
    }

    /// Without [`CertSpec::renewal`] (as a cert-manager older than 1.21 reads the spec).
    pub fn without_renewal(mut self) -> Self {
        self.renewal = None;
        self
    }

    /// What [`CertSpec::renewal`] set.
    pub fn get_renewal(&self) -> Option<&RenewalSpec> {
        self.renewal.as_ref()
    }

    /// Renewal by cert-manager before 1.21, whose `renewBeforePercentage` arithmetic wraps in
    /// int64 nanoseconds for lifetimes over about 292.5/p years (#8947, fixed in 1.21): the
    /// renewal time is then what the old controller computed, garbage included.
    pub fn percentage_wraps(mut self, wraps: bool) -> Self {
        self.percentage_wraps = wraps;
        self
    }

    /// What [`CertSpec::percentage_wraps`] set.
    pub fn get_percentage_wraps(&self) -> bool {
        self.percentage_wraps
    }

    /// Whether this is a CA.
    pub fn is_ca(&self) -> bool {
        self.is_ca
    }

    /// What [`CertSpec::rotation_policy`] set.
    pub fn get_rotation_policy(&self) -> RotationPolicy {
        self.rotation_policy
    }

    /// What [`CertSpec::common_name`] set (or the CA constructor's name).
    pub fn get_common_name(&self) -> Option<&str> {
        self.common_name.as_deref()
    }

    /// What [`CertSpec::dns_name`] added.
    pub fn get_dns_names(&self) -> &[String] {
        &self.dns_names
    }

    /// Checks what issuing needs: a positive duration, a non-negative backdate, a name, a
    /// path length only on a CA, keyCertSign on a CA.
    ///
    /// # Errors
    /// [`Error::InvalidSpec`] saying which rule failed.
    pub fn check_issuable(&self) -> Result<(), Error> {
        let fail = |reason: &str| {
            Err(Error::InvalidSpec {
                reason: reason.to_owned(),
            })
        };
        if self.duration <= Duration::ZERO {
            return fail("duration must be positive");
        }
        if self.backdate < Duration::ZERO {
            return fail("backdate must not be negative");
        }
        for (field, d) in [
            ("duration", Some(self.duration)),
            ("backdate", Some(self.backdate)),
            ("renewBefore", self.renew_before),
        ] {
            if let Some(d) = d.filter(|d| crate::duration::GoDuration::new(*d).is_none()) {
                return Err(Error::InvalidSpec {
                    reason: format!(
                        "{field} {d} is outside what Go can express (0 to \
                         2562047h47m16.854775807s)"
                    ),
                });
            }
        }
        if self.common_name.as_deref().unwrap_or("").is_empty()
            && self.dns_names.is_empty()
            && self.uri_names.is_empty()
        {
            return fail("a certificate needs a common name or a subjectAltName");
        }
        if !self.is_ca && self.path_len.is_some() {
            return fail("a path length constraint only applies to a CA");
        }
        if self.is_ca && !self.key_usage.contains(KeyUsage::KEY_CERT_SIGN) {
            return fail("a CA's key usage must include keyCertSign");
        }
        Ok(())
    }
}
