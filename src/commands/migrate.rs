use anyhow::{Context, anyhow};
use migration::{Migrator, MigratorTrait, SchemaStatus, confirm, migrate_up, schema_status};
use service::DatabaseConnection;

use super::printed;
use crate::cli::Migrate;
use crate::database::Target;
use crate::exit::{DATABASE, Failure, USAGE};
use crate::output::Output;

/// Runs the migration crate's own migrator; what drops data asks first.
pub async fn run(
    db: &DatabaseConnection,
    target: &Target,
    command: Migrate,
    out: &mut Output,
) -> Result<(), Failure> {
    let status = schema_status(db)
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
    let confirmed = |what: String, yes: bool| {
        confirm(&format!("{what} in {}", target.display()), yes)
            .map_err(|refused| Failure::new(USAGE, anyhow!(refused)))
    };
    match command {
        Migrate::Up => migrate_up(db, None).await.map(|applied| {
            // What this run did; the list below is the state, whoever did it.
            eprintln!("applied {} migration(s)", applied.len());
        }),
        Migrate::Down { num, yes } => {
            confirmed(
                format!("roll back {num} migration(s), dropping their tables and rows"),
                yes,
            )?;
            Migrator::down(db, Some(num)).await
        }
        Migrate::Fresh { yes } => {
            confirmed(
                "drop the accounts tables and every row in them".to_owned(),
                yes,
            )?;
            Migrator::fresh(db).await
        }
        Migrate::Status => Ok(()),
    }
    // A migration that fails is the database's doing (a lock held too long, a statement
    // refused): the schema exit code.
    .map_err(|error| Failure::new(DATABASE, anyhow!(error).context("migration failed")))?;

    let status = schema_status(db)
        .await
        .context("cannot read the schema version")?;
    let pending = match &status {
        SchemaStatus::Behind { pending } => pending.clone(),
        _ => Vec::new(),
    };
    let migrations: Vec<(String, bool)> = Migrator::migrations()
        .iter()
        .map(|m| (m.name().to_owned(), !pending.iter().any(|p| p == m.name())))
        .collect();
    printed(out.migrations(&migrations))?;
    match status {
        SchemaStatus::Damaged { missing } => Err(Failure::new(
            DATABASE,
            anyhow!(
                "every migration is applied, but the schema of {} is damaged: missing {}",
                target.display(),
                missing.join(", ")
            ),
        )),
        _ => Ok(()),
    }
}
