//! Latencies of the concurrent phases: every operation's, then percentiles per kind.

use std::time::Duration;

use serde::Serialize;

/// The latencies of one kind of operation, in microseconds.
#[derive(Clone, Debug, Default)]
pub struct Recorder(Vec<u32>);

impl Recorder {
    pub fn record(&mut self, took: Duration) {
        self.0
            .push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX));
    }

    pub fn merge(&mut self, other: Self) {
        self.0.extend(other.0);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// `None` when nothing was recorded.
    pub fn percentiles(mut self) -> Option<Percentiles> {
        if self.0.is_empty() {
            return None;
        }
        self.0.sort_unstable();
        let at = |p: f64| {
            // Nearest rank.
            let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
            f64::from(self.0[rank.clamp(1, self.0.len()) - 1])
        };
        Some(Percentiles {
            ops: self.0.len(),
            p50_us: at(50.0),
            p99_us: at(99.0),
        })
    }
}

/// How long one kind of operation took.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Percentiles {
    pub ops: usize,
    pub p50_us: f64,
    pub p99_us: f64,
}

/// The latencies of a concurrent run, per operation.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Latencies {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub find_user: Option<Percentiles>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_user: Option<Percentiles>,
}
