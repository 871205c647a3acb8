//! The per-certificate rules of path validation: validity, extensions, the RFC 5280 profile,
//! CA rules, name constraints, usage and names.

use super::budget::Budget;
use super::{CertRef, ProfileRule, Usage, VerifyError, VerifyOptions};
use crate::cert::Certificate;
use time::OffsetDateTime;

fn check_validity(cert: &Certificate, depth: usize, at: OffsetDateTime) -> Result<(), VerifyError> {
    if at < cert.not_before() {
        return Err(VerifyError::NotYetValid {
            cert: CertRef::of(depth, cert),
            not_before: cert.not_before(),
        });
    }
    if at > cert.not_after() {
        return Err(VerifyError::Expired {
            cert: CertRef::of(depth, cert),
            not_after: cert.not_after(),
        });
    }
    Ok(())
}

fn check_common(
    cert: &Certificate,
    depth: usize,
    options: &VerifyOptions,
    is_anchor: bool,
) -> Result<(), VerifyError> {
    if let Some(oid) = cert.unhandled_critical_extension() {
        return Err(VerifyError::UnhandledCriticalExtension {
            cert: CertRef::of(depth, cert),
            oid,
        });
    }
    if options.pedantic {
        check_profile(cert, depth, is_anchor)?;
    }
    Ok(())
}

fn check_profile(cert: &Certificate, depth: usize, is_anchor: bool) -> Result<(), VerifyError> {
    let fail = |rule| {
        Err(VerifyError::Profile {
            cert: CertRef::of(depth, cert),
            rule,
        })
    };
    let serial = cert.serial();
    if serial.iter().all(|b| *b == 0) || serial.first().is_some_and(|b| b & 0x80 != 0) {
        return fail(ProfileRule::SerialNotPositive);
    }
    if serial.len() > 21 || (serial.len() == 21 && serial[0] != 0) {
        return fail(ProfileRule::SerialTooLong);
    }
    if cert.version() != 3 {
        return fail(ProfileRule::NotV3);
    }
    if cert.issuer_der() == [0x30, 0x00] {
        return fail(ProfileRule::EmptyIssuer);
    }
    let flags = cert.ext_flags();
    if flags.subject_key_id_critical || flags.authority_key_id_critical {
        return fail(ProfileRule::CriticalKeyIdentifier);
    }
    if cert
        .key_usage()
        .is_some_and(|ku| ku.contains(crate::KeyUsage::KEY_CERT_SIGN))
        && !cert.is_ca()
    {
        return fail(ProfileRule::KeyCertSignWithoutCa);
    }
    if flags.policy_constraints_present {
        // A critical one is reported as an unhandled critical extension before this.
        return fail(ProfileRule::PolicyConstraintsNotCritical);
    }
    if cert.subject_alt_name_raw().is_some()
        && flags.subject_alt_name_critical != (cert.subject_der() == [0x30, 0x00])
    {
        return fail(ProfileRule::SubjectAltNameCriticality);
    }
    if is_anchor && cert.ext_key_usage_raw().is_some() {
        return fail(ProfileRule::AnchorWithExtendedKeyUsage);
    }
    // Self-issued (subject = issuer) stands in for self-signed here: a trust anchor's own
    // signature is never checked, and a cross-signed anchor has another issuer name.
    let self_signed = cert.is_self_issued();
    if flags.authority_key_id_present {
        if cert.authority_key_id().is_none() {
            return fail(ProfileRule::AuthorityKeyIdWithoutKeyId);
        }
        if flags.authority_key_id_has_issuer_or_serial {
            return fail(ProfileRule::AuthorityKeyIdWithIssuerAndSerial);
        }
        if is_anchor && self_signed && cert.authority_key_id() != cert.subject_key_id() {
            return fail(ProfileRule::SelfSignedAuthorityKeyIdMismatch);
        }
    } else if !(is_anchor && self_signed) {
        return fail(ProfileRule::MissingAuthorityKeyId);
    }
    Ok(())
}

