//! `accounts --replica URL`: reads from the replica, writes to the primary, and a replica
//! that is down changes nothing but where the reads go.

use std::process::Command;

use super::{patient, pause_replay, replicated};
use crate::cli::{DATABASE, NOT_FOUND, Tool};

#[test]
fn a_replica_beside_a_sqlite_database_is_refused_without_showing_its_password() {
    let tool = Tool::embedded();
    let replica = "postgres://app:s3cr3t-pw@127.0.0.1:1/accounts";
    let stderr = tool.fails(DATABASE, &["--replica", replica, "user", "list"]);
    assert!(stderr.contains("need a PostgreSQL primary"), "{stderr}");
    assert!(!stderr.contains("s3cr3t-pw"), "{stderr}");

    // The same from the environment, as a list.
    let output = Command::new(env!("CARGO_BIN_EXE_accounts"))
        .current_dir(tool.dir.path())
        .env_remove("DATABASE_URL")
        .env("DATABASE_REPLICA_URLS", format!("{replica},{replica}"))
        .args(["-vvv", "check"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(DATABASE), "{stderr}");
    assert!(stderr.contains("need a PostgreSQL primary"), "{stderr}");
    assert!(!stderr.contains("s3cr3t-pw"), "{stderr}");
}

#[tokio::test]
#[ignore = "starts PostgreSQL servers of its own: run by bash .ci/run"]
async fn the_tool_reads_from_the_replica_and_from_the_primary_once_the_replica_is_down() {
    let mut setup = replicated(1, patient()).await;
    let tool = Tool::on(&setup.primary.url());
    let replica = setup.replicas[0].url();
    pause_replay(&setup.replicas[0]).await;

    tool.ok(&["user", "create", "gina@example.com"]);
    // The replica has not replayed the insert: the reads that went there do not see it.
    tool.fails(
        NOT_FOUND,
        &["--replica", &replica, "user", "show", "gina@example.com"],
    );
    assert_eq!(tool.ok(&["--replica", &replica, "user", "list"]), "");
    assert!(tool.ok(&["user", "list"]).contains("gina@example.com"));

    setup.replicas[0].stop().unwrap();
    let shown = tool.ok(&["--replica", &replica, "user", "show", "gina@example.com"]);
    assert!(shown.contains("gina@example.com"), "{shown}");
    let listed = tool.ok(&["--replica", &replica, "--replica", &replica, "user", "list"]);
    assert!(listed.contains("gina@example.com"), "{listed}");
    tool.ok(&["--replica", &replica, "check"]);
}
