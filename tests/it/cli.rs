//! The `accounts` binary, run for real on temporary SQLite files (and once on the test server).

use std::path::Path;
use std::process::{Command, Output};

use entity::user;
use sea_orm::{EntityTrait, IntoActiveModel};
use serde_json::Value;
use service::testing::TestDatabase;
use tempfile::TempDir;

pub(crate) const USAGE: i32 = 2;
pub(crate) const NOT_FOUND: i32 = 3;
const CONFLICT: i32 = 4;
const INVALID_INPUT: i32 = 5;
pub(crate) const DATABASE: i32 = 6;
pub(crate) const CHECK_FAILED: i32 = 7;

/// Runs the tool in `dir` with `args`, on the embedded default unless `url` is given.
pub(crate) fn run_in(dir: &Path, url: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_accounts"));
    command
        .current_dir(dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("DATABASE_REPLICA_URLS")
        .env_remove("RUST_LOG");
    if let Some(url) = url {
        command.env("DATABASE_URL", url);
    }
    command.output().unwrap()
}

pub(crate) struct Tool {
    pub(crate) dir: TempDir,
    url: Option<String>,
}

impl Tool {
    /// The tool on the embedded default: `accounts.db` in a fresh directory.
    pub(crate) fn embedded() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            url: None,
        }
    }

    pub(crate) fn on(url: &str) -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            url: Some(url.to_owned()),
        }
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        run_in(self.dir.path(), self.url.as_deref(), args)
    }

    /// Runs a command that must succeed, and returns its stdout.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Runs a command with `--json` that must succeed, and parses each line.
    pub(crate) fn json(&self, args: &[&str]) -> Vec<Value> {
        let mut args = args.to_vec();
        args.push("--json");
        self.ok(&args)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// Runs a command that must fail with `code`, and returns its stderr.
    pub(crate) fn fails(&self, code: i32, args: &[&str]) -> String {
        let output = self.run(args);
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?} printed to stdout");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!stderr.contains("backtrace"), "{stderr}");
        stderr
    }

    pub(crate) fn sqlite_url(&self) -> String {
        format!(
            "sqlite://{}?mode=rwc",
            self.dir.path().join("accounts.db").display()
        )
    }
}

#[test]
fn the_first_command_creates_and_migrates_the_embedded_database_and_says_so() {
    let tool = Tool::embedded();
    let first = tool.run(&["user", "create", "first@example.com"]);
    assert!(first.status.success());
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(
        stderr.contains(&format!(
            "applied {} pending migration(s)",
            crate::support::migrations()
        )),
        "{stderr}"
    );
    assert!(tool.dir.path().join("accounts.db").exists());

    let second = tool.run(&["user", "show", "first@example.com"]);
    assert!(second.status.success());
    assert!(second.stderr.is_empty(), "only the first use migrates");
}

#[test]
fn the_walkthrough_creates_shows_onboards_lists_checks_and_deletes() {
    let tool = Tool::embedded();
    let created = tool.json(&["user", "create", "Alice@Example.com"]);
    let id = created[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(created[0]["email"], "alice@example.com");
    assert_eq!(created[0]["guest"]["user_id"], id.as_str());
    assert_eq!(created[0]["host"], Value::Null);

    let text = tool.ok(&["user", "show", &id]);
    assert!(text.contains("alice@example.com") && text.contains("guest"));

    let host = tool.json(&["host", "onboard", "alice@example.com"]);
    assert_eq!(host[0]["user_id"], id.as_str());
    let shown = tool.json(&["user", "show", "ALICE@example.com"]);
    assert_eq!(shown[0]["host"]["id"], host[0]["id"]);

    let listed = tool.json(&["user", "list"]);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0], shown[0]);
    assert!(tool.ok(&["check"]).starts_with("ok: 1 users"));

    assert_eq!(
        tool.json(&["host", "offboard", &id])[0],
        serde_json::json!({ "event": "offboarded", "user": id })
    );
    assert_eq!(
        tool.json(&["user", "email", &id, "alice@new.example.com"])[0]["email"],
        "alice@new.example.com"
    );
    assert!(
        tool.ok(&["user", "delete", "alice@new.example.com"])
            .contains("deleted")
    );
    assert!(tool.json(&["user", "list"]).is_empty());
    assert_eq!(tool.json(&["check"])[0]["ok"], true);
}

