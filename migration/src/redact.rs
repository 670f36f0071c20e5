//! The one way the workspace keeps database passwords out of what it prints.
//!
//! Every message, log line, error and panic of the workspace's binaries passes through
//! [`redact`] before it is written; the service's errors do too. A password can reach a text
//! in many forms (a URL's user-info, percent-encoded or not; a `password=` query parameter,
//! whose key may itself be percent-encoded; a driver's `Debug` output), so the text is
//! scanned for every form rather than for one known URL.

use std::borrow::Cow;
use std::io::{self, Write};

/// What a redacted secret is replaced with.
pub const MASK: &str = "***";

/// `text` with every password in it replaced by [`MASK`]: a URL's password
/// (`scheme://user:password@host`), the value of a query parameter whose name (percent-decoded,
/// any case) speaks of a secret (`password=`, `sslpassword=`, `pass%77ord=`, ...), and a
/// `password: "..."` field of a `Debug` output.
///
/// It errs on the side of hiding: a URL's user-info is taken to end at the last `@` before
/// the next white space, so a password holding an unescaped `@`, `/` or quote is hidden whole.
#[must_use]
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut redacted = url_passwords(text);
    if let Some(next) = parameter_values(&redacted) {
        redacted = Cow::Owned(next);
    }
    if let Some(next) = debug_fields(&redacted) {
        redacted = Cow::Owned(next);
    }
    redacted
}

/// The schemes of database URLs, which hide a password even when the `//` after them is
/// missing (`mysql:root:pw@host/db`): the drivers refuse such a URL, and quote it.
const DATABASE_SCHEMES: [&str; 5] = ["postgres:", "postgresql:", "mysql:", "mariadb:", "sqlite:"];

/// Where a URL's authority (its user-info, if any) may begin in `text`: after every `://`, and
/// after a database scheme and the slashes that follow it.
fn authorities(text: &str) -> Vec<usize> {
    let lower = text.to_ascii_lowercase();
    let mut starts: Vec<usize> = lower.match_indices("://").map(|(at, _)| at + 3).collect();
    for scheme in DATABASE_SCHEMES {
        for (at, _) in lower.match_indices(scheme) {
            let word_start = at == 0 || !lower.as_bytes()[at - 1].is_ascii_alphanumeric();
            if word_start {
                let after = at + scheme.len();
                let slashes = lower[after..].len() - lower[after..].trim_start_matches('/').len();
                starts.push(after + slashes);
            }
        }
    }
    starts.sort_unstable();
    starts.dedup();
    starts
}

