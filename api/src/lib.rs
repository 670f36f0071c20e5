//! The accounts API over HTTP: an axum [`Router`](axum::Router) over the service, and nothing
//! else that knows HTTP.
//!
//! Handlers parse a request into the service's types, call the service and render its answer
//! with the serializers ([`serializers`]); errors become RFC 9457 problems ([`Problem`]) by
//! the service error's kind. The OpenAPI 3.1 document ([`openapi`]) is generated from the
//! handlers and the serializers, served at `/openapi.json` and committed as
//! `api/openapi.json`.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let db = service::connect("sqlite://accounts.db?mode=rwc").await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! api::serve(listener, service::Cluster::new(db), api::Config::default(), async {
//!     let _ = tokio::signal::ctrl_c().await;
//! })
//! .await?;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod auth;
mod config;
mod extract;
mod handlers;
mod middleware;
mod problem;
mod respond;
mod router;
mod serve;
mod state;

pub mod serializers;

pub use config::{BearerToken, BearerTokenError, Config, MIN_TOKEN_LEN};
pub use extract::IDEMPOTENCY_KEY;
pub use problem::{InvalidPart, PROBLEM_JSON, Problem};
pub use respond::{IDEMPOTENT_REPLAYED, POSITION};
pub use router::{openapi, router};
pub use serve::{HEADER_READ_TIMEOUT, MAX_CONNECTIONS, serve};
