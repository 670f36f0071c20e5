//! The raw side: the least SQL that gives each service operation's result, through sqlx
//! directly, on the same pool the service uses.
//!
//! `$n` placeholders work on both backends (sqlx-sqlite numbers them too), so each statement
//! is one string. `sqlx::query` with binds prepares once per connection and caches.

use std::fmt;

use chrono::{DateTime, Utc};
use entity::{clock, guest, host, user};
use sea_orm::sqlx::{self, PgPool, SqlitePool};
use sea_orm::{DatabaseBackend, DatabaseConnection};
use service::Account;
use uuid::Uuid;

/// The user columns, then the guest's and the host's (NULL when missing), by user id.
macro_rules! select_accounts {
    ($tail:literal) => {
        concat!(
            "SELECT u.id, u.email, u.created_at, u.updated_at, ",
            "g.id, g.user_id, g.created_at, g.updated_at, ",
            "h.id, h.user_id, h.created_at, h.updated_at ",
            "FROM users u ",
            "LEFT JOIN guests g ON g.user_id = u.id ",
            "LEFT JOIN hosts h ON h.user_id = u.id",
            $tail
        )
    };
}

const INSERT_USER: &str = "INSERT INTO users (id, email, created_at, updated_at) \
     VALUES ($1, $2, $3, $4) RETURNING id, email, created_at, updated_at";
const INSERT_GUEST: &str =
    "INSERT INTO guests (id, user_id, created_at, updated_at) VALUES ($1, $2, $3, $4)";
const INSERT_HOST: &str = "INSERT INTO hosts (id, user_id, created_at, updated_at) \
     VALUES ($1, $2, $3, $4) RETURNING id, user_id, created_at, updated_at";
const SELECT_ONE: &str = select_accounts!(" WHERE u.id = $1");
const SELECT_ALL: &str = select_accounts!(" ORDER BY u.id");
const DELETE_HOST: &str = "DELETE FROM hosts WHERE user_id = $1";
const DELETE_GUEST: &str = "DELETE FROM guests WHERE user_id = $1";
const DELETE_USER: &str = "DELETE FROM users WHERE id = $1";

type Timestamp = DateTime<Utc>;
type UserRow = (Uuid, String, Timestamp, Timestamp);
type HostRow = (Uuid, Uuid, Timestamp, Timestamp);
type Maybe = (
    Option<Uuid>,
    Option<Uuid>,
    Option<Timestamp>,
    Option<Timestamp>,
);
type AccountRow = (
    Uuid,
    String,
    Timestamp,
    Timestamp,
    Option<Uuid>,
    Option<Uuid>,
    Option<Timestamp>,
    Option<Timestamp>,
    Option<Uuid>,
    Option<Uuid>,
    Option<Timestamp>,
    Option<Timestamp>,
);

/// The pool of one of the backends the raw side speaks.
#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool: one copy of the code per backend,
/// each compiled for its own driver.
macro_rules! on_pool {
    ($raw:expr, $pool:ident => $body:expr) => {
        match $raw {
            Pool::Sqlite($pool) => $body,
            Pool::Postgres($pool) => $body,
        }
    };
}

/// What a raw operation fails with.
#[derive(Debug)]
pub enum RawError {
    Sql(sqlx::Error),
    UserNotFound(Uuid),
    GuestMissing(Uuid),
}

impl RawError {
    /// A unique constraint refused the write.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Self::Sql(err) if err
            .as_database_error()
            .is_some_and(|db| db.is_unique_violation()))
    }
}

impl fmt::Display for RawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sql(err) => write!(f, "{err}"),
            Self::UserNotFound(id) => write!(f, "no user {id}"),
            Self::GuestMissing(id) => write!(f, "user {id} has no guest"),
        }
    }
}

impl std::error::Error for RawError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Sql(err) => Some(err),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for RawError {
    fn from(err: sqlx::Error) -> Self {
        Self::Sql(err)
    }
}

/// The service's operations as raw SQL, counting the statements they send.
pub struct RawDb {
    /// Where writes go.
    pool: Pool,
    /// Where reads go: `pool` itself, or a pool of readers beside it (`service::Pools`).
    reader: Pool,
    /// Like SeaORM's metric callback: every statement but `BEGIN`, `COMMIT` and `ROLLBACK`.
    statements: u64,
}

impl RawDb {
    /// The raw side of `db`: its very pool, so both sides share every connection setting.
    pub fn new(db: &DatabaseConnection) -> anyhow::Result<Self> {
        Self::split(db, db)
    }

    /// The raw side of `writer` for writes and `reader` for reads: their very pools.
    pub fn split(writer: &DatabaseConnection, reader: &DatabaseConnection) -> anyhow::Result<Self> {
        Ok(Self {
            pool: pool_of(writer)?,
            reader: pool_of(reader)?,
            statements: 0,
        })
    }

