//! What the commands print: readable text, or stable JSON for scripts.
//!
//! The JSON shapes are the tool's interface: fields are only ever added.

use std::io::{self, Write};

use chrono::{DateTime, SecondsFormat, Utc};
use entity::{guest, host, user};
use serde::Serialize;
use service::{Account, BrokenAccount, InvariantReport, UserRef};
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

    /// A user whose rows break an invariant, in place of its account: in a list or alone.
    pub fn broken(&mut self, broken: &BrokenAccount) -> io::Result<()> {
        let user = &broken.user;
        if self.json {
            return self.json_line(&serde_json::json!({
                "id": user.id,
                "email": user.email,
                "created_at": time(user.created_at),
                "updated_at": time(user.updated_at),
                "guest": null,
                "host": broken.host.as_ref().map(RowJson::from),
                "missing": [broken.missing.to_string()],
            }));
        }
        let role = match broken.host {
            Some(_) => "host",
            None => "-",
        };
        writeln!(
            self.out,
            "{}  {:<10}  {}  BROKEN: no {}",
            user.id, role, user.email, broken.missing
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
    /// `user` is echoed as the tool understood it: an id, or the normalized address.
    pub fn done(&mut self, event: &str, user: &UserRef) -> io::Result<()> {
        let user = user.to_string();
        if self.json {
            return self.json_line(&serde_json::json!({ "event": event, "user": user }));
        }
        writeln!(self.out, "{event}: {user}")
    }

    /// A user just deleted: the reference as understood, and the user's id and address.
    pub fn deleted(&mut self, user: &UserRef, deleted: &user::Model) -> io::Result<()> {
        if self.json {
            return self.json_line(&serde_json::json!({
                "event": "deleted",
                "user": user.to_string(),
                "id": deleted.id,
                "email": deleted.email,
            }));
        }
        writeln!(self.out, "deleted: {}  {}", deleted.id, deleted.email)
    }

    /// The summary of a seeding run: the users and hosts it committed, all it was asked for or,
    /// when it stopped early, those of the batches it committed before.
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
    ///
    /// Text: one `kind  id` line per listed offender, and after a kind whose offenders were
    /// not all listed, `kind: N in all, M not listed`, so that a truncated list never passes
    /// for a complete one. JSON: every kind twice, for compatibility: as the array of listed
    /// ids (the original shape) and under `offenders` as `{"total", "ids", "unlisted"}`.
    pub fn check(&mut self, report: &InvariantReport) -> io::Result<()> {
        let kinds = report.kinds();
        if self.json {
            let mut value = serde_json::json!({
                "ok": report.holds(),
                "users": report.users,
                "offenders": {},
            });
            for (name, offenders) in kinds {
                value[name] = serde_json::json!(offenders.ids);
                value["offenders"][name] = serde_json::json!({
                    "total": offenders.total,
                    "ids": offenders.ids,
                    "unlisted": offenders.unlisted(),
                });
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
        for (name, offenders) in kinds {
            for id in &offenders.ids {
                writeln!(self.out, "{name}  {id}")?;
            }
            if offenders.unlisted() > 0 {
                writeln!(
                    self.out,
                    "{name}: {} in all, {} not listed",
                    offenders.total,
                    offenders.unlisted()
                )?;
            }
        }
        Ok(())
    }
}