#[test]
fn user_list_pages_through_everyone_with_limit_and_after() {
    let tool = Tool::embedded();
    assert_eq!(
        tool.json(&["seed", "--users", "250", "--hosts-every", "10"])[0],
        serde_json::json!({ "users": 250, "hosts": 25 })
    );
    let all = tool.json(&["user", "list"]);
    assert_eq!(all.len(), 250, "more than one page of 100");
    let hosts = all.iter().filter(|a| !a["host"].is_null()).count();
    assert_eq!(hosts, 25);

    let first = tool.json(&["user", "list", "--limit", "120"]);
    assert_eq!(first[..], all[..120]);
    let after = first[119]["id"].as_str().unwrap();
    let rest = tool.json(&["user", "list", "--after", after]);
    assert_eq!(rest[..], all[120..]);
    assert_eq!(
        tool.ok(&["user", "list", "--limit", "2"]).lines().count(),
        2
    );
    assert!(tool.json(&["user", "list", "--limit", "0"]).is_empty());
}

#[test]
fn seed_prints_no_progress_bar_when_stderr_is_not_a_terminal() {
    let tool = Tool::embedded();
    tool.ok(&["migrate", "up"]);
    let output = tool.run(&["seed", "--users", "1500"]);
    assert!(output.status.success());
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "seeded 1500 users (0 hosts)\n"
    );
    assert_eq!(tool.json(&["check"])[0]["users"], 1500);
}

#[test]
fn migrate_goes_up_down_and_fresh_and_reports_its_status() {
    let tool = Tool::embedded();
    let status = tool.json(&["migrate", "status"]);
    assert_eq!(status.len(), crate::support::migrations());
    assert!(status.iter().all(|m| m["status"] == "pending"));

    tool.ok(&["migrate", "up"]);
    assert!(
        tool.ok(&["migrate", "status"])
            .lines()
            .all(|l| l.starts_with("applied"))
    );
    let down = tool.json(&["migrate", "down", "--yes"]);
    let last = crate::support::migrations() - 1;
    assert_eq!(down[last]["status"], "pending");
    assert_eq!(down[last - 1]["status"], "applied");
    tool.ok(&["migrate", "up"]);
    tool.ok(&["user", "create", "gone@example.com"]);
    tool.ok(&["migrate", "fresh", "--yes"]);
    assert!(tool.json(&["user", "list"]).is_empty());
}

