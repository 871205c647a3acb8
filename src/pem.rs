//! PEM text (RFC 7468) split into blocks, with the position of every block.
//!
//! The reader is deliberately strict where strictness protects the user and lenient where
//! real tools differ harmlessly:
//! - text outside blocks is ignored (RFC 7468 §2), CRLF and LF line ends are both accepted,
//!   and trailing spaces or tabs on a line are ignored;
//! - base64 is strict: the standard alphabet only, padding only at the end, no non-zero
//!   trailing bits (RFC 4648 §3.5); lines may be of any length up to 76 characters (RFC 7468
//!   §3 writers use 64, MIME writers 76);
//! - encapsulated headers (RFC 1421 `Proc-Type:`) are rejected: they mean an encrypted or
//!   legacy block that certcycle cannot use;
//! - a block whose END label differs from its BEGIN label, or which never ends, is an error.
//!
//! Output ([`encode`]) is RFC 7468 §3 strict: 64-column lines, LF, and nothing else.

use std::fmt;

/// A PEM problem, and where it is: the 1-based block number and the 1-based line of the
/// block's `-----BEGIN` line (or of the offending line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("PEM block {block} (line {line}): {kind}")]
#[non_exhaustive]
pub struct PemError {
    /// 1-based number of the block in its text (0 when the text has no block at all).
    pub block: usize,
    /// 1-based line number in the text.
    pub line: usize,
    /// What was wrong.
    pub kind: PemErrorKind,
}

impl PemError {
    /// The error `kind` in block `block` at line `line` (to build the expected value of an
    /// `assert_eq!`).
    ///
    /// ```
    /// use certcycle::{PemError, PemErrorKind};
    /// let e = PemError::new(1, 1, PemErrorKind::Unterminated);
    /// assert_eq!(e.block, 1);
    /// ```
    pub fn new(block: usize, line: usize, kind: PemErrorKind) -> Self {
        Self { block, line, kind }
    }
}

/// What was wrong with a PEM block.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PemErrorKind {
    /// The text holds no `-----BEGIN` line at all.
    NoBlock,
    /// The block never reaches its `-----END` line.
    Unterminated,
    /// The `-----END` label is not the `-----BEGIN` label.
    MismatchedLabel {
        /// The BEGIN label.
        begin: String,
        /// The END label.
        end: String,
    },
    /// A BEGIN or END line is not of the form `-----BEGIN LABEL-----`.
    MalformedBoundary,
    /// The block has RFC 1421 headers (such as `Proc-Type: 4,ENCRYPTED`).
    Headers,
    /// A character outside the base64 alphabet, misplaced padding, or non-canonical bits.
    Base64 {
        /// 1-based line of the bad character.
        line: usize,
    },
    /// A base64 line longer than 76 characters.
    LineTooLong {
        /// 1-based line number.
        line: usize,
    },
    /// The block has a label other than the one expected here.
    WrongLabel {
        /// The label that was expected.
        expected: &'static str,
        /// The label that was found.
        found: String,
    },
    /// The block is empty.
    Empty,
    /// One block was expected and the text has more.
    MoreThanOneBlock {
        /// How many blocks there are.
        count: usize,
    },
    /// A `-----BEGIN`/`-----END` boundary where none may stand: indented or prefixed
    /// (`key: -----BEGIN ...`), or inside a block's base64. Never skipped as text, so a key
    /// or a certificate cannot slip past unseen.
    MisplacedBoundary {
        /// 1-based line number.
        line: usize,
    },
}

impl fmt::Display for PemErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoBlock => f.write_str("no '-----BEGIN' line found"),
            Self::Unterminated => f.write_str("block has no '-----END' line"),
            Self::MismatchedLabel { begin, end } => {
                write!(f, "BEGIN label '{begin}' does not match END label '{end}'")
            }
            Self::MalformedBoundary => f.write_str("malformed '-----BEGIN/END LABEL-----' line"),
            Self::Headers => f.write_str(
                "block has encapsulated headers (e.g. 'Proc-Type:'); encrypted or legacy PEM is \
                 not supported",
            ),
            Self::Base64 { line } => write!(f, "invalid base64 on line {line}"),
            Self::LineTooLong { line } => write!(f, "base64 line {line} is longer than 76"),
            Self::WrongLabel { expected, found } => {
                write!(f, "expected a '{expected}' block, found '{found}'")
            }
            Self::Empty => f.write_str("block has no content"),
            Self::MoreThanOneBlock { count } => write!(
                f,
                "expected one block, found {count} (a key file holds one key; read a chain with \
                 Certificate::all_from_pem)"
            ),
            Self::MisplacedBoundary { line } => write!(
                f,
                "line {line} holds a '-----BEGIN/END' boundary that is indented, prefixed or \
                 inside a block"
            ),
        }
    }
}

