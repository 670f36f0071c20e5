//! Figures of reads on a streaming replica, on a primary and a replica this program starts
//! (PostgreSQL's server binaries must be installed; nothing else is touched):
//!
//! 1. a mixed run: clients that write and then read what they wrote through their session,
//!    and read their previous user without it; how many reads each server served, and how many
//!    reads came back stale (must be 0 for reads given a position);
//! 2. the replica killed while clients read: the longest read, how long after the kill reads
//!    were served at their usual speed again, and failed reads (must be 0);
//! 3. the replica started again: how long until it served reads again.
//!
//! `cargo run --release --example replica_figures [SECONDS] [CLIENTS]` (default 10 s, 8 clients).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use migration::{Migrator, MigratorTrait};
use service::testing::PostgresServer;
use service::{Account, Cluster, Error, ReplicaSettings, ServedBy, Session, Timeouts, UserRef};

type Failure = Box<dyn std::error::Error + Send + Sync>;

#[derive(Default)]
struct Counts {
    writes: AtomicU64,
    own_reads: AtomicU64,
    own_stale: AtomicU64,
    other_reads: AtomicU64,
    other_not_yet_there: AtomicU64,
    failed: AtomicU64,
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map_or(Ok(10), |arg| arg.parse())?;
    let clients: u64 = args.next().map_or(Ok(8), |arg| arg.parse())?;

    let primary = PostgresServer::primary()?;
    let db = service::connect(&primary.url()).await?;
    Migrator::up(&db, None).await?;
    let mut replica = PostgresServer::replica_of(&primary)?;
    let settings = ReplicaSettings::DEFAULT;
    let cluster =
        Arc::new(Cluster::connect(db, &[replica.url()], Timeouts::DEFAULT, settings).await?);
    println!("settings: {settings:?}");

    // 1. Mixed runs: the replica as fast as it goes, then applying each commit late.
    let mut stale = 0;
    for delay_ms in [0, 100] {
        replica.configure(&format!("recovery_min_apply_delay = '{delay_ms}ms'"))?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        stale += mixed_run(&cluster, seconds, clients, delay_ms).await?;
    }