#[test]
fn each_kind_of_failure_has_its_own_exit_code_and_one_line_on_stderr() {
    let tool = Tool::embedded();
    tool.ok(&["user", "create", "taken@example.com"]);
    tool.ok(&["user", "create", "other@example.com"]);
    tool.ok(&["host", "onboard", "taken@example.com"]);

    tool.fails(USAGE, &["user"]);
    tool.fails(USAGE, &["frobnicate"]);
    tool.fails(USAGE, &["seed", "--users", "many"]);

    tool.fails(NOT_FOUND, &["user", "show", "nobody@example.com"]);
    tool.fails(
        NOT_FOUND,
        &["user", "delete", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"],
    );
    tool.fails(NOT_FOUND, &["host", "offboard", "other@example.com"]);
    tool.fails(NOT_FOUND, &["host", "onboard", "nobody@example.com"]);

    let taken = tool.fails(CONFLICT, &["user", "create", "TAKEN@example.com"]);
    assert_eq!(taken.lines().count(), 1, "{taken}");
    assert!(taken.contains("already taken"), "{taken}");
    tool.fails(CONFLICT, &["host", "onboard", "taken@example.com"]);
    tool.fails(
        CONFLICT,
        &["user", "email", "other@example.com", "taken@example.com"],
    );

    for bad in ["not-an-email", "two@@example.com", "sp ace@example.com", ""] {
        tool.fails(INVALID_INPUT, &["user", "create", bad]);
    }
    tool.fails(INVALID_INPUT, &["user", "show", "not-a-user"]);
    tool.fails(INVALID_INPUT, &["user", "list", "--after", "not-a-uuid"]);
    tool.fails(
        INVALID_INPUT,
        &["user", "email", "other@example.com", "bad@"],
    );

    assert_eq!(
        tool.json(&["user", "list"]).len(),
        2,
        "failures wrote nothing"
    );
}

#[test]
fn a_named_database_that_is_not_migrated_is_refused_not_migrated() {
    let tool = Tool::embedded();
    let url = tool.sqlite_url();
    let named = Tool::on(&url);
    let stderr = named.fails(DATABASE, &["user", "list"]);
    assert!(stderr.contains("migrate up"), "{stderr}");
    named.ok(&["migrate", "up"]);
    assert!(named.json(&["user", "list"]).is_empty());
}

#[tokio::test]
async fn a_schema_newer_than_this_build_is_refused() {
    let tool = Tool::embedded();
    tool.ok(&["migrate", "up"]);
    let db = service::connect(&tool.sqlite_url()).await.unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(
        &db,
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20991231_000001_future', 0)",
    )
    .await
    .unwrap();
    db.close().await.unwrap();

    let stderr = tool.fails(DATABASE, &["user", "list"]);
    assert!(stderr.contains("newer"), "{stderr}");
    tool.fails(DATABASE, &["migrate", "up"]);
}

#[test]
fn an_unreachable_database_is_a_database_error_and_its_password_is_never_shown() {
    let tool = Tool::on("postgres://app:s3cr3t-pw@127.0.0.1:1/accounts");
    let output = tool.run(&["-vvv", "user", "list"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(DATABASE), "{stderr}");
    assert!(!stderr.contains("s3cr3t-pw"), "{stderr}");
    assert!(stderr.contains("app:***@127.0.0.1"), "{stderr}");
}

#[tokio::test]
async fn check_lists_a_user_without_a_guest_and_fails() {
    let tool = Tool::embedded();
    tool.ok(&["user", "create", "fine@example.com"]);
    // A multi-row insert skips the hooks: this user gets no guest.
    let db = service::connect(&tool.sqlite_url()).await.unwrap();
    let now = entity::clock::now();
    let bare = user::Model {
        id: uuid::Uuid::now_v7(),
        email: "bare@example.com".to_owned(),
        created_at: now,
        updated_at: now,
    };
    user::Entity::insert(bare.clone().into_active_model())
        .exec_without_returning(&db)
        .await
        .unwrap();
    db.close().await.unwrap();

    let output = tool.run(&["check"]);
    assert_eq!(output.status.code(), Some(CHECK_FAILED));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.trim(), format!("users_without_guest  {}", bare.id));
    let report = tool.run(&["check", "--json"]);
    let report: Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["users_without_guest"][0], bare.id.to_string());
}

#[tokio::test]
async fn the_tool_works_against_the_test_database() {
    // The server that TEST_DATABASE_URL names, or a SQLite file named by URL when it is unset.
    let server = std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty());
    let (_db, tool) = if server {
        let db = TestDatabase::new().await.unwrap();
        let tool = Tool::on(db.url());
        (Some(db), tool)
    } else {
        let mut tool = Tool::embedded();
        tool.url = Some(tool.sqlite_url());
        tool.ok(&["migrate", "up"]);
        (None, tool)
    };
    let created = tool.json(&["user", "create", "server@example.com"]);
    tool.ok(&["host", "onboard", "server@example.com"]);
    tool.json(&["seed", "--users", "30", "--hosts-every", "3"]);
    let listed = tool.json(&["user", "list"]);
    assert_eq!(listed.len(), 31);
    assert_eq!(listed[0]["id"], created[0]["id"]);
    assert_eq!(tool.json(&["check"])[0]["ok"], true);
    tool.fails(CONFLICT, &["host", "onboard", "server@example.com"]);
    tool.ok(&["user", "delete", "server@example.com"]);
    tool.fails(NOT_FOUND, &["user", "show", "server@example.com"]);
}

#[test]
fn a_reader_that_stops_early_ends_the_listing_quietly() {
    let tool = Tool::embedded();
    tool.ok(&["seed", "--users", "3000"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_accounts"))
        .current_dir(tool.dir.path())
        .args(["user", "list"])
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then hang up, as `| head -n 1` does.
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    assert!(first.contains("@example.com"), "{first}");
    assert_eq!(output.status.code(), Some(0));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
