//! Prepared public keys (DESIGN §13): ECDSA P-256 verification with precomputed fixed-base
//! tables, for a key that verifies many signatures (an identity issuer under which every
//! workload leaf is signed).
//!
//! ECDSA verification computes `R = u1·G + u2·Q` and compares `x(R) mod n` with `r`. p256 0.13
//! does it with two general scalar multiplications (a few hundred doublings). With a table of
//! `j · 2^(w·i) · B` for every window position `i` and signed digit `j` of a base `B`, a scalar
//! multiplication is one point addition per window and no doubling: one static table for `G`,
//! built once (a `OnceLock`, no other global state), and one per prepared key. Only p256's
//! public arithmetic is used (`ProjectivePoint`, `Scalar`); every input is public, so the code
//! is variable-time.
//!
//! The rest is p256's own `verify_prehashed`, step for step (`ecdsa` 0.16 `hazmat`): the same
//! signature parsing (DER, `r` and `s` in `[1, n-1]`), `z` = the digest's leftmost 256 bits
//! reduced mod `n`, `s⁻¹` by `invert_vartime`, and `x(R)` reduced mod `n` compared with `r`
//! (which also covers `x(R) = r + n` when `r + n < p`). p256 0.13 keeps projective
//! coordinates private, so `x(R)` costs one field inversion (`to_affine`), as in p256.
//!
//! Window width: measured on this machine (`cargo bench --bench verify`, see the closing note
//! of the prepared-keys issue) — [`WINDOW`] bits, signed digits.

use p256::elliptic_curve::group::Group;
use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::point::AffineCoordinates;
use p256::{FieldBytes, ProjectivePoint, Scalar, U256};
use std::sync::OnceLock;

/// Bits per window.
pub(crate) const WINDOW: usize = 8;
/// Digits per scalar: 256 / w windows plus the final carry.
const POSITIONS: usize = 256 / WINDOW + 1;
/// Multiples per position: signed digits `1..=2^(w-1)` (their negations are free).
const HALF: usize = 1 << (WINDOW - 1);

/// `j · 2^(w·i) · B` for `i < POSITIONS`, `1 <= j <= HALF`.
///
/// The entries stay projective: normalizing them to affine (for cheaper mixed additions)
/// needs a field inversion per point through p256 0.13's public API — its batch normalization
/// is unavailable there (`FieldElement` does not implement `Invert`, which primeorder's
/// `BatchNormalize` requires), and one inversion per entry would make a table cost ~40 ms.
/// A projective addition costs about one field multiplication more than a mixed one.
#[derive(Clone)]
pub(crate) struct Table {
    entries: Vec<ProjectivePoint>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("points", &self.entries.len())
            .field("bytes", &Self::BYTES)
            .finish()
    }
}

impl Table {
    /// Memory of one table (the bound the cache counts in).
    pub(crate) const BYTES: usize = POSITIONS * HALF * std::mem::size_of::<ProjectivePoint>();

    /// The table of `base`.
    pub(crate) fn new(base: ProjectivePoint) -> Self {
        let mut entries = Vec::with_capacity(POSITIONS * HALF);
        let mut b = base;
        for _ in 0..POSITIONS {
            let mut acc = ProjectivePoint::IDENTITY;
            for _ in 0..HALF {
                acc += b;
                entries.push(acc);
            }
            for _ in 0..WINDOW {
                b = b.double();
            }
        }
        Self { entries }
    }

    /// `k · B`, one mixed addition per non-zero signed digit of `k`.
    pub(crate) fn mul(&self, k: &Scalar) -> ProjectivePoint {
        let mut acc = ProjectivePoint::IDENTITY;
        for (i, d) in signed_digits(k).iter().enumerate() {
            let d = *d;
            if d == 0 {
                continue;
            }
            let entry = &self.entries[i * HALF + d.unsigned_abs() as usize - 1];
            if d > 0 {
                acc += entry;
            } else {
                acc += -*entry;
            }
        }
        acc
    }
}

/// The signed base-2^w digits of `k` (least significant first), each in `[-HALF, HALF)`,
/// the last one the final carry.
fn signed_digits(k: &Scalar) -> [i16; POSITIONS] {
    let bytes = k.to_bytes(); // big-endian
    let mut out = [0i16; POSITIONS];
    let mut carry = 0i16;
    for (i, digit) in out.iter_mut().enumerate().take(POSITIONS - 1) {
        // Bits [w·i, w·i + w) of the little-endian integer.
        let bit = i * WINDOW;
        let byte = 31 - bit / 8;
        let raw = if WINDOW == 8 {
            i16::from(bytes[byte])
        } else {
            i16::from((bytes[byte] >> (bit % 8)) & ((1 << WINDOW) - 1) as u8)
        };
        let d = raw + carry;
        if d >= HALF as i16 {
            *digit = d - (1 << WINDOW);
            carry = 1;
        } else {
            *digit = d;
            carry = 0;
        }
    }
    out[POSITIONS - 1] = carry;
    out
}

/// The table of the generator, built on first use.
fn generator_table() -> &'static Table {
    static G: OnceLock<Table> = OnceLock::new();
    G.get_or_init(|| Table::new(ProjectivePoint::generator()))
}

