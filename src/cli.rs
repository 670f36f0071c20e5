//! The command line: parsing only.

use clap::{Args, Parser, Subcommand};

/// Marketplace accounts: users, their guests and hosts.
///
/// Without DATABASE_URL it works on `accounts.db` in the working directory, created and
/// migrated on first use.
#[derive(Debug, Parser)]
#[command(name = "accounts", version, after_help = crate::exit::help())]
pub struct Cli {
    /// Database URL: sqlite://FILE?mode=rwc, postgres://..., mysql://...
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// A PostgreSQL streaming replica of the database to read from (repeat for several, or
    /// list them comma-separated in the environment variable): `user show`, `user list` and
    /// `check` read there when one is up and close behind the primary.
    #[arg(
        long = "replica",
        value_name = "URL",
        env = "DATABASE_REPLICA_URLS",
        global = true,
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub replicas: Vec<String>,

    /// Print JSON: one object, or one object per line for lists.
    #[arg(long, global = true)]
    pub json: bool,

    /// Seconds a statement may wait for a lock another session holds before the command
    /// fails as busy (exit code 6).
    #[arg(long, value_name = "SECS", env = "ACCOUNTS_LOCK_TIMEOUT", global = true,
          default_value_t = 5.0, value_parser = seconds)]
    pub lock_timeout: f64,

    /// Seconds a statement may run (PostgreSQL and MySQL/MariaDB).
    #[arg(long, value_name = "SECS", env = "ACCOUNTS_STATEMENT_TIMEOUT", global = true,
          default_value_t = 30.0, value_parser = seconds)]
    pub statement_timeout: f64,

    /// Log more (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply or inspect the schema migrations.
    #[command(subcommand)]
    Migrate(Migrate),
    /// Create, show, list, re-address and delete users.
    #[command(subcommand)]
    User(User),
    /// Onboard and offboard hosts.
    #[command(subcommand)]
    Host(Host),
    /// Create many users quickly (each with its guest).
    Seed(Seed),
    /// Verify the invariants on the live database; exits non-zero listing offenders.
    Check,
    /// Serve the HTTP API until SIGINT (Ctrl-C) or SIGTERM, which finish the requests in
    /// flight.
    Serve(Serve),
    /// Print a shell completion script (e.g. `accounts completions bash > ~/.local/share/bash-completion/completions/accounts`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum Migrate {
    /// Apply all pending migrations.
    Up,
    /// Roll back the last migrations, dropping their tables and rows (asks first).
    Down {
        /// How many to roll back.
        #[arg(short, long, default_value_t = 1)]
        num: u32,
        /// Do not ask (needed when not on a terminal).
        #[arg(short, long)]
        yes: bool,
    },
    /// List migrations, applied or pending.
    Status,
    /// Drop this schema's tables (no other) and their rows, then apply all migrations (asks
    /// first).
    Fresh {
        /// Do not ask (needed when not on a terminal).
        #[arg(short, long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum User {
    /// Create a user (and its guest).
    Create {
        /// Email address.
        email: String,
    },
    /// Show a user with its guest and host.
    Show {
        /// User id or email.
        user: String,
    },
    /// List users with their guests and hosts, in creation order.
    List(List),
    /// Change a user's email address.
    Email {
        /// User id or email.
        user: String,
        /// New email address.
        new_email: String,
    },
    /// Delete a user with its guest and host.
    Delete {
        /// User id or email.
        user: String,
    },
}

#[derive(Debug, Args)]
pub struct List {
    /// Stop after this many users (read page by page; without it, every user is read from one
    /// streamed statement).
    #[arg(long)]
    pub limit: Option<u64>,
    /// Start after this user id.
    #[arg(long)]
    pub after: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Host {
    /// Make a user a host.
    Onboard {
        /// User id or email.
        user: String,
    },
    /// Stop a user being a host.
    Offboard {
        /// User id or email.
        user: String,
    },
}

#[derive(Debug, Args)]
pub struct Seed {
    /// How many users to create.
    #[arg(long)]
    pub users: u64,
    /// Also make every K-th user a host.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..))]
    pub hosts_every: Option<u64>,
}

#[derive(Debug, Args)]
pub struct Serve {
    /// Address and port to listen on (port 0: any free port, printed on stdout).
    #[arg(
        long,
        value_name = "ADDR:PORT",
        env = "ACCOUNTS_BIND",
        default_value = "127.0.0.1:8080"
    )]
    pub bind: std::net::SocketAddr,
    // From ACCOUNTS_API_TOKEN only, never from an argument: other users can read a process's
    // arguments.
    #[arg(skip = std::env::var("ACCOUNTS_API_TOKEN").ok().filter(|token| !token.is_empty()))]
    pub token: Option<String>,
    /// Read the bearer token every request must carry from this file; without it, from the
    /// environment variable ACCOUNTS_API_TOKEN. At least 22 characters; required unless the
    /// address is loopback.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<std::path::PathBuf>,
    /// Seconds a request may take before it is answered 503.
    #[arg(long, value_name = "SECS", default_value_t = 45.0, value_parser = seconds)]
    pub request_timeout: f64,
    /// Requests served at once; more are answered 503 at once.
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrent_requests: u32,
    /// Largest request body, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 512 * 1024)]
    pub body_limit: usize,
}

/// A number of seconds: positive, and below a day.
fn seconds(raw: &str) -> Result<f64, String> {
    match raw.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs < 86_400.0 => Ok(secs),
        _ => Err(format!(
            "{raw:?} is not a number of seconds above 0 and below 86400"
        )),
    }
}
