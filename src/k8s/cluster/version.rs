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

/// A Linkerd release, for the behaviours that changed between releases: the control-plane
/// charts' `linkerd.io/trust-root-sha256` pod-template annotation, which makes a Helm change of
/// `identityTrustAnchorsPEM` roll the control plane, exists since stable-2.12.0 and
/// edge-22.8.2 (linkerd2 #9118, `charts/partials/templates/_metadata.tpl`; the tags at
/// linkerd2 b24cd4059). The proxy's check of its own new leaf (`set_certificate` →
/// `validate`, linkerd2-proxy) predates every release this models (2019, d213c1373), so it
/// does not depend on the version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LinkerdVersion {
    /// `stable-MAJOR.MINOR.PATCH` (and Buoyant's `enterprise-` builds of it).
    Stable(u32, u32, u32),
    /// `edge-YY.M.N`.
    Edge(u32, u32, u32),
}

impl LinkerdVersion {
    /// The newest release at the end of 2026 in linkerd2's tags: edge-26.8.3.
    pub const CURRENT: Self = Self::Edge(26, 8, 3);

    /// Whether the control-plane charts carry `linkerd.io/trust-root-sha256` (a `helm upgrade`
    /// that changes the trust anchors rolls the control plane).
    pub fn rolls_control_plane_on_trust_roots(&self) -> bool {
        match *self {
            Self::Stable(major, minor, _) => (major, minor) >= (2, 12),
            Self::Edge(y, m, n) => (y, m, n) >= (22, 8, 2),
        }
    }
}

impl std::str::FromStr for LinkerdVersion {
    type Err = String;

    /// `stable-2.14.10`, `enterprise-2.15.3`, `2.12` or `2.11.5` (stable), `edge-24.11.8`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "{s:?} is not a Linkerd version (stable-2.14.10, enterprise-2.15.3, 2.12, edge-24.11.8)"
            )
        };
        let (edge, t) = match s.strip_prefix("edge-") {
            Some(t) => (true, t),
            None => (
                false,
                s.strip_prefix("stable-")
                    .or_else(|| s.strip_prefix("enterprise-"))
                    .unwrap_or(s),
            ),
        };
        let mut parts = t.split('.').map(|p| p.parse::<u32>().map_err(|_| bad()));
        let a = parts.next().ok_or_else(bad)??;
        let b = parts.next().ok_or_else(bad)??;
        let c = parts.next().transpose()?.unwrap_or(0);
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(if edge {
            Self::Edge(a, b, c)
        } else {
            Self::Stable(a, b, c)
        })
    }
}

impl fmt::Display for LinkerdVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Stable(a, b, c) => write!(f, "stable-{a}.{b}.{c}"),
            Self::Edge(a, b, c) => write!(f, "edge-{a}.{b}.{c}"),
        }
    }
}
