//! Successful responses: one shape for a fresh response and the replay of a recorded one.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use service::{Once, Recorded, WalPosition};

use crate::problem::Problem;

/// The primary's log position after a client's last write, in responses, for the client to
/// send back with its reads: they then see that write, wherever they are served (a replica
/// that has replayed it, or the primary). Sent when the server has replicas.
pub const POSITION: HeaderName = HeaderName::from_static("x-wal-position");

/// `response` with the session's position, if it has one.
pub(crate) fn with_position(mut response: Response, position: Option<WalPosition>) -> Response {
    if let Some(value) =
        position.and_then(|position| HeaderValue::try_from(position.to_string()).ok())
    {
        response.headers_mut().insert(POSITION, value);
    }
    response
}

/// The header that marks a response given again for a retried idempotency key.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// `body` as JSON with `status`, and a `Location` if given: the form in which creations are
/// recorded under an idempotency key.
pub(crate) fn record(
    status: StatusCode,
    location: Option<String>,
    body: &impl Serialize,
) -> Recorded {
    Recorded {
        status: status.as_u16(),
        location,
        // Serializing these plain structs cannot fail.
        body: serde_json::to_string(body).unwrap_or_default(),
    }
}

/// The response for `once`: the recorded one, marked if it is replayed.
pub(crate) fn recorded(once: Once) -> Result<Response, Problem> {
    let Once { response, replayed } = once;
    let status = StatusCode::from_u16(response.status).map_err(|_| Problem::internal())?;
    let mut reply = (status, response.body).into_response();
    let headers = reply.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(location) = response.location {
        let location = HeaderValue::try_from(location).map_err(|_| Problem::internal())?;
        headers.insert(header::LOCATION, location);
    }
    if replayed {
        headers.insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    }
    Ok(reply)
}
