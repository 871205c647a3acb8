//! Kubernetes' object name rules, checked when objects are read (as the API server checks them
//! when they are created): a namespace is an RFC 1123 label, the names of the objects certcycle
//! reads (and the names their fields refer to) RFC 1123 subdomains. Source:
//! `k8s.io/apimachinery/pkg/util/validation/validation.go` (`IsDNS1123Label`,
//! `IsDNS1123Subdomain`). A name that passes holds no space, quote, control or bidi character,
//! so it can be printed, put in a shell line or a manifest without changing what they say.

/// A namespaced object's name: namespace and name, as Kubernetes' `types.NamespacedName` and
/// kube-rs's `ObjectRef` carry them. Displays as `namespace/name`.
///
/// ```
/// use certcycle::k8s::NamespacedName;
/// let secret = NamespacedName::new("linkerd", "linkerd-identity-issuer");
/// assert_eq!(secret.to_string(), "linkerd/linkerd-identity-issuer");
/// assert_eq!(secret, NamespacedName::from(("linkerd", "linkerd-identity-issuer")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[non_exhaustive]
pub struct NamespacedName {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
}

impl NamespacedName {
    /// `namespace/name`.
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

impl<N: Into<String>, M: Into<String>> From<(N, M)> for NamespacedName {
    fn from((namespace, name): (N, M)) -> Self {
        Self::new(namespace, name)
    }
}

impl std::fmt::Display for NamespacedName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// Which rule a name must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameRule {
    /// RFC 1123 label: at most 63 characters of `a-z`, `0-9` and `-`, starting and ending
    /// with an alphanumeric (namespaces).
    Label,
    /// RFC 1123 subdomain: at most 253 characters of `a-z`, `0-9`, `-` and `.`, starting and
    /// ending with an alphanumeric (Secrets, ConfigMaps, Certificates, Issuers, Bundles).
    Subdomain,
}

impl NameRule {
    fn max(self) -> usize {
        match self {
            Self::Label => 63,
            Self::Subdomain => 253,
        }
    }
}

impl std::fmt::Display for NameRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Label => "an RFC 1123 label (at most 63 characters: a-z, 0-9, '-', alphanumeric at both ends)",
            Self::Subdomain => "an RFC 1123 subdomain (at most 253 characters: a-z, 0-9, '-', '.', alphanumeric at both ends)",
        })
    }
}

/// Why a name breaks its rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// Empty.
    #[error("empty: the API server requires {rule}")]
    Empty {
        /// The rule.
        rule: NameRule,
    },
    /// Longer than the rule allows.
    #[error("{len} characters: the API server requires {rule}")]
    TooLong {
        /// Its length in characters.
        len: usize,
        /// The rule.
        rule: NameRule,
    },
    /// A character the rule does not allow, or one not allowed where it stands.
    #[error("character {index} ({shown}) is not allowed there: the API server requires {rule}")]
    Character {
        /// Its index (0-based, in characters).
        index: usize,
        /// The character, shown with control and bidi characters made visible.
        shown: String,
        /// The rule.
        rule: NameRule,
    },
}

/// Checks `name` against `rule`.
///
/// ```
/// use certcycle::k8s::{NameRule, check_name};
/// assert!(check_name("linkerd-trust-anchor", NameRule::Subdomain).is_ok());
/// assert!(check_name("linkerd-trust-anchor;touch${IFS}pwned", NameRule::Subdomain).is_err());
/// assert!(check_name("cert.manager", NameRule::Label).is_err());
/// ```
///
/// # Errors
/// [`NameError`], naming the first character at fault.
pub fn check_name(name: &str, rule: NameRule) -> Result<(), NameError> {
    let len = name.chars().count();
    if len == 0 {
        return Err(NameError::Empty { rule });
    }
    if len > rule.max() {
        return Err(NameError::TooLong { len, rule });
    }
    let last = len - 1;
    for (index, c) in name.chars().enumerate() {
        let alnum = c.is_ascii_lowercase() || c.is_ascii_digit();
        let ok = match c {
            _ if alnum => true,
            '-' => index != 0 && index != last,
            '.' => {
                rule == NameRule::Subdomain
                    && index != 0
                    && index != last
                    // Each dot-separated part is a label: no empty part, none starting or
                    // ending with '-'.
                    && name[..name.char_indices().nth(index).map_or(0, |(i, _)| i)]
                        .chars()
                        .last()
                        .is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                    && name
                        .chars()
                        .nth(index + 1)
                        .is_some_and(|n| n.is_ascii_lowercase() || n.is_ascii_digit())
            }
            _ => false,
        };
        if !ok {
            return Err(NameError::Character {
                index,
                shown: crate::display::visible(&c.to_string()).into_owned(),
                rule,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_rules() {
        for ok in ["a", "linkerd", "a-b", "a.b", "0", "a1.b2-c3"] {
            assert!(check_name(ok, NameRule::Subdomain).is_ok(), "{ok}");
        }
        for bad in [
            "", "A", "-a", "a-", ".a", "a.", "a..b", "a.-b", "a-.b", "a b", "a\nb", "a_b", "ä",
        ] {
            assert!(check_name(bad, NameRule::Subdomain).is_err(), "{bad:?}");
        }
        assert!(check_name("a.b", NameRule::Label).is_err());
        assert!(check_name(&"a".repeat(63), NameRule::Label).is_ok());
        assert!(check_name(&"a".repeat(64), NameRule::Label).is_err());
        assert!(check_name(&"a".repeat(253), NameRule::Subdomain).is_ok());
        assert_eq!(
            check_name(&"a".repeat(254), NameRule::Subdomain),
            Err(NameError::TooLong {
                len: 254,
                rule: NameRule::Subdomain
            })
        );
        assert_eq!(
            check_name("ab\u{202e}", NameRule::Subdomain),
            Err(NameError::Character {
                index: 2,
                shown: "\\u{202e}".into(),
                rule: NameRule::Subdomain
            })
        );
    }
}
