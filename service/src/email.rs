//! [`Email`]: an address that has been checked and normalized, and nothing else.

use std::fmt;
use std::str::FromStr;

/// The longest address accepted, in characters (RFC 5321's limit on a forward path).
pub const MAX_EMAIL_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;
const MAX_LABEL_LEN: usize = 63;

/// A valid email address, normalized to lowercase.
///
/// The accepted language is a deliberate subset of RFC 5322's `addr-spec`: printable ASCII only
/// (no lookalike Unicode), a dot-atom local part (no quoted strings or comments) and a domain
/// name of at least two labels (no IP literals, no bare `localhost`). Addresses are compared
/// case-insensitively, as every mail provider in practice does, so the whole address is stored
/// and compared lowercased: `Alice@Example.com` and `alice@example.com` are one address.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

/// Why a string is not an [`Email`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmailError {
    /// The input is empty.
    #[error("email address is empty")]
    Empty,
    /// The input is longer than [`MAX_EMAIL_LEN`].
    #[error("email address is longer than {MAX_EMAIL_LEN} characters")]
    TooLong,
    /// The input contains whitespace, leading and trailing included.
    #[error("email address contains whitespace")]
    Whitespace,
    /// The input contains a control character (NUL included).
    #[error("email address contains a control character")]
    ControlCharacter,
    /// The input contains a character outside ASCII.
    #[error("email address contains a character outside ASCII")]
    NotAscii,
    /// The input has no `@`, or more than one.
    #[error("email address must contain exactly one '@'")]
    AtSign,
    /// The part before `@` is empty, too long, or not a dot-atom.
    #[error("the part of the email address before '@' is not valid")]
    LocalPart,
    /// The part after `@` is not a domain name of at least two labels.
    #[error("the domain of the email address is not valid")]
    Domain,
}

impl Email {
    /// Parses and normalizes `input`.
    ///
    /// # Errors
    ///
    /// An [`EmailError`] saying what is wrong with `input`.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        if input.is_empty() {
            return Err(EmailError::Empty);
        }
        if input.chars().count() > MAX_EMAIL_LEN {
            return Err(EmailError::TooLong);
        }
        if let Some(bad) = input.chars().find(|c| !c.is_ascii_graphic()) {
            return Err(if bad.is_whitespace() {
                EmailError::Whitespace
            } else if bad.is_control() {
                EmailError::ControlCharacter
            } else {
                EmailError::NotAscii
            });
        }
        let (local, domain) = match input.split_once('@') {
            Some((local, domain)) if !domain.contains('@') => (local, domain),
            _ => return Err(EmailError::AtSign),
        };
        if !is_local_part(local) {
            return Err(EmailError::LocalPart);
        }
        if !is_domain(domain) {
            return Err(EmailError::Domain);
        }
        Ok(Self(input.to_ascii_lowercase()))
    }

    /// The normalized address.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The normalized address, owned.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A dot-atom (RFC 5322 §3.2.3): atoms of `atext` joined by single dots.
fn is_local_part(local: &str) -> bool {
    local.len() <= MAX_LOCAL_LEN
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c))
        })
}

/// A host name (RFC 1035 §2.3.1 as relaxed by RFC 1123) of two labels or more, whose last
/// label is not all digits (that would be an IP address, not a domain).
fn is_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        (1..=MAX_LABEL_LEN).contains(&label.len())
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels
            .last()
            .is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()))
}

impl FromStr for Email {
    type Err = EmailError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::parse(input)
    }
}

impl TryFrom<&str> for Email {
    type Error = EmailError;

    fn try_from(input: &str) -> Result<Self, Self::Error> {
        Self::parse(input)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<Email> for String {
    fn from(email: Email) -> Self {
        email.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_address_is_lowercased() {
        assert_eq!(
            Email::parse("Alice.O'Brien+Tag@Mail.Example.COM").map(Email::into_string),
            Ok("alice.o'brien+tag@mail.example.com".to_owned())
        );
    }

    #[test]
    fn each_kind_of_bad_input_gets_its_own_error() {
        let cases = [
            ("", EmailError::Empty),
            (" a@example.com", EmailError::Whitespace),
            ("a@example.com\n", EmailError::Whitespace),
            ("a\0@example.com", EmailError::ControlCharacter),
            ("\u{7f}a@example.com", EmailError::ControlCharacter),
            ("а@example.com", EmailError::NotAscii), // Cyrillic 'а'
            ("example.com", EmailError::AtSign),
            ("a@b@example.com", EmailError::AtSign),
            ("@example.com", EmailError::LocalPart),
            (".a@example.com", EmailError::LocalPart),
            ("a..b@example.com", EmailError::LocalPart),
            ("\"a\"@example.com", EmailError::LocalPart),
            ("a@", EmailError::Domain),
            ("a@localhost", EmailError::Domain),
            ("a@-example.com", EmailError::Domain),
            ("a@example..com", EmailError::Domain),
            ("a@127.0.0.1", EmailError::Domain),
            ("a@[127.0.0.1]", EmailError::Domain),
        ];
        for (input, expected) in cases {
            assert_eq!(Email::parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn length_limits_are_inclusive() {
        let local = "a".repeat(MAX_LOCAL_LEN);
        let domain = format!(
            "{}.{}.{}.com",
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(57)
        );
        let longest = format!("{local}@{domain}");
        assert_eq!(longest.len(), MAX_EMAIL_LEN);
        assert!(Email::parse(&longest).is_ok());
        assert_eq!(
            Email::parse(&format!("{local}@{domain}x")),
            Err(EmailError::TooLong)
        );
        assert_eq!(
            Email::parse(&format!("{local}a@example.com")),
            Err(EmailError::LocalPart)
        );
    }
}
