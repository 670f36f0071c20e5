//! Requests parsed into the service's types, or refused with a problem that points at the
//! offending part: a body field (a JSON Pointer), a parameter or a header.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use service::{Email, IdempotencyKey, Session, UserRef, WalPosition};

use crate::problem::Problem;

/// A JSON body deserialized into `T`, whose fields are then parsed by the handler.
///
/// Not axum's `Json`: its rejections are plain text and do not say where the body is wrong.
/// Not well-formed JSON is a `400`; JSON of the wrong shape (a missing, unknown or mistyped
/// field) a `422` pointing at the field.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .map(|essence| {
                let essence = essence.trim().to_ascii_lowercase();
                essence == "application/json"
                    || (essence.starts_with("application/") && essence.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the request body must be JSON (Content-Type: application/json)",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                let status = rejection.status();
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    Problem::new(status, "too_large", "the request body is too large")
                } else {
                    Problem::malformed(rejection.body_text())
                }
            })?;
        parse(&bytes).map(JsonBody)
    }
}

/// `bytes` as a `T`, or the problem with them. Every body of this API is an object.
pub(crate) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    // serde would also read a struct from an array of its fields, which the document does not
    // allow.
    match bytes.iter().find(|byte| !byte.is_ascii_whitespace()) {
        Some(b'{') => {}
        Some(b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n') => {
            return Err(Problem::invalid_field("", "the body must be a JSON object"));
        }
        _ => return Err(Problem::malformed("the body is not a JSON value")),
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let pointer = pointer(error.path());
        let inner = error.into_inner();
        if inner.is_data() {
            Problem::invalid_field(pointer, without_position(&inner))
        } else {
            Problem::malformed(inner.to_string())
        }
    })?;
    deserializer
        .end()
        .map_err(|error| Problem::malformed(error.to_string()))?;
    Ok(value)
}

/// The JSON Pointer (RFC 6901) of a path in a body: `/emails/3`; `""` for the whole body.
fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        pointer.push('/');
        match segment {
            Segment::Seq { index } => pointer.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Unknown => pointer.push('-'),
        }
    }
    if pointer == "/." {
        String::new()
    } else {
        pointer
    }
}

/// serde_json's message without its ` at line 1 column 9`: the pointer says where.
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// An email address from the body field at `pointer`.
pub(crate) fn email(input: &str, pointer: &str) -> Result<Email, Problem> {
    input
        .parse()
        .map_err(|reason: service::EmailError| Problem::invalid_field(pointer, reason.to_string()))
}

/// The user a path names: `/users/{user}`, by id or email address.
pub struct UserPath(pub UserRef);

impl<S: Send + Sync> FromRequestParts<S> for UserPath {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let Path(user) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| Problem::invalid_parameter("user", rejection.body_text()))?;
        user.parse()
            .map(UserPath)
            .map_err(|reason: service::UserRefError| {
                Problem::invalid_parameter("user", reason.to_string())
            })
    }
}

/// The client's session: the position its reads must see (`x-wal-position`, from the
/// response to its last write), if it sent one.
pub struct ReadPosition(pub Session);

impl<S: Send + Sync> FromRequestParts<S> for ReadPosition {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        let Some(value) = parts.headers.get(crate::respond::POSITION) else {
            return Ok(Self(Session::new()));
        };
        value
            .to_str()
            .ok()
            .and_then(|text| text.parse::<WalPosition>().ok())
            .map(|position| Self(Session::resume(Some(position))))
            .ok_or_else(|| {
                Problem::invalid_parameter(
                    "x-wal-position",
                    "a log position as a response gave it, e.g. 16/B374D848",
                )
            })
    }
}

/// The `x-wal-position` header as the document describes it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // Read by `ReadPosition`; this type only describes it.
pub(crate) struct ReadPositionParam {
    /// The `x-wal-position` of the response to this client's last write: the read then sees
    /// that write, wherever it is served.
    #[param(
        rename = "x-wal-position",
        pattern = "^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$"
    )]
    x_wal_position: Option<String>,
}

/// The `Idempotency-Key` header, if the client sent one.
pub struct IdempotencyKeyHeader(pub Option<IdempotencyKey>);

/// The header's name.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The `Idempotency-Key` header as the document describes it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // Read by `IdempotencyKeyHeader`; this type only describes it.
pub(crate) struct IdempotencyKeyParam {
    /// Makes a retry safe: the same key with the same request gives the first response again
    /// for 24 hours; the same key with another request is refused (422).
    #[param(
        rename = "Idempotency-Key",
        min_length = 1,
        max_length = 255,
        pattern = "^[!-~]+$"
    )]
    idempotency_key: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKeyHeader {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        let mut values = parts.headers.get_all(IDEMPOTENCY_KEY).iter();
        let Some(value) = values.next() else {
            return Ok(Self(None));
        };
        let invalid = |detail: &str| Problem::invalid_parameter("Idempotency-Key", detail);
        if values.next().is_some() {
            return Err(invalid("give one Idempotency-Key, not several"));
        }
        let text = value
            .to_str()
            .map_err(|_| invalid("an idempotency key has only visible ASCII characters"))?;
        text.parse()
            .map(|key| Self(Some(key)))
            .map_err(|reason: service::IdempotencyKeyError| invalid(&reason.to_string()))
    }
}
