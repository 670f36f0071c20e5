//! Error messages as both binaries print them: one line, each cause said once.

use crate::redact::redact;

/// What SeaORM and sqlx put before a cause they pass on, which says nothing to a reader.
const NOISE: [&str; 5] = [
    "Connection Error: ",
    "Query Error: ",
    "Execution Error: ",
    "Custom Error: ",
    "error returned from database: ",
];

/// `text` (an error and its causes, joined by `: `) as one line for a person: the wrappers'
/// prefixes dropped, sqlx's `at line N` (a line of PostgreSQL's own C source) dropped, a part
/// said again dropped, and passwords redacted.
#[must_use]
pub fn one_line(text: &str) -> String {
    let mut text = redact(text).replace('\n', " ");
    for noise in NOISE {
        text = text.replace(noise, "");
    }
    let mut parts: Vec<String> = Vec::new();
    for part in text.split(": ") {
        let part = without_source_line(part.trim());
        if !part.is_empty() && !parts.iter().any(|said| said.contains(part)) {
            parts.push(part.to_owned());
        }
    }
    parts.join(": ")
}

/// `part` without a trailing ` at line 1234`.
fn without_source_line(part: &str) -> &str {
    match part.rsplit_once(" at line ") {
        Some((before, line)) if !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) => {
            before
        }
        _ => part,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_says_each_cause_once_without_the_wrappers_noise() {
        assert_eq!(
            one_line(
                "cannot open the database postgres://u:pw@h/x: database unavailable: \
                 Connection Error: error returned from database: database \"x\" does not exist \
                 at line 948: error returned from database: database \"x\" does not exist at line 948"
            ),
            "cannot open the database postgres://u:***@h/x: database unavailable: \
             database \"x\" does not exist"
        );
        assert_eq!(
            one_line(
                "database is busy; retry: Query Error: canceling statement due to lock timeout at line 3312"
            ),
            "database is busy; retry: canceling statement due to lock timeout"
        );
        assert_eq!(one_line("no such user"), "no such user");
    }
}
