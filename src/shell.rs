//! Shell lines built from words, each quoted for POSIX `sh` (as cargo's and the shell-escape
//! crate's quoting do): a word of only safe characters stays as it is, any other is put in
//! single quotes, a single quote inside written as `'\''`. No word can end the command, start
//! another, expand a variable or substitute a command, whatever the input that named it.

// Public through `k8s`; without that feature only `plan`'s dated actions use it.
#![cfg_attr(not(feature = "k8s"), allow(unreachable_pub))]

use std::borrow::Cow;

/// Characters that need no quoting in any POSIX shell position.
fn safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '=' | '@' | ',' | '+')
}

/// `word` quoted for `sh`.
///
/// ```
/// # #[cfg(feature = "k8s")] {
/// use certcycle::k8s::shell_quote;
/// assert_eq!(shell_quote("linkerd-trust-anchor"), "linkerd-trust-anchor");
/// assert_eq!(shell_quote("a;touch${IFS}pwned"), "'a;touch${IFS}pwned'");
/// assert_eq!(shell_quote("it's"), "'it'\\''s'");
/// assert_eq!(shell_quote(""), "''");
/// # }
/// ```
pub fn shell_quote(word: &str) -> Cow<'_, str> {
    if !word.is_empty() && word.chars().all(safe) {
        return Cow::Borrowed(word);
    }
    let mut out = String::with_capacity(word.len() + 2);
    out.push('\'');
    for c in word.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    Cow::Owned(out)
}

/// The words joined into one command line, each [quoted](shell_quote).
pub fn shell_line<S: AsRef<str>>(words: &[S]) -> String {
    words
        .iter()
        .map(|w| shell_quote(w.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The command that copies Secret `from`'s `tls.crt` into Secret `to` (created, or replaced
/// with `kubectl apply`), each `namespace/name` (a bare name is in `default`): the seed's
/// copy of the anchor into the previous-anchor Secret a Bundle's second source reads.
pub(crate) fn copy_tls_crt(from: &str, to: &str) -> String {
    let split = |key: &str| -> (String, String) {
        match key.split_once('/') {
            Some((ns, n)) => (ns.to_owned(), n.to_owned()),
            None => ("default".to_owned(), key.to_owned()),
        }
    };
    let ((fns, f), (tns, t)) = (split(from), split(to));
    format!(
        "{} --from-file=tls.crt=<({} -o jsonpath='{{.data.tls\\.crt}}' | base64 -d) --dry-run=client -o yaml | kubectl apply -f -",
        shell_line(&["kubectl", "-n", &tns, "create", "secret", "generic", &t]),
        shell_line(&["kubectl", "-n", &fns, "get", "secret", &f]),
    )
}

/// The words of a line written by [`shell_line`] (single quotes and `'\''` only): `None` for
/// anything else. For tests and the fuzz target that check a line reads back as its words.
pub fn shell_words(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        if chars.peek().is_none() {
            return Some(words);
        }
        let mut word = String::new();
        while let Some(&c) = chars.peek() {
            match c {
                ' ' => break,
                '\'' => {
                    chars.next();
                    loop {
                        match chars.next()? {
                            '\'' => break,
                            c => word.push(c),
                        }
                    }
                }
                '\\' => {
                    chars.next();
                    word.push(chars.next()?);
                }
                c if safe(c) => {
                    word.push(c);
                    chars.next();
                }
                _ => return None,
            }
        }
        words.push(word);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_reads_one_secret_and_applies_the_other() {
        assert_eq!(
            copy_tls_crt("cert-manager/anchor", "prev"),
            "kubectl -n default create secret generic prev --from-file=tls.crt=<(kubectl -n cert-manager get secret anchor -o jsonpath='{.data.tls\\.crt}' | base64 -d) --dry-run=client -o yaml | kubectl apply -f -"
        );
        // A hostile name stays one word.
        assert!(copy_tls_crt("ns/a;rm -rf /", "b").contains("'a;rm -rf /'"));
    }

    #[test]
    fn quoted_words_read_back() {
        for w in [
            "plain",
            "",
            "a b",
            "it's",
            "''",
            "$(rm -rf /)",
            "`id`",
            "a\nb",
            "x;touch${IFS}pwned;echo",
            "\\",
            "*",
            "~root",
            "#c",
        ] {
            let line = shell_line(&["kubectl", w]);
            assert_eq!(
                shell_words(&line),
                Some(vec!["kubectl".to_owned(), w.to_owned()]),
                "{line}"
            );
        }
    }
}