/// The user-info passwords of every `scheme://user:password@host` in `text`.
fn url_passwords(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    for authority in authorities(text) {
        if authority < copied {
            continue;
        }
        let rest = &text[authority..];
        let line = &rest[..rest.find(['\n', '\r']).unwrap_or(rest.len())];
        let token = &line[..line.find(char::is_whitespace).unwrap_or(line.len())];
        let userinfo_end = match token.rfind('@') {
            Some(at) => at,
            // A raw space inside a password ends the token early: `u:pa ss@host`. A token
            // that is only `user:...` with no host part behind it yet is taken to run on to
            // the next `@` of the line.
            None if token.contains(':') && !token.contains(['/', '?', '#']) => {
                let Some(at) = line.find('@') else { continue };
                if line[..at].contains("://") {
                    continue;
                }
                at
            }
            None => continue,
        };
        let Some(colon) = rest[..userinfo_end].find(':') else {
            continue;
        };
        out.push_str(&text[copied..authority + colon + 1]);
        out.push_str(MASK);
        copied = authority + userinfo_end;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Whether a parameter named `key` holds a secret: `password`, `sslpassword`, `passwd`,
/// `pwd`, `secret`, `token`, in any case and percent-encoding.
fn is_secret_key(key: &str) -> bool {
    let key = percent_decode(key).to_ascii_lowercase();
    ["pass", "pwd", "secret", "token"]
        .iter()
        .any(|word| key.contains(word))
}

/// The values of every `key=value` in `text` whose key names a secret. A value ends at `&`,
/// `#` or white space, which a URL's parameter value cannot hold unescaped.
///
/// A log line may also name the parameter in one field and give its value in the next, as
/// sqlx does for a parameter it ignores (`key=PASSWORD value=…`): such a `value` is hidden too.
fn parameter_values(text: &str) -> Option<String> {
    let is_key_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '%');
    let mut out = String::new();
    let mut copied = 0;
    let mut named_secret = false;
    for (equals, _) in text.match_indices('=') {
        if equals < copied {
            continue;
        }
        let key_start = text[..equals]
            .rfind(|c: char| !is_key_char(c))
            .map_or(0, |at| at + 1);
        let key = &text[key_start..equals];
        let value_start = equals + 1;
        let value_len = text[value_start..]
            .find(|c: char| c == '&' || c == '#' || c.is_whitespace())
            .unwrap_or(text.len() - value_start);
        let value = &text[value_start..value_start + value_len];
        let secret = is_secret_key(key) || (named_secret && key == "value");
        named_secret = key == "key" && is_secret_key(value);
        if !secret {
            continue;
        }
        out.push_str(&text[copied..value_start]);
        out.push_str(MASK);
        copied = value_start + value_len;
    }
    (copied > 0).then(|| out + &text[copied..])
}

/// `password: "..."` and `password: Some("...")` as `#[derive(Debug)]` prints a field.
fn debug_fields(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut copied = 0;
    for (at, field) in text.match_indices("password: ") {
        if at < copied {
            continue;
        }
        let value_start = at + field.len();
        let value = &text[value_start..];
        let quoted = if let Some(inner) = value.strip_prefix("Some(\"") {
            value_start + value.len() - inner.len()
        } else if let Some(inner) = value.strip_prefix('"') {
            value_start + value.len() - inner.len()
        } else {
            continue;
        };
        let Some(end) = closing_quote(&text[quoted..]) else {
            continue;
        };
        out.push_str(&text[copied..quoted]);
        out.push_str(MASK);
        copied = quoted + end;
    }
    (copied > 0).then(|| out + &text[copied..])
}

/// The offset of the `"` that closes a `Debug`-escaped string.
fn closing_quote(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (at, c) in text.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(at),
            _ => escaped = false,
        }
    }
    None
}

