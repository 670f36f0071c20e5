//! What the tool tells a person or a script when something fails: the real cause, once, with
//! what to do; one JSON object under `--json`; exit codes in `--help`; no colour codes in a
//! log that goes to a file; reading where writing is impossible.

use std::process::Command;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseBackend};
use serde_json::Value;
use service::testing::UserFactory;

use crate::cli::{DATABASE, Tool, USAGE};
use crate::support::database;

/// Whether any ": "-separated part of `message` is said twice.
fn repeats_itself(message: &str) -> bool {
    let parts: Vec<&str> = message.split(": ").collect();
    parts
        .iter()
        .enumerate()
        .any(|(i, part)| part.len() > 10 && parts[i + 1..].contains(part))
}

#[test]
fn a_closed_port_is_reported_at_once_as_refused() {
    let tool = Tool::on("postgres://app@127.0.0.1:1/accounts");
    let start = Instant::now();
    let stderr = tool.fails(DATABASE, &["user", "list"]);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert!(
        stderr.contains("refused") && stderr.contains("is the server running"),
        "{stderr}"
    );
    assert!(!repeats_itself(&stderr), "{stderr}");
}

#[tokio::test]
async fn a_database_that_does_not_exist_is_named_with_what_to_do() {
    let db = database().await;
    let (url, expected) = match db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}/absent.db", dir.path().display());
            (url, "add ?mode=rwc")
        }
        _ => {
            let mut url = url::Url::parse(db.url()).unwrap();
            url.set_path("accounts_absent_database");
            (url.to_string(), "create it first")
        }
    };
    let stderr = Tool::on(&url).fails(DATABASE, &["user", "list"]);
    assert!(stderr.contains(expected), "{stderr}");
    assert!(!repeats_itself(&stderr), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn an_in_memory_database_is_refused_with_a_reason() {
    let stderr = Tool::on("sqlite::memory:").fails(DATABASE, &["user", "list"]);
    assert!(stderr.contains("use a file"), "{stderr}");
}

#[test]
fn under_json_every_failure_is_one_json_object_on_stderr_with_a_stable_kind() {
    let tool = Tool::embedded();
    tool.ok(&["user", "create", "taken@example.com"]);
    for (args, code, kind) in [
        (
            &["--json", "user", "show", "nobody@example.com"][..],
            3,
            "not_found",
        ),
        (
            &["--json", "user", "create", "TAKEN@example.com"],
            4,
            "conflict",
        ),
        (
            &["--json", "user", "create", "not-an-email"],
            5,
            "invalid_input",
        ),
        (&["--json", "user", "frobnicate"], 2, "usage"),
        (&["--json", "migrate", "fresh"], 2, "usage"),
    ] {
        let stderr = tool.fails(code, args);
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        let error: Value = serde_json::from_str(stderr.trim()).unwrap();
        assert_eq!(error["error"]["kind"], kind, "{args:?}");
        assert_eq!(error["error"]["exit_code"], code, "{args:?}");
        assert!(
            error["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let unreachable = Tool::on("postgres://app:s3cr3t@127.0.0.1:1/x");
    let stderr = unreachable.fails(DATABASE, &["user", "list", "--json"]);
    let error: Value = serde_json::from_str(stderr.trim()).unwrap();
    assert_eq!(error["error"]["kind"], "database");
    assert!(!stderr.contains("s3cr3t"));
}

#[test]
fn help_lists_every_exit_code() {
    let tool = Tool::embedded();
    let help = tool.ok(&["--help"]);
    for code in ["0", "1", "2", "3", "4", "5", "6", "7", "130"] {
        assert!(
            help.lines()
                .any(|line| line.trim_start().starts_with(&format!("{code}  "))),
            "exit code {code} not in --help:\n{help}"
        );
    }
}

#[test]
fn logs_written_to_a_pipe_carry_no_colour_codes() {
    let tool = Tool::embedded();
    let output = tool.run(&["-vv", "user", "create", "plain@example.com"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("INFO") || stderr.contains("DEBUG"),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
}

#[test]
fn completions_are_printed_for_the_common_shells() {
    let tool = Tool::embedded();
    for shell in ["bash", "zsh", "fish"] {
        let script = tool.ok(&["completions", shell]);
        assert!(
            script.contains("accounts") && script.contains("onboard"),
            "{shell}"
        );
    }
    tool.fails(USAGE, &["completions", "cmd.exe"]);
}

#[test]
fn a_deletion_echoes_the_normalized_address_and_the_id() {
    let tool = Tool::embedded();
    let created = tool.json(&["user", "create", "Mixed@Example.COM"]);
    let deleted = tool.json(&["user", "delete", "MIXED@example.com"]);
    assert_eq!(
        deleted[0],
        serde_json::json!({
            "event": "deleted",
            "user": "mixed@example.com",
            "id": created[0]["id"],
            "email": "mixed@example.com",
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_lock_the_tool_prints_one_error_line_and_the_busy_exit_code_in_time() {
    let db = crate::reliability::pooled(2).await;
    let account = UserFactory::new().create(&*db).await.unwrap();
    let (_holder, txn) = crate::reliability::waits::hold_row_lock(&db, &account).await;

    let tool = Tool::on(db.url());
    let id = account.user.id.to_string();
    let start = Instant::now();
    let stderr = tool.fails(
        DATABASE,
        &[
            "--lock-timeout",
            "1",
            "user",
            "email",
            &id,
            "new@example.com",
        ],
    );
    let took = start.elapsed();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("busy"), "{stderr}");
    assert!(took < service::RETRY_BUDGET, "{took:?}");
    txn.rollback().await.unwrap();
}

#[test]
fn a_database_in_a_directory_that_cannot_be_written_can_still_be_read() {
    let tool = Tool::embedded();
    tool.ok(&["user", "create", "reader@example.com"]);
    let dir = tool.dir.path();
    // Fold the log into the file and remove it, as a clean shutdown does: then SQLite would
    // have to create it again, and cannot.
    let db = close_cleanly(dir);
    assert!(db.exists());
    let chmod = |mode: &str, path: &std::path::Path| {
        assert!(
            Command::new("chmod")
                .arg(mode)
                .arg(path)
                .status()
                .unwrap()
                .success()
        );
    };
    chmod("444", &db);
    chmod("555", dir);
    // Root may write anywhere: the tool runs as an unprivileged user where the test is root.
    let as_root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
    let run = |args: &[&str]| {
        let mut command = if as_root {
            let mut command = Command::new("runuser");
            command.args(["-u", "nobody", "--", env!("CARGO_BIN_EXE_accounts")]);
            command
        } else {
            Command::new(env!("CARGO_BIN_EXE_accounts"))
        };
        command
            .current_dir(dir)
            .args(args)
            .env_remove("DATABASE_URL")
            .env_remove("RUST_LOG")
            .output()
            .unwrap()
    };
    for args in [
        &["user", "list"][..],
        &["check"],
        &["migrate", "status"],
        &["user", "show", "reader@example.com"],
    ] {
        let output = run(args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let written = run(&["user", "create", "writer@example.com"]);
    assert_eq!(written.status.code(), Some(DATABASE));
    assert!(String::from_utf8_lossy(&written.stderr).contains("read-only here"));
    chmod("755", dir);
}

/// Folds the log of the embedded database of `dir` into its file and leaves no `-wal` or `-shm`
/// file beside it, as the last connection's clean close does.
fn close_cleanly(dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("accounts.db");
    let url = format!("sqlite://{}", db.display());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let conn = service::connect(&url).await.unwrap();
        conn.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .unwrap();
        conn.execute_unprepared("PRAGMA journal_mode = DELETE")
            .await
            .unwrap();
        conn.close().await.unwrap();
    });
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("accounts.db{suffix}")));
    }
    db
}

#[test]
fn after_a_command_the_database_file_alone_holds_the_data() {
    let tool = Tool::embedded();
    tool.ok(&["user", "create", "whole@example.com"]);
    // The pool was closed: SQLite folded its log into the file and removed it.
    assert!(!tool.dir.path().join("accounts.db-wal").exists());
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(
        tool.dir.path().join("accounts.db"),
        copy.path().join("accounts.db"),
    )
    .unwrap();
    let copied = Tool::on(&format!(
        "sqlite://{}",
        copy.path().join("accounts.db").display()
    ));
    assert_eq!(copied.json(&["user", "list"]).len(), 1);
}

#[test]
fn a_sqlite_file_that_cannot_be_created_is_named_with_what_to_check() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}/no/such/dir/x.db?mode=rwc",
        dir.path().display()
    );
    let stderr = Tool::on(&url).fails(DATABASE, &["user", "list"]);
    assert!(stderr.contains("does its directory exist"), "{stderr}");
}

#[test]
fn every_in_memory_sqlite_url_is_refused() {
    for url in [
        "sqlite::memory:",
        "sqlite://:memory:",
        "sqlite:?mode=memory",
    ] {
        let stderr = Tool::on(url).fails(DATABASE, &["user", "create", "x@example.com"]);
        assert!(stderr.contains("use a file"), "{url}: {stderr}");
    }
}

#[test]
fn a_json_usage_error_names_what_is_missing() {
    let tool = Tool::embedded();
    let stderr = tool.fails(USAGE, &["--json", "user", "show"]);
    let error: Value = serde_json::from_str(stderr.trim()).unwrap();
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("<USER>"),
        "{stderr}"
    );
    let stderr = tool.fails(USAGE, &["--json", "user"]);
    let error: Value = serde_json::from_str(stderr.trim()).unwrap();
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("subcommand"),
        "{stderr}"
    );
}

#[test]
fn migrate_up_says_how_many_migrations_it_applied_itself() {
    let tool = Tool::embedded();
    let first = tool.run(&["migrate", "up"]);
    assert!(String::from_utf8_lossy(&first.stderr).contains(&format!(
        "applied {} migration(s)",
        crate::support::migrations()
    )));
    let again = tool.run(&["migrate", "up"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("applied 0 migration(s)"));
}
