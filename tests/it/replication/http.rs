//! `accounts serve --replica`: a client that sends back the `x-wal-position` of its last
//! write finds what it wrote, even on a replica that has not replayed it.

use super::{caught_up, patient, pause_replay, primary_position, replicated, resume_replay};
use crate::serve::{get, post_json, serve, terminate};

fn position_of(response: &str) -> Option<String> {
    response
        .lines()
        .find_map(|line| line.strip_prefix("x-wal-position: "))
        .map(|value| value.trim().to_owned())
}

fn get_at(address: &str, path: &str, position: &str) -> (u16, String) {
    crate::serve::http(
        address,
        &format!(
            "GET {path} HTTP/1.1\r\nHost: {address}\r\nx-wal-position: {position}\r\n\
             Connection: close\r\n\r\n"
        ),
    )
}

#[tokio::test]
#[ignore = "starts PostgreSQL servers of its own: run by bash .ci/run"]
async fn a_client_that_sends_back_its_position_finds_the_user_it_just_created() {
    let setup = replicated(1, patient()).await;
    pause_replay(&setup.replicas[0]).await;
    let dir = tempfile::tempdir().unwrap();
    let replica = setup.replicas[0].url();
    let (child, address) = serve(
        Some(&setup.primary.url()),
        dir.path(),
        &[],
        &["--replica", &replica],
    );

    let (status, created) = post_json(&address, "/users", r#"{"email":"ivy@example.com"}"#, None);
    assert_eq!(status, 201, "{created}");
    let position = position_of(&created).expect("a write answers with its position");

    // Without the position the read may go to the replica, which has not replayed the insert.
    let (status, response) = get(&address, "/users/ivy@example.com", None);
    assert_eq!(status, 404, "served by the paused replica: {response}");
    // With it, the read is served where the insert is: every time.
    for _ in 0..10 {
        let (status, response) = get_at(&address, "/users/ivy@example.com", &position);
        assert_eq!(status, 200, "{response}");
        assert_eq!(position_of(&response).as_deref(), Some(position.as_str()));
    }
    let (status, _) = get_at(&address, "/users?limit=10", &position);
    assert_eq!(status, 200);

    resume_replay(&setup.replicas[0]).await;
    caught_up(&setup.replicas[0], primary_position(&setup.cluster).await).await;
    let (status, response) = get(&address, "/users/ivy@example.com", None);
    assert_eq!(status, 200, "the replica has caught up: {response}");

    let (status, response) = get_at(&address, "/users/ivy@example.com", "not-a-position");
    assert_eq!(status, 422, "{response}");
    let (code, stderr) = terminate(child);
    assert_eq!(code, Some(0), "{stderr}");
}