pub(super) fn check_leaf(
    leaf: &Certificate,
    at: OffsetDateTime,
    options: &VerifyOptions,
) -> Result<(), VerifyError> {
    let profile = |rule| {
        Err(VerifyError::Profile {
            cert: CertRef::of(0, leaf),
            rule,
        })
    };
    check_validity(leaf, 0, at)?;
    check_common(leaf, 0, options, false)?;
    if leaf.name_constraints_raw().is_some() && !leaf.is_ca() {
        return profile(ProfileRule::NameConstraintsInEndEntity);
    }
    if options.pedantic {
        check_leaf_profile(leaf)?;
    }
    if let Some(usage) = options.usage {
        if leaf.is_ca() {
            return Err(VerifyError::CaUsedAsEndEntity {
                cert: CertRef::of(0, leaf),
            });
        }
        if options.pedantic {
            if leaf.ext_key_usage_raw().is_none() {
                return profile(ProfileRule::MissingExtendedKeyUsage);
            }
            if leaf.ext_flags().ext_key_usage_critical {
                return profile(ProfileRule::CriticalExtendedKeyUsage);
            }
            if leaf
                .extended_key_usage()
                .is_some_and(|e| e.contains(&crate::ExtendedKeyUsage::Any))
            {
                return profile(ProfileRule::AnyExtendedKeyUsage);
            }
        }
        check_eku(leaf, 0, usage)?;
    }
    if let Some(name) = &options.name {
        super::names::check_name(leaf, name, options.wildcards)?;
    }
    Ok(())
}

/// End-entity profile rules on names: valid dNSName SANs, CN among the SAN values.
fn check_leaf_profile(leaf: &Certificate) -> Result<(), VerifyError> {
    let profile = |rule| {
        Err(VerifyError::Profile {
            cert: CertRef::of(0, leaf),
            rule,
        })
    };
    let sans = leaf.subject_alt_names();
    for san in &sans {
        if let crate::SubjectAltName::Dns(d) = san
            && !super::names::valid_presented_dns(d)
        {
            return profile(ProfileRule::InvalidDnsNameInSan);
        }
    }
    if leaf.subject_alt_name_raw().is_some() {
        // Only CNs that some client could take for a host name or an address are held to
        // this (a dot or a colon, or a number inet_aton would read, such as `0xC0A80101`): a
        // CN such as "EE" names no host.
        for cn in leaf
            .common_names()
            .into_iter()
            .filter(|cn| looks_like_host(cn))
        {
            let in_san = sans.iter().any(|san| match san {
                crate::SubjectAltName::Dns(d) => *d == cn,
                crate::SubjectAltName::Ip(ip) => ip.to_string() == cn,
                _ => false,
            });
            if !in_san {
                return profile(ProfileRule::CommonNameNotInSan);
            }
        }
    }
    Ok(())
}

/// Whether a CN could be read as a host name or an IP address by some client.
fn looks_like_host(cn: &str) -> bool {
    let number = |s: &str| {
        let s = s.to_ascii_lowercase();
        match s.strip_prefix("0x") {
            Some(hex) => !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()),
            None => !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()),
        }
    };
    cn.contains(['.', ':']) || number(cn)
}

fn check_eku(cert: &Certificate, depth: usize, usage: Usage) -> Result<(), VerifyError> {
    if let Some(raw) = cert.ext_key_usage_raw() {
        let mut r = crate::asn1::Reader::new(raw, 0);
        while let Ok(o) = r.read(crate::asn1::tag::OID) {
            if o.value == usage.oid() {
                return Ok(());
            }
        }
        return Err(VerifyError::WrongUsage {
            cert: CertRef::of(depth, cert),
            usage,
        });
    }
    Ok(())
}

/// The rules a CA certificate must meet on its own, wherever it stands on a path: validity,
/// extensions, the profile, basicConstraints `cA`, keyUsage with keyCertSign.
fn check_ca_itself(
    issuer: &Certificate,
    depth: usize,
    at: OffsetDateTime,
    options: &VerifyOptions,
    is_anchor: bool,
) -> Result<crate::BasicConstraints, VerifyError> {
    let me = || CertRef::of(depth, issuer);
    if !is_anchor || options.anchor_validity {
        check_validity(issuer, depth, at)?;
    }
    check_common(issuer, depth, options, is_anchor)?;
    let Some(bc) = issuer.basic_constraints().filter(|bc| bc.ca) else {
        return Err(VerifyError::NotCa { cert: me() });
    };
    if options.pedantic {
        if !issuer.ext_flags().basic_constraints_critical {
            return Err(VerifyError::Profile {
                cert: me(),
                rule: ProfileRule::BasicConstraintsNotCritical,
            });
        }
        if issuer.subject_der() == [0x30, 0x00] {
            return Err(VerifyError::Profile {
                cert: me(),
                rule: ProfileRule::EmptyCaSubject,
            });
        }
        if issuer.subject_key_id().is_none() {
            return Err(VerifyError::Profile {
                cert: me(),
                rule: ProfileRule::MissingSubjectKeyId,
            });
        }
    }
    if issuer
        .key_usage()
        .is_some_and(|ku| !ku.contains(crate::KeyUsage::KEY_CERT_SIGN))
    {
        return Err(VerifyError::MissingKeyCertSign { cert: me() });
    }
    Ok(bc)
}