    /// Statements sent so far.
    pub fn statements(&self) -> u64 {
        self.statements
    }

    /// `service::create_user`: the user and its guest in one transaction, with the same id
    /// and timestamp rules, the user read back by `RETURNING`.
    pub async fn create_user(&mut self, email: &str) -> Result<Account, RawError> {
        let id = Uuid::now_v7();
        let now = clock::now();
        on_pool!(&self.pool, pool => {
            let mut tx = pool.begin().await?;
            self.statements += 1;
            let user = user_model(
                sqlx::query_as::<_, UserRow>(INSERT_USER)
                    .bind(id)
                    .bind(email)
                    .bind(now)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?,
            );
            let guest = guest::Model::for_user(&user);
            self.statements += 1;
            sqlx::query(INSERT_GUEST)
                .bind(guest.id)
                .bind(guest.user_id)
                .bind(guest.created_at)
                .bind(guest.updated_at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Account { user, guest, host: None })
        })
    }

    /// `service::onboard_host`: one `INSERT … RETURNING`, atomic on its own, so no
    /// transaction around it.
    pub async fn onboard_host(&mut self, user_id: Uuid) -> Result<host::Model, RawError> {
        let id = Uuid::now_v7();
        let now = clock::now();
        self.statements += 1;
        let (id, user_id, created_at, updated_at) = on_pool!(&self.pool, pool => {
            sqlx::query_as::<_, HostRow>(INSERT_HOST)
                .bind(id)
                .bind(user_id)
                .bind(now)
                .bind(now)
                .fetch_one(pool)
                .await?
        });
        Ok(host::Model {
            id,
            user_id,
            created_at,
            updated_at,
        })
    }

    /// `service::find_user` by id: one `SELECT` with two `LEFT JOIN`s.
    pub async fn find_user(&mut self, id: Uuid) -> Result<Account, RawError> {
        self.statements += 1;
        let row = on_pool!(&self.reader, pool => {
            sqlx::query_as::<_, AccountRow>(SELECT_ONE)
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        account(row.ok_or(RawError::UserNotFound(id))?)
    }

    /// Every user with its guest and host, in id order: one `SELECT`.
    pub async fn load_all(&mut self) -> Result<Vec<Account>, RawError> {
        self.statements += 1;
        let rows = on_pool!(&self.reader, pool => {
            sqlx::query_as::<_, AccountRow>(SELECT_ALL).fetch_all(pool).await?
        });
        rows.into_iter().map(account).collect()
    }

    /// `service::delete_user` by id: host, guest and user in one transaction.
    pub async fn delete_user(&mut self, id: Uuid) -> Result<(), RawError> {
        on_pool!(&self.pool, pool => {
            let mut tx = pool.begin().await?;
            for sql in [DELETE_HOST, DELETE_GUEST] {
                self.statements += 1;
                sqlx::query(sql).bind(id).execute(&mut *tx).await?;
            }
            self.statements += 1;
            let deleted = sqlx::query(DELETE_USER).bind(id).execute(&mut *tx).await?;
            if deleted.rows_affected() == 0 {
                tx.rollback().await?;
                return Err(RawError::UserNotFound(id));
            }
            tx.commit().await?;
            Ok(())
        })
    }
}

fn pool_of(db: &DatabaseConnection) -> anyhow::Result<Pool> {
    Ok(match db.get_database_backend() {
        DatabaseBackend::Sqlite => Pool::Sqlite(db.get_sqlite_connection_pool().clone()),
        DatabaseBackend::Postgres => Pool::Postgres(db.get_postgres_connection_pool().clone()),
        other => anyhow::bail!("the raw side does not speak {other:?}"),
    })
}

fn user_model((id, email, created_at, updated_at): UserRow) -> user::Model {
    user::Model {
        id,
        email,
        created_at,
        updated_at,
    }
}

/// The columns of a joined guest or host, if the join found one (every column is NOT NULL).
fn joined((id, user_id, created_at, updated_at): Maybe) -> Option<HostRow> {
    Some((id?, user_id?, created_at?, updated_at?))
}

/// The same check as the service's: a user without a guest is an error.
fn account(row: AccountRow) -> Result<Account, RawError> {
    let (u0, u1, u2, u3, g0, g1, g2, g3, h0, h1, h2, h3) = row;
    let user = user_model((u0, u1, u2, u3));
    let (id, user_id, created_at, updated_at) =
        joined((g0, g1, g2, g3)).ok_or(RawError::GuestMissing(user.id))?;
    let guest = guest::Model {
        id,
        user_id,
        created_at,
        updated_at,
    };
    let host = joined((h0, h1, h2, h3)).map(|(id, user_id, created_at, updated_at)| host::Model {
        id,
        user_id,
        created_at,
        updated_at,
    });
    Ok(Account { user, guest, host })
}
