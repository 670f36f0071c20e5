use anyhow::{Context, anyhow};
use service::DatabaseConnection;

use super::printed;
use crate::exit::{CHECK_FAILED, Failure};
use crate::output::Output;

pub async fn run(db: &DatabaseConnection, out: &mut Output) -> Result<(), Failure> {
    let report = service::check_invariants(db)
        .await
        .context("cannot check the invariants")?;
    printed(out.check(&report))?;
    if report.holds() {
        Ok(())
    } else {
        Err(Failure::new(
            CHECK_FAILED,
            anyhow!("invariants do not hold: see the offenders listed"),
        ))
    }
}