/// What a certificate certcycle issues is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// An end entity.
    Leaf,
    /// A CA issued by another CA.
    Intermediate,
    /// A self-signed CA, a trust anchor.
    Anchor,
}

/// The verifier's own per-certificate rules, strict profile on, applied to a certificate
/// certcycle has just issued at `at`: one set of rules for issuing and verifying, so that
/// certcycle never issues what its own verifier rejects. A leaf must also carry an
/// extKeyUsage without anyExtendedKeyUsage, and pass as the end entity for every TLS usage it
/// lists.
pub(crate) fn check_issued(
    cert: &Certificate,
    at: OffsetDateTime,
    role: Role,
) -> Result<(), VerifyError> {
    let strict = VerifyOptions::default();
    match role {
        Role::Leaf => {
            check_leaf(cert, at, &strict)?;
            let profile = |rule| {
                Err(VerifyError::Profile {
                    cert: CertRef::of(0, cert),
                    rule,
                })
            };
            let Some(ekus) = cert.extended_key_usage() else {
                return profile(ProfileRule::MissingExtendedKeyUsage);
            };
            if ekus.contains(&crate::ExtendedKeyUsage::Any) {
                return profile(ProfileRule::AnyExtendedKeyUsage);
            }
            for (eku, usage) in [
                (crate::ExtendedKeyUsage::ServerAuth, Usage::ServerAuth),
                (crate::ExtendedKeyUsage::ClientAuth, Usage::ClientAuth),
            ] {
                if ekus.contains(&eku) {
                    check_leaf(cert, at, &VerifyOptions::for_usage(usage))?;
                }
            }
            Ok(())
        }
        Role::Intermediate => check_ca_itself(cert, 1, at, &strict, false).map(|_| ()),
        Role::Anchor => check_ca_itself(cert, 1, at, &strict, true).map(|_| ()),
    }
}

/// Checks `issuer` as the CA at `depth` above `path` (leaf = path[0]).
pub(super) fn check_ca(
    issuer: &Certificate,
    depth: usize,
    path: &[&Certificate],
    at: OffsetDateTime,
    options: &VerifyOptions,
    is_anchor: bool,
    budget: &mut Budget,
) -> Result<(), VerifyError> {
    let me = || CertRef::of(depth, issuer);
    let bc = check_ca_itself(issuer, depth, at, options, is_anchor)?;
    if let Some((nc, critical)) = issuer.name_constraints_raw() {
        if options.pedantic && !critical {
            return Err(VerifyError::Profile {
                cert: me(),
                rule: ProfileRule::NameConstraintsNotCritical,
            });
        }
        for (d, cert) in path.iter().enumerate() {
            if d > 0 && cert.is_self_issued() {
                continue;
            }
            match super::constraints::check(nc, cert, budget) {
                Ok(()) => {}
                Err(super::constraints::Violation::Budget(e)) => return Err(*e),
                Err(super::constraints::Violation::NotPermitted(name)) => {
                    return Err(VerifyError::NameConstraintViolation {
                        cert: CertRef::of(d, cert),
                        constrained_by: me(),
                        name: name.into(),
                        excluded: false,
                    });
                }
                Err(super::constraints::Violation::Excluded(name)) => {
                    return Err(VerifyError::NameConstraintViolation {
                        cert: CertRef::of(d, cert),
                        constrained_by: me(),
                        name: name.into(),
                        excluded: true,
                    });
                }
                Err(
                    super::constraints::Violation::Unsupported(reason)
                    | super::constraints::Violation::Malformed(reason),
                ) => return Err(VerifyError::NameConstraintsUnsupported { cert: me(), reason }),
            }
        }
    }
    if let Some(max) = bc.path_len {
        // Intermediates between this CA and the leaf, not counting self-issued ones.
        let below = path[1..].iter().filter(|c| !c.is_self_issued()).count();
        if below > max as usize {
            return Err(VerifyError::PathLenExceeded {
                cert: me(),
                path_len: max,
            });
        }
    }
    if let Some(usage) = options.usage {
        check_eku(issuer, depth, usage)?;
    }
    Ok(())
}
