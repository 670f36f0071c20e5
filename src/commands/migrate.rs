use anyhow::{Context, anyhow};
use migration::{Migrator, MigratorTrait, SchemaStatus, schema_status};

use super::printed;
use crate::cli::Migrate;
use crate::database::Target;
use crate::exit::{DATABASE, Failure};
use crate::output::Output;

/// Runs the migration crate's own migrator.
pub async fn run(target: &Target, command: Migrate, out: &mut Output) -> Result<(), Failure> {
    let db = target.connect().await?;
    let status = schema_status(&db)
        .await
        .context("cannot read the schema version")?;
    if let SchemaStatus::Ahead { unknown } = status {
        return Err(Failure::new(
            DATABASE,
            anyhow!(
                "the schema of {} is newer than this build (unknown migrations: {})",
                target.display(),
                unknown.join(", ")
            ),
        ));
    }
    match command {
        Migrate::Up => Migrator::up(&db, None).await,
        Migrate::Down { num } => Migrator::down(&db, Some(num)).await,
        Migrate::Fresh => Migrator::fresh(&db).await,
        Migrate::Status => Ok(()),
    }
    .context("migration failed")?;

    let pending = match schema_status(&db)
        .await
        .context("cannot read the schema version")?
    {
        SchemaStatus::Behind { pending } => pending,
        _ => Vec::new(),
    };
    let migrations: Vec<(String, bool)> = Migrator::migrations()
        .iter()
        .map(|m| (m.name().to_owned(), !pending.iter().any(|p| p == m.name())))
        .collect();
    printed(out.migrations(&migrations))
}
