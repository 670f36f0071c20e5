//! `accounts serve`: the HTTP API until SIGINT or SIGTERM.

use std::io::Write;
use std::time::Duration;

use anyhow::{Context, anyhow};
use api::{BearerToken, Config};
use std::sync::Arc;

use service::{Cluster, DatabaseConnection, Pools};

use crate::cli::Serve;
use crate::database::Target;
use crate::exit::{Failure, USAGE};
use crate::signals::first_signal;

/// The server's settings, checked before anything else is done (the database is not even
/// opened for a server that would refuse to start).
pub fn config(serve: &Serve) -> Result<Config, Failure> {
    let token = token(serve)?;
    if token.is_none() && !serve.bind.ip().is_loopback() {
        return Err(Failure::new(
            USAGE,
            anyhow!(
                "refusing to serve {} without a token: anyone who can reach it could change \
                 every account; set ACCOUNTS_API_TOKEN or --token-file, or bind a loopback \
                 address",
                serve.bind
            ),
        ));
    }
    Ok(Config {
        token,
        body_limit: serve.body_limit,
        request_timeout: Duration::from_secs_f64(serve.request_timeout),
        concurrency_limit: serve.max_concurrent_requests as usize,
    })
}

pub async fn run(cluster: Arc<Cluster>, serve: &Serve, config: Config) -> Result<(), Failure> {
    // Installed before the first request: a signal that comes early is not lost.
    let stop = first_signal().context("cannot listen for SIGINT and SIGTERM")?;
    let listener = tokio::net::TcpListener::bind(serve.bind)
        .await
        .with_context(|| format!("cannot listen on {}", serve.bind))?;
    let address = listener
        .local_addr()
        .context("cannot read the address listened on")?;
    // The one line on stdout: where to reach the server (the port, when 0 was asked for).
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "listening on http://{address}");
    let _ = stdout.flush();
    tracing::info!(%address, "serving");
    api::serve(listener, cluster, config, async move {
        let signal = stop.await;
        tracing::info!(signal, "stopping: finishing the requests in flight");
    })
    .await
    .context("the server failed")?;
    Ok(())
}

/// `db` for writes and, on a SQLite file, a read-only pool beside it for reads, so that reads
/// run on every core beside the one writer. Without one (the file could not be opened again),
/// reads share `db`, as every command's do.
pub async fn pools(db: &DatabaseConnection, target: &Target) -> Pools {
    match Pools::beside(db.clone(), target.options(), Pools::default_readers()).await {
        Ok(pools) => pools,
        Err(error) => {
            tracing::warn!(%error, "reads share the writer's connection");
            Pools::shared(db.clone())
        }
    }
}

/// The token from the environment or a file, parsed.
fn token(serve: &Serve) -> Result<Option<BearerToken>, Failure> {
    let (raw, source) = match (&serve.token, &serve.token_file) {
        (Some(raw), _) => (raw.clone(), "ACCOUNTS_API_TOKEN".to_owned()),
        (None, Some(path)) => (
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the token file {}", path.display()))?,
            path.display().to_string(),
        ),
        (None, None) => return Ok(None),
    };
    raw.parse()
        .map(Some)
        .with_context(|| format!("the token in {source} is not usable"))
        .map_err(|error| Failure::new(USAGE, error))
}
