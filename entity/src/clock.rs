//! The one clock every timestamp of this crate comes from.

use chrono::{SubsecRound, Utc};
use sea_orm::prelude::DateTimeUtc;

/// The current time, truncated to whole microseconds.
///
/// PostgreSQL and MySQL's `datetime(6)` keep microseconds; truncating before writing makes the
/// value a caller holds equal to the value read back, on every backend.
#[must_use]
pub fn now() -> DateTimeUtc {
    Utc::now().trunc_subsecs(6)
}
