//! Opening the database the command works on.

use std::time::Duration;

use anyhow::{Context, anyhow};
use migration::{DEFAULT_DATABASE_URL, SchemaStatus, migrate_up, redact, schema_status};
use service::{Cluster, DatabaseConnection, ReplicaSettings, Timeouts};

use crate::exit::{DATABASE, Failure};

/// Whether a command may work on a schema that lost some of its objects.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Damage {
    Refused,
    Tolerated,
}

/// Where the command's database is, whether the user chose it, and how long it may wait.
pub struct Target {
    url: String,
    embedded_default: bool,
    timeouts: Timeouts,
    /// Whether to say what was done in log lines rather than plain lines on stderr: a server's
    /// stderr is read by a log collector.
    pub announce_in_logs: bool,
}

impl Target {
    pub fn new(database_url: Option<String>, lock_timeout: f64, statement_timeout: f64) -> Self {
        let timeouts = Timeouts {
            lock_wait: Duration::from_secs_f64(lock_timeout),
            statement: Duration::from_secs_f64(statement_timeout),
        };
        match database_url {
            Some(url) if !url.is_empty() => Self {
                url,
                embedded_default: false,
                timeouts,
                announce_in_logs: false,
            },
            _ => Self {
                url: DEFAULT_DATABASE_URL.to_owned(),
                embedded_default: true,
                timeouts,
                announce_in_logs: false,
            },
        }
    }

    /// The URL with any password replaced, for messages and logs.
    pub fn display(&self) -> String {
        redact(&self.url).into_owned()
    }

    /// The options [`Target::connect`] connects with, for more pools to the same database.
    pub fn options(&self) -> service::ConnectOptions {
        service::connect_options_with(&self.url, self.timeouts)
    }

    /// Connects, whatever state the schema is in (for `migrate`).
    pub async fn connect(&self) -> Result<DatabaseConnection, Failure> {
        if self.url.starts_with("sqlite:")
            && (self.url.contains(":memory:") || self.url.contains("mode=memory"))
        {
            // The library can use one, within one process; every run of the tool would get a
            // new, empty database, unmigrated, and lose what it wrote.
            return Err(Failure::new(
                DATABASE,
                anyhow!(
                    "an in-memory SQLite database lasts one process, and each command is a \
                     process of its own: use a file, sqlite://FILE?mode=rwc"
                ),
            ));
        }
        tracing::info!(database = %self.display(), "connecting");
        let connected = match service::connect_with(service::connect_options_with(
            &self.url,
            self.timeouts,
        ))
        .await
        {
            // A SQLite file in a directory this process cannot write to: reading still
            // works, and a command that writes fails with SQLite's own "readonly" error.
            Err(error) if error.is_read_only_database() => {
                tracing::info!(database = %self.display(), "not writable here: opened read-only");
                service::connect_with(service::read_only_options(&self.url, self.timeouts)).await
            }
            connected => connected,
        };
        connected
            .with_context(|| format!("cannot open the database {}", self.display()))
            .map_err(|error| Failure::new(DATABASE, error))
    }

    /// Connects to a database whose schema is this build's and whole. The embedded default is
    /// migrated on first use; a database the user named is never changed behind their back.
    pub async fn open(&self) -> Result<DatabaseConnection, Failure> {
        self.open_with(Damage::Refused).await.map(|(db, _)| db)
    }

    /// As [`Target::open`], for looking into a damaged schema (`check`): a schema that lost
    /// constraints or columns is opened, and what it lacks comes back; one that lost a table
    /// is still refused, as there is nothing to look into.
    pub async fn open_to_inspect(&self) -> Result<(DatabaseConnection, Vec<String>), Failure> {
        self.open_with(Damage::Tolerated).await
    }

    async fn open_with(
        &self,
        damage: Damage,
    ) -> Result<(DatabaseConnection, Vec<String>), Failure> {
        let db = self.connect().await?;
        let status = schema_status(&db)
            .await
            .map_err(|error| self.failure(anyhow!(error), "cannot read the schema version"))?;
        match status {
            SchemaStatus::Current => Ok((db, Vec::new())),
            SchemaStatus::Damaged { missing }
                if damage == Damage::Tolerated
                    && !missing.iter().any(|what| what.starts_with("table ")) =>
            {
                Ok((db, missing))
            }
            SchemaStatus::Behind { .. } if self.embedded_default => {
                // Several processes may start on a new file at once: the migration lock lets
                // one migrate, and the others find nothing left to apply.
                let applied = migrate_up(&db, None)
                    .await
                    .map_err(|error| self.failure(anyhow!(error), "cannot migrate"))?;
                if !applied.is_empty() && self.announce_in_logs {
                    tracing::info!(applied = applied.len(), database = %self.display(), "applied pending migrations");
                } else if !applied.is_empty() {
                    eprintln!(
                        "applied {} pending migration(s) to {}",
                        applied.len(),
                        self.display()
                    );
                }
                Ok((db, Vec::new()))
            }
            SchemaStatus::Behind { pending } => Err(self.failure(
                anyhow!(
                    "{} migration(s) pending ({}): run `accounts migrate up` first",
                    pending.len(),
                    pending.join(", ")
                ),
                "the schema is not migrated",
            )),
            SchemaStatus::Ahead { unknown } => Err(self.failure(
                anyhow!(
                    "it has migrations this build does not know ({}): use a newer build",
                    unknown.join(", ")
                ),
                "the schema is newer than this build",
            )),
            SchemaStatus::Damaged { missing } => Err(self.failure(
                anyhow!(
                    "missing {}; it was changed by hand: restore it, or rebuild it with \
                     `accounts migrate fresh` (which drops the data)",
                    missing.join(", ")
                ),
                "the schema is damaged",
            )),
        }
    }

    /// `db` and the read replicas named: nothing is connected to them before a read needs
    /// it, and a replica that is down then only sends the read to `db`.
    pub async fn cluster(
        &self,
        db: &DatabaseConnection,
        replicas: &[String],
    ) -> Result<Cluster, Failure> {
        Cluster::connect(
            db.clone(),
            replicas,
            self.timeouts,
            ReplicaSettings::DEFAULT,
        )
        .await
        .context("cannot use the read replicas")
        .map_err(|error| Failure::new(DATABASE, error))
    }

    fn failure(&self, error: anyhow::Error, what: &str) -> Failure {
        Failure::new(
            DATABASE,
            error.context(format!("{what}: {}", self.display())),
        )
    }
}