/// `text` with `%XX` sequences decoded, byte by byte; invalid sequences stay as they are.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes.get(at + 1..at + 3).and_then(|hex| {
            std::str::from_utf8(hex)
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        });
        match (bytes[at], hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                at += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// A writer that redacts what it is given before passing it on: for the log output of the
/// binaries, whose lines may quote a URL (SeaORM traces its connect options whole).
///
/// Each `write` call is redacted on its own; `tracing-subscriber` writes a whole event per call.
pub struct Redacting<W>(pub W);

impl<W: Write> Write for Redacting<W> {
    /// Colours split what they colour (`key=` and its value become separate runs of escape
    /// codes), so a line is redacted without them; a line with a secret loses its colours.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let plain = without_colours(&text);
        match redact(&plain) {
            Cow::Owned(redacted) => self.0.write_all(redacted.as_bytes())?,
            Cow::Borrowed(_) => self.0.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// `text` without its ANSI colour codes (`ESC [ … m`).
fn without_colours(text: &str) -> Cow<'_, str> {
    if !text.contains('\x1b') {
        return Cow::Borrowed(text);
    }
    let mut plain = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(escape) = rest.find("\x1b[") {
        plain.push_str(&rest[..escape]);
        let code = &rest[escape + 2..];
        match code.find(|c: char| !(c.is_ascii_digit() || c == ';')) {
            Some(end) if code[end..].starts_with('m') => rest = &code[end + 1..],
            _ => {
                plain.push_str("\x1b[");
                rest = code;
            }
        }
    }
    plain.push_str(rest);
    Cow::Owned(plain)
}

/// Makes every panic message of the process pass through [`redact`]: a panic inside a
/// dependency may quote what it was given, a database URL included.
pub fn redact_panics() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".to_owned());
        let place = info
            .location()
            .map(|at| format!(" at {}:{}", at.file(), at.line()))
            .unwrap_or_default();
        eprintln!("panic{place}: {}", redact(&message));
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_password_in_a_url_is_hidden() {
        let cases = [
            (
                "The connection string 'postgres://me:s3cr3t@127.0.0.1:x/db' cannot be parsed.",
                "The connection string 'postgres://me:***@127.0.0.1:x/db' cannot be parsed.",
            ),
            ("a://u:p@ss/w'rd@h/x b://v:q@h", "a://u:***@h/x b://v:***@h"),
            (
                "mysql://root@127.0.0.1:3306/mysql",
                "mysql://root@127.0.0.1:3306/mysql",
            ),
            (
                "postgres://h:5432/db for a@b.c",
                "postgres://h:5432/db for a@b.c",
            ),
            ("postgres://u:p%40ss%20w@h/db", "postgres://u:***@h/db"),
            ("postgres://u:pa ss word@h/db", "postgres://u:***@h/db"),
            (
                "postgres://u@h/db?password=s3cr3t&x=1",
                "postgres://u@h/db?password=***&x=1",
            ),
            (
                "postgres://u@h/db?x=1&PassWord=s3cr3t",
                "postgres://u@h/db?x=1&PassWord=***",
            ),
            (
                "postgres://u@h/db?pass%77ord=s3cr3t",
                "postgres://u@h/db?pass%77ord=***",
            ),
            (
                "mysql://u@h/db?sslpassword=s3cr3t#f",
                "mysql://u@h/db?sslpassword=***#f",
            ),
            (
                "host=h password=s3cr3t user=u",
                "host=h password=*** user=u",
            ),
            ("password=", "password=***"),
            (
                r#"PgConnectOptions { password: Some("s3\"cr3t"), user: "u" }"#,
                r#"PgConnectOptions { password: Some("***"), user: "u" }"#,
            ),
            (
                r#"ConnectOptions { url: "mysql://root:s3cr3t@127.0.0.1/x", max: 1 }"#,
                r#"ConnectOptions { url: "mysql://root:***@127.0.0.1/x", max: 1 }"#,
            ),
            (
                "Access denied (using password: YES)",
                "Access denied (using password: YES)",
            ),
            (
                "ignoring unrecognized connect parameter key=PASSWORD value=s3cr3t",
                "ignoring unrecognized connect parameter key=PASSWORD value=***",
            ),
            ("key=sslmode value=disable", "key=sslmode value=disable"),
            ("no url here", "no url here"),
            (
                "mysql:root:s3cr3t@127.0.0.1/db",
                "mysql:root:***@127.0.0.1/db",
            ),
            ("'postgres:/u:s3cr3t@h/db'", "'postgres:/u:***@h/db'"),
            ("POSTGRES:u:s3cr3t@h/db", "POSTGRES:u:***@h/db"),
            ("sqlite:accounts.db?mode=rwc", "sqlite:accounts.db?mode=rwc"),
            ("a mysql: server said x@y", "a mysql: server said x@y"),
        ];
        for (text, expected) in cases {
            assert_eq!(redact(text), expected, "{text}");
        }
    }

    #[test]
    fn a_text_without_a_password_is_not_copied() {
        assert!(matches!(redact("postgres://u@h/db"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_redacting_writer_hides_passwords_in_what_it_writes_coloured_or_not() {
        let mut writer = Redacting(Vec::new());
        writer
            .write_all(b"connecting to postgres://u:s3cr3t@h/db\n")
            .unwrap();
        assert_eq!(writer.0, b"connecting to postgres://u:***@h/db\n");

        let coloured = "\x1b[33m WARN\x1b[0m ignoring \x1b[3mkey\x1b[0m\x1b[2m=\x1b[0mPASSWORD \
                        \x1b[3mvalue\x1b[0m\x1b[2m=\x1b[0ms3cr3t\n";
        let mut writer = Redacting(Vec::new());
        writer.write_all(coloured.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(writer.0).unwrap(),
            " WARN ignoring key=PASSWORD value=***\n"
        );
        let harmless = "\x1b[33m WARN\x1b[0m slow statement\n";
        let mut writer = Redacting(Vec::new());
        writer.write_all(harmless.as_bytes()).unwrap();
        assert_eq!(
            writer.0,
            harmless.as_bytes(),
            "colours kept where nothing is hidden"
        );
    }
}
