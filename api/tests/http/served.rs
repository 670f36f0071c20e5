//! A real server on an ephemeral port, driven by a real client: the token, the limits, and
//! stopping.

use std::time::{Duration, Instant};

use api::Config;
use axum::http::StatusCode;
use serde_json::json;
use service::testing::TestDatabase;

use crate::support::{Served, TOKEN, hold_user};

fn with_token() -> Config {
    Config {
        token: Some(TOKEN.parse().unwrap()),
        ..Config::default()
    }
}

#[tokio::test]
async fn without_the_token_every_endpoint_but_the_probes_and_the_document_is_401() {
    let served = Served::start(TestDatabase::new().await.unwrap(), with_token()).await;
    for path in [
        "/users",
        "/users/a@b.c",
        "/users/a@b.c/guest",
        "/users/a@b.c/host",
    ] {
        let reply = served.send(served.client.get(served.url(path))).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(
            reply.header("www-authenticate"),
            Some("Bearer realm=\"accounts\"")
        );
    }
    for token in [
        "wrong-token-0123456789abcdef",
        "",
        TOKEN.trim_end_matches('f'),
    ] {
        let reply = served
            .send(
                served
                    .client
                    .post(served.url("/users"))
                    .bearer_auth(token)
                    .json(&json!({ "email": "a@b.c" })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{token:?}");
    }
    let basic = served
        .send(
            served
                .client
                .get(served.url("/users"))
                .basic_auth("admin", Some(TOKEN)),
        )
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
    for path in ["/health/live", "/health/ready", "/openapi.json"] {
        assert_eq!(
            served
                .send(served.client.get(served.url(path)))
                .await
                .status,
            StatusCode::OK,
            "{path}"
        );
    }
    let created = served
        .send(
            served
                .client
                .post(served.url("/users"))
                .bearer_auth(TOKEN)
                .json(&json!({ "email": "a@b.c" })),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    // Nothing was created by the refused requests.
    let page = served
        .send(served.client.get(served.url("/users")).bearer_auth(TOKEN))
        .await;
    assert_eq!(page.body["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_request_id_is_made_for_every_response_or_kept_from_the_client() {
    let served = Served::start(TestDatabase::new().await.unwrap(), Config::default()).await;
    let made = served
        .send(served.client.get(served.url("/health/live")))
        .await;
    assert!(uuid::Uuid::parse_str(made.header("x-request-id").unwrap()).is_ok());
    let kept = served
        .send(
            served
                .client
                .get(served.url("/nowhere"))
                .header("x-request-id", "trace-42"),
        )
        .await;
    assert_eq!(kept.header("x-request-id"), Some("trace-42"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_the_timeout_is_503_and_its_write_still_finishes() {
    let db = TestDatabase::with_pool(4).await.unwrap();
    let config = Config {
        request_timeout: Duration::from_millis(300),
        ..Config::default()
    };
    let served = Served::start(db, config).await;
    let user = served
        .send(
            served
                .client
                .post(served.url("/users"))
                .json(&json!({ "email": "slow@example.com" })),
        )
        .await;
    let id = user.body["id"].as_str().unwrap().to_owned();
    let held = hold_user(&served.db, &id).await;
    let reply = served
        .send(
            served
                .client
                .patch(served.url(&format!("/users/{id}")))
                .json(&json!({ "email": "late@example.com" })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.problem_type(), "urn:accounts:problem:timeout");
    assert_eq!(reply.header("retry-after"), Some("1"));
    held.commit().await.unwrap();
    // The write went on to its end on its own task.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let shown = served
            .send(served.client.get(served.url(&format!("/users/{id}"))))
            .await;
        if shown.body["email"] == "late@example.com" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the timed-out write never finished"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_beyond_the_concurrency_limit_are_503_at_once_and_the_probes_still_answer() {
    let db = TestDatabase::with_pool(4).await.unwrap();
    let config = Config {
        concurrency_limit: 1,
        ..Config::default()
    };
    let served = std::sync::Arc::new(Served::start(db, config).await);
    let user = served
        .send(
            served
                .client
                .post(served.url("/users"))
                .json(&json!({ "email": "busy@example.com" })),
        )
        .await;
    let id = user.body["id"].as_str().unwrap().to_owned();
    let held = hold_user(&served.db, &id).await;
    let blocked = {
        let served = std::sync::Arc::clone(&served);
        let id = id.clone();
        tokio::spawn(async move {
            served
                .send(
                    served
                        .client
                        .patch(served.url(&format!("/users/{id}")))
                        .json(&json!({ "email": "b2@example.com" })),
                )
                .await
        })
    };
    // Until the first request holds the only slot.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let shed = served.send(served.client.get(served.url("/users"))).await;
    assert_eq!(shed.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(shed.problem_type(), "urn:accounts:problem:overloaded");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "shed at once, not queued"
    );
    assert_eq!(
        served
            .send(served.client.get(served.url("/health/live")))
            .await
            .status,
        StatusCode::OK
    );
    held.commit().await.unwrap();
    assert_eq!(blocked.await.unwrap().status, StatusCode::OK);
    assert_eq!(
        served
            .send(served.client.get(served.url("/users")))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_answers_the_requests_in_flight_then_refuses_connections() {
    let db = TestDatabase::with_pool(4).await.unwrap();
    let mut served = Served::start(db, Config::default()).await;
    let user = served
        .send(
            served
                .client
                .post(served.url("/users"))
                .json(&json!({ "email": "stop@example.com" })),
        )
        .await;
    let id = user.body["id"].as_str().unwrap().to_owned();
    let held = hold_user(&served.db, &id).await;
    let client = served.client.clone();
    let url = served.url(&format!("/users/{id}"));
    let in_flight = tokio::spawn(async move {
        client
            .patch(url)
            .json(&json!({ "email": "stopped@example.com" }))
            .send()
            .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    served.stop();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Still serving the request in flight; no new connection is accepted.
    let refused = reqwest::Client::new()
        .get(served.url("/health/live"))
        .send()
        .await;
    assert!(
        refused.is_err(),
        "a new connection was accepted after the stop"
    );
    held.commit().await.unwrap();
    let answered = in_flight
        .await
        .unwrap()
        .expect("the request in flight is answered");
    assert_eq!(answered.status().as_u16(), 200);
    let server = served.server.take().unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stops once its requests are answered")
        .unwrap()
        .unwrap();
    // The write is whole.
    let account = service::find_user(
        served.db.connection(),
        &"stopped@example.com".parse().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(account.user.id.to_string(), id);
}

#[tokio::test]
async fn a_body_over_the_limit_sent_over_the_wire_is_413_and_creates_nothing() {
    let config = Config {
        body_limit: 4096,
        ..Config::default()
    };
    let served = Served::start(TestDatabase::new().await.unwrap(), config).await;
    let emails: Vec<String> = (0..400).map(|n| format!("big{n}@example.com")).collect();
    let reply = served
        .send(
            served
                .client
                .post(served.url("/users/batch"))
                .json(&json!({ "emails": emails })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    let page = served.send(served.client.get(served.url("/users"))).await;
    assert!(page.body["data"].as_array().unwrap().is_empty());
}
