//! The phases: each sets up its data untimed, times one side, and checks the result untimed.

mod bulk;
mod concurrent;
mod create;
mod delete;
mod duplicate;
mod http;
mod load;
mod mixed;
mod onboard;

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;
use sea_orm::DatabaseConnection;
use serde::Serialize;

use crate::cpu;
use crate::latency::Latencies;
use crate::statements::StatementCounter;

pub use http::unavailable as http_unavailable;

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
    /// 32 tasks for a fixed time: 90% `find_user`, 10% `create_user`.
    Mixed,
    /// `GET /users/{id}` through `accounts serve`, 64 connections, against the same reads
    /// called directly by 64 tasks.
    HttpShow,
    /// `POST /users` through `accounts serve`, 64 connections, against `create_user` called
    /// directly by 64 tasks.
    HttpCreate,
}

impl Phase {
    /// Every phase, in the order they run.
    pub const ALL: [Self; 10] = [
        Self::Create,
        Self::Onboard,
        Self::LoadAll,
        Self::LoadOne,
        Self::DuplicateHost,
        Self::Delete,
        Self::BulkCreate,
        Self::Mixed,
        Self::HttpShow,
        Self::HttpCreate,
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
            Self::Mixed => "mixed",
            Self::HttpShow => "http_show",
            Self::HttpCreate => "http_create",
        }
    }

    /// The sides in the order they run in `round`: which goes first alternates, so that a
    /// warm-up or a slowdown over the run does not favour one side.
    pub fn sides(self, round: usize) -> &'static [Side] {
        match self {
            // Compared with the service's own `create`, not with raw SQL.
            Self::BulkCreate => &[Side::Service],
            // `Single` runs on SQLite only (on a server it is the same pool as `Service`).
            Self::Mixed if round.is_multiple_of(2) => &[Side::Service, Side::Raw, Side::Single],
            Self::Mixed => &[Side::Single, Side::Raw, Side::Service],
            Self::HttpShow | Self::HttpCreate if round.is_multiple_of(2) => {
                &[Side::Service, Side::Http]
            }
            Self::HttpShow | Self::HttpCreate => &[Side::Http, Side::Service],
            _ if round.is_multiple_of(2) => &[Side::Service, Side::Raw],
            _ => &[Side::Raw, Side::Service],
        }
    }
}

/// Through the service crate, or as raw SQL through sqlx; for the concurrent phases also the
/// service on one SQLite connection for everything (`single`, the design before `Pools`),
/// and the service behind `accounts serve` over HTTP (`http`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Service,
    Raw,
    Single,
    Http,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Raw => "raw",
            Self::Single => "single",
            Self::Http => "http",
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
    /// Per operation, for the concurrent phases.
    pub latency: Option<Latencies>,
}

/// What a timed run needs besides its phase and side.
pub struct Env<'a> {
    /// The fresh database's connection, on which the service's statements are counted.
    pub db: &'a DatabaseConnection,
    /// Its URL, for the concurrent phases' own pools and for `accounts serve`.
    pub url: &'a str,
    pub counter: &'a StatementCounter,
    pub n: usize,
    /// How many lookups, onboardings, duplicate onboardings and deletions a phase times.
    pub sample: usize,
    /// How long a concurrent phase runs.
    pub duration: Duration,
    /// The `accounts` binary the HTTP phases serve with.
    pub accounts: &'a Path,
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
            latency: None,
        }
    }
}

/// Runs `phase` on `side` against the fresh database of `env`.
pub async fn run(phase: Phase, side: Side, env: &Env<'_>) -> Result<Timed> {
    let (db, counter, n) = (env.db, env.counter, env.n);
    if side == Side::Single || side == Side::Http {
        anyhow::ensure!(
            matches!(phase, Phase::Mixed | Phase::HttpShow | Phase::HttpCreate),
            "{} has no {} side",
            phase.name(),
            side.name()
        );
    }
    match phase {
        Phase::Create => create::run(side, db, counter, n).await,
        Phase::Onboard => onboard::run(side, db, counter, n, env.sample).await,
        Phase::LoadAll => load::all(side, db, counter, n).await,
        Phase::LoadOne => load::one(side, db, counter, n, env.sample).await,
        Phase::DuplicateHost => duplicate::run(side, db, counter, n, env.sample).await,
        Phase::Delete => delete::run(side, db, counter, n, env.sample).await,
        Phase::BulkCreate => bulk::run(side, db, counter, n).await,
        Phase::Mixed => mixed::run(side, env).await,
        Phase::HttpShow => http::run(http::Operation::Show, side, env).await,
        Phase::HttpCreate => http::run(http::Operation::Create, side, env).await,
    }
}
