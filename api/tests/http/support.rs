//! The harness: an API over a fresh database, called in process or over a served port, every
//! response checked against the document.

use std::net::SocketAddr;
use std::time::Duration;

use api::Config;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use service::testing::TestDatabase;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::ServiceExt;

use crate::conformance;

/// A response, its body parsed if it is JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The first invalid part of a problem: `(pointer or parameter, detail)`.
    pub fn invalid_part(&self) -> (String, String) {
        let part = &self.body["errors"][0];
        let place = part["pointer"]
            .as_str()
            .or_else(|| part["parameter"].as_str())
            .unwrap_or_default();
        (
            place.to_owned(),
            part["detail"].as_str().unwrap_or_default().to_owned(),
        )
    }

    pub fn problem_type(&self) -> &str {
        self.body["type"].as_str().unwrap_or_default()
    }
}

/// The API over a fresh database, called in process.
pub struct Api {
    pub db: TestDatabase,
    router: axum::Router,
}

impl Api {
    pub async fn new() -> Self {
        Self::with(
            TestDatabase::new().await.expect("test database"),
            Config::default(),
        )
    }

    pub fn with(db: TestDatabase, config: Config) -> Self {
        let router = api::router(service::Cluster::new(db.connection().clone()), config);
        Self { db, router }
    }

    pub async fn call(&self, request: Request<Body>) -> Reply {
        Self::call_router(&self.router, request).await
    }

    /// Calls `router` in process, and checks the response against the document.
    pub async fn call_router(router: &axum::Router, request: Request<Body>) -> Reply {
        let method = request.method().to_string();
        let path = request.uri().to_string();
        let response = router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.expect("body").to_bytes();
        let content_type = parts
            .headers
            .get("content-type")
            .and_then(|value| value.to_str().ok());
        conformance::check(&method, &path, parts.status.as_u16(), content_type, &bytes);
        Reply {
            status: parts.status,
            headers: parts.headers.clone(),
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(request(Method::GET, path, None)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(request(Method::DELETE, path, None)).await
    }

    pub async fn post(&self, path: &str, body: Option<Value>) -> Reply {
        self.call(request(Method::POST, path, body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.call(request(Method::PATCH, path, Some(body))).await
    }

    /// Creates a user with `email`, and returns its JSON.
    pub async fn user(&self, email: &str) -> Value {
        let reply = self
            .post("/users", Some(serde_json::json!({ "email": email })))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        reply.body
    }
}

/// A request with a JSON body, if any.
pub fn request(method: Method, path: &str, body: Option<Value>) -> Request<Body> {
    let builder = Request::builder().method(method).uri(path);
    match body {
        Some(body) => builder
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .expect("request")
}

/// A request with raw bytes as its body, with `content_type`.
pub fn raw(method: Method, path: &str, content_type: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", content_type)
        .body(Body::from(body.to_owned()))
        .expect("request")
}

/// A token for the served tests.
pub const TOKEN: &str = "test-token-0123456789abcdef";

/// The API served on an ephemeral loopback port until dropped or stopped.
pub struct Served {
    pub db: TestDatabase,
    pub address: SocketAddr,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    pub server: Option<JoinHandle<std::io::Result<()>>>,
}

impl Served {
    pub async fn start(db: TestDatabase, config: Config) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let (stop, stopped) = oneshot::channel::<()>();
        let connection = db.connection().clone();
        let server = tokio::spawn(api::serve(
            listener,
            service::Cluster::new(connection),
            config,
            async move {
                let _ = stopped.await;
            },
        ));
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        Self {
            db,
            address,
            client,
            stop: Some(stop),
            server: Some(server),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Sends `request`, checks the response against the document, and reads it.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let request = request.build().expect("request");
        let method = request.method().to_string();
        let path = request.url().path().to_owned();
        let response = self.client.execute(request).await.expect("response");
        let status = StatusCode::from_u16(response.status().as_u16()).expect("status");
        let mut headers = HeaderMap::new();
        for (name, value) in response.headers() {
            headers.append(
                axum::http::HeaderName::from_bytes(name.as_str().as_bytes()).expect("name"),
                axum::http::HeaderValue::from_bytes(value.as_bytes()).expect("value"),
            );
        }
        let bytes = response.bytes().await.expect("body");
        let content_type = headers
            .get("content-type")
            .and_then(|value| value.to_str().ok());
        conformance::check(&method, &path, status.as_u16(), content_type, &bytes);
        Reply {
            status,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    /// Asks the server to stop, as SIGTERM does.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Opens another session's transaction that has written the user `id`'s row: until it ends,
/// a write of that row waits (a row lock on PostgreSQL and MySQL, the write lock on SQLite).
pub async fn hold_user(db: &TestDatabase, id: &str) -> service::DatabaseTransaction {
    use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
    let other = db.connect_again(1).await.expect("another connection");
    let txn = other.begin().await.expect("begin");
    let backend = txn.get_database_backend();
    let id = uuid::Uuid::parse_str(id).expect("uuid");
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "UPDATE users SET updated_at = updated_at WHERE id = $1"
        }
        _ => "UPDATE users SET updated_at = updated_at WHERE id = ?",
    };
    txn.execute_raw(Statement::from_sql_and_values(backend, sql, [id.into()]))
        .await
        .expect("lock the row");
    txn
}
