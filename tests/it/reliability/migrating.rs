//! Migrating from many processes at once, and the commands that drop data.
//!
//! Several instances of an application that start together all migrate: one does the work
//! under the migration lock, the others wait and find it done. `fresh` drops this schema's
//! tables and no other, and nothing destructive runs without being confirmed.

use std::process::{Command, Stdio};

use migration::{Migrator, MigratorTrait, SchemaStatus, migrate_up, schema_status};
use sea_orm::ConnectionTrait;
use service::testing::{UserFactory, race};

use super::{count, pooled};
use crate::cli::{Tool, USAGE};
use crate::support::row_counts;

/// Processes (or pools) migrating at once.
const MIGRATORS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_pools_migrating_an_empty_database_at_once_all_succeed_and_apply_each_migration_once()
{
    let db = pooled(2).await;
    Migrator::reset(&*db).await.unwrap();
    assert!(matches!(
        schema_status(&db).await.unwrap(),
        SchemaStatus::Behind { .. }
    ));

    let mut pools = Vec::new();
    for _ in 0..MIGRATORS {
        pools.push(db.connect_again(2).await.unwrap());
    }
    let applied = race(MIGRATORS, |i| {
        let pool = pools[i].clone();
        async move { migrate_up(&pool, None).await }
    })
    .await;

    let mut names: Vec<String> = Vec::new();
    for result in applied {
        names.extend(result.unwrap());
    }
    names.sort();
    let all: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    // Every migration applied exactly once, by whichever pool held the lock.
    assert_eq!(names, all);
    assert_eq!(schema_status(&db).await.unwrap(), SchemaStatus::Current);
    assert_eq!(
        count(&*db, "SELECT COUNT(*) FROM seaql_migrations").await,
        crate::support::migrations() as i64
    );
    UserFactory::new().host().create(&*db).await.unwrap();
}

