//! Random sequences of operations against a model: after every step the database holds what
//! the model says (the users by address, and which are hosts), each operation gave the outcome
//! the model predicts, and the invariants hold.

use std::collections::{BTreeMap, HashMap, HashSet};

use entity::{guest, host, user};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use sea_orm::prelude::Uuid;
use sea_orm::{ConnectionTrait, EntityTrait, TransactionTrait};
use service::testing::{TEST_DATABASE_URL, TestDatabase};
use service::{Error, UserRef};

use super::assert_invariants;
use crate::support::email;

/// The addresses the operations use: few, so that they collide.
const ADDRESSES: usize = 5;

fn address(n: usize) -> String {
    format!("p{n}@example.com")
}

/// How an operation names its user.
#[derive(Clone, Debug)]
enum Target {
    /// By the address `address(n)`, whoever holds it now.
    Email(usize),
    /// By the id of the last user that held `address(n)`, which may have changed its address
    /// or been deleted since; an id no user ever had if none did.
    IdOf(usize),
}

/// One operation of a sequence.
#[derive(Clone, Debug)]
enum Step {
    Create { address: usize, shout: bool },
    CreateBatch(Vec<usize>),
    Onboard(Target),
    Offboard(Target),
    ChangeEmail(Target, usize),
    Delete(Target),
}

/// One item of a sequence: a step on the pool, or steps inside a caller's transaction that is
/// then committed or rolled back.
#[derive(Clone, Debug)]
enum Item {
    Step(Step),
    Transaction { steps: Vec<Step>, commit: bool },
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        3 => (0..ADDRESSES).prop_map(Target::Email),
        2 => (0..ADDRESSES).prop_map(Target::IdOf),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..ADDRESSES, any::<bool>())
            .prop_map(|(address, shout)| Step::Create { address, shout }),
        1 => prop::collection::vec(0..ADDRESSES, 0..4).prop_map(Step::CreateBatch),
        3 => target().prop_map(Step::Onboard),
        2 => target().prop_map(Step::Offboard),
        2 => (target(), 0..ADDRESSES).prop_map(|(t, n)| Step::ChangeEmail(t, n)),
        2 => target().prop_map(Step::Delete),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        6 => step().prop_map(Item::Step),
        1 => (prop::collection::vec(step(), 1..5), any::<bool>())
            .prop_map(|(steps, commit)| Item::Transaction { steps, commit }),
    ]
}

/// The outcome of an operation, as the model predicts it and as the service reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Done,
    UserNotFound,
    EmailTaken,
    AlreadyHost,
    NotAHost,
    /// Anything else: never predicted, so always a failure.
    Unexpected(String),
}

impl<T> From<&service::Result<T>> for Outcome {
    fn from(result: &service::Result<T>) -> Self {
        match result {
            Ok(_) => Self::Done,
            Err(Error::UserNotFound) => Self::UserNotFound,
            Err(Error::EmailTaken) => Self::EmailTaken,
            Err(Error::AlreadyHost) => Self::AlreadyHost,
            Err(Error::NotAHost) => Self::NotAHost,
            Err(err) => Self::Unexpected(format!("{err:?}")),
        }
    }
}

/// What the database should hold.
#[derive(Clone, Debug, Default)]
struct Model {
    /// Users by address: id, and whether a host.
    users: BTreeMap<String, (Uuid, bool)>,
    /// The id of the last user that held each address.
    last_id: HashMap<usize, Uuid>,
}

impl Model {
    fn user_ref(&self, target: &Target) -> UserRef {
        match target {
            Target::Email(n) => UserRef::Email(email(&address(*n))),
            // The nil id belongs to no user: ids are UUIDv7.
            Target::IdOf(n) => UserRef::Id(self.last_id.get(n).copied().unwrap_or_default()),
        }
    }

    /// The address of the user `user_ref` names, if any.
    fn find(&self, user_ref: &UserRef) -> Option<String> {
        match user_ref {
            UserRef::Email(email) => self
                .users
                .contains_key(email.as_str())
                .then(|| email.to_string()),
            UserRef::Id(id) => self
                .users
                .iter()
                .find(|(_, (user_id, _))| user_id == id)
                .map(|(address, _)| address.clone()),
        }
    }
}

