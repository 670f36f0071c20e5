//! `http_show` and `http_create`: `accounts serve` (the release build beside this binary)
//! driven by `wrk` at [`CONNECTIONS`] connections, against the same operation called directly
//! by as many tasks on the pools the server makes (`Pools::connect`).

use std::io::{BufRead, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde::Deserialize;
use service::{Email, UserRef};
use uuid::Uuid;

use super::concurrent::{Counted, on_all_cores};
use super::{Env, Side, Stopwatch, Timed};
use crate::cpu;
use crate::fixture::{self, Counts};
use crate::latency::{Latencies, Percentiles, Recorder};

/// Connections (wrk) or tasks (direct) at once.
pub const CONNECTIONS: usize = 64;

const SHOW_SCRIPT: &str = include_str!("../../wrk/show.lua");
const CREATE_SCRIPT: &str = include_str!("../../wrk/create.lua");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `GET /users/{id}` / `find_user`.
    Show,
    /// `POST /users` / `create_user`.
    Create,
}

/// Why the HTTP phases cannot run here, if they cannot: said once, before any is timed.
pub fn unavailable(accounts: &Path) -> Option<String> {
    let wrk = Command::new("wrk")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if wrk.is_err() {
        return Some(
            "the load generator `wrk` is not installed (Debian: apt-get install wrk)".to_owned(),
        );
    }
    if !accounts.is_file() {
        return Some(format!(
            "no `accounts` binary at {} (build it: cargo build --release -p accounts -p bench, \
             or pass --accounts PATH)",
            accounts.display()
        ));
    }
    None
}

pub async fn run(operation: Operation, side: Side, env: &Env<'_>) -> Result<Timed> {
    let users = fixture::users(env.db, env.n).await?;
    let hosts = fixture::hosts(env.db, &users).await?;
    let (timed, created) = match side {
        Side::Http => served(operation, env, &users)?,
        Side::Service => {
            let users = Arc::new(users);
            let (url, duration) = (env.url.to_owned(), env.duration);
            on_all_cores(move || async move {
                let counted = Counted::connect(&url, false).await?;
                let result = direct(operation, &counted, &users, duration).await;
                counted.close().await?;
                result
            })
            .await?
        }
        other => bail!("the HTTP phases have no {} side", other.name()),
    };
    let counts = Counts::new(env.n + created, env.n + created, hosts);
    if side == Side::Http && operation == Operation::Create {
        // wrk counts the answers it read before its deadline; requests still in flight then
        // may commit too.
        counts.at_least(env.db).await?;
    } else {
        counts.expect(env.db).await?;
    }
    Ok(timed)
}

