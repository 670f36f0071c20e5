//! `check_invariants` finds every kind of offender once the constraints are gone, counts them
//! all, and the tool says how many it did not list.

use std::process::{Command, Output};

use entity::constraints::{USERS_EMAIL_LOWERCASE, USERS_EMAIL_UNIQUE};
use entity::{guest, host};
use sea_orm::{ConnectionTrait, DatabaseBackend, EntityTrait, IntoActiveModel, Statement};
use serde_json::{Value, json};
use service::testing::{TestDatabase, UserFactory};
use service::{MAX_OFFENDERS, Offenders};
use uuid::Uuid;

use crate::support::database;

const CHECK_FAILED: i32 = 7;

/// Replaces `guests` and `hosts` with tables of the same columns and no constraints, as a
/// restore from elsewhere or a hand-made fix could leave them.
async fn drop_the_guest_and_host_constraints<C: ConnectionTrait>(db: &C) {
    let (uuid, timestamp) = match db.get_database_backend() {
        DatabaseBackend::Postgres => ("uuid", "timestamp with time zone"),
        DatabaseBackend::MySql => ("binary(16)", "datetime(6)"),
        _ => ("uuid_text", "timestamp_with_timezone_text"),
    };
    for table in ["hosts", "guests"] {
        db.execute_unprepared(&format!("DROP TABLE {table}"))
            .await
            .unwrap();
        db.execute_unprepared(&format!(
            "CREATE TABLE {table} (id {uuid} NOT NULL PRIMARY KEY, user_id {uuid} NOT NULL, \
             created_at {timestamp} NOT NULL, updated_at {timestamp} NOT NULL)"
        ))
        .await
        .unwrap();
    }
}

/// Drops `uq_users_email` and `ck_users_email_lowercase` by hand, as each backend allows.
///
/// `db` must be a single connection on SQLite: the pragma holds for one connection only.
async fn drop_the_email_constraints<C: ConnectionTrait>(db: &C) {
    let statements = match db.get_database_backend() {
        // Both are table constraints there (`pg_constraint` has them, types 'u' and 'c'); the
        // unique one takes its index with it.
        DatabaseBackend::Postgres => vec![format!(
            "ALTER TABLE users DROP CONSTRAINT {USERS_EMAIL_UNIQUE}, \
             DROP CONSTRAINT {USERS_EMAIL_LOWERCASE}"
        )],
        // The unique constraint is a `UNIQUE KEY` there, an index.
        DatabaseBackend::MySql => vec![format!(
            "ALTER TABLE users DROP INDEX {USERS_EMAIL_UNIQUE}, \
             DROP CONSTRAINT {USERS_EMAIL_LOWERCASE}"
        )],
        // SQLite cannot drop a constraint: the table is rebuilt without them, the way SQLite's
        // documentation of ALTER TABLE gives. Foreign keys off, so that dropping `users` leaves
        // the guests and hosts alone; their foreign keys name `users`, which the new table is
        // once renamed.
        _ => [
            "PRAGMA foreign_keys = OFF",
            "CREATE TABLE users_new (id uuid_text NOT NULL PRIMARY KEY, \
             email varchar(254) NOT NULL, created_at timestamp_with_timezone_text NOT NULL, \
             updated_at timestamp_with_timezone_text NOT NULL)",
            "INSERT INTO users_new (id, email, created_at, updated_at) \
             SELECT id, email, created_at, updated_at FROM users",
            "DROP TABLE users",
            "ALTER TABLE users_new RENAME TO users",
            "PRAGMA foreign_keys = ON",
        ]
        .map(str::to_owned)
        .to_vec(),
    };
    for statement in statements {
        db.execute_unprepared(&statement).await.unwrap();
    }
}

/// Inserts a user with `email` as it is, by raw SQL around the service (which would lowercase
/// it), and gives it a guest, so that only its address can be wrong.
async fn insert_user_as_is<C: ConnectionTrait>(db: &C, email: &str) -> Uuid {
    let backend = db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "INSERT INTO users (id, email, created_at, updated_at) VALUES ($1, $2, $3, $4)"
        }
        _ => "INSERT INTO users (id, email, created_at, updated_at) VALUES (?, ?, ?, ?)",
    };
    let id = Uuid::now_v7();
    let now = entity::clock::now();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [id.into(), email.into(), now.into(), now.into()],
    ))
    .await
    .unwrap();
    add_guest(db, id).await;
    id
}

async fn add_guest<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Uuid {
    let now = entity::clock::now();
    let id = Uuid::now_v7();
    let row = guest::Model {
        id,
        user_id,
        created_at: now,
        updated_at: now,
    };
    guest::Entity::insert(row.into_active_model())
        .exec_without_returning(db)
        .await
        .unwrap();
    id
}

