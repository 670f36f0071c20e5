//! [`Health`]: what is known of one replica, and whether a read may go to it now.
//!
//! No I/O here: the replica's checks feed it what they saw, and it decides.

use std::time::{Duration, Instant};

use super::position::WalPosition;
use super::settings::ReplicaSettings;

/// What one health check of a replica saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Observation {
    /// How far the replica had replayed the log.
    pub(crate) replayed: WalPosition,
    /// How many bytes of log the primary had beyond that, when the primary could be asked.
    pub(crate) behind_bytes: Option<u64>,
    /// How old its last replayed commit was, while it had received log it had not replayed;
    /// zero when it had replayed all it received.
    pub(crate) behind: Duration,
}

/// Whether a read may go to a replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Yes, by its last check.
    Use,
    /// No: it failed and its backoff has not run out, or it lags too far.
    Skip,
    /// Its last check is too old, or it was never checked: the caller checks it now, and
    /// other readers meanwhile go by what was known before.
    Check,
    /// It failed and its backoff has run out: the caller has it checked in the background
    /// and reads elsewhere meanwhile, so that a replica that stays down never makes a read
    /// wait for it again.
    Retry,
}

/// What is known of one replica.
#[derive(Clone, Debug, Default)]
pub(crate) struct Health {
    /// When it was last checked, or a check of it began.
    checked_at: Option<Instant>,
    /// What its last successful check saw; `None` once it failed.
    last: Option<Observation>,
    /// Failures in a row: each doubles the wait before the next try.
    failures: u32,
    /// Until when it is left alone after a failure.
    retry_at: Option<Instant>,
}

impl Health {
    /// Whether a read may go there at `now`. A [`Verdict::Check`] or [`Verdict::Retry`] claims
    /// the check: readers arriving meanwhile do not check it too, and a failed replica stays
    /// skipped by them until the check has had [`ReplicaSettings::wait`] to finish.
    pub(crate) fn verdict(&mut self, now: Instant, settings: &ReplicaSettings) -> Verdict {
        if let Some(retry_at) = self.retry_at {
            if now < retry_at {
                return Verdict::Skip;
            }
            self.retry_at = Some(now + settings.wait);
            self.checked_at = Some(now);
            return Verdict::Retry;
        }
        let stale = self
            .checked_at
            .is_none_or(|at| now.saturating_duration_since(at) >= settings.recheck);
        if stale {
            self.checked_at = Some(now);
            return Verdict::Check;
        }
        match self.last {
            Some(seen) if close_enough(&seen, settings) => Verdict::Use,
            _ => Verdict::Skip,
        }
    }

    /// A check at `now` saw `seen`: the replica is up, and usable if it lags little enough.
    pub(crate) fn observed(
        &mut self,
        now: Instant,
        seen: Observation,
        settings: &ReplicaSettings,
    ) -> bool {
        *self = Self {
            checked_at: Some(now),
            last: Some(seen),
            failures: 0,
            retry_at: None,
        };
        close_enough(&seen, settings)
    }

    /// Whether the replica has failed since its last successful check.
    pub(crate) fn is_down(&self) -> bool {
        self.failures > 0
    }

    /// A check or a read failed at `now`: the replica is left alone for a backoff that doubles
    /// with each failure in a row, up to [`ReplicaSettings::max_backoff`].
    pub(crate) fn failed(&mut self, now: Instant, settings: &ReplicaSettings) {
        self.failures = self.failures.saturating_add(1);
        let doublings = self.failures.saturating_sub(1).min(16);
        let backoff = settings
            .backoff
            .saturating_mul(1 << doublings)
            .min(settings.max_backoff);
        self.last = None;
        self.checked_at = Some(now);
        self.retry_at = Some(now + backoff);
    }
}

fn close_enough(seen: &Observation, settings: &ReplicaSettings) -> bool {
    seen.behind <= settings.max_lag
        && seen
            .behind_bytes
            .is_none_or(|bytes| bytes <= settings.max_lag_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SETTINGS: ReplicaSettings = ReplicaSettings::DEFAULT;

    fn caught_up() -> Observation {
        Observation {
            replayed: WalPosition::from_u64(100),
            behind_bytes: Some(0),
            behind: Duration::ZERO,
        }
    }

    #[test]
    fn a_replica_never_checked_is_checked_first_and_once_at_a_time() {
        let mut health = Health::default();
        let now = Instant::now();
        assert_eq!(health.verdict(now, &SETTINGS), Verdict::Check);
        // Another reader while the check runs: nothing known yet, so not used.
        assert_eq!(health.verdict(now, &SETTINGS), Verdict::Skip);
        assert!(health.observed(now, caught_up(), &SETTINGS));
        assert_eq!(health.verdict(now, &SETTINGS), Verdict::Use);
        assert_eq!(
            health.verdict(now + SETTINGS.recheck, &SETTINGS),
            Verdict::Check
        );
    }

    #[test]
    fn a_replica_too_far_behind_is_skipped() {
        let mut health = Health::default();
        let now = Instant::now();
        let by_bytes = Observation {
            behind_bytes: Some(SETTINGS.max_lag_bytes + 1),
            ..caught_up()
        };
        assert!(!health.observed(now, by_bytes, &SETTINGS));
        assert_eq!(health.verdict(now, &SETTINGS), Verdict::Skip);
        let by_time = Observation {
            behind: SETTINGS.max_lag + Duration::from_millis(1),
            ..caught_up()
        };
        assert!(!health.observed(now, by_time, &SETTINGS));
        // Without the primary's position, only the time behind counts.
        let primary_unknown = Observation {
            behind_bytes: None,
            ..caught_up()
        };
        assert!(health.observed(now, primary_unknown, &SETTINGS));
    }

    #[test]
    fn a_failed_replica_is_tried_again_after_a_backoff_that_doubles_up_to_a_ceiling() {
        let mut health = Health::default();
        let mut now = Instant::now();
        let mut waits = Vec::new();
        for _ in 0..8 {
            health.failed(now, &SETTINGS);
            let mut wait = Duration::ZERO;
            while health.verdict(now + wait, &SETTINGS) == Verdict::Skip {
                wait += Duration::from_millis(50);
            }
            // The retry is claimed: other readers skip it while it runs.
            assert_eq!(health.verdict(now + wait, &SETTINGS), Verdict::Skip);
            waits.push(wait);
            now += wait;
        }
        assert_eq!(waits[0], SETTINGS.backoff);
        assert_eq!(waits[1], SETTINGS.backoff * 2);
        assert_eq!(waits[7], SETTINGS.max_backoff);
        assert!(health.observed(now, caught_up(), &SETTINGS));
        assert_eq!(health.verdict(now, &SETTINGS), Verdict::Use);
    }
}
