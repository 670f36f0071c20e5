//! [`race`]: operations started at the same instant, each in a task of its own.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::Barrier;

/// Runs `operation(0)`, …, `operation(n - 1)` at once, each in a task of its own on the current
/// tokio runtime, and returns their results in that order.
///
/// Every task waits at a barrier until all of them are running, so that they really race (on a
/// multi-threaded runtime, on all its threads) rather than the first finishing before the last
/// starts.
///
/// # Panics
///
/// If an operation panics (its panic goes on here), or the runtime shuts down meanwhile.
pub async fn race<F, Fut, T>(n: usize, operation: F) -> Vec<T>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let barrier = Arc::new(Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            let operation = operation(i);
            tokio::spawn(async move {
                barrier.wait().await;
                operation.await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(n);
    for task in tasks {
        match task.await {
            Ok(result) => results.push(result),
            Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
            Err(err) => panic!("a racing task did not finish: {err}"),
        }
    }
    results
}
