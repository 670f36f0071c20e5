use service::testing::{TestDatabase, UserFactory};
use service::{Error, UserRef};

// A fresh database per test, built by the real migrations: in-memory SQLite, or a database of
// its own on the server that TEST_DATABASE_URL names (dropped when the test ends).
#[tokio::test]
async fn a_host_cannot_be_onboarded_twice() -> Result<(), Error> {
    let db = TestDatabase::new().await?;
    let accounts = UserFactory::new().host().create_many(&db, 10).await?;
    let first = UserRef::Id(accounts[0].user.id);

    assert!(matches!(
        service::onboard_host(&db, &first).await,
        Err(Error::AlreadyHost)
    ));
    assert_eq!(
        service::list_users(&db, None, Default::default())
            .await?
            .accounts
            .len(),
        10
    );
    Ok(())
}
