//! `Idempotency-Key` on creations: a retry gets the first response, not a second creation.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::support::{Api, Reply};

fn keyed(method: Method, path: &str, key: &str, body: Option<Value>) -> Request<Body> {
    let builder = Request::builder()
        .method(method)
        .uri(path)
        .header("idempotency-key", key);
    match body {
        Some(body) => builder
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .unwrap()
}

async fn users(api: &Api) -> usize {
    api.get("/users?limit=1000").await.body["data"]
        .as_array()
        .unwrap()
        .len()
}

fn same_response(first: &Reply, again: &Reply) {
    assert_eq!(again.status, first.status);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(first.header("idempotent-replayed"), None);
}

#[tokio::test]
async fn a_retried_creation_with_the_same_key_gets_the_first_response_not_409() {
    let api = Api::new().await;
    let request = || {
        keyed(
            Method::POST,
            "/users",
            "key-1",
            Some(json!({ "email": "ann@example.com" })),
        )
    };
    let first = api.call(request()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = api.call(request()).await;
    same_response(&first, &again);
    assert_eq!(users(&api).await, 1);
    // The same address in another case is the same request.
    let upper = api
        .call(keyed(
            Method::POST,
            "/users",
            "key-1",
            Some(json!({ "email": "ANN@example.com" })),
        ))
        .await;
    same_response(&first, &upper);
    // Without the key, the same body is a new request, and the address is taken.
    let unkeyed = api
        .post("/users", Some(json!({ "email": "ann@example.com" })))
        .await;
    assert_eq!(unkeyed.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_422_and_writes_nothing() {
    let api = Api::new().await;
    let first = api
        .call(keyed(
            Method::POST,
            "/users",
            "key-2",
            Some(json!({ "email": "ben@example.com" })),
        ))
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let other = api
        .call(keyed(
            Method::POST,
            "/users",
            "key-2",
            Some(json!({ "email": "bea@example.com" })),
        ))
        .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        other.body["title"],
        "idempotency key already used for another request"
    );
    // Nor may a key move to another endpoint.
    let id = first.body["id"].as_str().unwrap();
    let onboard = api
        .call(keyed(
            Method::POST,
            &format!("/users/{id}/host"),
            "key-2",
            None,
        ))
        .await;
    assert_eq!(onboard.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(users(&api).await, 1);
    assert!(api.get(&format!("/users/{id}")).await.body["host"].is_null());
}

#[tokio::test]
async fn a_retried_onboarding_and_batch_get_their_first_responses() {
    let api = Api::new().await;
    let user = api.user("cy@example.com").await;
    let path = format!("/users/{}/host", user["id"].as_str().unwrap());
    let first = api
        .call(keyed(Method::POST, &path, "onboard-1", None))
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    same_response(
        &first,
        &api.call(keyed(Method::POST, &path, "onboard-1", None))
            .await,
    );
    // A new key is a new onboarding, which the user's host refuses.
    let second = api
        .call(keyed(Method::POST, &path, "onboard-2", None))
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT);

    let batch = || {
        keyed(
            Method::POST,
            "/users/batch",
            "batch-1",
            Some(json!({ "emails": ["d1@example.com", "d2@example.com"] })),
        )
    };
    let first = api.call(batch()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    same_response(&first, &api.call(batch()).await);
    assert_eq!(users(&api).await, 3);
}

#[tokio::test]
async fn a_failed_creation_records_nothing_so_its_retry_runs_again() {
    let api = Api::new().await;
    api.user("dee@example.com").await;
    let request = || {
        keyed(
            Method::POST,
            "/users",
            "key-3",
            Some(json!({ "email": "dee@example.com" })),
        )
    };
    assert_eq!(api.call(request()).await.status, StatusCode::CONFLICT);
    api.delete("/users/dee@example.com").await;
    let retried = api.call(request()).await;
    assert_eq!(retried.status, StatusCode::CREATED);
    assert_eq!(retried.header("idempotent-replayed"), None);
}

#[tokio::test]
async fn an_expired_key_is_a_new_request() {
    let api = Api::new().await;
    let first = api
        .call(keyed(
            Method::POST,
            "/users",
            "key-4",
            Some(json!({ "email": "eve@example.com" })),
        ))
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    // A day later, as far as the key knows.
    let backend = api.db.get_database_backend();
    api.db
        .execute_raw(Statement::from_string(
            backend,
            "UPDATE idempotency_keys SET expires_at = created_at",
        ))
        .await
        .unwrap();
    let again = api
        .call(keyed(
            Method::POST,
            "/users",
            "key-4",
            Some(json!({ "email": "eve@example.com" })),
        ))
        .await;
    assert_eq!(
        again.status,
        StatusCode::CONFLICT,
        "a new request: the address is taken"
    );
    let reused = api
        .call(keyed(
            Method::POST,
            "/users",
            "key-4",
            Some(json!({ "email": "eva@example.com" })),
        ))
        .await;
    assert_eq!(reused.status, StatusCode::CREATED);
    assert_eq!(
        service::forget_expired_idempotency_keys(api.db.connection())
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn expired_keys_are_deleted_and_live_ones_kept() {
    let api = Api::new().await;
    for (key, email) in [("old", "old@example.com"), ("new", "new@example.com")] {
        api.call(keyed(
            Method::POST,
            "/users",
            key,
            Some(json!({ "email": email })),
        ))
        .await;
    }
    let backend = api.db.get_database_backend();
    api.db
        .execute_raw(Statement::from_string(
            backend,
            "UPDATE idempotency_keys SET expires_at = created_at WHERE \"key\" = 'old'".replace(
                '"',
                if backend == sea_orm::DatabaseBackend::MySql {
                    "`"
                } else {
                    "\""
                },
            ),
        ))
        .await
        .unwrap();
    assert_eq!(
        service::forget_expired_idempotency_keys(api.db.connection())
            .await
            .unwrap(),
        1
    );
    let replay = api
        .call(keyed(
            Method::POST,
            "/users",
            "new",
            Some(json!({ "email": "new@example.com" })),
        ))
        .await;
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
}

#[tokio::test]
async fn keys_that_are_not_visible_ascii_or_too_long_are_422() {
    let api = Api::new().await;
    for key in ["", "has space", &"k".repeat(256)] {
        let reply = api
            .call(keyed(
                Method::POST,
                "/users",
                key,
                Some(json!({ "email": "fox@example.com" })),
            ))
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{key:?}");
        assert_eq!(reply.invalid_part().0, "Idempotency-Key");
    }
    assert_eq!(users(&api).await, 0);
}
