//! Asking before a command destroys data: on a terminal a person answers; anywhere else the
//! command needs to have been told `--yes`.

use std::io::{BufRead, IsTerminal, Write};

/// Why a destructive command did not run.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// Not on a terminal, and `--yes` was not given.
    #[error("{0}: pass --yes to confirm (no terminal to ask on)")]
    NotConfirmed(String),
    /// The person at the terminal did not answer `yes`.
    #[error("{0}: not confirmed")]
    Declined(String),
}

/// Goes on only if `yes`, or if the person at the terminal types `yes` when asked whether to
/// do `what` (e.g. "drop every table of this schema and its rows").
///
/// # Errors
///
/// [`Refused`] when there is no terminal and `yes` is false, or the answer is not `yes`.
pub fn confirm(what: &str, yes: bool) -> Result<(), Refused> {
    if yes {
        return Ok(());
    }
    let (stdin, stderr) = (std::io::stdin(), std::io::stderr());
    if !stdin.is_terminal() || !stderr.is_terminal() {
        return Err(Refused::NotConfirmed(what.to_owned()));
    }
    let mut stderr = stderr.lock();
    let _ = write!(stderr, "This will {what}. Type yes to go on: ");
    let _ = stderr.flush();
    let mut answer = String::new();
    match stdin.lock().read_line(&mut answer) {
        Ok(_) if answer.trim() == "yes" => Ok(()),
        _ => Err(Refused::Declined(what.to_owned())),
    }
}
