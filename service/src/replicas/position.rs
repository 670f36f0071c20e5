//! [`WalPosition`]: a point in PostgreSQL's write-ahead log, as `pg_lsn` prints it.

use std::fmt;
use std::str::FromStr;

/// A position in the primary's write-ahead log (PostgreSQL's `pg_lsn`): every commit ends at
/// one, and a replica that has replayed the log up to it shows that commit.
///
/// Written as PostgreSQL writes it, two hexadecimal numbers of up to 8 digits each, `X/Y`
/// (`16/B374D848`), so that it can travel in an HTTP header or a cookie and be parsed back.
/// Positions are ordered as the log is: a later commit has a greater position.
///
/// ```
/// use service::WalPosition;
///
/// let position: WalPosition = "16/B374D848".parse()?;
/// assert_eq!(position.to_string(), "16/B374D848");
/// assert!(position > "16/B374D847".parse()?);
/// # Ok::<(), service::WalPositionError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WalPosition(u64);

impl WalPosition {
    /// The position at byte `offset` of the log.
    #[must_use]
    pub const fn from_u64(offset: u64) -> Self {
        Self(offset)
    }

    /// The byte offset of this position in the log.
    #[must_use]
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// How many bytes of log lie between `earlier` and this position (zero if `earlier` is not
    /// earlier).
    #[must_use]
    pub const fn bytes_after(self, earlier: Self) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// Why a string is not a [`WalPosition`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WalPositionError {
    /// There is no `/` between the two halves.
    #[error("a WAL position is two hexadecimal numbers separated by '/', like 16/B374D848")]
    NoSlash,
    /// A half is empty, longer than 8 digits, or not hexadecimal.
    #[error("each half of a WAL position is 1 to 8 hexadecimal digits")]
    BadHalf,
}

impl FromStr for WalPosition {
    type Err = WalPositionError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let (high, low) = input.split_once('/').ok_or(WalPositionError::NoSlash)?;
        Ok(Self((u64::from(half(high)?) << 32) | u64::from(half(low)?)))
    }
}

/// One half of `X/Y`. Digits only: `u32::from_str_radix` would also take a leading `+`.
fn half(digits: &str) -> Result<u32, WalPositionError> {
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(WalPositionError::BadHalf);
    }
    u32::from_str_radix(digits, 16).map_err(|_| WalPositionError::BadHalf)
}

impl fmt::Display for WalPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & u64::from(u32::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_reads_back_as_postgresql_prints_it() {
        for text in ["0/0", "0/16B3748", "16/B374D848", "FFFFFFFF/FFFFFFFF"] {
            let position: WalPosition = text.parse().unwrap();
            assert_eq!(position.to_string(), text);
        }
        assert_eq!(
            "16/b374d848".parse::<WalPosition>().unwrap().to_string(),
            "16/B374D848"
        );
    }

    #[test]
    fn positions_are_ordered_as_the_log_is() {
        let parse = |text: &str| text.parse::<WalPosition>().unwrap();
        assert!(parse("1/0") > parse("0/FFFFFFFF"));
        assert!(parse("0/16B3749") > parse("0/16B3748"));
        assert_eq!(parse("0/20").bytes_after(parse("0/10")), 16);
        assert_eq!(parse("0/10").bytes_after(parse("0/20")), 0);
    }

    #[test]
    fn anything_but_two_hexadecimal_halves_is_refused() {
        for bad in [
            "",
            "16",
            "/1",
            "1/",
            "1/2/3",
            "+1/2",
            "1/-2",
            "G/0",
            "123456789/0",
            " 1/2",
        ] {
            assert!(bad.parse::<WalPosition>().is_err(), "{bad:?}");
        }
        assert_eq!("16".parse::<WalPosition>(), Err(WalPositionError::NoSlash));
    }
}