/// Runs `step` on `db` and checks its outcome against `model`, which it then updates.
async fn apply<C>(db: &C, model: &mut Model, step: &Step) -> Result<(), TestCaseError>
where
    C: service::Retryable + ConnectionTrait,
{
    let (expected, actual) = match step {
        Step::Create { address: n, shout } => {
            let raw = address(*n);
            let raw = if *shout {
                raw.to_ascii_uppercase()
            } else {
                raw
            };
            let result = service::create_user(db, email(&raw)).await;
            let expected = if model.users.contains_key(&address(*n)) {
                Outcome::EmailTaken
            } else {
                Outcome::Done
            };
            if let Ok(account) = &result {
                model.users.insert(address(*n), (account.user.id, false));
                model.last_id.insert(*n, account.user.id);
            }
            (expected, Outcome::from(&result))
        }
        Step::CreateBatch(batch) => {
            let emails: Vec<_> = batch.iter().map(|n| email(&address(*n))).collect();
            let result = service::create_users(db, &emails).await;
            let distinct: HashSet<&usize> = batch.iter().collect();
            let expected = if distinct.len() < batch.len()
                || batch.iter().any(|n| model.users.contains_key(&address(*n)))
            {
                Outcome::EmailTaken
            } else {
                Outcome::Done
            };
            if let Ok(accounts) = &result {
                for (n, account) in batch.iter().zip(accounts) {
                    model.users.insert(address(*n), (account.user.id, false));
                    model.last_id.insert(*n, account.user.id);
                }
            }
            (expected, Outcome::from(&result))
        }
        Step::Onboard(target) => {
            let user_ref = model.user_ref(target);
            let result = service::onboard_host(db, &user_ref).await;
            let expected = match model.find(&user_ref) {
                None => Outcome::UserNotFound,
                Some(address) => {
                    let host = &mut model.users.get_mut(&address).unwrap().1;
                    if *host {
                        Outcome::AlreadyHost
                    } else {
                        *host = true;
                        Outcome::Done
                    }
                }
            };
            (expected, Outcome::from(&result))
        }
        Step::Offboard(target) => {
            let user_ref = model.user_ref(target);
            let result = service::offboard_host(db, &user_ref).await;
            let expected = match model.find(&user_ref) {
                None => Outcome::UserNotFound,
                Some(address) => {
                    let host = &mut model.users.get_mut(&address).unwrap().1;
                    if *host {
                        *host = false;
                        Outcome::Done
                    } else {
                        Outcome::NotAHost
                    }
                }
            };
            (expected, Outcome::from(&result))
        }
        Step::ChangeEmail(target, n) => {
            let user_ref = model.user_ref(target);
            let new = address(*n);
            let result = service::change_email(db, &user_ref, email(&new)).await;
            let expected = match model.find(&user_ref) {
                None => Outcome::UserNotFound,
                Some(old) if old == new => Outcome::Done,
                Some(_) if model.users.contains_key(&new) => Outcome::EmailTaken,
                Some(old) => {
                    let user = model.users.remove(&old).unwrap();
                    model.last_id.insert(*n, user.0);
                    model.users.insert(new, user);
                    Outcome::Done
                }
            };
            (expected, Outcome::from(&result))
        }
        Step::Delete(target) => {
            let user_ref = model.user_ref(target);
            let result = service::delete_user(db, &user_ref).await;
            let expected = match model.find(&user_ref) {
                None => Outcome::UserNotFound,
                Some(address) => {
                    model.users.remove(&address);
                    Outcome::Done
                }
            };
            (expected, Outcome::from(&result))
        }
    };
    prop_assert_eq!(actual, expected, "{:?}", step);
    Ok(())
}

/// Checks that `db` holds exactly what `model` says, and that the invariants hold.
async fn matches_model<C: ConnectionTrait>(db: &C, model: &Model) -> Result<(), TestCaseError> {
    // Each user with its guest and host: the invariants below rule out a second guest or
    // host, and guests or hosts without a user.
    let rows = user::Entity::find()
        .find_also_related(guest::Entity)
        .find_also_related(host::Entity)
        .all(db)
        .await
        .unwrap();
    let stored: BTreeMap<String, (Uuid, bool)> = rows
        .iter()
        .map(|(user, _, host)| (user.email.clone(), (user.id, host.is_some())))
        .collect();
    prop_assert_eq!(&stored, &model.users);
    for (user, guest, _) in &rows {
        prop_assert_eq!(guest, &Some(guest::Model::for_user(user)));
    }
    assert_invariants(db).await;
    Ok(())
}

/// Runs `items` on a fresh database, checking after every step.
async fn run_sequence(items: Vec<Item>) -> Result<(), TestCaseError> {
    let db = TestDatabase::new().await.unwrap();
    let mut model = Model::default();
    for item in &items {
        match item {
            Item::Step(step) => {
                apply(&*db, &mut model, step).await?;
                matches_model(&*db, &model).await?;
            }
            Item::Transaction { steps, commit } => {
                let txn = db.begin().await.unwrap();
                let mut inside = model.clone();
                for step in steps {
                    apply(&txn, &mut inside, step).await?;
                    // A failed step rolled back its savepoint only: the transaction goes on.
                    matches_model(&txn, &inside).await?;
                }
                if *commit {
                    txn.commit().await.unwrap();
                    model = inside;
                } else {
                    txn.rollback().await.unwrap();
                }
                matches_model(&*db, &model).await?;
            }
        }
    }
    Ok(())
}

/// Cases, the longest sequence and shrinking steps: thousands of short-lived in-memory
/// databases on SQLite; on a server each case creates and drops a database, which costs far
/// more.
fn budget(on_server: bool) -> (u32, usize, u32) {
    if on_server {
        (32, 40, 200)
    } else {
        (2000, 24, 2000)
    }
}

#[test]
fn random_sequences_of_operations_keep_the_database_equal_to_a_model() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let on_server = std::env::var(TEST_DATABASE_URL).is_ok_and(|url| !url.is_empty());
    let (cases, longest, max_shrink_iters) = budget(on_server);
    let mut runner = TestRunner::new(Config {
        cases,
        // A failure is reported with its shrunk sequence; nothing is written to the source tree.
        failure_persistence: None,
        max_shrink_iters,
        ..Config::default()
    });
    let sequences = prop::collection::vec(item(), 1..=longest);
    let result = runner.run(&sequences, |items| runtime.block_on(run_sequence(items)));
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, items)) => {
            panic!("{reason}\nminimal failing sequence: {items:#?}")
        }
        Err(TestError::Abort(reason)) => panic!("aborted: {reason}"),
    }
}
