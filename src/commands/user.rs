use anyhow::{Context, anyhow};
use futures_util::StreamExt;
use service::{Account, Cluster, DatabaseConnection, Listed, PageSize, Session, UserRef};
use uuid::Uuid;

use super::{email, printed, user_ref};
use crate::cli::{List, User};
use crate::exit::{CHECK_FAILED, Failure, INVALID_INPUT};
use crate::output::Output;

pub async fn run(cluster: &Cluster, command: User, out: &mut Output) -> Result<(), Failure> {
    let db = cluster.primary();
    match command {
        User::Create { email: raw } => {
            let account = service::create_user(db, email(&raw)?)
                .await
                .with_context(|| format!("cannot create user {raw}"))?;
            printed(out.account(&account))
        }
        User::Show { user } => match find(cluster, &user_ref(&user)?).await {
            // What there is of it is shown; the exit code says it is broken.
            Err(service::Error::Broken(broken)) => {
                printed(out.broken(&broken))?;
                Err(Failure::new(
                    CHECK_FAILED,
                    anyhow!(
                        "user {user} has no {}: run `accounts check`",
                        broken.missing
                    ),
                ))
            }
            found => {
                let account = found.with_context(|| format!("cannot show user {user}"))?;
                printed(out.account(&account))
            }
        },
        User::List(list) => self::list(cluster, list, out).await,
        User::Email { user, new_email } => {
            let account = service::change_email(db, &user_ref(&user)?, email(&new_email)?)
                .await
                .with_context(|| format!("cannot change the email of user {user}"))?;
            printed(out.account(&account))
        }
        User::Delete { user } => {
            let target = user_ref(&user)?;
            let deleted = service::delete_user(db, &target)
                .await
                .with_context(|| format!("cannot delete user {user}"))?;
            printed(out.deleted(&target, &deleted))
        }
    }
}

/// The user `target` names, read where a command that has written nothing may read.
async fn find(cluster: &Cluster, target: &UserRef) -> service::Result<Account> {
    cluster
        .read(&mut Session::new(), |db| async move {
            service::find_user(&db, target).await
        })
        .await
}

/// Prints every user (after `--after`) as it arrives: without `--limit` and without replicas
/// from one streamed statement, otherwise page by page, each page read where it may be (a
/// replica). Memory holds one account, or one page, whatever the number of users.
///
/// A user whose rows break an invariant is printed as such in its place, the listing goes on,
/// and the command ends with the invariant exit code.
async fn list(cluster: &Cluster, list: List, out: &mut Output) -> Result<(), Failure> {
    let after = match list.after.as_deref().map(Uuid::parse_str).transpose() {
        Ok(after) => after,
        Err(error) => {
            return Err(Failure::new(
                INVALID_INPUT,
                anyhow::Error::new(error).context("--after takes a user id"),
            ));
        }
    };
    // A stream holds one connection for its length, which a replica's read timeout would cut:
    // with replicas, pages.
    let broken = match list.limit {
        None if cluster.replica_names().next().is_none() => {
            streamed(cluster.primary(), after, out).await?
        }
        limit => paged(cluster, after, limit, out).await?,
    };
    if broken > 0 {
        return Err(Failure::new(
            CHECK_FAILED,
            anyhow!("{broken} listed user(s) have no guest: run `accounts check`"),
        ));
    }
    Ok(())
}

/// At most `limit` users (all without one) after `after`, a page at a time; returns how many
/// were broken.
async fn paged(
    cluster: &Cluster,
    mut after: Option<Uuid>,
    limit: Option<u64>,
    out: &mut Output,
) -> Result<u64, Failure> {
    let mut remaining = limit;
    let mut broken: u64 = 0;
    loop {
        let size = remaining.map_or(PageSize::DEFAULT.get(), |n| n.min(PageSize::DEFAULT.get()));
        if size == 0 {
            break;
        }
        let size = PageSize::new(size)?;
        // A command is a session of its own that has written nothing: any replica will do.
        let page = cluster
            .read(&mut Session::new(), |db| async move {
                service::list_users(&db, after, size).await
            })
            .await
            .context("cannot list users")?;
        let (mut accounts, mut broken_ones) = (
            page.accounts.iter().peekable(),
            page.broken.iter().peekable(),
        );
        // Both lists are in id order: merged, the page prints in id order.
        loop {
            let next_broken = match (accounts.peek(), broken_ones.peek()) {
                (Some(account), Some(one)) => one.user.id < account.user.id,
                (None, Some(_)) => true,
                (_, None) => false,
            };
            if next_broken {
                if let Some(one) = broken_ones.next() {
                    printed(out.broken(one))?;
                }
            } else if let Some(account) = accounts.next() {
                printed(out.account_line(account))?;
            } else {
                break;
            }
        }
        broken += page.broken.len() as u64;
        remaining = remaining.map(|n| n - (page.accounts.len() + page.broken.len()) as u64);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(broken)
}

/// Every user after `after`, from one statement; returns how many were broken.
async fn streamed(
    db: &DatabaseConnection,
    after: Option<Uuid>,
    out: &mut Output,
) -> Result<u64, Failure> {
    let mut users = service::stream_users(db, after)
        .await
        .context("cannot list users")?;
    let mut broken: u64 = 0;
    while let Some(listed) = users.next().await {
        match listed.context("cannot list users")? {
            Listed::Account(account) => printed(out.account_line(&account))?,
            Listed::Broken(one) => {
                broken += 1;
                printed(out.broken(&one))?;
            }
        }
    }
    Ok(broken)
}
