//! [`PostgresServer`]: a PostgreSQL server of a test's own, primary or streaming replica,
//! started from the binaries installed on this machine and removed with its files when
//! dropped.
//!
//! Each server listens on 127.0.0.1 only, on a free port, with no Unix socket, in a temporary
//! directory of its own. PostgreSQL refuses to run as root: run as root, every PostgreSQL
//! program here runs as the `postgres` user, which owns the directory.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sea_orm::DbErr;
use tempfile::TempDir;

use crate::error::{Error, Result};

/// Where the PostgreSQL server binaries are, if not found by themselves: a directory holding
/// `initdb`, `pg_ctl` and `pg_basebackup`.
pub const POSTGRES_BINDIR: &str = "POSTGRES_BINDIR";

/// The settings of every test server: streaming replication on, and speed over durability
/// (a test's data lives as long as the test).
const CONFIG: &str = "
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
wal_level = replica
max_wal_senders = 10
hot_standby = on
wal_keep_size = '256MB'
max_connections = 50
shared_buffers = '16MB'
fsync = off
log_min_messages = warning
";

/// How long a server may take to start or stop.
const SERVER_WAIT_SECS: &str = "60";

/// A PostgreSQL server of one test. Dropping it stops it at once and deletes its files, even
/// when the test panicked.
#[derive(Debug)]
pub struct PostgresServer {
    bin: PathBuf,
    /// Holds `data/` and `log`; deleted on drop, after the server stopped.
    directory: TempDir,
    port: u16,
    running: bool,
}

impl PostgresServer {
    /// A new primary: an empty cluster made by `initdb`, started.
    ///
    /// # Errors
    ///
    /// [`Error::Database`] saying what failed: no PostgreSQL binaries (set
    /// [`POSTGRES_BINDIR`]), a command that failed (with its output and the server's log).
    pub fn primary() -> Result<Self> {
        let bin = bin_dir()?;
        let directory = owned_tempdir("accounts-primary-")?;
        let data = directory.path().join("data");
        run(
            &bin,
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                "postgres".as_ref(),
                "-A".as_ref(),
                "trust".as_ref(),
                "-E".as_ref(),
                "UTF8".as_ref(),
                "--locale=C".as_ref(),
                "--no-sync".as_ref(),
            ],
            directory.path(),
        )?;
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).map_err(|err| io_error(&conf, &err))?;
        text.push_str(CONFIG);
        std::fs::write(&conf, text).map_err(|err| io_error(&conf, &err))?;
        Self::started(bin, directory)
    }

    /// A new streaming replica of `primary`: a base backup of it (`pg_basebackup -R`, which
    /// also configures the replication connection), started as a hot standby.
    ///
    /// # Errors
    ///
    /// As [`PostgresServer::primary`].
    pub fn replica_of(primary: &Self) -> Result<Self> {
        let directory = owned_tempdir("accounts-replica-")?;
        let data = directory.path().join("data");
        let port = primary.port.to_string();
        run(
            &primary.bin,
            "pg_basebackup",
            &[
                "-h".as_ref(),
                "127.0.0.1".as_ref(),
                "-p".as_ref(),
                port.as_ref(),
                "-U".as_ref(),
                "postgres".as_ref(),
                "-D".as_ref(),
                data.as_os_str(),
                "-R".as_ref(),
                "-X".as_ref(),
                "stream".as_ref(),
                "-c".as_ref(),
                "fast".as_ref(),
                "--no-sync".as_ref(),
            ],
            directory.path(),
        )?;
        Self::started(primary.bin.clone(), directory)
    }

    /// Starts the server made in `directory`, on a free port (another one if that was taken
    /// in between).
    fn started(bin: PathBuf, directory: TempDir) -> Result<Self> {
        let mut server = Self {
            bin,
            directory,
            port: 0,
            running: false,
        };
        let mut tries = 0;
        loop {
            server.port = free_port()?;
            match server.start() {
                Ok(()) => return Ok(server),
                Err(_) if tries < 2 => tries += 1,
                Err(err) => return Err(err),
            }
        }
    }

    /// The URL of its `postgres` database, as the `postgres` user (no password: trust).
    #[must_use]
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Its port on 127.0.0.1.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Starts it again after [`PostgresServer::stop`], on the same port; waits until it takes
    /// connections (for a replica: until it is consistent and open for reads).
    ///
    /// # Errors
    ///
    /// `pg_ctl`'s error, with the server's log.
    pub fn start(&mut self) -> Result<()> {
        let data = self.directory.path().join("data");
        let log = self.directory.path().join("log");
        let options = format!("-p {}", self.port);
        run(
            &self.bin,
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-o".as_ref(),
                options.as_ref(),
                "-w".as_ref(),
                "-t".as_ref(),
                SERVER_WAIT_SECS.as_ref(),
                "start".as_ref(),
            ],
            self.directory.path(),
        )
        .map_err(|err| self.with_log(err))?;
        self.running = true;
        Ok(())
    }

    /// Stops it at once, as a crash would (`pg_ctl stop -m immediate`): its connections are
    /// cut, and it recovers from its log when started again.
    ///
    /// # Errors
    ///
    /// `pg_ctl`'s error.
    pub fn stop(&mut self) -> Result<()> {
        let data = self.directory.path().join("data");
        run(
            &self.bin,
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-m".as_ref(),
                "immediate".as_ref(),
                "-w".as_ref(),
                "-t".as_ref(),
                SERVER_WAIT_SECS.as_ref(),
                "stop".as_ref(),
            ],
            self.directory.path(),
        )?;
        self.running = false;
        Ok(())
    }

    /// Adds `setting` (`name = value`) to its configuration and has it reload: for settings
    /// a reload applies, such as a replica's `recovery_min_apply_delay`.
    ///
    /// # Errors
    ///
    /// The file's or `pg_ctl`'s error.
    pub fn configure(&self, setting: &str) -> Result<()> {
        let data = self.directory.path().join("data");
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).map_err(|err| io_error(&conf, &err))?;
        text.push_str(&format!("\n{setting}\n"));
        std::fs::write(&conf, text).map_err(|err| io_error(&conf, &err))?;
        run(
            &self.bin,
            "pg_ctl",
            &["-D".as_ref(), data.as_os_str(), "reload".as_ref()],
            self.directory.path(),
        )
    }

    /// `err` with the end of the server's log, which says why a server did not start.
    fn with_log(&self, err: Error) -> Error {
        let log = std::fs::read_to_string(self.directory.path().join("log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Error::Database(DbErr::Custom(format!(
            "{err}\nserver log:\n{}",
            tail.join("\n")
        )))
    }
}

