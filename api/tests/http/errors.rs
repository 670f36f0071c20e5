//! Every error status, in process: each a problem (RFC 9457) the document describes.

use std::time::Duration;

use api::Config;
use axum::http::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use service::testing::TestDatabase;

use crate::support::{Api, hold_user, raw};

#[tokio::test]
async fn a_body_that_is_not_json_is_400_and_names_where_it_broke() {
    let api = Api::new().await;
    let reply = api
        .call(raw(
            Method::POST,
            "/users",
            "application/json",
            "{\"email\": ",
        ))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.problem_type(), "urn:accounts:problem:malformed");
    assert!(
        reply.body["detail"].as_str().unwrap().contains("line 1"),
        "{}",
        reply.body
    );
    let trailing = api
        .call(raw(
            Method::POST,
            "/users",
            "application/json",
            "{\"email\":\"a@b.c\"} x",
        ))
        .await;
    assert_eq!(trailing.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_is_422_with_a_pointer_to_the_field() {
    let api = Api::new().await;
    for (body, pointer, detail) in [
        (
            json!({ "email": "a@b.c", "admin": true }),
            "/admin",
            "unknown field `admin`",
        ),
        (json!({}), "", "missing field `email`"),
        (json!({ "email": 7 }), "/email", "invalid type: integer `7`"),
        (
            json!({ "email": "no-at-sign" }),
            "/email",
            "exactly one '@'",
        ),
        (json!(["a@b.c"]), "", "must be a JSON object"),
    ] {
        let reply = api.post("/users", Some(body.clone())).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(reply.problem_type(), "urn:accounts:problem:invalid_input");
        let (place, said) = reply.invalid_part();
        assert_eq!(place, pointer, "{body}");
        assert!(said.contains(detail), "{body}: {said}");
    }
    let batch = api
        .post(
            "/users/batch",
            Some(json!({ "emails": ["a@b.c", "b@c.d", "nope"] })),
        )
        .await;
    assert_eq!(batch.invalid_part().0, "/emails/2");
    // Nothing of a refused request was written.
    assert!(
        api.get("/users").await.body["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_batch_of_none_or_more_than_1000_is_422_and_writes_nothing() {
    let api = Api::new().await;
    let emails: Vec<String> = (0..1001).map(|n| format!("b{n}@example.com")).collect();
    for emails in [vec![], emails] {
        let reply = api
            .post("/users/batch", Some(json!({ "emails": emails })))
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.invalid_part().0, "/emails");
    }
    assert!(
        api.get("/users").await.body["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_batch_with_a_taken_address_is_409_and_creates_none_of_it() {
    let api = Api::new().await;
    api.user("taken@example.com").await;
    let reply = api
        .post(
            "/users/batch",
            Some(json!({ "emails": ["new@example.com", "Taken@example.com"] })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(
        api.get("/users/new@example.com").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_body_that_is_not_declared_json_is_415() {
    let api = Api::new().await;
    let reply = api
        .call(raw(
            Method::POST,
            "/users",
            "text/plain",
            "{\"email\":\"a@b.c\"}",
        ))
        .await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // `application/<something>+json` and parameters are fine.
    let reply = api
        .call(raw(
            Method::POST,
            "/users",
            "application/merge-patch+json; charset=utf-8",
            "{\"email\":\"a@b.c\"}",
        ))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let db = TestDatabase::new().await.unwrap();
    let api = Api::with(
        db,
        Config {
            body_limit: 1024,
            ..Config::default()
        },
    );
    let emails: Vec<String> = (0..100).map(|n| format!("long{n}@example.com")).collect();
    let reply = api
        .post("/users/batch", Some(json!({ "emails": emails })))
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.problem_type(), "urn:accounts:problem:too_large");
}

#[tokio::test]
async fn taken_addresses_and_second_onboardings_are_409() {
    let api = Api::new().await;
    let user = api.user("gus@example.com").await;
    let other = api.user("hal@example.com").await;
    let taken = api
        .post("/users", Some(json!({ "email": "GUS@example.com" })))
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(taken.body["title"], "email address is already taken");
    let moved = api
        .patch(
            &format!("/users/{}", other["id"].as_str().unwrap()),
            json!({ "email": "gus@example.com" }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::CONFLICT);
    let id = user["id"].as_str().unwrap();
    assert_eq!(
        api.post(&format!("/users/{id}/host"), None).await.status,
        StatusCode::CREATED
    );
    let again = api.post(&format!("/users/{id}/host"), None).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.body["title"], "user is already a host");
}

#[tokio::test]
async fn unknown_users_are_404_on_every_route_that_names_one() {
    let api = Api::new().await;
    let nobody = "01a1ffff-0000-7000-8000-000000000000";
    for (method, path) in [
        (Method::GET, format!("/users/{nobody}")),
        (Method::GET, "/users/nobody@example.com".to_owned()),
        (Method::DELETE, format!("/users/{nobody}")),
        (Method::GET, format!("/users/{nobody}/guest")),
        (Method::GET, format!("/users/{nobody}/host")),
        (Method::POST, format!("/users/{nobody}/host")),
        (Method::DELETE, format!("/users/{nobody}/host")),
    ] {
        let reply = api
            .call(crate::support::request(method.clone(), &path, None))
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(reply.problem_type(), "urn:accounts:problem:not_found");
    }
    let reply = api
        .patch(
            &format!("/users/{nobody}"),
            json!({ "email": "x@example.com" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unknown_routes_are_404_and_unknown_methods_405_as_problems() {
    let api = Api::new().await;
    let reply = api.get("/nothing/here").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    let reply = api
        .call(crate::support::request(Method::PUT, "/users", None))
        .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
}

#[tokio::test]
async fn a_path_that_names_no_user_and_bad_query_parameters_are_422_naming_the_parameter() {
    let api = Api::new().await;
    for (path, parameter) in [
        ("/users/not-a-user", "user"),
        ("/users/not-a-user/host", "user"),
        ("/users?limit=0", "limit"),
        ("/users?limit=1001", "limit"),
        ("/users?limit=ten", "limit"),
        ("/users?after=yesterday", "after"),
        ("/users?host=maybe", "host"),
        ("/users?sort=email", "query"),
    ] {
        let reply = api.get(path).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(reply.invalid_part().0, parameter, "{path}");
    }
}

#[tokio::test]
async fn a_lock_held_past_the_lock_timeout_is_503_busy_with_retry_after() {
    let db = TestDatabase::with_pool(2).await.unwrap();
    let short = service::connect_with(service::connect_options_with(
        db.url(),
        service::Timeouts {
            lock_wait: Duration::from_millis(100),
            statement: Duration::from_secs(30),
        },
    ))
    .await
    .unwrap();
    let api = Api::with(db, Config::default());
    let user = api.user("ivy@example.com").await;
    let id = user["id"].as_str().unwrap();
    let held = hold_user(&api.db, id).await;
    let busy = api::router(service::Cluster::new(short), Config::default());
    let reply = crate::support::Api::call_router(
        &busy,
        crate::support::request(
            Method::PATCH,
            &format!("/users/{id}"),
            Some(json!({ "email": "ivy@example.org" })),
        ),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    assert_eq!(reply.problem_type(), "urn:accounts:problem:busy");
    assert_eq!(reply.header("retry-after"), Some("1"));
    drop(held);
}

#[tokio::test]
async fn a_database_that_cannot_be_reached_is_503_and_not_ready() {
    let api = Api::with(TestDatabase::with_pool(2).await.unwrap(), Config::default());
    let closed = api.db.connect_again(1).await.unwrap();
    closed.clone().close().await.unwrap();
    let router = api::router(service::Cluster::new(closed), Config::default());
    let reply = Api::call_router(
        &router,
        crate::support::request(Method::GET, "/users", None),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.problem_type(), "urn:accounts:problem:unavailable");
    let ready = Api::call_router(
        &router,
        crate::support::request(Method::GET, "/health/ready", None),
    )
    .await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    let live = Api::call_router(
        &router,
        crate::support::request(Method::GET, "/health/live", None),
    )
    .await;
    assert_eq!(live.status, StatusCode::OK);
}

#[tokio::test]
async fn a_broken_account_is_500_and_says_nothing_of_the_database() {
    let api = Api::new().await;
    let user = api.user("jo@example.com").await;
    let backend = api.db.get_database_backend();
    api.db
        .execute_raw(Statement::from_string(backend, "DELETE FROM guests"))
        .await
        .unwrap();
    let reply = api
        .get(&format!("/users/{}", user["id"].as_str().unwrap()))
        .await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.problem_type(), "urn:accounts:problem:invariant");
    // Listed all the same: a summary needs no guest.
    assert_eq!(api.get("/users").await.body["data"][0]["id"], user["id"]);
}

#[tokio::test]
async fn a_database_error_is_500_with_no_sql_driver_text_or_url() {
    let api = Api::new().await;
    let backend = api.db.get_database_backend();
    api.db
        .execute_raw(Statement::from_string(
            backend,
            "DROP TABLE idempotency_keys",
        ))
        .await
        .unwrap();
    let reply = api
        .call(
            axum::http::Request::builder()
                .method(Method::POST)
                .uri("/users")
                .header("content-type", "application/json")
                .header("idempotency-key", "k-500")
                .body(axum::body::Body::from(r#"{"email":"kim@example.com"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        reply.body,
        json!({ "type": "urn:accounts:problem:internal", "title": "internal server error", "status": 500 })
    );
}

#[tokio::test]
async fn a_batch_that_names_an_address_twice_is_422_pointing_at_the_repeat() {
    let api = Api::new().await;
    let reply = api
        .post(
            "/users/batch",
            Some(json!({ "emails": ["t@x.io", "u@x.io", "T@x.io"] })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.invalid_part().0, "/emails/2");
    assert!(
        api.get("/users").await.body["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
