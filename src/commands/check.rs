use anyhow::{Context, anyhow};
use service::{Cluster, InvariantReport, Session};

use super::printed;
use crate::exit::{CHECK_FAILED, DATABASE, Failure};
use crate::output::Output;

/// Checks the invariants, on a schema that may have lost constraints (`missing`): that is when
/// data breaking them gets in, and what `check` is for.
pub async fn run(cluster: &Cluster, missing: &[String], out: &mut Output) -> Result<(), Failure> {
    if !missing.is_empty() {
        eprintln!(
            "warning: the schema is damaged: missing {}",
            missing.join(", ")
        );
    }
    let report = cluster
        .read(&mut Session::new(), |db| async move {
            service::check_invariants(&db).await
        })
        .await
        .context("cannot check the invariants")?;
    printed(out.check(&report))?;
    if report.holds() && missing.is_empty() {
        Ok(())
    } else if report.holds() {
        Err(Failure::new(
            DATABASE,
            anyhow!(
                "the invariants hold, but the schema is damaged: missing {}; nothing stops \
                 new data from breaking them",
                missing.join(", ")
            ),
        ))
    } else {
        Err(Failure::new(
            CHECK_FAILED,
            anyhow!(
                "invariants do not hold: {}; see the offenders listed",
                totals(&report)
            ),
        ))
    }
}

/// The total of each kind that has offenders, and how many were not listed, on one line: the
/// error line on stderr says how bad it is even when stdout goes elsewhere, and stdout states
/// a total only where its list was cut short.
fn totals(report: &InvariantReport) -> String {
    report
        .kinds()
        .into_iter()
        .filter(|(_, offenders)| !offenders.is_empty())
        .map(|(name, offenders)| match offenders.unlisted() {
            0 => format!("{name} {}", offenders.total),
            unlisted => format!("{name} {} ({unlisted} not listed)", offenders.total),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
