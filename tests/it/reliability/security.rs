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

/// A password no output may show, in every form a URL can carry it.
const SECRET: &str = "s3cr3t-Pw";

/// URLs that cannot be used (nothing listens, no driver, unreadable), each carrying [`SECRET`].
fn unusable_urls() -> Vec<String> {
    vec![
        format!("postgres://app:{SECRET}@127.0.0.1:1/accounts"),
        format!("mysql://app:{SECRET}@127.0.0.1:1/accounts"),
        "postgres://app:s3cr3t%2DPw@127.0.0.1:1/accounts".to_owned(),
        format!("postgres://app:{SECRET}@x@127.0.0.1:1/accounts"),
        format!("postgres://app:{SECRET}/x@127.0.0.1:1/accounts"),
        "postgres://app:s3cr3t -Pw@127.0.0.1:1/accounts".to_owned(),
        format!("postgres://app@127.0.0.1:1/accounts?password={SECRET}"),
        format!("mysql://app@127.0.0.1:1/accounts?password={SECRET}"),
        format!("postgres://app@127.0.0.1:1/accounts?sslmode=disable&PASSWORD={SECRET}"),
        format!("postgres://app@127.0.0.1:1/accounts?pass%77ord={SECRET}"),
        format!("postgres://app:{SECRET}@127.0.0.1:notaport/accounts"),
        format!("postgres://app:{SECRET}@[::1/accounts"),
        format!("postgresql://app:{SECRET}@127.0.0.1:1/accounts"),
        format!("unknown://app:{SECRET}@127.0.0.1/accounts"),
        format!("sqlite:///nonexistent/dir/x.db?password={SECRET}"),
        format!("mysql:app:{SECRET}@127.0.0.1/accounts"),
        format!("postgres:/app:{SECRET}@127.0.0.1/accounts"),
    ]
}

/// Whether `text` shows the secret, whole, percent-encoded, or in its two halves around a
/// space.
fn shows_secret(text: &str) -> bool {
    ["s3cr3t-Pw", "s3cr3t%2DPw", "s3cr3t%2dPw", "s3cr3t -Pw"]
        .iter()
        .any(|form| text.contains(form))
}

#[test]
fn no_password_form_appears_in_any_output_of_the_tool_at_any_verbosity() {
    let dir = tempfile::tempdir().unwrap();
    // One thread per URL: each run waits out the connect timeout.
    std::thread::scope(|threads| {
        for url in unusable_urls() {
            let dir = dir.path();
            threads.spawn(move || tool_never_shows_the_secret(dir, &url));
        }
    });
}

fn tool_never_shows_the_secret(dir: &std::path::Path, url: &str) {
    {
        for verbosity in [None, Some("-v"), Some("-vvv")] {
            let mut args = vec!["user", "list"];
            args.extend(verbosity);
            let output = crate::cli::run_in(dir, Some(url), &args);
            let (stdout, stderr) = (
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
            );
            assert!(!output.status.success(), "{url}");
            assert!(
                !shows_secret(&stdout) && !shows_secret(&stderr),
                "{url} {verbosity:?}: {stderr}"
            );
            assert!(!stderr.contains("panicked"), "{url}: {stderr}");
            assert!(stderr.contains("error: "), "{url}: {stderr}");
        }
    }
}

#[tokio::test]
async fn a_password_in_the_url_of_a_live_server_never_appears_at_the_highest_verbosity() {
    let db = database().await;
    let url = match sea_orm::ConnectionTrait::get_database_backend(&*db) {
        // Trust authentication here: the password is sent and accepted, the work goes on.
        sea_orm::DatabaseBackend::Postgres | sea_orm::DatabaseBackend::MySql => {
            let mut url = url::Url::parse(db.url()).unwrap();
            url.set_password(Some(SECRET)).unwrap();
            url.to_string()
        }
        _ => return,
    };
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["-vvv", "user", "list"][..],
        &["-vvv", "check"],
        &["-vv", "migrate", "status"],
    ] {
        let output = crate::cli::run_in(dir.path(), Some(&url), args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!shows_secret(&text), "{args:?}: {text}");
        assert!(
            text.contains(":***@"),
            "{args:?}: the URL was logged, masked: {text}"
        );
    }
}

#[test]
fn a_password_in_an_argument_the_tool_cannot_place_is_not_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("postgres://app:{SECRET}@127.0.0.1/accounts");
    for args in [
        vec!["user", "list", url.as_str()],
        vec!["--lock-timeout", url.as_str(), "user", "list"],
        vec!["--json", "user", "list", url.as_str()],
    ] {
        let output = crate::cli::run_in(dir.path(), None, &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            !shows_secret(&stderr) && stderr.contains(":***@"),
            "{stderr}"
        );
    }
}