/// A P-256 public key with its precomputed table: verifies ECDSA signatures with exactly the
/// verdicts of p256's `VerifyingKey`, several times faster. Worth it for a key that verifies
/// many signatures (an issuer's, over its workloads' leaves); building the table costs about
/// as much as a handful of plain verifications, and it takes [`PreparedKey::TABLE_BYTES`].
/// [`crate::SignatureCache`] prepares the CA keys it sees more than once by itself.
///
/// ```
/// use certcycle::{PreparedKey, PrivateKey, presets::linkerd, Ca};
/// let now = time::macros::datetime!(2026-01-01 0:00 UTC);
/// let rng = &mut rand_core::OsRng;
/// let anchor = Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(rng), now, rng)?;
/// let issuer = anchor.issue_ca(&linkerd::identity_issuer(), PrivateKey::generate(rng), now, rng)?.ca;
/// let prepared = PreparedKey::new(anchor.certificate().public_key()?);
/// assert!(issuer.certificate().is_signed_by_prepared(&prepared));
/// # Ok::<(), certcycle::Error>(())
/// ```
#[derive(Clone)]
pub struct PreparedKey {
    key: super::PublicKey,
    table: Table,
}

impl std::fmt::Debug for PreparedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedKey")
            .field("key", &self.key)
            .field("table_bytes", &Self::TABLE_BYTES)
            .finish()
    }
}

impl PreparedKey {
    /// The memory one prepared key's table takes.
    pub const TABLE_BYTES: usize = Table::BYTES;

    /// Builds the table of `key` (the `verify/prepare_key` bench says how long it takes).
    pub fn new(key: super::PublicKey) -> Self {
        let table = Table::new(ProjectivePoint::from(*key.key.as_affine()));
        Self { key, table }
    }

    /// The public key.
    pub fn public_key(&self) -> &super::PublicKey {
        &self.key
    }

    /// Verifies a DER ECDSA signature over `msg` with SHA-256 (or SHA-384 when `sha384`),
    /// with the verdict p256's `VerifyingKey::verify` / `verify_prehash` gives.
    pub(crate) fn verify(&self, msg: &[u8], der_sig: &[u8], sha384: bool) -> bool {
        use sha2::Digest;
        let Ok(der) = p256::ecdsa::DerSignature::from_bytes(der_sig) else {
            return false;
        };
        let Ok(sig) = p256::ecdsa::Signature::try_from(der) else {
            return false;
        };
        // bits2field: the digest's leftmost 256 bits (SHA-384's first 32 bytes).
        let z: FieldBytes = if sha384 {
            let d = sha2::Sha384::digest(msg);
            let mut z = FieldBytes::default();
            z.copy_from_slice(&d[..32]);
            z
        } else {
            sha2::Sha256::digest(msg)
        };
        self.verify_prehashed(&z, &sig)
    }

    /// ecdsa's `verify_prehashed` with table multiplications.
    fn verify_prehashed(&self, z: &FieldBytes, sig: &p256::ecdsa::Signature) -> bool {
        use p256::elliptic_curve::ops::Invert;
        let z = <Scalar as Reduce<U256>>::reduce_bytes(z);
        let (r, s) = sig.split_scalars();
        let s_inv = *s.invert_vartime();
        let u1 = z * s_inv;
        let u2 = *r * s_inv;
        let point = generator_table().mul(&u1) + self.table.mul(&u2);
        let x = point.to_affine().x();
        *r == <Scalar as Reduce<U256>>::reduce_bytes(&x)
    }

    /// [`PreparedKey::verify`] for an ECDSA P-256 / SHA-256 signature, public for
    /// differential tests and benches: the verdict p256's `VerifyingKey::verify` gives.
    #[doc(hidden)]
    pub fn verify_sha256(&self, msg: &[u8], der_sig: &[u8]) -> bool {
        self.verify(msg, der_sig, false)
    }
}

/// `k · G` through the generator table (for tests: it must equal p256's own).
#[cfg(test)]
fn mul_generator(k: &Scalar) -> ProjectivePoint {
    generator_table().mul(k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::elliptic_curve::Field;
    use p256::elliptic_curve::ops::MulByGenerator;

    #[test]
    fn table_multiplication_is_scalar_multiplication() {
        let rng = &mut rand_core::OsRng;
        let q = ProjectivePoint::mul_by_generator(&Scalar::random(&mut *rng));
        let table = Table::new(q);
        let minus_one = -Scalar::ONE;
        let edges = [
            Scalar::ZERO,
            Scalar::ONE,
            minus_one,
            Scalar::from(HALF as u64),
            Scalar::from((HALF - 1) as u64),
            Scalar::from(u64::MAX),
        ];
        for k in edges
            .into_iter()
            .chain((0..32).map(|_| Scalar::random(&mut *rng)))
        {
            assert_eq!(table.mul(&k), q * k, "{k:?}");
            assert_eq!(mul_generator(&k), ProjectivePoint::mul_by_generator(&k));
        }
    }

    #[test]
    fn u1_zero_and_digests_that_reduce_to_zero() {
        use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
        let signer = p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
        let public = super::super::PublicKey::from_sec1_point(
            signer.verifying_key().to_encoded_point(false).as_bytes(),
        )
        .unwrap();
        let prepared = PreparedKey::new(public);
        // z = 0 (u1 = 0: only u2·Q contributes) and z = n (reduces to 0 too).
        let n = [
            0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2,
            0xfc, 0x63, 0x25, 0x51,
        ];
        for z in [[0u8; 32], n] {
            let sig: p256::ecdsa::Signature = signer.sign_prehash(&z).unwrap();
            assert!(signer.verifying_key().verify_prehash(&z, &sig).is_ok());
            assert!(prepared.verify_prehashed(&FieldBytes::from(z), &sig));
            let mut other = z;
            other[31] ^= 1;
            assert!(!prepared.verify_prehashed(&FieldBytes::from(other), &sig));
        }
    }
}
