//! Every error the API answers with: an RFC 9457 problem (`application/problem+json`), made
//! from a [`service::Error`] by its kind (the same kinds the CLI's exit codes follow), or from
//! a request that does not match the document.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use service::ErrorKind;
use utoipa::ToSchema;

/// The media type of a problem.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// How long a client should wait before it retries after a `503`, in seconds.
const RETRY_AFTER_SECONDS: u64 = 1;

/// A problem (RFC 9457): what went wrong, for machines (`type`, `status`) and people (`title`,
/// `detail`), and which parts of the request were wrong (`errors`).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = Problem)]
pub struct Problem {
    /// What kind of problem: `urn:accounts:problem:<kind>`, the kind one of `invalid_input`,
    /// `malformed`, `not_found`, `conflict`, `busy`, `unavailable`, `unauthorized`,
    /// `too_large`, `unsupported_media_type`, `timeout`, `overloaded`, `invariant`, `internal`.
    #[serde(rename = "type")]
    #[schema(example = "urn:accounts:problem:conflict")]
    pub kind: String,
    /// A short summary of the problem's kind.
    #[schema(example = "email address is already taken")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 409)]
    pub status: u16,
    /// What happened in this occurrence, when there is more to say than the title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The parts of the request that were not valid, each with where it is.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<InvalidPart>,
    #[serde(skip)]
    retry_after: bool,
}

/// One invalid part of a request: a body field (`pointer`, a JSON Pointer), or a path or query
/// parameter or header (`parameter`).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct InvalidPart {
    /// What is wrong with it.
    pub detail: String,
    /// The JSON Pointer (RFC 6901) to the offending field of the body, e.g. `/email`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// The name of the offending path or query parameter, or header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}

impl Problem {
    /// A problem of `kind` with `status` and `title`.
    pub fn new(status: StatusCode, kind: &str, title: impl Into<String>) -> Self {
        Self {
            kind: format!("urn:accounts:problem:{kind}"),
            title: title.into(),
            status: status.as_u16(),
            detail: None,
            errors: Vec::new(),
            retry_after: status == StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The same problem with `detail`.
    #[must_use]
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// `422`: the body field at `pointer` is not valid.
    pub fn invalid_field(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::invalid(InvalidPart {
            detail: detail.into(),
            pointer: Some(pointer.into()),
            parameter: None,
        })
    }

    /// `422`: the path or query parameter, or header, `name` is not valid.
    pub fn invalid_parameter(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::invalid(InvalidPart {
            detail: detail.into(),
            pointer: None,
            parameter: Some(name.into()),
        })
    }

    fn invalid(part: InvalidPart) -> Self {
        let mut problem = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::InvalidInput.name(),
            "the request is not valid",
        );
        problem.errors.push(part);
        problem
    }

    /// `400`: the body is not JSON at all.
    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "malformed",
            "the request body is not well-formed JSON",
        )
        .detail(detail)
    }

    /// `503`: as many requests (or writes) as the server serves at once are under way.
    pub fn overloaded() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "too many requests at once; retry",
        )
    }

    /// `503` after the request timeout: unlike the other `503`s, no `Retry-After`, since a
    /// write it asked for may still be made and repeating it blindly could make it twice.
    pub fn timed_out() -> Self {
        let mut problem = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "the request took too long",
        )
        .detail(
            "a change it asked for may still be made: look before repeating it, or repeat it \
             with the same Idempotency-Key",
        );
        problem.retry_after = false;
        problem
    }

    /// `500`, saying nothing of the cause: it is logged, never sent.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorKind::Internal.name(),
            "internal server error",
        )
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<service::Error> for Problem {
    fn from(error: service::Error) -> Self {
        let kind = error.kind();
        let status = match kind {
            ErrorKind::InvalidInput => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Busy | ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            // The whole chain, redacted by the service, goes to the log; the client learns the
            // kind only: no SQL, no driver text, no URL.
            tracing::error!(error = %chain(&error), kind = kind.name(), "request failed");
        }
        let title = match kind {
            ErrorKind::Busy => "the database is busy; retry".to_owned(),
            ErrorKind::Unavailable => "the database is unavailable; retry later".to_owned(),
            ErrorKind::Invariant => "the account's stored rows break an invariant".to_owned(),
            ErrorKind::Internal => return Self::internal(),
            _ => error.to_string(),
        };
        let detail = match &error {
            // What the input was refused for, and nothing from the database.
            service::Error::InvalidEmail(reason) => Some(reason.to_string()),
            service::Error::InvalidUserRef(reason) => Some(reason.to_string()),
            service::Error::InvalidIdempotencyKey(reason) => Some(reason.to_string()),
            _ => None,
        };
        let problem = Self::new(status, kind.name(), title);
        match detail {
            Some(detail) => problem.detail(detail),
            None => problem,
        }
    }
}

/// `error` and its sources, one after the other.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = self.retry_after;
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"accounts\""),
            );
        }
        response
    }
}
