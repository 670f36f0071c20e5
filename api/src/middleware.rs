//! What wraps every request: its id, its span, the limits, and the answers for the requests
//! that reach no handler.

use std::time::{Duration, Instant};

use axum::BoxError;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Response, StatusCode};
use axum::middleware::Next;
use axum::response::IntoResponse;
use tower_http::request_id::RequestId;
use tracing::{Span, field};

use crate::problem::Problem;
use crate::state::AppState;

/// The span of a request: method, route, request id; status and latency once answered.
pub(crate) fn request_span(request: &Request) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or("");
    tracing::info_span!(
        "request",
        method = %request.method(),
        route,
        request_id,
        status = field::Empty,
        latency_ms = field::Empty,
    )
}

/// Records the status and latency of a response in its request's span, and logs it.
pub(crate) fn record_response<B>(response: &Response<B>, latency: Duration, span: &Span) {
    let status = response.status().as_u16();
    let latency_ms = latency.as_secs_f64() * 1000.0;
    span.record("status", status);
    span.record("latency_ms", latency_ms);
    tracing::info!(status, latency_ms, "answered");
}

/// Answers `503` when a request takes longer than the configured timeout.
///
/// A write under way goes on to its end on its own task ([`AppState::write`]): the answer
/// says its outcome is unknown, and a creation retried with the same idempotency key is
/// safe.
pub(crate) async fn timeout(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> axum::response::Response {
    let started = Instant::now();
    match tokio::time::timeout(state.config.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                elapsed_ms = started.elapsed().as_millis(),
                "request timed out"
            );
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "the request took too long",
            )
            .detail(
                "a change it asked for may still be made: look before repeating it, or repeat \
                 it with the same Idempotency-Key",
            )
            .into_response()
        }
    }
}

/// The answer when the concurrency limit is reached: load is shed at once rather than queued.
pub(crate) async fn overloaded(error: BoxError) -> axum::response::Response {
    if error.is::<tower::load_shed::error::Overloaded>() {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "too many requests at once; retry",
        )
        .into_response()
    } else {
        tracing::error!(%error, "middleware failed");
        Problem::internal().into_response()
    }
}

/// The answer to a panic in a handler: a `500` saying nothing of it (it is logged).
pub(crate) fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(ToString::to_string)
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %migration::redact(&message), "handler panicked");
    Problem::internal().into_response()
}

/// `404` for a path no route has.
pub(crate) async fn not_found() -> Result<(), Problem> {
    Err(Problem::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such resource",
    ))
}

/// `405` for a method the path does not have.
pub(crate) async fn method_not_allowed() -> Result<(), Problem> {
    Err(Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "the resource does not have this method",
    ))
}