async fn add_host<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Uuid {
    let now = entity::clock::now();
    let id = Uuid::now_v7();
    let row = host::Model {
        id,
        user_id,
        created_at: now,
        updated_at: now,
    };
    host::Entity::insert(row.into_active_model())
        .exec_without_returning(db)
        .await
        .unwrap();
    id
}

/// All of `ids`, listed in order.
fn all<const N: usize>(mut ids: [Uuid; N]) -> Offenders {
    ids.sort();
    Offenders {
        total: N as u64,
        ids: ids.to_vec(),
    }
}

/// 150 users and no guest: each a user without a guest.
async fn users_without_guests<C>(db: &C) -> Vec<Uuid>
where
    C: ConnectionTrait + service::Retryable,
{
    let accounts = UserFactory::new().create_many(db, 150).await.unwrap();
    db.execute_unprepared("DELETE FROM guests").await.unwrap();
    let mut ids: Vec<Uuid> = accounts.iter().map(|account| account.user.id).collect();
    ids.sort();
    ids
}

/// Runs the tool's `check` on `db`, with `--json` if asked.
fn run_check(db: &TestDatabase, json: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_accounts"));
    command
        .arg("check")
        .env("DATABASE_URL", db.url())
        .env_remove("RUST_LOG");
    if json {
        command.arg("--json");
    }
    command.output().unwrap()
}

#[tokio::test]
async fn every_broken_invariant_is_reported_with_its_offenders() {
    let db = database().await;
    let fine = UserFactory::new().create(&*db).await.unwrap();
    assert!(service::check_invariants(&*db).await.unwrap().holds());

    drop_the_guest_and_host_constraints(&*db).await;
    let doubled = UserFactory::new().create(&*db).await.unwrap();
    add_guest(&*db, doubled.user.id).await;
    add_host(&*db, doubled.user.id).await;
    add_host(&*db, doubled.user.id).await;
    let orphan_guest = add_guest(&*db, Uuid::now_v7()).await;
    let orphan_host = add_host(&*db, Uuid::now_v7()).await;

    let report = service::check_invariants(&*db).await.unwrap();
    assert!(!report.holds());
    assert_eq!(report.users, 2);
    // The tables were replaced: the first user's guest went with them.
    assert_eq!(report.users_without_guest, all([fine.user.id]));
    assert_eq!(report.users_with_several_guests, all([doubled.user.id]));
    assert_eq!(report.users_with_several_hosts, all([doubled.user.id]));
    assert_eq!(report.orphan_guests, all([orphan_guest]));
    assert_eq!(report.orphan_hosts, all([orphan_host]));
    assert_eq!(report.duplicate_emails, Offenders::default());
    assert_eq!(report.emails_not_lowercase, Offenders::default());
}

#[tokio::test]
async fn two_identical_addresses_and_a_mixed_case_one_break_the_check() {
    let db = database().await;
    let fine = UserFactory::new().create(&*db).await.unwrap();
    drop_the_email_constraints(&*db).await;
    let first_twin = insert_user_as_is(&*db, "twin@example.com").await;
    let second_twin = insert_user_as_is(&*db, "twin@example.com").await;
    let mixed = insert_user_as_is(&*db, "Mixed@Example.com").await;

    let report = service::check_invariants(&*db).await.unwrap();
    assert!(!report.holds());
    assert_eq!(report.users, 4);
    assert_eq!(report.duplicate_emails, all([first_twin, second_twin]));
    assert_eq!(report.emails_not_lowercase, all([mixed]));
    for (kind, offenders) in report.kinds() {
        if !["duplicate_emails", "emails_not_lowercase"].contains(&kind) {
            assert!(offenders.is_empty(), "{kind}: {offenders:?}");
        }
    }
    assert!(
        !report.duplicate_emails.ids.contains(&fine.user.id)
            && !report.emails_not_lowercase.ids.contains(&fine.user.id)
    );
}

#[tokio::test]
async fn addresses_that_differ_only_in_case_are_duplicates() {
    let db = database().await;
    UserFactory::new().create(&*db).await.unwrap();
    drop_the_email_constraints(&*db).await;
    let lower = insert_user_as_is(&*db, "case@example.com").await;
    let upper = insert_user_as_is(&*db, "CASE@example.com").await;

    let report = service::check_invariants(&*db).await.unwrap();
    assert_eq!(report.duplicate_emails, all([lower, upper]));
    assert_eq!(report.emails_not_lowercase, all([upper]));
    assert_eq!(report.duplicate_emails.unlisted(), 0);
}

