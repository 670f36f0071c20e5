//! `check_invariants` finds every kind of offender once the constraints are gone.

use entity::{guest, host};
use sea_orm::{ConnectionTrait, DatabaseBackend, EntityTrait, IntoActiveModel};
use service::testing::UserFactory;
use uuid::Uuid;

use crate::support::database;

/// Replaces `guests` and `hosts` with tables of the same columns and no constraints, as a
/// restore from elsewhere or a hand-made fix could leave them.
async fn drop_the_constraints<C: ConnectionTrait>(db: &C) {
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

#[tokio::test]
async fn every_broken_invariant_is_reported_with_its_offenders() {
    let db = database().await;
    let fine = UserFactory::new().create(&*db).await.unwrap();
    assert!(service::check_invariants(&*db).await.unwrap().holds());

    drop_the_constraints(&*db).await;
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
    assert_eq!(report.users_without_guest, [fine.user.id]);
    assert_eq!(report.users_with_several_guests, [doubled.user.id]);
    assert_eq!(report.users_with_several_hosts, [doubled.user.id]);
    assert_eq!(report.orphan_guests, [orphan_guest]);
    assert_eq!(report.orphan_hosts, [orphan_host]);
}
