//! Exit codes: each kind of failure has its own, so scripts can tell them apart.

use std::process::ExitCode;

use service::Error;

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

/// The exit code of a service error.
#[must_use]
pub fn code_of(error: &Error) -> u8 {
    match error {
        Error::UserNotFound | Error::NotAHost => NOT_FOUND,
        Error::EmailTaken | Error::AlreadyHost | Error::GuestExists | Error::UserInUse => CONFLICT,
        Error::InvalidEmail(_)
        | Error::InvalidUserRef(_)
        | Error::InvalidPageSize(_)
        | Error::BatchTooLarge(_) => INVALID_INPUT,
        Error::Unavailable(_) | Error::Busy(_) => DATABASE,
        Error::Broken(_) => CHECK_FAILED,
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
        let code = error.downcast_ref::<Error>().map_or(FAILURE, code_of);
        Self::new(code, error)
    }
}