#[test]
fn eight_first_uses_of_the_embedded_database_at_once_all_succeed_and_keep_their_writes() {
    for round in 0..3 {
        let tool = Tool::embedded();
        let children: Vec<_> = (0..MIGRATORS)
            .map(|n| {
                Command::new(env!("CARGO_BIN_EXE_accounts"))
                    .current_dir(tool.dir.path())
                    .args(["user", "create", &format!("first{n}@example.com")])
                    .env_remove("DATABASE_URL")
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut announced = 0;
        for child in children {
            let output = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "round {round}: {stderr}");
            announced += usize::from(stderr.contains(&format!(
                "applied {} pending migration(s)",
                crate::support::migrations()
            )));
        }
        // Only the process that migrated says so.
        assert_eq!(announced, 1, "round {round}");
        assert_eq!(
            tool.json(&["user", "list"]).len(),
            MIGRATORS,
            "round {round}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_migrate_up_processes_on_a_named_database_all_succeed() {
    let db = pooled(2).await;
    Migrator::reset(&*db).await.unwrap();
    let children: Vec<_> = (0..MIGRATORS)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_accounts"))
                .args(["migrate", "up"])
                .env("DATABASE_URL", db.url())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(schema_status(&db).await.unwrap(), SchemaStatus::Current);
    assert_eq!(
        count(&*db, "SELECT COUNT(*) FROM seaql_migrations").await,
        crate::support::migrations() as i64
    );
}

#[tokio::test]
async fn fresh_drops_the_tables_of_this_schema_and_keeps_every_other_table() {
    let db = pooled(2).await;
    UserFactory::new()
        .host()
        .create_many(&*db, 3)
        .await
        .unwrap();
    db.execute_unprepared("CREATE TABLE unrelated (id INTEGER PRIMARY KEY, note VARCHAR(20))")
        .await
        .unwrap();
    db.execute_unprepared("INSERT INTO unrelated (id, note) VALUES (1, 'keep me')")
        .await
        .unwrap();

    let tool = Tool::on(db.url());
    tool.ok(&["migrate", "fresh", "--yes"]);

    assert_eq!(row_counts(&*db).await, (0, 0, 0));
    assert_eq!(count(&*db, "SELECT COUNT(*) FROM unrelated").await, 1);
    assert_eq!(schema_status(&db).await.unwrap(), SchemaStatus::Current);
    // The migrator itself, as `cargo run -p migration -- fresh` calls it, the same.
    Migrator::fresh(&*db).await.unwrap();
    assert_eq!(count(&*db, "SELECT COUNT(*) FROM unrelated").await, 1);
}

#[tokio::test]
async fn dropping_commands_refuse_to_run_unconfirmed_when_not_on_a_terminal() {
    let db = pooled(2).await;
    UserFactory::new()
        .host()
        .create_many(&*db, 20)
        .await
        .unwrap();
    let tool = Tool::on(db.url());
    for args in [
        &["migrate", "fresh"][..],
        &["migrate", "down"],
        &["migrate", "down", "-n", "5"],
    ] {
        let stderr = tool.fails(USAGE, args);
        assert!(stderr.contains("--yes"), "{args:?}: {stderr}");
    }
    assert_eq!(row_counts(&*db).await, (20, 20, 20));
    assert_eq!(schema_status(&db).await.unwrap(), SchemaStatus::Current);

    tool.ok(&["migrate", "down", "-n", "1", "--yes"]);
    assert!(matches!(
        schema_status(&db).await.unwrap(),
        SchemaStatus::Behind { .. }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_waits_for_another_runs_lock_longer_than_its_statement_timeout() {
    use std::time::{Duration, Instant};

    use sea_orm::DatabaseBackend;

    let db = pooled(2).await;
    Migrator::reset(&*db).await.unwrap();
    // Another process's run, holding the lock as the migrator takes it.
    let (holder, txn) = super::another_session(&db).await;
    let lock = match holder.get_database_backend() {
        DatabaseBackend::Postgres => format!(
            "SELECT pg_advisory_xact_lock({})",
            migration::POSTGRES_MIGRATION_LOCK_KEY
        ),
        DatabaseBackend::MySql => "SELECT GET_LOCK(CONCAT('migrate:', DATABASE()), 0)".to_owned(),
        _ => "CREATE TABLE lock_holder (id INTEGER)".to_owned(),
    };
    txn.execute_unprepared(&lock).await.unwrap();

    // A migrating pool whose statements may last a second at most.
    let timeouts = service::Timeouts {
        lock_wait: Duration::from_secs(1),
        statement: Duration::from_secs(1),
    };
    let mut options = service::connect_options_with(db.url(), timeouts);
    options.max_connections(2);
    let pool = service::connect_with(options).await.unwrap();
    let start = Instant::now();
    let run = tokio::spawn(async move { migrate_up(&pool, None).await });

    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(!run.is_finished(), "the run did not wait for the lock");
    if holder.get_database_backend() == DatabaseBackend::MySql {
        txn.execute_unprepared("DO RELEASE_LOCK(CONCAT('migrate:', DATABASE()))")
            .await
            .unwrap();
    }
    txn.rollback().await.unwrap();
    let applied = run.await.unwrap().unwrap();
    assert_eq!(applied.len(), crate::support::migrations());
    assert!(start.elapsed() >= Duration::from_millis(2500));
    assert_eq!(schema_status(&db).await.unwrap(), SchemaStatus::Current);
}

#[tokio::test]
async fn fresh_refuses_and_drops_nothing_when_another_table_refers_to_a_table_of_this_schema() {
    let db = pooled(2).await;
    UserFactory::new()
        .host()
        .create_many(&*db, 3)
        .await
        .unwrap();
    let id_type = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => "uuid",
        sea_orm::DatabaseBackend::MySql => "binary(16)",
        _ => "uuid_text",
    };
    db.execute_unprepared(&format!(
        "CREATE TABLE bookings (id INTEGER PRIMARY KEY, user_id {id_type}, \
         FOREIGN KEY (user_id) REFERENCES users (id))"
    ))
    .await
    .unwrap();

    let stderr = Tool::on(db.url()).fails(crate::cli::DATABASE, &["migrate", "fresh", "--yes"]);
    assert!(
        stderr.contains("bookings -> users") && stderr.contains("nothing was dropped"),
        "{stderr}"
    );
    assert_eq!(row_counts(&*db).await, (3, 3, 3));
    assert_eq!(schema_status(&db).await.unwrap(), SchemaStatus::Current);
    assert!(Migrator::fresh(&*db).await.is_err());
    assert_eq!(row_counts(&*db).await, (3, 3, 3));
}
