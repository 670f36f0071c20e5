//! What the commands print: readable text, or stable JSON for scripts.
//!
//! The JSON shapes are the tool's interface: fields are only ever added.

use std::io::{self, Write};

use chrono::{DateTime, SecondsFormat, Utc};
use entity::{guest, host};
use serde::Serialize;
use service::{Account, InvariantReport};
use uuid::Uuid;

/// Where results go, and in which format.
pub struct Output {
    json: bool,
    out: io::StdoutLock<'static>,
}

#[derive(Serialize)]
struct AccountJson {
    id: Uuid,
    email: String,
    created_at: String,
    updated_at: String,
    guest: RowJson,
    host: Option<RowJson>,
}

#[derive(Serialize)]
struct RowJson {
    id: Uuid,
    user_id: Uuid,
    created_at: String,
    updated_at: String,
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl From<&guest::Model> for RowJson {
    fn from(guest: &guest::Model) -> Self {
        Self {
            id: guest.id,
            user_id: guest.user_id,
            created_at: time(guest.created_at),
            updated_at: time(guest.updated_at),
        }
    }
}

impl From<&host::Model> for RowJson {
    fn from(host: &host::Model) -> Self {
        Self {
            id: host.id,
            user_id: host.user_id,
            created_at: time(host.created_at),
            updated_at: time(host.updated_at),
        }
    }
}

impl From<&Account> for AccountJson {
    fn from(account: &Account) -> Self {
        Self {
            id: account.user.id,
            email: account.user.email.clone(),
            created_at: time(account.user.created_at),
            updated_at: time(account.user.updated_at),
            guest: (&account.guest).into(),
            host: account.host.as_ref().map(RowJson::from),
        }
    }
}

impl Output {
    pub fn new(json: bool) -> Self {
        Self {
            json,
            out: io::stdout().lock(),
        }
    }

    fn json_line(&mut self, value: &impl Serialize) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, value)?;
        writeln!(self.out)
    }

    /// One account in full.
    pub fn account(&mut self, account: &Account) -> io::Result<()> {
        if self.json {
            return self.json_line(&AccountJson::from(account));
        }
        let user = &account.user;
        writeln!(self.out, "user   {}  {}", user.id, user.email)?;
        writeln!(
            self.out,
            "       created {}  updated {}",
            time(user.created_at),
            time(user.updated_at)
        )?;
        writeln!(self.out, "guest  {}", account.guest.id)?;
        match &account.host {
            Some(host) => writeln!(self.out, "host   {}", host.id),
            None => writeln!(self.out, "host   -"),
        }
    }

    /// One account as a line of a list.
    pub fn account_line(&mut self, account: &Account) -> io::Result<()> {
        if self.json {
            return self.json_line(&AccountJson::from(account));
        }
        let role = if account.host.is_some() {
            "guest+host"
        } else {
            "guest"
        };
        writeln!(
            self.out,
            "{}  {:<10}  {}",
            account.user.id, role, account.user.email
        )?;
        self.out.flush()
    }

    /// A host just onboarded.
    pub fn host(&mut self, host: &host::Model) -> io::Result<()> {
        if self.json {
            return self.json_line(&RowJson::from(host));
        }
        writeln!(self.out, "host   {}  of user {}", host.id, host.user_id)
    }

    /// A confirmation of a change that leaves nothing to show.
    pub fn done(&mut self, event: &str, user: &str) -> io::Result<()> {
        if self.json {
            return self.json_line(&serde_json::json!({ "event": event, "user": user }));
        }
        writeln!(self.out, "{event}: {user}")
    }

    /// The summary of a seeding run.
    pub fn seeded(&mut self, users: u64, hosts: u64) -> io::Result<()> {
        if self.json {
            return self.json_line(&serde_json::json!({ "users": users, "hosts": hosts }));
        }
        writeln!(self.out, "seeded {users} users ({hosts} hosts)")
    }

    /// Migration names with their state.
    pub fn migrations(&mut self, migrations: &[(String, bool)]) -> io::Result<()> {
        for (name, applied) in migrations {
            let status = if *applied { "applied" } else { "pending" };
            if self.json {
                self.json_line(&serde_json::json!({ "migration": name, "status": status }))?;
            } else {
                writeln!(self.out, "{status:<8} {name}")?;
            }
        }
        Ok(())
    }

    /// The invariant check.
    pub fn check(&mut self, report: &InvariantReport) -> io::Result<()> {
        let offenders = [
            ("users_without_guest", &report.users_without_guest),
            (
                "users_with_several_guests",
                &report.users_with_several_guests,
            ),
            ("users_with_several_hosts", &report.users_with_several_hosts),
            ("orphan_guests", &report.orphan_guests),
            ("orphan_hosts", &report.orphan_hosts),
        ];
        if self.json {
            let mut value = serde_json::json!({ "ok": report.holds(), "users": report.users });
            for (name, ids) in offenders {
                value[name] = serde_json::json!(ids);
            }
            return self.json_line(&value);
        }
        if report.holds() {
            return writeln!(
                self.out,
                "ok: {} users; each has exactly one guest and at most one host; no orphans",
                report.users
            );
        }
        for (name, ids) in offenders {
            for id in ids {
                writeln!(self.out, "{name}  {id}")?;
            }
        }
        Ok(())
    }
}
