//! The client's own CPU time, which a busy machine disturbs far less than wall-clock time.
//!
//! Linux only: elsewhere every reading is `None` and the output says `null`.

use std::fs;

/// Nanoseconds on a CPU so far, summed over this process's threads (the sqlx-sqlite worker
/// threads included), from `/proc/self/task/*/schedstat`.
///
/// A thread that ends between two readings takes its time with it; the threads that matter
/// here (the runtime's and one worker per pooled SQLite connection) live as long as a phase.
pub fn process_ns() -> Option<u64> {
    threads_ns("/proc/self/task")
}

/// [`process_ns`] of another process (`accounts serve`).
pub fn process_ns_of(pid: u32) -> Option<u64> {
    threads_ns(&format!("/proc/{pid}/task"))
}

fn threads_ns(tasks: &str) -> Option<u64> {
    let mut total = 0;
    for task in fs::read_dir(tasks).ok()? {
        let mut path = task.ok()?.path();
        path.push("schedstat");
        // A thread may end between listing and reading: it no longer counts.
        let Ok(stat) = fs::read_to_string(&path) else {
            continue;
        };
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

/// The machine's load average over the last minute, from `/proc/loadavg`.
pub fn load_average() -> Option<f64> {
    fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