#[tokio::test]
async fn a_kind_with_150_offenders_counts_them_all_and_lists_the_first_100() {
    let db = database().await;
    let bare = users_without_guests(&*db).await;

    let report = service::check_invariants(&*db).await.unwrap();
    assert!(!report.holds());
    let offenders = &report.users_without_guest;
    assert_eq!(offenders.total, 150);
    assert_eq!(MAX_OFFENDERS, 100);
    assert_eq!(offenders.ids, bare[..100]);
    assert_eq!(offenders.unlisted(), 50);
    assert!(report.orphan_guests.is_empty() && report.duplicate_emails.is_empty());
}

/// Parses the one JSON object that `check --json` printed.
fn json_report(output: Output) -> Value {
    assert_eq!(output.status.code(), Some(CHECK_FAILED));
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    match <[Value; 1]>::try_from(lines) {
        Ok([report]) => report,
        Err(lines) => panic!("one JSON object expected: {lines:?}"),
    }
}

/// Asserts that the kinds other than `kinds` have no offender in a JSON report.
fn nothing_else(report: &Value, kinds: &[&str]) {
    let offenders = report["offenders"].as_object().unwrap();
    assert_eq!(offenders.len(), 7, "{offenders:?}");
    for (kind, found) in offenders {
        if !kinds.contains(&kind.as_str()) {
            assert_eq!(
                found,
                &json!({ "total": 0, "ids": [], "unlisted": 0 }),
                "{kind}"
            );
            assert_eq!(report[kind], json!([]), "{kind}");
        }
    }
}

#[tokio::test]
async fn the_tool_prints_the_total_of_a_kind_and_how_many_it_did_not_list() {
    // A SQLite file when TEST_DATABASE_URL is unset, which the tool can open too.
    let db = TestDatabase::with_pool(1).await.unwrap();
    let bare = users_without_guests(&*db).await;
    let listed: Vec<String> = bare[..100].iter().map(Uuid::to_string).collect();

    let text = run_check(&db, false);
    let stderr = String::from_utf8(text.stderr).unwrap();
    assert_eq!(text.status.code(), Some(CHECK_FAILED), "{stderr}");
    let mut expected: Vec<String> = listed
        .iter()
        .map(|id| format!("users_without_guest  {id}"))
        .collect();
    expected.push("users_without_guest: 150 in all, 50 not listed".to_owned());
    assert_eq!(
        String::from_utf8(text.stdout)
            .unwrap()
            .lines()
            .collect::<Vec<_>>(),
        expected
    );
    assert!(
        stderr.contains("invariants do not hold: users_without_guest 150 (50 not listed);"),
        "{stderr}"
    );

    let report = json_report(run_check(&db, true));
    assert_eq!(report["ok"], false);
    assert_eq!(report["users"], 150);
    assert_eq!(
        report["offenders"]["users_without_guest"],
        json!({ "total": 150, "ids": listed, "unlisted": 50 })
    );
    // The original shape stays: each kind's listed ids as an array.
    assert_eq!(report["users_without_guest"], json!(listed));
    nothing_else(&report, &["users_without_guest"]);
}

#[tokio::test]
async fn the_tool_reports_identical_and_mixed_case_addresses_once_their_constraints_are_dropped() {
    // A single connection: the SQLite rebuild of `users` needs one.
    let db = TestDatabase::with_pool(1).await.unwrap();
    UserFactory::new().create(&*db).await.unwrap();
    drop_the_email_constraints(&*db).await;
    let twins = all([
        insert_user_as_is(&*db, "twin@example.com").await,
        insert_user_as_is(&*db, "twin@example.com").await,
    ]);
    let mixed = insert_user_as_is(&*db, "Mixed@Example.com").await;

    let text = run_check(&db, false);
    let stderr = String::from_utf8(text.stderr).unwrap();
    assert_eq!(text.status.code(), Some(CHECK_FAILED), "{stderr}");
    let mut expected: Vec<String> = twins
        .ids
        .iter()
        .map(|id| format!("duplicate_emails  {id}"))
        .collect();
    expected.push(format!("emails_not_lowercase  {mixed}"));
    assert_eq!(
        String::from_utf8(text.stdout)
            .unwrap()
            .lines()
            .collect::<Vec<_>>(),
        expected
    );
    assert!(
        stderr.contains("invariants do not hold: duplicate_emails 2, emails_not_lowercase 1;"),
        "{stderr}"
    );

    let report = json_report(run_check(&db, true));
    assert_eq!(report["ok"], false);
    assert_eq!(report["users"], 4);
    assert_eq!(
        report["offenders"]["duplicate_emails"],
        json!({ "total": 2, "ids": twins.ids, "unlisted": 0 })
    );
    assert_eq!(
        report["offenders"]["emails_not_lowercase"],
        json!({ "total": 1, "ids": [mixed], "unlisted": 0 })
    );
    assert_eq!(report["duplicate_emails"], json!(twins.ids));
    nothing_else(&report, &["duplicate_emails", "emails_not_lowercase"]);
}
