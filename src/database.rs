//! Opening the database the command works on.

use anyhow::{Context, anyhow};
use migration::{DEFAULT_DATABASE_URL, Migrator, MigratorTrait, SchemaStatus, schema_status};
use service::DatabaseConnection;
use url::Url;

use crate::exit::{DATABASE, Failure};

/// Where the command's database is, and whether the user chose it.
pub struct Target {
    url: String,
    embedded_default: bool,
}

impl Target {
    pub fn new(database_url: Option<String>) -> Self {
        match database_url {
            Some(url) if !url.is_empty() => Self {
                url,
                embedded_default: false,
            },
            _ => Self {
                url: DEFAULT_DATABASE_URL.to_owned(),
                embedded_default: true,
            },
        }
    }

    /// The URL with any password replaced, for messages and logs.
    pub fn display(&self) -> String {
        redacted(&self.url)
    }

    /// Connects, whatever state the schema is in (for `migrate`).
    pub async fn connect(&self) -> Result<DatabaseConnection, Failure> {
        tracing::info!(database = %self.display(), "connecting");
        service::connect(&self.url)
            .await
            .with_context(|| format!("cannot open the database {}", self.display()))
            .map_err(|error| Failure::new(DATABASE, error))
    }

    /// Connects to a database whose schema is this build's. The embedded default is migrated
    /// on first use; a database the user named is never changed behind their back.
    pub async fn open(&self) -> Result<DatabaseConnection, Failure> {
        let db = self.connect().await?;
        let status = schema_status(&db)
            .await
            .map_err(|error| self.failure(anyhow!(error), "cannot read the schema version"))?;
        match status {
            SchemaStatus::Current => Ok(db),
            SchemaStatus::Behind { pending } if self.embedded_default => {
                Migrator::up(&db, None)
                    .await
                    .map_err(|error| self.failure(anyhow!(error), "cannot migrate"))?;
                eprintln!(
                    "applied {} pending migration(s) to {}",
                    pending.len(),
                    self.display()
                );
                Ok(db)
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
        }
    }

    fn failure(&self, error: anyhow::Error, what: &str) -> Failure {
        Failure::new(
            DATABASE,
            error.context(format!("{what}: {}", self.display())),
        )
    }
}

/// `url` with its password, if any, masked.
fn redacted(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Only fails for URLs that cannot have a password, which this one has.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        // Not a URL the parser knows: show none of it rather than risk a secret.
        Err(_) => "(the URL in DATABASE_URL)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn a_password_in_a_url_is_masked() {
        assert_eq!(
            redacted("postgres://app:s3cr3t@db.internal:5432/accounts"),
            "postgres://app:***@db.internal:5432/accounts"
        );
        assert_eq!(
            redacted("mysql://root@127.0.0.1/x"),
            "mysql://root@127.0.0.1/x"
        );
        assert_eq!(
            redacted("sqlite://accounts.db?mode=rwc"),
            "sqlite://accounts.db?mode=rwc"
        );
        assert!(!redacted("postgres://a:s3cr3t@[bad").contains("s3cr3t"));
    }
}