    // 2. The replica dies under readers.
    let account = service::create_user(cluster.primary(), "probe@example.com".parse()?).await?;
    let mut session = Session::new();
    cluster.record_write(&mut session).await;
    wait_for_replay(&cluster, &mut session).await;
    let target = UserRef::Id(account.user.id);
    let failed = Arc::new(AtomicU64::new(0));
    let readers_until = Instant::now() + Duration::from_secs(4);
    let readers: Vec<_> = (0..clients)
        .map(|_| {
            tokio::spawn(timed_reads(
                cluster.clone(),
                target.clone(),
                readers_until,
                failed.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let killed_at = Instant::now();
    let mut replica_back =
        tokio::task::spawn_blocking(move || replica.stop().map(|()| replica)).await??;
    let mut reads = Vec::new();
    for reader in readers {
        reads.extend(reader.await?);
    }
    let (before, after): (Vec<_>, Vec<_>) =
        reads.iter().partition(|read| read.0 + read.1 < killed_at);
    let latencies = |reads: &[&(Instant, Duration, ServedBy)]| {
        let mut latencies: Vec<Duration> = reads.iter().map(|read| read.1).collect();
        latencies.sort();
        latencies
    };
    let (before, after_latencies) = (latencies(&before), latencies(&after));
    let waited: Vec<_> = after
        .iter()
        .filter(|read| read.1 >= Duration::from_millis(100))
        .collect();
    let last_wait = waited
        .iter()
        .map(|read| (read.0 + read.1).saturating_duration_since(killed_at))
        .max()
        .unwrap_or_default();
    println!(
        "\n2. replica killed (pg_ctl stop -m immediate) under {clients} clients reading without a session"
    );
    println!(
        "   reads before the kill: {}, p50 {:.2} ms, p99 {:.2} ms",
        before.len(),
        ms(percentile(&before, 0.5)),
        ms(percentile(&before, 0.99))
    );
    println!(
        "   reads after: {} ({} on the primary), p50 {:.2} ms, p99 {:.2} ms, longest {:.1} ms, {} failed",
        after.len(),
        after
            .iter()
            .filter(|read| read.2 == ServedBy::Primary)
            .count(),
        ms(percentile(&after_latencies, 0.5)),
        ms(percentile(&after_latencies, 0.99)),
        ms(after_latencies.last().copied().unwrap_or_default()),
        failed.load(Ordering::Relaxed)
    );
    println!(
        "   reads that waited 100 ms or more: {}, the last ending {:.0} ms after the kill",
        waited.len(),
        ms(last_wait)
    );

    // 3. The replica comes back: nothing but reads notice it.
    let started = Instant::now();
    let replica =
        tokio::task::spawn_blocking(move || replica_back.start().map(|()| replica_back)).await??;
    while cluster.reader(None).await.served_by() == ServedBy::Primary {
        if started.elapsed() > Duration::from_secs(60) {
            return Err("the replica was not used again within 60 s".into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    println!(
        "\n3. replica started again (pg_ctl start -w): reads on it again {:.0} ms after the start began",
        ms(started.elapsed())
    );
    drop(replica);
    println!();
    if stale > 0 || failed.load(Ordering::Relaxed) > 0 {
        return Err("stale or failed reads: see above".into());
    }
    drop(primary);
    Ok(())
}

/// Runs `clients` clients for `seconds`, prints what they saw, and returns how many reads
/// were stale or failed (there must be none).
async fn mixed_run(
    cluster: &Arc<Cluster>,
    seconds: u64,
    clients: u64,
    delay_ms: u64,
) -> Result<u64, Failure> {
    let counts = Arc::new(Counts::default());
    let before = cluster.stats();
    let until = Instant::now() + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let (cluster, counts) = (cluster.clone(), counts.clone());
            tokio::spawn(mixed_client(
                cluster,
                counts,
                delay_ms * 1000 + client,
                until,
            ))
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    let stats = cluster.stats();
    let count = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
    println!(
        "\n1. mixed run, replica applying commits {delay_ms} ms late: {seconds} s, {clients} clients; \
         each writes a user, reads it 4 times with its session, and 4 times without the one it \
         wrote before"
    );
    println!(
        "   writes                                   {}",
        count(&counts.writes)
    );
    println!(
        "   reads served by the replica              {}",
        stats.replicas[0] - before.replicas[0]
    );
    println!(
        "   reads served by the primary              {}",
        stats.primary - before.primary
    );
    println!(
        "   stale reads given a position             {} of {}",
        count(&counts.own_stale),
        count(&counts.own_reads)
    );
    println!(
        "   reads without one that missed the user   {} of {}",
        count(&counts.other_not_yet_there),
        count(&counts.other_reads)
    );
    println!(
        "   failed reads                             {}",
        count(&counts.failed)
    );
    Ok(count(&counts.own_stale) + count(&counts.failed))
}

/// Writes a user, then reads it back four times through its session, and four users of
/// other clients without one, until `until`.
async fn mixed_client(
    cluster: Arc<Cluster>,
    counts: Arc<Counts>,
    client: u64,
    until: Instant,
) -> Result<(), Failure> {
    let mut session = Session::new();
    let (mut round, mut previous) = (0, None);
    while Instant::now() < until {
        let email = format!("client{client}-{round}@example.com").parse()?;
        let mine = service::create_user(cluster.primary(), email).await?;
        cluster.record_write(&mut session).await;
        counts.writes.fetch_add(1, Ordering::Relaxed);
        let mine = UserRef::Id(mine.user.id);
        for _ in 0..4 {
            let read = find(&cluster, &mut session, &mine).await;
            counts.own_reads.fetch_add(1, Ordering::Relaxed);
            match read {
                Ok(_) => {}
                Err(Error::UserNotFound) => _ = counts.own_stale.fetch_add(1, Ordering::Relaxed),
                Err(_) => _ = counts.failed.fetch_add(1, Ordering::Relaxed),
            }
        }
        // This client's user of the round before, read without the session: committed before
        // the read began, but a replica may not have replayed it yet.
        if let Some(earlier) = previous.replace(mine.clone()) {
            for _ in 0..4 {
                let read = find(&cluster, &mut Session::new(), &earlier).await;
                counts.other_reads.fetch_add(1, Ordering::Relaxed);
                match read {
                    Ok(_) => {}
                    Err(Error::UserNotFound) => {
                        _ = counts.other_not_yet_there.fetch_add(1, Ordering::Relaxed)
                    }
                    Err(_) => _ = counts.failed.fetch_add(1, Ordering::Relaxed),
                }
            }
        }
        round += 1;
    }
    Ok(())
}

async fn find(cluster: &Cluster, session: &mut Session, user: &UserRef) -> Result<Account, Error> {
    cluster
        .read(
            session,
            |db| async move { service::find_user(&db, user).await },
        )
        .await
}

/// Reads `user` without a session until `until`: when each read began, how long it took, and
/// where it ran.
async fn timed_reads(
    cluster: Arc<Cluster>,
    user: UserRef,
    until: Instant,
    failed: Arc<AtomicU64>,
) -> Vec<(Instant, Duration, ServedBy)> {
    let mut reads = Vec::new();
    while Instant::now() < until {
        let began = Instant::now();
        let mut served_by = ServedBy::Primary;
        let read = cluster
            .read(&mut Session::new(), |db| {
                served_by = db.served_by();
                let user = &user;
                async move { service::find_user(&db, user).await }
            })
            .await;
        if read.is_err() {
            failed.fetch_add(1, Ordering::Relaxed);
        }
        reads.push((began, began.elapsed(), served_by));
    }
    reads
}

/// Waits until the replica has replayed the session's writes.
async fn wait_for_replay(cluster: &Cluster, session: &mut Session) {
    while cluster.reader(session.at_least()).await.served_by() == ServedBy::Primary {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The `fraction` percentile of `sorted`.
fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 * fraction) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(index).copied().unwrap_or_default()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
