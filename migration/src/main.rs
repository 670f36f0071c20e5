//! `cargo run -p migration -- <up|down|status|fresh|refresh|reset>`, which is also what
//! `sea-orm-cli migrate` runs.
//!
//! It connects by itself rather than through `sea_orm_migration::cli::run_cli`, which panics on
//! a URL it cannot use and prints it whole, password included; here a bad URL or an unreachable
//! database is one line of error and exit code 1, every output line is redacted, and the
//! commands that destroy data ask first.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait, Redacting, confirm, redact};
use sea_orm_migration::sea_orm::DatabaseConnection;
use tracing_subscriber::EnvFilter;

/// The same flags and subcommands as `sea-orm-migration`'s own command line, and `--yes`.
#[derive(Parser)]
#[command(version, about = "Migrations of the accounts schema")]
struct Cli {
    /// Show debug messages.
    #[arg(short = 'v', long, global = true)]
    verbose: bool,
    /// PostgreSQL schema (default: public); ignored by MySQL and SQLite.
    #[arg(short = 's', long, env = "DATABASE_SCHEMA", global = true)]
    database_schema: Option<String>,
    /// Database URL (default: the embedded sqlite://accounts.db?mode=rwc).
    #[arg(
        short = 'u',
        long,
        env = "DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    database_url: Option<String>,
    /// Do not ask before `down`, `fresh`, `refresh` or `reset` (needed when not on a terminal).
    #[arg(short = 'y', long, global = true)]
    yes: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Drop this schema's tables (no other), then reapply all migrations.
    Fresh,
    /// Roll back all applied migrations, then reapply all migrations.
    Refresh,
    /// Roll back all applied migrations.
    Reset,
    /// Check the status of all migrations.
    Status,
    /// Apply pending migrations (the default).
    Up {
        /// Number of pending migrations to apply.
        #[arg(short, long)]
        num: Option<u32>,
    },
    /// Roll back applied migrations.
    Down {
        /// Number of applied migrations to roll back.
        #[arg(short, long, default_value_t = 1)]
        num: u32,
    },
}

fn main() -> ExitCode {
    migration::redact_panics();
    // A DATABASE_URL in `.env` counts as if exported.
    dotenvy::dotenv().ok();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if !error.use_stderr() => {
            let _ = error.print(); // --help, --version
            return ExitCode::SUCCESS;
        }
        // clap quotes the argument it could not place, which may be a URL with a password.
        Err(error) => {
            eprint!("{}", redact(&error.to_string()));
            return ExitCode::from(2);
        }
    };
    let filter = if cli.verbose {
        "debug"
    } else {
        "sea_orm_migration=info"
    };
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter))
        .with_writer(|| Redacting(std::io::stderr()))
        .with_ansi(false)
        .with_target(cli.verbose)
        .with_level(cli.verbose)
        .without_time()
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build();
    let result = match runtime {
        Ok(runtime) => runtime.block_on(run(cli)),
        Err(error) => Err(format!("cannot start the async runtime: {error}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {}", migration::one_line(&message));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let url = cli
        .database_url
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| migration::DEFAULT_DATABASE_URL.to_owned());
    let shown = redact(&url).into_owned();
    let db = connect(&url, cli.database_schema)
        .await
        .map_err(|error| format!("cannot open the database {shown}: {error}"))?;
    let what = |action: &str| format!("{action} of {shown}");
    let done = match cli.command.unwrap_or(Command::Up { num: None }) {
        Command::Up { num } => Migrator::up(&db, num).await,
        Command::Status => Migrator::status(&db).await,
        Command::Down { num } => {
            confirm(
                &what(&format!("roll back {num} migration(s) and lose the data")),
                cli.yes,
            )
            .map_err(|refused| refused.to_string())?;
            Migrator::down(&db, Some(num)).await
        }
        Command::Fresh => {
            confirm(&what("drop the accounts tables and their rows"), cli.yes)
                .map_err(|refused| refused.to_string())?;
            Migrator::fresh(&db).await
        }
        Command::Refresh => {
            confirm(&what("roll back every migration, losing the data"), cli.yes)
                .map_err(|refused| refused.to_string())?;
            Migrator::refresh(&db).await
        }
        Command::Reset => {
            confirm(&what("roll back every migration, losing the data"), cli.yes)
                .map_err(|refused| refused.to_string())?;
            Migrator::reset(&db).await
        }
    };
    // Closed, not dropped: SQLite folds its log back into the database file.
    let _ = db.close().await;
    done.map_err(|error| format!("migration failed on {shown}: {error}"))
}

async fn connect(url: &str, schema: Option<String>) -> Result<DatabaseConnection, String> {
    let mut options = migration::connect_options(url);
    if let Some(schema) = schema {
        options.set_schema_search_path(schema);
    }
    migration::connect(options)
        .await
        .map_err(|error| error.to_string())
}