/// One PEM block as found in a text. The payload is not decoded until asked for, so a block
/// that must never be decoded (a private key in a bundle source) never is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawBlock<'a> {
    pub(crate) label: &'a str,
    /// 1-based block number.
    pub(crate) block: usize,
    /// 1-based line of the BEGIN line.
    pub(crate) line: usize,
    /// The text between the BEGIN and END lines.
    body: &'a str,
}

impl RawBlock<'_> {
    pub(crate) fn error(&self, kind: PemErrorKind) -> PemError {
        PemError {
            block: self.block,
            line: self.line,
            kind,
        }
    }

    /// Decodes a secret payload (a private key) with the same line reader as
    /// [`RawBlock::decode_into`], a constant-time alphabet lookup, and a buffer allocated once
    /// (no reallocation leaves a copy behind) that is zeroized on drop.
    pub(crate) fn decode_secret(&self) -> Result<zeroize::Zeroizing<Vec<u8>>, PemError> {
        let mut out = zeroize::Zeroizing::new(Vec::with_capacity(self.decoded_len_hint()));
        self.decode_with(&mut out, true)?;
        Ok(out)
    }

    /// An upper bound of the decoded size, for allocating once.
    pub(crate) fn decoded_len_hint(&self) -> usize {
        self.body.len() / 4 * 3 + 3
    }

    /// Decodes the base64 payload, appending to `out`.
    pub(crate) fn decode_into(&self, out: &mut Vec<u8>) -> Result<(), PemError> {
        self.decode_with(out, false)
    }

    /// The one line reader for every block: trailing CR, spaces and tabs are ignored, blank
    /// lines skipped; a header line, a boundary out of place or a line over 76 characters is
    /// an error naming its line; base64 is strict.
    fn decode_with(&self, out: &mut Vec<u8>, secret: bool) -> Result<(), PemError> {
        let mut dec = Base64Decoder::new(secret);
        let start_len = out.len();
        let mut last_line = self.line;
        for (i, raw_line) in self.body.split('\n').enumerate() {
            let line_no = self.line + 1 + i;
            let line = raw_line.trim_end_matches(['\r', ' ', '\t']);
            if line.is_empty() {
                continue;
            }
            if line.contains(':') {
                return Err(self.error(PemErrorKind::Headers));
            }
            // A '-' never occurs in base64: look for the boundary only where one does (the
            // substring search costs a searcher per line).
            if line.as_bytes().contains(&b'-') && line.contains(DASHES) {
                return Err(self.error(PemErrorKind::MisplacedBoundary { line: line_no }));
            }
            if line.len() > 76 {
                return Err(self.error(PemErrorKind::LineTooLong { line: line_no }));
            }
            last_line = line_no;
            dec.feed(line.as_bytes(), out)
                .map_err(|()| self.error(PemErrorKind::Base64 { line: line_no }))?;
        }
        dec.finish(out)
            .map_err(|()| self.error(PemErrorKind::Base64 { line: last_line }))?;
        if out.len() == start_len {
            return Err(self.error(PemErrorKind::Empty));
        }
        Ok(())
    }
}

/// Iterates over the blocks of a PEM text.
#[derive(Debug, Clone)]
pub(crate) struct Blocks<'a> {
    rest: &'a str,
    line: usize,
    block: usize,
    failed: bool,
}

impl<'a> Blocks<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self {
            rest: text,
            line: 1,
            block: 0,
            failed: false,
        }
    }
}

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";
const DASHES: &str = "-----";

fn boundary_label<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let line = line.trim_end_matches(['\r', ' ', '\t']);
    let label = line.strip_prefix(prefix)?.strip_suffix(DASHES)?;
    let ok = label.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
    (ok && !label.starts_with(' ') && !label.ends_with(' ')).then_some(label)
}

