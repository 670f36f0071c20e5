//! How a server is set up: its bearer token and its limits.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// The bearer token every request but the probes and the document must carry.
///
/// Its `Debug` shows no character of it, so it can sit in structs that are logged.
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken(String);

/// The fewest characters of a token: 128 bits of a random hex or base64 string.
pub const MIN_TOKEN_LEN: usize = 22;

/// Why a string is not a [`BearerToken`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BearerTokenError {
    /// Shorter than [`MIN_TOKEN_LEN`]: guessable.
    #[error(
        "the token is too short: use at least 22 random characters (e.g. `openssl rand -hex 32`)"
    )]
    TooShort,
    /// A character a bearer token cannot have (RFC 6750's `b64token`).
    #[error("the token may hold only letters, digits and - . _ ~ + / =")]
    InvalidCharacter,
}

impl FromStr for BearerToken {
    type Err = BearerTokenError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        // A token read from a file or an environment variable often ends with a newline.
        let token = input.trim_end_matches(['\n', '\r']);
        if !token
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"-._~+/=".contains(&byte))
        {
            return Err(BearerTokenError::InvalidCharacter);
        }
        if token.len() < MIN_TOKEN_LEN {
            return Err(BearerTokenError::TooShort);
        }
        Ok(Self(token.to_owned()))
    }
}

impl BearerToken {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(***)")
    }
}

/// A server's settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// The token requests must carry; `None` lets every request in (loopback only: the CLI
    /// refuses to serve another address without one).
    pub token: Option<BearerToken>,
    /// The largest request body, in bytes.
    pub body_limit: usize,
    /// How long a request may take before it is answered `503`.
    pub request_timeout: Duration,
    /// How many requests are served at once; more are answered `503` at once.
    pub concurrency_limit: usize,
}

impl Config {
    /// The default body limit: a batch of 1000 addresses of the longest length is 260 KB.
    pub const DEFAULT_BODY_LIMIT: usize = 512 * 1024;
    /// The default request timeout: longer than an operation's own bound (the database's
    /// statement timeout, 30 s), so that a slow operation reports its own error first.
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(45);
    /// The default concurrency limit: a few times the database pool's connections.
    pub const DEFAULT_CONCURRENCY_LIMIT: usize = 256;
}

impl Default for Config {
    fn default() -> Self {
        Self {
            token: None,
            body_limit: Self::DEFAULT_BODY_LIMIT,
            request_timeout: Self::DEFAULT_REQUEST_TIMEOUT,
            concurrency_limit: Self::DEFAULT_CONCURRENCY_LIMIT,
        }
    }
}
