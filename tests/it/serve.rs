//! `accounts serve`, run for real: it answers over HTTP, logs JSON lines with each request's
//! id, keeps its token secret, and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use service::testing::TestDatabase;

const TOKEN: &str = "cli-test-token-0123456789abcdef";

/// `accounts serve` on a free loopback port, and the address it printed.
pub(crate) fn serve(
    url: Option<&str>,
    dir: &std::path::Path,
    envs: &[(&str, &str)],
    args: &[&str],
) -> (Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_accounts"));
    command
        .current_dir(dir)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .env_remove("ACCOUNTS_API_TOKEN")
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = url {
        command.env("DATABASE_URL", url);
    }
    let mut child = command.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    (child, address)
}

/// One HTTP/1.1 request; the status and the whole response.
pub(crate) fn http(address: &str, request: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    (status, response)
}

pub(crate) fn get(address: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let auth = token.map_or(String::new(), |token| {
        format!("Authorization: Bearer {token}\r\n")
    });
    http(
        address,
        &format!("GET {path} HTTP/1.1\r\nHost: {address}\r\n{auth}Connection: close\r\n\r\n"),
    )
}

pub(crate) fn post_json(
    address: &str,
    path: &str,
    body: &str,
    token: Option<&str>,
) -> (u16, String) {
    let auth = token.map_or(String::new(), |token| {
        format!("Authorization: Bearer {token}\r\n")
    });
    http(
        address,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: {address}\r\n{auth}Content-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// Sends SIGTERM and waits (up to 30 s) for the exit; its code and stderr.
pub(crate) fn terminate(mut child: Child) -> (Option<i32>, String) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    let code = child.wait().unwrap().code();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (code, stderr)
}

#[tokio::test]
async fn serve_answers_over_http_logs_json_lines_with_request_ids_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (child, address) = serve(None, dir.path(), &[], &[]);
    let (status, response) = post_json(&address, "/users", r#"{"email":"Cli@Example.com"}"#, None);
    assert_eq!(status, 201, "{response}");
    let request_id = response
        .lines()
        .find_map(|line| line.strip_prefix("x-request-id: "))
        .unwrap()
        .trim()
        .to_owned();
    let (status, response) = get(&address, "/users/cli@example.com", None);
    assert_eq!(status, 200, "{response}");
    // A write that fails on the database: its error line, logged from the write's own task,
    // carries the request's id too.
    let file = format!("sqlite://{}", dir.path().join("accounts.db").display());
    let db = service::connect(&file).await.unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(&db, "DROP TABLE idempotency_keys")
        .await
        .unwrap();
    db.close().await.unwrap();
    let body = r#"{"email":"x@example.com"}"#;
    let (status, response) = http(
        &address,
        &format!(
            "POST /users HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
             Idempotency-Key: k1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert_eq!(status, 500, "{response}");
    assert!(!response.contains("idempotency_keys"), "{response}");
    let failed_id = response
        .lines()
        .find_map(|line| line.strip_prefix("x-request-id: "))
        .unwrap()
        .trim()
        .to_owned();
    let (code, stderr) = terminate(child);
    assert_eq!(code, Some(0), "{stderr}");
    // Not a terminal: JSON lines, the request's own among them, with its id and route.
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let answered = lines
        .iter()
        .find(|line| line["span"]["request_id"] == request_id.as_str())
        .expect("a log line of the request");
    assert_eq!(answered["span"]["route"], "/users");
    assert_eq!(answered["span"]["method"], "POST");
    assert!(
        lines
            .iter()
            .any(|line| line["fields"]["message"] == "stopped")
    );
    let error = lines
        .iter()
        .find(|line| line["level"] == "ERROR")
        .expect("the failed write's error line");
    assert_eq!(error["span"]["request_id"], failed_id.as_str(), "{error}");
    // The data is in the file alone once the server has stopped (its log folded back in).
    assert!(!dir.path().join("accounts.db-wal").exists());
    let db = service::connect(&file).await.unwrap();
    service::find_user(&db, &"cli@example.com".parse().unwrap())
        .await
        .unwrap();
}

#[test]
fn serve_refuses_a_non_loopback_address_without_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_accounts"))
        .current_dir(dir.path())
        .args(["serve", "--bind", "0.0.0.0:0"])
        .env_remove("DATABASE_URL")
        .env_remove("ACCOUNTS_API_TOKEN")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(crate::cli::USAGE));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to serve 0.0.0.0:0 without a token"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "it never listened");
}

#[test]
fn a_token_too_short_to_be_safe_is_refused_without_being_printed() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_accounts"))
        .current_dir(dir.path())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env_remove("DATABASE_URL")
        .env("ACCOUNTS_API_TOKEN", "hunter2")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(crate::cli::USAGE));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("too short"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_token_requests_need_it_and_no_log_line_shows_it_even_at_trace() {
    let db = TestDatabase::new().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    // In-memory SQLite is the process's own: the server gets a file of its own instead.
    let url = (!db.url().starts_with("sqlite")).then(|| db.url().to_owned());
    let (child, address) = serve(
        url.as_deref(),
        dir.path(),
        &[("RUST_LOG", "trace")],
        &["--token-file", token_file.to_str().unwrap()],
    );
    let (status, _) = get(&address, "/users", None);
    assert_eq!(status, 401);
    let (status, _) = get(&address, "/users", Some("not-the-token-0123456789abcdef"));
    assert_eq!(status, 401);
    let (status, response) = get(&address, "/users", Some(TOKEN));
    assert_eq!(status, 200, "{response}");
    let (status, _) = get(&address, "/health/ready", None);
    assert_eq!(status, 200);
    let (code, stderr) = terminate(child);
    assert_eq!(code, Some(0));
    assert!(stderr.lines().count() > 10, "trace logs: {stderr}");
    assert!(!stderr.contains(TOKEN), "the token was logged");
}

#[test]
fn a_refused_start_leaves_no_database_behind() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_accounts"))
        .current_dir(dir.path())
        .args(["serve", "--bind", "[::]:0"])
        .env_remove("DATABASE_URL")
        .env_remove("ACCOUNTS_API_TOKEN")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(crate::cli::USAGE));
    assert!(!dir.path().join("accounts.db").exists());
}