impl<'a> Iterator for Blocks<'a> {
    type Item = Result<RawBlock<'a>, PemError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        // Find the next BEGIN line; text before it is explanatory text (RFC 7468 §2).
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let (line, rest) = self.rest.split_once('\n').unwrap_or((self.rest, ""));
            let this_line = self.line;
            self.rest = rest;
            self.line += 1;
            if !line.starts_with(BEGIN) {
                if line.contains(BEGIN) || line.contains(END) {
                    // An indented or prefixed boundary, or an END with no BEGIN: never text.
                    self.failed = true;
                    self.block += 1;
                    return Some(Err(PemError {
                        block: self.block,
                        line: this_line,
                        kind: PemErrorKind::MisplacedBoundary { line: this_line },
                    }));
                }
                continue;
            }
            self.block += 1;
            let block = self.block;
            let Some(label) = boundary_label(line, BEGIN) else {
                self.failed = true;
                return Some(Err(PemError {
                    block,
                    line: this_line,
                    kind: PemErrorKind::MalformedBoundary,
                }));
            };
            // Find the END line.
            let body_start = self.rest;
            let mut body_len = 0;
            loop {
                if self.rest.is_empty() {
                    self.failed = true;
                    return Some(Err(PemError {
                        block,
                        line: this_line,
                        kind: PemErrorKind::Unterminated,
                    }));
                }
                let (l, r) = self.rest.split_once('\n').unwrap_or((self.rest, ""));
                let consumed = self.rest.len() - r.len();
                self.rest = r;
                self.line += 1;
                if l.starts_with(END) {
                    let Some(end_label) = boundary_label(l, END) else {
                        self.failed = true;
                        return Some(Err(PemError {
                            block,
                            line: self.line - 1,
                            kind: PemErrorKind::MalformedBoundary,
                        }));
                    };
                    if end_label != label {
                        self.failed = true;
                        return Some(Err(PemError {
                            block,
                            line: self.line - 1,
                            kind: PemErrorKind::MismatchedLabel {
                                begin: label.to_owned(),
                                end: end_label.to_owned(),
                            },
                        }));
                    }
                    return Some(Ok(RawBlock {
                        label,
                        block,
                        line: this_line,
                        body: &body_start[..body_len],
                    }));
                }
                if l.starts_with(BEGIN) {
                    self.failed = true;
                    return Some(Err(PemError {
                        block,
                        line: this_line,
                        kind: PemErrorKind::Unterminated,
                    }));
                }
                body_len += consumed;
            }
        }
    }
}

/// Decodes the only block of `text`, which must carry `label`.
pub(crate) fn decode_single(text: &str, label: &'static str) -> Result<Vec<u8>, PemError> {
    let mut blocks = Blocks::new(text);
    let block = match blocks.next() {
        None => {
            return Err(PemError {
                block: 0,
                line: 1,
                kind: PemErrorKind::NoBlock,
            });
        }
        Some(b) => b?,
    };
    if block.label != label {
        return Err(block.error(PemErrorKind::WrongLabel {
            expected: label,
            found: block.label.into(),
        }));
    }
    let mut out = Vec::new();
    block.decode_into(&mut out)?;
    Ok(out)
}

/// Appends one RFC 7468 block to `out`: 64-column base64 lines, LF line ends.
pub(crate) fn encode_into(label: &str, der: &[u8], out: &mut String) {
    out.reserve(der.len() * 4 / 3 + der.len() / 48 + label.len() * 2 + 32);
    out.push_str(BEGIN);
    out.push_str(label);
    out.push_str("-----\n");
    for chunk in der.chunks(48) {
        encode_base64(chunk, out);
        out.push('\n');
    }
    out.push_str(END);
    out.push_str(label);
    out.push_str("-----\n");
}

/// One RFC 7468 block as a string.
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let mut s = String::new();
    encode_into(label, der, &mut s);
    s
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn encode_base64(data: &[u8], out: &mut String) {
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        let chars = [
            ALPHABET[(n >> 18) as usize & 63],
            ALPHABET[(n >> 12) as usize & 63],
            if chunk.len() > 1 {
                ALPHABET[(n >> 6) as usize & 63]
            } else {
                b'='
            },
            if chunk.len() > 2 {
                ALPHABET[n as usize & 63]
            } else {
                b'='
            },
        ];
        for c in chars {
            out.push(c as char);
        }
    }
}

const INVALID: u8 = 0xff;
const DECODE: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// A strict streaming base64 decoder. Certificates are public, so this is a plain table
/// decoder; private keys go through pem-rfc7468's constant-time decoder instead.
#[derive(Debug)]
struct Base64Decoder {
    acc: u32,
    n: u8,
    padding: u8,
    /// Decoding a secret: look characters up in constant time.
    secret: bool,
}

impl Drop for Base64Decoder {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.acc);
    }
}

