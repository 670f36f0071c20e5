//! User data never becomes SQL text, and a database password never becomes error text.

use std::error::Error as _;
use std::sync::{Arc, Mutex};

use service::testing::{TestDatabase, race};
use service::{Error, UserRef};

use super::assert_invariants;
use crate::support::{database, email, row_counts};

/// Every statement run on `db` from now on, as (SQL text, bound values).
fn record(db: &mut TestDatabase) -> Arc<Mutex<Vec<(String, String)>>> {
    let statements = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&statements);
    db.set_metric_callback(move |info| {
        let values = format!("{:?}", info.statement.values);
        sink.lock()
            .unwrap()
            .push((info.statement.sql.clone(), values));
    });
    statements
}

#[tokio::test]
async fn addresses_with_quotes_and_sql_in_them_reach_the_database_only_as_bound_values() {
    let mut db = database().await;
    let statements = record(&mut db);
    // Each is a valid address: quotes, comment markers and quoting of every dialect are
    // allowed in a local part.
    let addresses = [
        "o'brien@example.com",
        "a'--@example.com",
        "'or'1'='1'--@example.com",
        "x'delete_from_users--@example.com",
        "a`b`@example.com",
        "$$x$$@example.com",
        "a/*@example.com",
        "a#@example.com",
        "a''b@example.com",
    ];
    for (n, raw) in addresses.iter().enumerate() {
        let created = service::create_user(&*db, email(raw)).await.unwrap();
        let by_email = UserRef::Email(email(raw));
        assert_eq!(service::find_user(&*db, &by_email).await.unwrap(), created);
        service::onboard_host(&*db, &by_email).await.unwrap();
        service::offboard_host(&*db, &by_email).await.unwrap();
        let renamed = email(&format!("{n}{raw}"));
        service::change_email(&*db, &by_email, renamed.clone())
            .await
            .unwrap();
        let by_new = UserRef::Email(renamed.clone());
        assert_eq!(
            service::find_user(&*db, &by_new).await.unwrap().user.id,
            created.user.id
        );
        service::change_email(&*db, &by_new, email(raw))
            .await
            .unwrap();
    }
    assert_eq!(row_counts(&*db).await, (9, 9, 0));
    assert_invariants(&*db).await;
    let deleted = UserRef::Email(email(addresses[0]));
    service::delete_user(&*db, &deleted).await.unwrap();

    let statements = statements.lock().unwrap();
    assert!(
        statements.len() > addresses.len() * 6,
        "{}",
        statements.len()
    );
    for raw in addresses {
        let local = raw.split('@').next().unwrap();
        // Both the SQL text and the values are checked against the stored (lowercase) form.
        let local = local.to_ascii_lowercase();
        let mut bound = 0;
        for (sql, values) in statements.iter() {
            assert!(
                !sql.contains(&local) && !sql.contains("example.com"),
                "{raw} written into SQL: {sql}"
            );
            if values.contains(&raw.to_ascii_lowercase()) {
                bound += 1;
            }
        }
        assert!(bound > 0, "{raw} was never bound as a value");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_password_never_appears_in_the_error_of_a_failed_connection() {
    const PASSWORD: &str = "s3cr3t";
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let urls = [
        // A closed port, as the issue asks.
        format!("postgres://user:{PASSWORD}@127.0.0.1:1/x"),
        format!("postgres://user:{PASSWORD}@127.0.0.1:{port}/x"),
        format!("mysql://user:{PASSWORD}@127.0.0.1:{port}/x"),
        // SeaORM quotes URLs it cannot parse or has no driver for.
        format!("postgres://user:{PASSWORD}@127.0.0.1:notaport/x"),
        format!("unknown://user:{PASSWORD}@127.0.0.1/x"),
        format!("postgres://user:{PASSWORD}@[::1/x"),
        format!("postgres://127.0.0.1:{port}/x?password={PASSWORD}"),
    ];
    let outcomes = race(urls.len(), |i| {
        let url = urls[i].clone();
        async move { (url.clone(), service::connect(&url).await) }
    })
    .await;
    for (url, outcome) in outcomes {
        let Err(error) = outcome else {
            panic!("{url} connected");
        };
        assert!(
            matches!(error, Error::Unavailable(_) | Error::Database(_)),
            "{url}: {error:?}"
        );
        let mut shown = vec![error.to_string(), format!("{error:?}")];
        let mut source = error.source();
        while let Some(cause) = source {
            shown.push(cause.to_string());
            shown.push(format!("{cause:?}"));
            source = cause.source();
        }
        for text in shown {
            assert!(!text.contains(PASSWORD), "{url}: {text}");
        }
    }
}
