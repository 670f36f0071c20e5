//! The phases: each sets up its data untimed, times one side, and checks the result untimed.

mod bulk;
mod create;
mod delete;
mod duplicate;
mod load;
mod onboard;

use std::time::Instant;

use anyhow::Result;
use sea_orm::DatabaseConnection;
use serde::Serialize;

use crate::cpu;
use crate::statements::StatementCounter;

/// How many lookups, deletions and duplicate onboardings a phase times.
pub const SAMPLE: usize = 1000;

/// One operation the benchmark times.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum Phase {
    Create,
    Onboard,
    LoadAll,
    LoadOne,
    DuplicateHost,
    Delete,
    BulkCreate,
}

impl Phase {
    /// Every phase, in the order they run.
    pub const ALL: [Self; 7] = [
        Self::Create,
        Self::Onboard,
        Self::LoadAll,
        Self::LoadOne,
        Self::DuplicateHost,
        Self::Delete,
        Self::BulkCreate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Onboard => "onboard",
            Self::LoadAll => "load_all",
            Self::LoadOne => "load_one",
            Self::DuplicateHost => "duplicate_host",
            Self::Delete => "delete",
            Self::BulkCreate => "bulk_create",
        }
    }

    /// The sides in the order they run in `round`: which goes first alternates, so that a
    /// warm-up or a slowdown over the run does not favour one side.
    pub fn sides(self, round: usize) -> &'static [Side] {
        match self {
            // Compared with the service's own `create`, not with raw SQL.
            Self::BulkCreate => &[Side::Service],
            _ if round.is_multiple_of(2) => &[Side::Service, Side::Raw],
            _ => &[Side::Raw, Side::Service],
        }
    }
}

/// Through the service crate, or as raw SQL through sqlx.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Service,
    Raw,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Raw => "raw",
        }
    }
}

/// What the timed part of a phase did.
#[derive(Clone, Copy, Debug)]
pub struct Timed {
    pub ops: usize,
    pub seconds: f64,
    /// CPU time of this process (not of a database server), where the OS tells it.
    pub cpu_seconds: Option<f64>,
    pub statements: u64,
}

/// Times the part between `start` and `stop`, and the statements it sent.
struct Stopwatch {
    started: Instant,
    cpu_ns: Option<u64>,
    statements: u64,
}

impl Stopwatch {
    fn start(statements: u64) -> Self {
        Self {
            statements,
            cpu_ns: cpu::process_ns(),
            started: Instant::now(),
        }
    }

    fn stop(self, ops: usize, statements: u64) -> Timed {
        let seconds = self.started.elapsed().as_secs_f64();
        let cpu_ns = cpu::process_ns()
            .zip(self.cpu_ns)
            .map(|(end, start)| end.saturating_sub(start));
        Timed {
            ops,
            seconds,
            cpu_seconds: cpu_ns.map(|ns| ns as f64 / 1e9),
            statements: statements - self.statements,
        }
    }
}

/// Runs `phase` on `side` against a fresh database `db`, whose service statements `counter`
/// counts.
pub async fn run(
    phase: Phase,
    side: Side,
    db: &DatabaseConnection,
    counter: &StatementCounter,
    n: usize,
) -> Result<Timed> {
    match phase {
        Phase::Create => create::run(side, db, counter, n).await,
        Phase::Onboard => onboard::run(side, db, counter, n).await,
        Phase::LoadAll => load::all(side, db, counter, n).await,
        Phase::LoadOne => load::one(side, db, counter, n).await,
        Phase::DuplicateHost => duplicate::run(side, db, counter, n).await,
        Phase::Delete => delete::run(side, db, counter, n).await,
        Phase::BulkCreate => bulk::run(side, db, counter, n).await,
    }
}
