//! Exit codes: each kind of failure has its own, so scripts can tell them apart.

use std::process::ExitCode;

use service::{Error, ErrorKind};

/// Success.
pub const OK: u8 = 0;
/// Any failure without a code of its own.
pub const FAILURE: u8 = 1;
/// The command line is wrong (clap's own code).
pub const USAGE: u8 = 2;
/// No such user, or the user is not a host.
pub const NOT_FOUND: u8 = 3;
/// The change conflicts with what is stored: email taken, already a host, user in use.
pub const CONFLICT: u8 = 4;
/// An argument is not valid: email, user id, page size, batch size.
pub const INVALID_INPUT: u8 = 5;
/// The database cannot be reached, stayed busy through the retries, or its schema is not the
/// one this build knows.
pub const DATABASE: u8 = 6;
/// `check`, or a read, found data that breaks an invariant.
pub const CHECK_FAILED: u8 = 7;
/// Stopped by SIGINT (Ctrl-C) or SIGTERM before the end: 128 + SIGINT's number, as shells report
/// a command ended by Ctrl-C.
pub const INTERRUPTED: u8 = 130;

/// Every exit code with its stable kind (the `kind` of a JSON error) and meaning: the one table
/// the `--help` text and the JSON errors are made from.
pub const CODES: [(u8, &str, &str); 9] = [
    (OK, "ok", "success"),
    (FAILURE, "failure", "any other failure"),
    (
        USAGE,
        "usage",
        "usage error, or a command that drops data run without --yes",
    ),
    (NOT_FOUND, "not_found", "no such user, or not a host"),
    (
        CONFLICT,
        "conflict",
        "email taken, already a host, user still in use",
    ),
    (
        INVALID_INPUT,
        "invalid_input",
        "invalid email, user id, page or batch size",
    ),
    (
        DATABASE,
        "database",
        "database unreachable, busy, not migrated, newer than this build, or damaged",
    ),
    (
        CHECK_FAILED,
        "invariant",
        "check, or a read, found data that breaks an invariant",
    ),
    (
        INTERRUPTED,
        "interrupted",
        "seed interrupted; what was committed is printed",
    ),
];

/// The stable name of exit code `code`, for scripts that read JSON errors.
pub fn kind(code: u8) -> &'static str {
    CODES
        .iter()
        .find(|(known, _, _)| *known == code)
        .map_or("failure", |(_, kind, _)| kind)
}

/// The exit codes as `--help` lists them.
pub fn help() -> String {
    let mut text = String::from("Exit codes:\n");
    for (code, _, meaning) in CODES {
        text.push_str(&format!("  {code:>3}  {meaning}\n"));
    }
    text
}

/// The failure of a command: what to print and how to exit.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub error: anyhow::Error,
}

impl Failure {
    pub fn new(code: u8, error: anyhow::Error) -> Self {
        Self { code, error }
    }

    /// The error in one line, outermost context first, each cause once: a driver's error
    /// often repeats its source's text in its own, and a line that says a thing twice hides
    /// what it says. Passwords are redacted.
    pub fn message(&self) -> String {
        let chain: Vec<String> = self.error.chain().map(ToString::to_string).collect();
        migration::one_line(&chain.join(": "))
    }

    /// What to print on stderr: `error: ...`, or under `--json` one JSON object with the
    /// stable kind, the message and the exit code.
    pub fn report(&self, json: bool) -> String {
        let message = self.message();
        if json {
            serde_json::json!({
                "error": { "kind": kind(self.code), "message": message, "exit_code": self.code }
            })
            .to_string()
        } else {
            format!("error: {message}")
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code)
    }
}

/// Whether `error` comes from writing to a closed pipe.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

/// The exit code of a service error, by its kind: the mapping the HTTP API's statuses also
/// follow.
#[must_use]
pub fn code_of(error: &Error) -> u8 {
    match error.kind() {
        ErrorKind::NotFound => NOT_FOUND,
        ErrorKind::Conflict => CONFLICT,
        ErrorKind::InvalidInput => INVALID_INPUT,
        ErrorKind::Unavailable | ErrorKind::Busy => DATABASE,
        ErrorKind::Invariant => CHECK_FAILED,
        _ => FAILURE,
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::new(code_of(&error), error.into())
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        // A service error under added context keeps its code.
        let service_error = error.downcast_ref::<Error>();
        if service_error.is_some_and(Error::is_read_only_database) {
            return Self::new(
                DATABASE,
                error.context("the database is read-only here: its file or directory is not writable by this user"),
            );
        }
        Self::new(service_error.map_or(FAILURE, code_of), error)
    }
}