/// The base64 value of `c` (0xff if outside the alphabet) without a secret-dependent branch
/// or table index: range checks by sign-bit masks (the technique of RFC 7468 constant-time
/// decoders such as base64ct).
fn decode_ct(c: u8) -> u8 {
    let c = i16::from(c);
    let mut v: i16 = -1;
    v += (((0x40 - c) & (c - 0x5b)) >> 8) & (c - 64); // A-Z → 0..25
    v += (((0x60 - c) & (c - 0x7b)) >> 8) & (c - 70); // a-z → 26..51
    v += (((0x2f - c) & (c - 0x3a)) >> 8) & (c + 5); // 0-9 → 52..61
    v += (((0x2a - c) & (c - 0x2c)) >> 8) & 63; // + → 62
    v += (((0x2e - c) & (c - 0x30)) >> 8) & 64; // / → 63
    v.to_le_bytes()[0]
}

impl Base64Decoder {
    fn new(secret: bool) -> Self {
        Self {
            acc: 0,
            n: 0,
            padding: 0,
            secret,
        }
    }

    fn feed(&mut self, line: &[u8], out: &mut Vec<u8>) -> Result<(), ()> {
        for &c in line {
            if c == b'=' {
                // Padding may only complete a quantum of two or three characters.
                if self.n < 2 || self.padding + self.n >= 4 {
                    return Err(());
                }
                self.padding += 1;
                continue;
            }
            if self.padding > 0 {
                return Err(());
            }
            let v = if self.secret {
                decode_ct(c)
            } else {
                DECODE[c as usize]
            };
            if v == INVALID {
                return Err(());
            }
            self.acc = self.acc << 6 | v as u32;
            self.n += 1;
            if self.n == 4 {
                out.extend_from_slice(&[
                    (self.acc >> 16) as u8,
                    (self.acc >> 8) as u8,
                    self.acc as u8,
                ]);
                self.acc = 0;
                self.n = 0;
            }
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), ()> {
        match (self.n, self.padding) {
            (0, 0) => Ok(()),
            (2, 2) if self.acc & 0xf == 0 => {
                out.push((self.acc >> 4) as u8);
                Ok(())
            }
            (3, 1) if self.acc & 0x3 == 0 => {
                out.extend_from_slice(&[(self.acc >> 10) as u8, (self.acc >> 2) as u8]);
                Ok(())
            }
            _ => Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(text: &str) -> Result<Vec<(String, Vec<u8>)>, PemError> {
        Blocks::new(text)
            .map(|b| {
                let b = b?;
                let mut v = Vec::new();
                b.decode_into(&mut v)?;
                Ok((b.label.to_owned(), v))
            })
            .collect()
    }

    #[test]
    fn constant_time_lookup_is_the_table() {
        for c in 0..=255u8 {
            assert_eq!(decode_ct(c), DECODE[c as usize], "{c:#04x}");
        }
    }

    #[test]
    fn round_trips_all_lengths() {
        for len in 1..200usize {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let pem = encode("CERTIFICATE", &data);
            let got = decode_all(&pem).unwrap();
            assert_eq!(got, vec![("CERTIFICATE".to_owned(), data)], "len {len}");
            assert!(pem.lines().all(|l| l.len() <= 64));
        }
    }

    #[test]
    fn crlf_and_explanatory_text() {
        let pem = encode("CERTIFICATE", b"hello world").replace('\n', "\r\n");
        let text = format!("Subject: junk\r\n{pem}trailing junk\r\n{pem}");
        let got = decode_all(&text).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].1, b"hello world");
    }

    #[test]
    fn strict_base64() {
        let bad = "-----BEGIN CERTIFICATE-----\naGVsbG9=\n-----END CERTIFICATE-----\n";
        let e = decode_all(bad).unwrap_err();
        assert_eq!(e.kind, PemErrorKind::Base64 { line: 2 });
        let bad = "-----BEGIN CERTIFICATE-----\naGV*bG8=\n-----END CERTIFICATE-----\n";
        assert_eq!(
            decode_all(bad).unwrap_err().kind,
            PemErrorKind::Base64 { line: 2 }
        );
        let bad = "x\n-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERT-----\n";
        let e = decode_all(bad).unwrap_err();
        assert_eq!((e.block, e.line), (1, 4));
        assert!(matches!(e.kind, PemErrorKind::MismatchedLabel { .. }));
        let bad = "-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\naGVsbG8=\n-----END CERTIFICATE-----\n";
        assert_eq!(decode_all(bad).unwrap_err().kind, PemErrorKind::Headers);
        let bad = "-----BEGIN CERTIFICATE-----\naGVsbG8=\n";
        assert_eq!(
            decode_all(bad).unwrap_err().kind,
            PemErrorKind::Unterminated
        );
    }
}
