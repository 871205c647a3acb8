//! The cert-manager release a cluster runs.

use std::fmt;

/// A cert-manager release, for the behaviours that changed between releases: the
/// `rotationPolicy` default (`Never` before 1.18, `Always` since), `spec.renewal` (since 1.21;
/// before, the API server prunes the field), `renewBeforePercentage`'s int64 overflow (before
/// 1.21, #8947), and 1.19.0's re-issue of Certificates whose issuerRef omits kind or group
/// (#8158).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CertManagerVersion {
    /// Major.
    pub major: u32,
    /// Minor.
    pub minor: u32,
    /// Patch.
    pub patch: u32,
}

impl CertManagerVersion {
    /// The current release at the end of 2026: v1.21.0.
    pub const CURRENT: Self = Self::new(1, 21, 0);

    /// `major.minor.patch`.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Self {
            major,
            minor,
            patch,
        }
    }

    /// Whether this release is older than `major.minor`.
    pub fn before(&self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) < (major, minor)
    }
}

impl std::str::FromStr for CertManagerVersion {
    type Err = String;

    /// `1.21`, `1.21.0` or `v1.20.3`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{s:?} is not a cert-manager version (1.21.0, v1.20.3, 1.19)");
        let t = s.strip_prefix('v').unwrap_or(s);
        let mut parts = t.split('.').map(|p| p.parse::<u32>().map_err(|_| bad()));
        let major = parts.next().ok_or_else(bad)??;
        let minor = parts.next().ok_or_else(bad)??;
        let patch = parts.next().transpose()?.unwrap_or(0);
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Self::new(major, minor, patch))
    }
}

impl fmt::Display for CertManagerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)
    }
}
