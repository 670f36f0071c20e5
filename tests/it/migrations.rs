//! The migrations go down all the way and up again, and report their status at each step.

use migration::{Migrator, MigratorTrait};
use service::testing::UserFactory;

use crate::support::{database, row_counts};

async fn pending(db: &sea_orm::DatabaseConnection) -> usize {
    Migrator::get_pending_migrations(db).await.unwrap().len()
}

async fn applied(db: &sea_orm::DatabaseConnection) -> usize {
    Migrator::get_applied_migrations(db).await.unwrap().len()
}

#[tokio::test]
async fn migrations_go_down_one_by_one_and_up_again() {
    let db = database().await;
    let total = Migrator::migrations().len();
    assert_eq!((applied(&db).await, pending(&db).await), (total, 0));

    for step in 1..=total {
        Migrator::down(&*db, Some(1)).await.unwrap();
        assert_eq!(
            (applied(&db).await, pending(&db).await),
            (total - step, step)
        );
    }
    let manager = migration::SchemaManager::new(&*db);
    for table in ["users", "guests", "hosts"] {
        assert!(
            !manager.has_table(table).await.unwrap(),
            "{table} left behind"
        );
    }

    Migrator::up(&*db, None).await.unwrap();
    assert_eq!((applied(&db).await, pending(&db).await), (total, 0));
    UserFactory::new().host().create(&*db).await.unwrap();
    assert_eq!(row_counts(&*db).await, (1, 1, 1));
}
