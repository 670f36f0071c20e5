//! The migration binary, as `cargo run -p migration` and `sea-orm-cli migrate` run it: a URL it
//! cannot use is one line of error with no password in it, never a panic; many copies started
//! at once on a new database all succeed; dropping data needs a confirmation.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use migration::MigratorTrait;

/// How many migrations there are: each test applies them all.
fn migrations() -> usize {
    migration::Migrator::migrations().len()
}

const SECRET: &str = "s3cr3t-Pw";

fn migration(dir: &Path, url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_migration"));
    command
        .current_dir(dir)
        .args(args)
        .env("DATABASE_URL", url)
        .env_remove("DATABASE_SCHEMA")
        .env_remove("RUST_LOG");
    command
}

fn run(dir: &Path, url: &str, args: &[&str]) -> Output {
    migration(dir, url, args).output().unwrap()
}

#[test]
fn a_url_it_cannot_use_is_one_line_of_error_without_the_password_and_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let urls = [
        format!("postgres://app:{SECRET}@127.0.0.1:1/accounts"),
        format!("mysql://app:{SECRET}@127.0.0.1:1/accounts"),
        format!("postgres://app@127.0.0.1:1/accounts?password={SECRET}"),
        format!("postgres://app:{SECRET}@127.0.0.1:notaport/accounts"),
        format!("postgres://app:{SECRET}@[::1/accounts"),
        format!("postgresql://app:{SECRET}@127.0.0.1/accounts"),
        format!("unknown://app:{SECRET}@127.0.0.1/accounts"),
        "postgres://app:s3cr3t%2DPw@127.0.0.1:1/accounts".to_owned(),
        format!("mysql:app:{SECRET}@127.0.0.1/accounts"),
    ];
    std::thread::scope(|threads| {
        for url in &urls {
            let dir = dir.path();
            threads.spawn(move || {
                for args in [&["up"][..], &["status", "-v"]] {
                    let output = run(dir, url, args);
                    let stderr = String::from_utf8_lossy(&output.stderr);
                    let stdout = String::from_utf8_lossy(&output.stdout);
                    assert_eq!(output.status.code(), Some(1), "{url}: {stderr}");
                    assert!(!stderr.contains("panicked"), "{url}: {stderr}");
                    for form in [SECRET, "s3cr3t%2DPw"] {
                        assert!(
                            !stderr.contains(form) && !stdout.contains(form),
                            "{url}: {stderr}"
                        );
                    }
                    let errors: Vec<&str> =
                        stderr.lines().filter(|l| l.starts_with("error:")).collect();
                    assert_eq!(errors.len(), 1, "{url}: {stderr}");
                    assert!(
                        errors[0].contains("cannot open the database"),
                        "{url}: {stderr}"
                    );
                }
            });
        }
    });
}

#[test]
fn eight_copies_migrating_a_new_sqlite_file_at_once_all_succeed() {
    for round in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let url = "sqlite://accounts.db?mode=rwc";
        let children: Vec<_> = (0..8)
            .map(|_| {
                migration(dir.path(), url, &["up"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut applied = 0;
        for child in children {
            let output = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "round {round}: {stderr}");
            applied += stderr.matches("Applying migration").count();
        }
        // Each migration applied once, by whichever copy held the lock.
        assert_eq!(applied, migrations(), "round {round}");
        let status = run(dir.path(), url, &["status"]);
        assert_eq!(
            String::from_utf8_lossy(&status.stderr)
                .matches("Applied")
                .count(),
            migrations()
        );
    }
}

#[test]
fn dropping_data_needs_yes_when_not_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let url = "sqlite://accounts.db?mode=rwc";
    assert!(run(dir.path(), url, &["up"]).status.success());
    for args in [&["fresh"][..], &["down"], &["reset"], &["refresh"]] {
        let output = run(dir.path(), url, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("--yes"), "{args:?}: {stderr}");
    }
    let status = run(dir.path(), url, &["status"]);
    assert_eq!(
        String::from_utf8_lossy(&status.stderr)
            .matches("Applied")
            .count(),
        migrations()
    );
    assert!(run(dir.path(), url, &["fresh", "--yes"]).status.success());
}

#[test]
fn a_password_in_an_argument_it_cannot_place_is_not_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("postgres://app:{SECRET}@127.0.0.1/accounts");
    let output = run(dir.path(), "sqlite://accounts.db?mode=rwc", &["up", &url]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        !stderr.contains(SECRET) && stderr.contains(":***@"),
        "{stderr}"
    );
}
