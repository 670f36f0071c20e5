//! Output: JSON lines on stdout, progress and a table on stderr.

use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::cpu;
use crate::phases::{Phase, Side, Timed};

/// One timed run of one phase on one side.
#[derive(Clone, Debug, Serialize)]
pub struct Measurement {
    pub backend: &'static str,
    pub phase: &'static str,
    pub side: Side,
    pub round: usize,
    pub n: usize,
    pub ops: usize,
    pub seconds: f64,
    pub ops_per_sec: f64,
    pub statements: u64,
    /// This process's CPU time in the timed part, per operation, in microseconds: the client's
    /// cost without the waits, steadier than `seconds` on a busy machine.
    pub cpu_us_per_op: Option<f64>,
    /// The machine's 1-minute load average when the run ended: how busy it was.
    pub load_average: Option<f64>,
}

impl Measurement {
    pub fn new(
        backend: &'static str,
        phase: Phase,
        side: Side,
        round: usize,
        n: usize,
        timed: Timed,
    ) -> Self {
        Self {
            backend,
            phase: phase.name(),
            side,
            round,
            n,
            ops: timed.ops,
            seconds: timed.seconds,
            ops_per_sec: timed.ops as f64 / timed.seconds,
            statements: timed.statements,
            cpu_us_per_op: timed.cpu_seconds.map(|cpu| cpu * 1e6 / timed.ops as f64),
            load_average: cpu::load_average(),
        }
    }
}

/// A phase's service throughput over its baseline's, medians over rounds.
#[derive(Clone, Debug, Serialize)]
pub struct Ratio {
    pub backend: &'static str,
    pub phase: &'static str,
    /// `service_ops_per_sec / baseline_ops_per_sec`.
    pub ratio: f64,
    pub service_ops_per_sec: f64,
    /// `"raw"`, or for `bulk_create` the service's one-at-a-time `"create"`.
    pub baseline: &'static str,
    pub baseline_ops_per_sec: f64,
    /// Statements per operation, service and baseline.
    pub service_statements_per_op: f64,
    pub baseline_statements_per_op: f64,
    /// Client CPU time per operation in microseconds, service and baseline.
    pub service_cpu_us_per_op: Option<f64>,
    pub baseline_cpu_us_per_op: Option<f64>,
    /// The ratio this phase should reach.
    pub target: f64,
    pub met: bool,
}

/// Writes `value` as one line of JSON on stdout.
pub fn emit(value: &impl Serialize) -> Result<()> {
    let line = serde_json::to_string(value).context("cannot serialize a result")?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").context("cannot write to stdout")?;
    out.flush().context("cannot write to stdout")
}

/// A line on stderr per measurement, to follow a long run.
pub fn progress(m: &Measurement) {
    eprintln!(
        "{} round {} {:<14} {:<7} {:>6} ops {:>8.3} s {:>10.0} ops/s {:>6} statements {:>8} cpu µs/op",
        m.backend,
        m.round,
        m.phase,
        m.side.name(),
        m.ops,
        m.seconds,
        m.ops_per_sec,
        m.statements,
        optional(m.cpu_us_per_op),
    );
}

/// The per-phase ratios of `measurements`.
pub fn ratios(backend: &'static str, measurements: &[Measurement]) -> Vec<Ratio> {
    Phase::ALL
        .into_iter()
        .filter_map(|phase| {
            let (baseline_phase, baseline_side, baseline, target) = match phase {
                Phase::BulkCreate => (Phase::Create, Side::Service, "create", 10.0),
                Phase::LoadAll => (phase, Side::Raw, "raw", 0.5),
                _ => (phase, Side::Raw, "raw", 0.8),
            };
            let service = Medians::of(measurements, phase, Side::Service)?;
            let base = Medians::of(measurements, baseline_phase, baseline_side)?;
            let ratio = service.ops_per_sec / base.ops_per_sec;
            Some(Ratio {
                backend,
                phase: phase.name(),
                ratio,
                service_ops_per_sec: service.ops_per_sec,
                baseline,
                baseline_ops_per_sec: base.ops_per_sec,
                service_statements_per_op: service.statements_per_op,
                baseline_statements_per_op: base.statements_per_op,
                service_cpu_us_per_op: service.cpu_us_per_op,
                baseline_cpu_us_per_op: base.cpu_us_per_op,
                target,
                met: ratio >= target,
            })
        })
        .collect()
}

struct Medians {
    ops_per_sec: f64,
    statements_per_op: f64,
    cpu_us_per_op: Option<f64>,
}

impl Medians {
    fn of(measurements: &[Measurement], phase: Phase, side: Side) -> Option<Self> {
        let runs: Vec<&Measurement> = measurements
            .iter()
            .filter(|m| m.phase == phase.name() && m.side == side)
            .collect();
        Some(Self {
            ops_per_sec: median(runs.iter().map(|m| m.ops_per_sec).collect())?,
            statements_per_op: median(
                runs.iter()
                    .map(|m| m.statements as f64 / m.ops as f64)
                    .collect(),
            )?,
            cpu_us_per_op: median(runs.iter().filter_map(|m| m.cpu_us_per_op).collect()),
        })
    }
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    match values.len() {
        0 => None,
        len if len % 2 == 1 => values.get(mid).copied(),
        _ => Some((values[mid - 1] + values[mid]) / 2.0),
    }
}

/// The readable summary: medians per phase, and every round's throughput.
pub fn table(ratios: &[Ratio], measurements: &[Measurement]) -> String {
    let mut out = String::new();
    let backend = measurements.first().map_or("", |m| m.backend);
    let n = measurements.first().map_or(0, |m| m.n);
    let rounds = measurements.iter().map(|m| m.round).max().unwrap_or(0);
    let _ = writeln!(
        out,
        "\n{backend}, N = {n}, {rounds} round(s), medians over rounds\n"
    );
    let _ = writeln!(
        out,
        "{:<15} {:>14} {:>9} {:>14} {:>7} {:>7} {:>5} {:>9} {:>10} {:>10} {:>10}",
        "phase",
        "service ops/s",
        "baseline",
        "baseline ops/s",
        "ratio",
        "target",
        "met",
        "stmts/op",
        "base stmts",
        "cpu µs/op",
        "base cpu",
    );
    for r in ratios {
        let _ = writeln!(
            out,
            "{:<15} {:>14.0} {:>9} {:>14.0} {:>7.2} {:>7.2} {:>5} {:>9.2} {:>10.2} {:>10} {:>10}",
            r.phase,
            r.service_ops_per_sec,
            r.baseline,
            r.baseline_ops_per_sec,
            r.ratio,
            r.target,
            if r.met { "yes" } else { "NO" },
            r.service_statements_per_op,
            r.baseline_statements_per_op,
            optional(r.service_cpu_us_per_op),
            optional(r.baseline_cpu_us_per_op),
        );
    }
    out
}

fn optional(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |value| format!("{value:.1}"))
}
