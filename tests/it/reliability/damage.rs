//! Damage done by hand: a table or constraint dropped, a guest deleted. The tool refuses to
//! work on a damaged schema and names what is missing; one broken row is reported, never
//! allowed to hide the healthy ones.

use entity::guest;
use migration::{SchemaStatus, missing_objects, schema_status};
use sea_orm::{ConnectionTrait, DatabaseBackend, EntityTrait};
use serde_json::Value;
use service::testing::UserFactory;
use service::{Error, Missing, PageSize};

use super::pooled;
use crate::cli::{CHECK_FAILED, DATABASE, Tool};
use crate::support::{by_id, database, email};

#[tokio::test]
async fn a_fully_migrated_schema_lacks_nothing() {
    let db = database().await;
    assert_eq!(missing_objects(&*db).await.unwrap(), Vec::<String>::new());
    assert_eq!(schema_status(&db).await.unwrap(), SchemaStatus::Current);
}

#[tokio::test]
async fn a_table_dropped_by_hand_is_named_and_every_command_refuses_with_the_schema_exit_code() {
    let db = pooled(2).await;
    UserFactory::new().create_many(&*db, 3).await.unwrap();
    db.execute_unprepared("DROP TABLE hosts").await.unwrap();
    // The table, and with it the constraints that were on it.
    assert_eq!(
        schema_status(&db).await.unwrap(),
        SchemaStatus::Damaged {
            missing: vec![
                "table hosts".to_owned(),
                "constraint uq_hosts_user_id".to_owned(),
                "constraint fk_hosts_user_id".to_owned(),
            ]
        }
    );

    let tool = Tool::on(db.url());
    for args in [
        &["user", "create", "new@example.com"][..],
        &["user", "list"],
        &["seed", "--users", "10", "--hosts-every", "2"],
        &["check"],
    ] {
        let stderr = tool.fails(DATABASE, args);
        assert!(stderr.contains("table hosts"), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    // `migrate status` lists the migrations, then says what is wrong.
    let status = tool.run(&["migrate", "status"]);
    assert_eq!(status.status.code(), Some(DATABASE));
    assert!(String::from_utf8_lossy(&status.stderr).contains("table hosts"));
    // Nothing was written by the refused commands.
    assert_eq!(super::count(&*db, "SELECT COUNT(*) FROM users").await, 3);
}

#[tokio::test]
async fn a_constraint_or_column_dropped_by_hand_is_named() {
    let db = database().await;
    let (statements, missing): (&[&str], &[&str]) = match db.get_database_backend() {
        DatabaseBackend::Postgres => (
            &[
                "ALTER TABLE hosts DROP CONSTRAINT fk_hosts_user_id",
                "ALTER TABLE users DROP CONSTRAINT uq_users_email",
                "ALTER TABLE users DROP CONSTRAINT ck_users_email_lowercase",
            ],
            &[
                "constraint uq_users_email",
                "constraint ck_users_email_lowercase",
                "constraint fk_hosts_user_id",
            ],
        ),
        DatabaseBackend::MySql => (
            &[
                "ALTER TABLE hosts DROP FOREIGN KEY fk_hosts_user_id",
                "ALTER TABLE users DROP INDEX uq_users_email",
                "ALTER TABLE users DROP CONSTRAINT ck_users_email_lowercase",
            ],
            &[
                "constraint uq_users_email",
                "constraint ck_users_email_lowercase",
                "constraint fk_hosts_user_id",
            ],
        ),
        // SQLite cannot drop a constraint; a table rebuilt without it is what it would take.
        _ => (
            &[
                "PRAGMA foreign_keys = OFF",
                "CREATE TABLE hosts_new (id uuid_text NOT NULL PRIMARY KEY, \
                 user_id uuid_text NOT NULL, created_at text NOT NULL, updated_at text NOT NULL)",
                "DROP TABLE hosts",
                "ALTER TABLE hosts_new RENAME TO hosts",
                "ALTER TABLE guests DROP COLUMN updated_at",
            ],
            &[
                "column guests.updated_at",
                "constraint uq_hosts_user_id",
                "constraint fk_hosts_user_id",
            ],
        ),
    };
    for sql in statements {
        db.execute_unprepared(sql).await.unwrap();
    }
    let found = missing_objects(&*db).await.unwrap();
    assert_eq!(
        found,
        missing.iter().map(|m| (*m).to_owned()).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn one_user_without_a_guest_does_not_hide_the_others_from_a_listing() {
    let db = database().await;
    let accounts = UserFactory::new().create_many(&*db, 10).await.unwrap();
    let victim = &accounts[4];
    guest::Entity::delete_by_id(victim.guest.id)
        .exec(&*db)
        .await
        .unwrap();

    let mut healthy = Vec::new();
    let mut broken = Vec::new();
    let mut after = None;
    loop {
        let page = service::list_users(&*db, after, PageSize::new(3).unwrap())
            .await
            .unwrap();
        healthy.extend(page.accounts);
        broken.extend(page.broken);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(healthy.len(), 9);
    assert_eq!(broken.len(), 1);
    assert_eq!(broken[0].user, victim.user);
    assert_eq!(broken[0].missing, Missing::Guest);

    // A point read gives what there is, as a typed error; a change refuses and writes nothing.
    let found = service::find_user(&*db, &by_id(victim)).await;
    assert!(
        matches!(&found, Err(Error::Broken(b)) if b.user == victim.user),
        "{found:?}"
    );
    let changed = service::change_email(&*db, &by_id(victim), email("moved@example.com")).await;
    assert!(matches!(changed, Err(Error::Broken(_))), "{changed:?}");
    let still = service::find_user(&*db, &by_id(victim)).await;
    assert!(matches!(&still, Err(Error::Broken(b)) if b.user.email == victim.user.email));
}

#[tokio::test]
async fn the_tool_lists_every_healthy_user_reports_the_broken_one_and_exits_with_the_invariant_code()
 {
    let db = pooled(2).await;
    let accounts = UserFactory::new()
        .host()
        .create_many(&*db, 250)
        .await
        .unwrap();
    let victim = &accounts[123];
    guest::Entity::delete_by_id(victim.guest.id)
        .exec(&*db)
        .await
        .unwrap();
    let tool = Tool::on(db.url());
    let id = victim.user.id.to_string();

    let listed = tool.run(&["user", "list"]);
    assert_eq!(listed.status.code(), Some(CHECK_FAILED));
    let stdout = String::from_utf8(listed.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 250, "{stdout}");
    let broken: Vec<&str> = stdout.lines().filter(|l| l.contains("BROKEN")).collect();
    assert_eq!(broken.len(), 1);
    assert!(
        broken[0].starts_with(&id) && broken[0].contains("no guest"),
        "{broken:?}"
    );
    assert!(String::from_utf8_lossy(&listed.stderr).contains("1 listed user(s) have no guest"));

    let json = tool.run(&["user", "list", "--json"]);
    assert_eq!(json.status.code(), Some(CHECK_FAILED));
    let lines: Vec<Value> = String::from_utf8(json.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 250);
    let ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "in id order");
    let flagged: Vec<&Value> = lines
        .iter()
        .filter(|l| l.get("missing").is_some())
        .collect();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0]["id"], id.as_str());
    assert_eq!(flagged[0]["missing"], serde_json::json!(["guest"]));
    assert_eq!(flagged[0]["guest"], Value::Null);

    let shown = tool.run(&["user", "show", &id]);
    assert_eq!(shown.status.code(), Some(CHECK_FAILED));
    assert!(String::from_utf8_lossy(&shown.stdout).contains(&victim.user.email));
    let moved = tool.run(&["user", "email", &id, "moved@example.com"]);
    assert_eq!(moved.status.code(), Some(CHECK_FAILED));
    assert!(String::from_utf8_lossy(&moved.stderr).contains("no guest"));
    // A healthy user is untouched by its neighbour's damage.
    tool.ok(&["user", "show", &accounts[0].user.id.to_string()]);
}

#[tokio::test]
async fn a_unique_index_replaced_by_a_plain_one_of_the_same_name_is_reported() {
    let db = database().await;
    let statements: &[&str] = match db.get_database_backend() {
        DatabaseBackend::Postgres => &[
            "ALTER TABLE hosts DROP CONSTRAINT uq_hosts_user_id",
            "CREATE INDEX uq_hosts_user_id ON hosts (user_id)",
        ],
        // MySQL needs an index on a foreign key's column: a DBA swaps it in one statement.
        DatabaseBackend::MySql => {
            &["ALTER TABLE hosts DROP INDEX uq_hosts_user_id, ADD INDEX uq_hosts_user_id (user_id)"]
        }
        _ => &[
            "PRAGMA foreign_keys = OFF",
            "CREATE TABLE hosts_new (id uuid_text NOT NULL PRIMARY KEY, \
             user_id uuid_text NOT NULL, created_at text NOT NULL, updated_at text NOT NULL, \
             FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE RESTRICT)",
            "DROP TABLE hosts",
            "ALTER TABLE hosts_new RENAME TO hosts",
            "CREATE INDEX uq_hosts_user_id ON hosts (user_id)",
        ],
    };
    for sql in statements {
        db.execute_unprepared(sql).await.unwrap();
    }
    assert_eq!(
        missing_objects(&*db).await.unwrap(),
        vec!["constraint uq_hosts_user_id (there is one by that name, not unique)".to_owned()]
    );
}