impl Drop for PostgresServer {
    /// Stops the server before its directory is deleted, even when the test panicked.
    fn drop(&mut self) {
        if self.running {
            let _ = self.stop();
        }
    }
}

/// The directory of the PostgreSQL server binaries: [`POSTGRES_BINDIR`], else `pg_config
/// --bindir`, else the newest `/usr/lib/postgresql/*/bin` (Debian's layout).
fn bin_dir() -> Result<PathBuf> {
    let has_server = |dir: &Path| {
        ["initdb", "pg_ctl", "pg_basebackup", "postgres"]
            .iter()
            .all(|program| dir.join(program).is_file())
    };
    if let Ok(dir) = std::env::var(POSTGRES_BINDIR) {
        let dir = PathBuf::from(dir);
        return if has_server(&dir) {
            Ok(dir)
        } else {
            Err(custom(format!(
                "{POSTGRES_BINDIR}={} holds no initdb, pg_ctl, pg_basebackup and postgres",
                dir.display()
            )))
        };
    }
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()));
    let mut candidates: Vec<PathBuf> = from_pg_config.into_iter().collect();
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .collect();
    debian.sort();
    candidates.extend(debian.into_iter().rev().map(|(_, dir)| dir));
    candidates
        .into_iter()
        .find(|dir| has_server(dir))
        .ok_or_else(|| {
            custom(format!(
                "no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup, postgres) found: \
             install the PostgreSQL server (Debian: apt-get install postgresql), or set \
             {POSTGRES_BINDIR}"
            ))
        })
}

/// Runs PostgreSQL's `program` from `bin` with `args` in `dir`: as the `postgres` user when
/// this process is root (PostgreSQL refuses to run as root). Every program here ends by itself
/// (`pg_ctl` waits at most [`SERVER_WAIT_SECS`]).
fn run(bin: &Path, program: &str, args: &[&std::ffi::OsStr], dir: &Path) -> Result<()> {
    let path = bin.join(program);
    let mut command = if running_as_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(&path);
        command
    } else {
        Command::new(&path)
    };
    let output = command
        .args(args)
        .current_dir(dir)
        .env("LC_ALL", "C")
        .output()
        .map_err(|err| custom(format!("cannot run {}: {err}", path.display())))?;
    if output.status.success() {
        return Ok(());
    }
    Err(custom(format!(
        "{program} failed ({}): {}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )))
}

fn running_as_root() -> bool {
    // The owner of /proc/self is this process's effective user.
    std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0)
}

/// A temporary directory the server's user owns (the `postgres` user when this is root).
fn owned_tempdir(prefix: &str) -> Result<TempDir> {
    let directory = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .map_err(|err| custom(format!("cannot make a temporary directory: {err}")))?;
    if running_as_root() {
        let (uid, gid) = (id("-u")?, id("-g")?);
        std::os::unix::fs::chown(directory.path(), Some(uid), Some(gid))
            .map_err(|err| io_error(directory.path(), &err))?;
    }
    Ok(directory)
}

/// The `postgres` user's id (`-u`) or group id (`-g`).
fn id(which: &str) -> Result<u32> {
    let output = Command::new("id")
        .args([which, "postgres"])
        .output()
        .map_err(|err| custom(format!("cannot run id: {err}")))?;
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .map_err(|_| custom("there is no postgres user to run PostgreSQL as".to_owned()))
}

/// A port of 127.0.0.1 nobody listened on a moment ago.
fn free_port() -> Result<u16> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|err| custom(format!("no free port: {err}")))
}

/// Waits until `done` is true, checking every 20 ms, for at most `limit`.
///
/// # Errors
///
/// [`Error::Database`] naming `what` if `limit` passed first, or `done`'s own error.
pub async fn wait_until<F, Fut>(what: &str, limit: Duration, mut done: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool>>,
{
    let start = Instant::now();
    while !done().await? {
        if start.elapsed() > limit {
            return Err(custom(format!(
                "{what}: not within {} s",
                limit.as_secs_f64()
            )));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

fn custom(message: String) -> Error {
    Error::Database(DbErr::Custom(message))
}

fn io_error(path: &Path, err: &std::io::Error) -> Error {
    custom(format!("{}: {err}", path.display()))
}
