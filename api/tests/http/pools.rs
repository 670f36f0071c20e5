//! The API over `service::Pools`: reads on the reader pool, writes on the writer.

use api::Config;
use axum::http::{Method, StatusCode};
use serde_json::json;
use service::Pools;
use service::testing::TestDatabase;

use crate::support::{Api, request};

/// A database other connections can open (a SQLite file, or one on the test server), the
/// pools, and the router over them.
async fn served_over_pools() -> (TestDatabase, Pools, axum::Router) {
    let db = TestDatabase::with_pool(2).await.expect("test database");
    let pools = Pools::connect(db.url()).await.expect("pools");
    let router = api::router(pools.clone(), Config::default());
    (db, pools, router)
}

#[tokio::test]
async fn over_pools_a_created_user_is_shown_listed_and_its_guest_found() {
    let (_db, pools, router) = served_over_pools().await;
    let created = Api::call_router(
        &router,
        request(
            Method::POST,
            "/users",
            Some(json!({ "email": "pools@example.com" })),
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.body["id"].as_str().unwrap().to_owned();

    let shown =
        Api::call_router(&router, request(Method::GET, &format!("/users/{id}"), None)).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.body, created.body);
    let listed = Api::call_router(&router, request(Method::GET, "/users", None)).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body["data"][0]["id"], id.as_str());
    let guest = Api::call_router(
        &router,
        request(Method::GET, &format!("/users/{id}/guest"), None),
    )
    .await;
    assert_eq!(guest.status, StatusCode::OK);
    pools.close().await.unwrap();
}

#[tokio::test]
async fn on_a_sqlite_file_reads_are_served_by_the_reader_pool_alone() {
    let (_db, pools, router) = served_over_pools().await;
    let created = Api::call_router(
        &router,
        request(
            Method::POST,
            "/users",
            Some(json!({ "email": "reader@example.com" })),
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    if !pools.has_readers_of_its_own() {
        // A server's one pool serves both: nothing to tell apart.
        return;
    }
    // With the writer's pool closed, only the reader's can answer.
    pools.writer().clone().close().await.unwrap();
    let id = created.body["id"].as_str().unwrap();
    let shown =
        Api::call_router(&router, request(Method::GET, &format!("/users/{id}"), None)).await;
    assert_eq!(shown.status, StatusCode::OK);
    let refused = Api::call_router(
        &router,
        request(
            Method::POST,
            "/users",
            Some(json!({ "email": "late@example.com" })),
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
}
