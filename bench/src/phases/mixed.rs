//! `mixed`: [`TASKS`] tasks for a fixed time, each picking 90% `find_user` (ids spread over all
//! users) and 10% `create_user`, as a read-heavy marketplace does.
//!
//! Sides: `service` and `raw` on `Pools::connect` (on SQLite a writer of one connection and a
//! read-only pool beside it; on a server one pool), `single` (SQLite only) the service on one
//! connection for everything, the design before `Pools`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use service::{Email, UserRef};
use uuid::Uuid;

use super::concurrent::{Counted, on_all_cores};
use super::{Env, Side, Stopwatch, Timed};
use crate::fixture::{self, Counts};
use crate::latency::{Latencies, Recorder};
use crate::raw::RawDb;

/// Tasks running at once.
pub const TASKS: usize = 32;
/// One operation in this many writes.
const WRITE_EVERY: u64 = 10;

pub async fn run(side: Side, env: &Env<'_>) -> Result<Timed> {
    let users = fixture::users(env.db, env.n).await?;
    let hosts = fixture::hosts(env.db, &users).await?;
    let users = Arc::new(users);
    let (url, duration, n) = (env.url.to_owned(), env.duration, env.n);
    let (timed, writes) = on_all_cores(move || async move {
        let counted = Counted::connect(&url, side == Side::Single).await?;
        let result = timed(side, &counted, &users, duration).await;
        counted.close().await?;
        result
    })
    .await?;
    Counts::new(n + writes, n + writes, hosts)
        .expect(env.db)
        .await?;
    Ok(timed)
}

/// The timed part, and how many users it created.
async fn timed(
    side: Side,
    counted: &Counted,
    users: &Arc<Vec<Uuid>>,
    duration: Duration,
) -> Result<(Timed, usize)> {
    let raw_statements = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let clock = Stopwatch::start(counted.statements());
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::with_capacity(TASKS);
    for task in 0..TASKS {
        let pools = counted.pools.clone();
        let users = Arc::clone(users);
        let raw_statements = Arc::clone(&raw_statements);
        tasks.push(tokio::spawn(async move {
            let mut raw = match side {
                Side::Raw => Some(RawDb::split(pools.writer(), pools.reader())?),
                _ => None,
            };
            let (mut reads, mut writes) = (Recorder::default(), Recorder::default());
            let mut random = Random::new(task as u64);
            let mut created = 0;
            while Instant::now() < deadline {
                let draw = random.next();
                let started = Instant::now();
                if draw.is_multiple_of(WRITE_EVERY) {
                    let email = Email::parse(&format!("m{task}-{created}@bench.example.com"))
                        .context("bad address")?;
                    match &mut raw {
                        Some(raw) => {
                            raw.create_user(email.as_str())
                                .await
                                .context("raw create_user")?;
                        }
                        None => {
                            service::create_user(pools.writer(), email)
                                .await
                                .context("service::create_user")?;
                        }
                    }
                    writes.record(started.elapsed());
                    created += 1;
                } else {
                    let id = users[(draw / WRITE_EVERY) as usize % users.len()];
                    let found = match &mut raw {
                        Some(raw) => raw.find_user(id).await.context("raw find_user")?.user.id,
                        None => {
                            service::find_user(pools.reader(), &UserRef::Id(id))
                                .await
                                .context("service::find_user")?
                                .user
                                .id
                        }
                    };
                    ensure!(found == id, "asked for {id}, got {found}");
                    reads.record(started.elapsed());
                }
            }
            if let Some(raw) = raw {
                raw_statements.fetch_add(raw.statements(), std::sync::atomic::Ordering::Relaxed);
            }
            anyhow::Ok((reads, writes))
        }));
    }
    let (mut reads, mut writes) = (Recorder::default(), Recorder::default());
    for task in tasks {
        let (task_reads, task_writes) = task.await.context("a task panicked")??;
        reads.merge(task_reads);
        writes.merge(task_writes);
    }
    let created = writes.len();
    let ops = reads.len() + writes.len();
    if ops == 0 {
        bail!("no operation finished within {duration:?}");
    }
    let statements =
        counted.statements() + raw_statements.load(std::sync::atomic::Ordering::Relaxed);
    let mut timed = clock.stop(ops, statements);
    timed.latency = Some(Latencies {
        find_user: reads.percentiles(),
        create_user: writes.percentiles(),
    });
    Ok((timed, created))
}

/// xorshift64*: a task's own sequence of draws, the same for every side.
struct Random(u64);

impl Random {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}