/// The operation called directly by [`CONNECTIONS`] tasks until the deadline.
async fn direct(
    operation: Operation,
    counted: &Counted,
    users: &Arc<Vec<Uuid>>,
    duration: Duration,
) -> Result<(Timed, usize)> {
    let clock = Stopwatch::start(counted.statements());
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::with_capacity(CONNECTIONS);
    for task in 0..CONNECTIONS {
        let pools = counted.pools.clone();
        let users = Arc::clone(users);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Recorder::default();
            let mut done: usize = 0;
            while Instant::now() < deadline {
                let started = Instant::now();
                match operation {
                    Operation::Show => {
                        // The same spread as the wrk script: every user, in turn per task.
                        let id = users[(task * 7919 + done * 104_729) % users.len()];
                        service::find_user(pools.reader(), &UserRef::Id(id))
                            .await
                            .context("service::find_user")?;
                    }
                    Operation::Create => {
                        let email = Email::parse(&format!("d{task}-{done}@bench.example.com"))
                            .context("bad address")?;
                        service::create_user(pools.writer(), email)
                            .await
                            .context("service::create_user")?;
                    }
                }
                latencies.record(started.elapsed());
                done += 1;
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Recorder::default();
    for task in tasks {
        latencies.merge(task.await.context("a task panicked")??);
    }
    let ops = latencies.len();
    ensure!(ops > 0, "no operation finished within {duration:?}");
    let mut timed = clock.stop(ops, counted.statements());
    timed.latency = Some(latencies_of(operation, latencies.percentiles()));
    let created = if operation == Operation::Create {
        ops
    } else {
        0
    };
    Ok((timed, created))
}

/// What the wrk scripts print when done.
#[derive(Debug, Deserialize)]
struct WrkSummary {
    requests: usize,
    duration_us: u64,
    p50_us: f64,
    p99_us: f64,
    non_2xx: u64,
    socket_errors: u64,
}

/// `accounts serve` on the phase's database, driven by wrk for the phase's duration.
///
/// Blocking: nothing else runs in this process meanwhile, and the server and wrk are
/// processes of their own. The CPU per operation is the server's (all its threads), not
/// this process's or wrk's.
fn served(operation: Operation, env: &Env<'_>, users: &[Uuid]) -> Result<(Timed, usize)> {
    if let Some(why) = unavailable(env.accounts) {
        bail!("{why}");
    }
    let dir = tempfile::tempdir().context("cannot make a temporary directory")?;
    let script = dir.path().join("script.lua");
    std::fs::write(
        &script,
        match operation {
            Operation::Show => SHOW_SCRIPT,
            Operation::Create => CREATE_SCRIPT,
        },
    )
    .context("cannot write the wrk script")?;
    let ids = dir.path().join("ids");
    let mut file = std::fs::File::create(&ids).context("cannot write the ids")?;
    for id in users {
        writeln!(file, "{id}").context("cannot write the ids")?;
    }
    drop(file);

    let mut server = Server::start(env.accounts, env.url)?;
    let cpu_before = cpu::process_ns_of(server.pid());
    let started = Instant::now();
    let output = Command::new("wrk")
        .args(["-t2", &format!("-c{CONNECTIONS}")])
        .arg(format!("-d{}s", env.duration.as_secs().max(1)))
        .arg("--timeout")
        .arg("10s")
        .arg("-s")
        .arg(&script)
        .arg(format!("http://{}", server.address))
        .arg("--")
        .arg(&ids)
        .output()
        .context("cannot run wrk")?;
    let seconds = started.elapsed().as_secs_f64();
    let cpu_after = cpu::process_ns_of(server.pid());
    server.stop()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    ensure!(
        output.status.success(),
        "wrk failed: {}{}",
        stdout,
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: WrkSummary = stdout
        .lines()
        .rev()
        .find(|line| line.starts_with('{'))
        .context("wrk printed no summary: is the script's done() run?")
        .and_then(|line| serde_json::from_str(line).context("cannot read wrk's summary"))?;
    ensure!(
        summary.non_2xx == 0 && summary.socket_errors == 0,
        "wrk saw {} non-2xx answers and {} socket errors",
        summary.non_2xx,
        summary.socket_errors
    );
    ensure!(summary.requests > 0, "no request was answered");
    let wrk_seconds = summary.duration_us as f64 / 1e6;
    let timed = Timed {
        ops: summary.requests,
        seconds: if wrk_seconds > 0.0 {
            wrk_seconds
        } else {
            seconds
        },
        cpu_seconds: cpu_after
            .zip(cpu_before)
            .map(|(after, before)| after.saturating_sub(before) as f64 / 1e9),
        statements: 0,
        latency: Some(latencies_of(
            operation,
            Some(Percentiles {
                ops: summary.requests,
                p50_us: summary.p50_us,
                p99_us: summary.p99_us,
            }),
        )),
    };
    let created = if operation == Operation::Create {
        summary.requests
    } else {
        0
    };
    Ok((timed, created))
}

fn latencies_of(operation: Operation, percentiles: Option<Percentiles>) -> Latencies {
    match operation {
        Operation::Show => Latencies {
            find_user: percentiles,
            create_user: None,
        },
        Operation::Create => Latencies {
            find_user: None,
            create_user: percentiles,
        },
    }
}

/// `accounts serve --bind 127.0.0.1:0` on `url`, until [`Server::stop`] (or drop).
struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(accounts: &Path, url: &str) -> Result<Self> {
        let mut child = Command::new(accounts)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("DATABASE_URL", url)
            .env_remove("ACCOUNTS_API_TOKEN")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            // Its request log: formatted as in production, thrown away.
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", accounts.display()))?;
        let mut line = String::new();
        if let Some(stdout) = child.stdout.take() {
            BufReader::new(stdout)
                .read_line(&mut line)
                .context("cannot read the server's address")?;
        }
        let Some(address) = line.trim().strip_prefix("listening on http://") else {
            let _ = child.kill();
            let _ = child.wait();
            bail!("accounts serve did not start (it printed {line:?})");
        };
        Ok(Self {
            address: address.to_owned(),
            child,
        })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, as an orchestrator stops it, and waits for it to exit.
    fn stop(&mut self) -> Result<()> {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .context("cannot run kill")?;
        if !status.success() {
            let _ = self.child.kill();
        }
        let exit = self.child.wait().context("cannot wait for the server")?;
        ensure!(exit.success(), "accounts serve exited with {exit}");
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
