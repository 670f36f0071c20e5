use migration::{Migrator, MigratorTrait};
use service::{Cluster, ReplicaSettings, Session, Timeouts, UserRef};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The primary, and its streaming replicas (comma-separated; none is fine).
    let url = std::env::var("DATABASE_URL")?;
    let replicas: Vec<String> = std::env::var("DATABASE_REPLICA_URLS")
        .unwrap_or_default()
        .split(',')
        .filter(|url| !url.is_empty())
        .map(str::to_owned)
        .collect();
    let primary = service::connect(&url).await?;
    Migrator::up(&primary, None).await?;
    let cluster = Cluster::connect(
        primary,
        &replicas,
        Timeouts::DEFAULT,
        ReplicaSettings::DEFAULT,
    )
    .await?;

    // One session per client. Between its requests, carry `session.at_least()` (shown as
    // "16/B374D848") and resume with `Session::resume(header.parse().ok())`.
    let mut session = Session::new();
    let email = format!("alice.{}@example.com", std::process::id()).parse()?;
    let account = service::create_user(cluster.primary(), email).await?; // writes: the primary
    cluster.record_write(&mut session).await; // the primary's position after the commit

    // A replica that has replayed that position (checked on it), else the primary: never
    // stale. A replica that is down or fails the read sends it to the primary.
    let alice = UserRef::Id(account.user.id);
    let found = cluster
        .read(&mut session, |db| {
            let alice = &alice;
            async move { service::find_user(&db, alice).await }
        })
        .await?;
    assert_eq!(found, account);
    println!(
        "{:?} {:?}",
        session.at_least().map(|at| at.to_string()),
        cluster.stats()
    );
    Ok(())
}
