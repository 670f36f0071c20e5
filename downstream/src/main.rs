use migration::{Migrator, MigratorTrait};
use service::{Email, Error, PageSize, TransactionTrait, UserRef};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Any of sqlite://FILE?mode=rwc, postgres://..., mysql://... (the database must exist).
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".to_owned());
    let db = service::connect(&url).await?;
    Migrator::up(&db, None).await?;

    // Parse first: a bad address is a typed error and nothing is written.
    let email: Email = "Alice@Example.com".parse()?;
    let account = match service::create_user(&db, email).await {
        Ok(account) => account, // user + guest, one transaction
        Err(Error::EmailTaken) => service::find_user(&db, &"alice@example.com".parse()?).await?,
        Err(other) => return Err(other.into()),
    };
    let alice = UserRef::Id(account.user.id); // or "alice@example.com".parse()?

    match service::onboard_host(&db, &alice).await {
        Ok(host) => println!("host {}", host.id),
        Err(Error::AlreadyHost) => println!("already a host"),
        Err(other) => return Err(other.into()),
    }

    let found = service::find_user(&db, &alice).await?; // guest: Model, host: Option<Model>
    let page = service::list_users(&db, None, PageSize::new(50)?).await?;
    println!(
        "{} {:?} {}",
        found.user.email,
        page.next,
        page.accounts.len()
    );

    // Several operations in one transaction of yours: each runs in a savepoint of it, and
    // nothing is kept unless you commit.
    let txn = db.begin().await?;
    service::offboard_host(&txn, &alice).await?;
    service::onboard_host(&txn, &alice).await?;
    txn.commit().await?;
    Ok(())
}
