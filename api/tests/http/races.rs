//! Races over a served port: the database's constraints decide, and every answer is true.

use std::sync::Arc;

use api::Config;
use axum::http::StatusCode;
use serde_json::json;
use service::testing::TestDatabase;

use crate::support::Served;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_concurrent_onboardings_of_one_user_give_one_201_and_31_409s() {
    let served =
        Arc::new(Served::start(TestDatabase::with_pool(8).await.unwrap(), Config::default()).await);
    let user = served
        .send(
            served
                .client
                .post(served.url("/users"))
                .json(&json!({ "email": "race@example.com" })),
        )
        .await;
    let path = format!("/users/{}/host", user.body["id"].as_str().unwrap());
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let served = Arc::clone(&served);
        let path = path.clone();
        tasks.push(tokio::spawn(async move {
            served
                .send(served.client.post(served.url(&path)))
                .await
                .status
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    let created = statuses
        .iter()
        .filter(|status| **status == StatusCode::CREATED)
        .count();
    let conflicts = statuses
        .iter()
        .filter(|status| **status == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 31), "{statuses:?}");
    let shown = served.send(served.client.get(served.url(&path))).await;
    assert_eq!(shown.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_concurrent_retries_with_one_key_create_one_user_and_all_get_its_response() {
    let served =
        Arc::new(Served::start(TestDatabase::with_pool(8).await.unwrap(), Config::default()).await);
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let served = Arc::clone(&served);
        tasks.push(tokio::spawn(async move {
            served
                .send(
                    served
                        .client
                        .post(served.url("/users"))
                        .header("idempotency-key", "one-key")
                        .json(&json!({ "email": "once@example.com" })),
                )
                .await
        }));
    }
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.unwrap());
    }
    for reply in &replies {
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        assert_eq!(reply.body, replies[0].body);
    }
    let fresh = replies
        .iter()
        .filter(|reply| reply.header("idempotent-replayed").is_none())
        .count();
    assert_eq!(fresh, 1);
    let page = served.send(served.client.get(served.url("/users"))).await;
    assert_eq!(page.body["data"].as_array().unwrap().len(), 1);
}
