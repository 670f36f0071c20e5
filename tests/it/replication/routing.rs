//! Without replicas nothing changes, on every backend; replicas are PostgreSQL ones only.
//! These run with the rest of the suite, on the backend `TEST_DATABASE_URL` names.

use sea_orm::{ConnectionTrait, DbBackend};
use service::{Cluster, ReplicaError, ServedBy, Session, Timeouts, UserRef};

use crate::support::{database, email};

#[tokio::test]
async fn without_replicas_every_read_goes_to_the_primary() {
    let db = database().await;
    let cluster = Cluster::new(db.connection().clone());
    let account = service::create_user(cluster.primary(), email("frank@example.com"))
        .await
        .unwrap();
    let mut session = Session::new();
    cluster.record_write(&mut session).await;
    // A position exists on PostgreSQL only; elsewhere there is nothing to wait for.
    assert_eq!(
        session.at_least().is_some(),
        db.get_database_backend() == DbBackend::Postgres
    );
    assert!(!session.has_unknown_write());

    let frank = UserRef::Id(account.user.id);
    for at_least in [None, session.at_least()] {
        let reader = cluster.reader(at_least).await;
        assert_eq!(reader.served_by(), ServedBy::Primary);
        assert_eq!(service::find_user(&reader, &frank).await.unwrap(), account);
    }
    let found = cluster
        .read(&mut session, |db| {
            let frank = &frank;
            async move { service::find_user(&db, frank).await }
        })
        .await
        .unwrap();
    assert_eq!(found, account);
    assert_eq!(cluster.stats().primary, 3);
    assert_eq!(cluster.stats().fell_back, 0);
}

#[tokio::test]
async fn replicas_are_postgresql_replicas_of_a_postgresql_primary() {
    let db = database().await;
    let replica = |url: &str| vec![url.to_owned()];
    let connect = async |urls: Vec<String>| {
        Cluster::connect(
            db.connection().clone(),
            &urls,
            Timeouts::DEFAULT,
            Default::default(),
        )
        .await
    };
    if db.get_database_backend() == DbBackend::Postgres {
        let refused = connect(replica("mysql://root:s3cret@127.0.0.1/mysql")).await;
        let Err(ReplicaError::NotPostgres { replica: name }) = refused else {
            panic!("{refused:?}");
        };
        assert_eq!(name, "mysql://root:***@127.0.0.1/mysql");
        let refused = connect(replica("postgres://u:s3cret@127.0.0.1:99999/x")).await;
        assert!(
            matches!(refused, Err(ReplicaError::Url { .. })),
            "{refused:?}"
        );
        assert!(!format!("{refused:?}").contains("s3cret"));
    } else {
        let refused = connect(replica("postgres://postgres@127.0.0.1:5432/postgres")).await;
        assert!(
            matches!(refused, Err(ReplicaError::PrimaryNotPostgres)),
            "{refused:?}"
        );
    }
    // No replica is no error anywhere.
    assert!(connect(Vec::new()).await.is_ok());
}
