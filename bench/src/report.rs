//! Output: JSON lines on stdout, progress and a table on stderr.

use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::cpu;
use crate::latency::Latencies;
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
    /// The concurrent phases: p50 and p99 per operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<Latencies>,
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
            latency: timed.latency,
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
    /// What is measured: `"service"`, or `"http"` for the HTTP phases.
    pub side: &'static str,
    /// `"raw"`; for `bulk_create` the service's one-at-a-time `"create"`; for `mixed` also
    /// `"single"` (one SQLite connection for everything); for the HTTP phases `"direct"`.
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

/// What a phase's ratio compares: the measured side of the phase with a baseline.
struct Comparison {
    phase: Phase,
    side: Side,
    baseline_phase: Phase,
    baseline_side: Side,
    baseline: &'static str,
    target: f64,
}

/// The comparisons of `phase`: its targets (BENCHMARKS.md, "Targets").
fn comparisons(phase: Phase) -> Vec<Comparison> {
    let against = |side, baseline_phase, baseline_side, baseline, target| Comparison {
        phase,
        side,
        baseline_phase,
        baseline_side,
        baseline,
        target,
    };
    match phase {
        Phase::BulkCreate => vec![against(
            Side::Service,
            Phase::Create,
            Side::Service,
            "create",
            20.0,
        )],
        Phase::Mixed => vec![
            against(Side::Service, phase, Side::Raw, "raw", 0.9),
            // Measured on SQLite only: the pools against one connection for everything.
            against(Side::Service, phase, Side::Single, "single", 1.5),
        ],
        Phase::HttpShow | Phase::HttpCreate => {
            vec![against(Side::Http, phase, Side::Service, "direct", 0.5)]
        }
        _ => vec![against(Side::Service, phase, Side::Raw, "raw", 0.9)],
    }
}

/// The per-phase ratios of `measurements`.
pub fn ratios(backend: &'static str, measurements: &[Measurement]) -> Vec<Ratio> {
    Phase::ALL
        .into_iter()
        .flat_map(comparisons)
        .filter_map(|c| {
            let service = Medians::of(measurements, c.phase, c.side)?;
            let base = Medians::of(measurements, c.baseline_phase, c.baseline_side)?;
            let ratio = service.ops_per_sec / base.ops_per_sec;
            Some(Ratio {
                backend,
                phase: c.phase.name(),
                ratio,
                service_ops_per_sec: service.ops_per_sec,
                side: c.side.name(),
                baseline: c.baseline,
                baseline_ops_per_sec: base.ops_per_sec,
                service_statements_per_op: service.statements_per_op,
                baseline_statements_per_op: base.statements_per_op,
                service_cpu_us_per_op: service.cpu_us_per_op,
                baseline_cpu_us_per_op: base.cpu_us_per_op,
                target: c.target,
                met: ratio >= c.target,
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
        if runs.is_empty() {
            return None;
        }
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
        "{:<15} {:>7} {:>14} {:>9} {:>14} {:>7} {:>7} {:>5} {:>9} {:>10} {:>10} {:>10}",
        "phase",
        "side",
        "ops/s",
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
            "{:<15} {:>7} {:>14.0} {:>9} {:>14.0} {:>7.2} {:>7.2} {:>5} {:>9.2} {:>10.2} {:>10} {:>10}",
            r.phase,
            r.side,
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
    latency_table(&mut out, measurements);
    out
}

/// p50 and p99 per operation of the concurrent phases, medians over rounds.
fn latency_table(out: &mut String, measurements: &[Measurement]) {
    let mut header = false;
    for phase in Phase::ALL {
        for side in [Side::Service, Side::Raw, Side::Single, Side::Http] {
            let runs: Vec<&Latencies> = measurements
                .iter()
                .filter(|m| m.phase == phase.name() && m.side == side)
                .filter_map(|m| m.latency.as_ref())
                .collect();
            if runs.is_empty() {
                continue;
            }
            if !header {
                let _ = writeln!(
                    out,
                    "\n{:<12} {:<8} {:>10} {:>10} {:>12} {:>12}",
                    "phase", "side", "find p50", "find p99", "create p50", "create p99"
                );
                header = true;
            }
            let at = |pick: fn(&Latencies) -> Option<f64>| {
                median(runs.iter().filter_map(|l| pick(l)).collect())
                    .map_or_else(|| "-".to_owned(), |us| format!("{:.2}", us / 1e3))
            };
            let _ = writeln!(
                out,
                "{:<12} {:<8} {:>10} {:>10} {:>12} {:>12}  (ms)",
                phase.name(),
                side.name(),
                at(|l| l.find_user.map(|p| p.p50_us)),
                at(|l| l.find_user.map(|p| p.p99_us)),
                at(|l| l.create_user.map(|p| p.p50_us)),
                at(|l| l.create_user.map(|p| p.p99_us)),
            );
        }
    }
}

fn optional(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |value| format!("{value:.1}"))
}
