//! `/users/{user}/host`: onboarding, showing and offboarding a user's host.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use service::{Error, Fingerprint};

use crate::extract::{
    IdempotencyKeyHeader, IdempotencyKeyParam, ReadPosition, ReadPositionParam, UserPath,
};
use crate::problem::Problem;
use crate::respond;
use crate::serializers::HostSerializer;
use crate::state::AppState;

/// Onboards a user as a host: at most once per user.
#[utoipa::path(
    post, path = "/users/{user}/host", tag = "hosts",
    params(
        ("user" = String, Path, description = "The user's id (UUID) or email address"),
        IdempotencyKeyParam,
    ),
    responses(
        (status = 201, description = "The new host", body = HostSerializer,
            headers(("Location" = String, description = "The host's URL"))),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The user is already a host", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither an id nor an email address, or an idempotency key used for another request", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn onboard_host(
    State(state): State<AppState>,
    ReadPosition(session): ReadPosition,
    UserPath(user): UserPath,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
) -> Result<Response, Problem> {
    let fingerprint = Fingerprint::of(&[b"onboard_host", user.to_string().as_bytes()]);
    let (once, position) = state
        .write(session, |db| async move {
            service::once(
                &db,
                key.as_ref(),
                &fingerprint,
                async move |txn| service::onboard_host(txn, &user).await,
                |host| {
                    respond::record(
                        StatusCode::CREATED,
                        Some(format!("/users/{}/host", host.user_id)),
                        &HostSerializer::from(host),
                    )
                },
            )
            .await
            .map_err(Problem::from)
        })
        .await?;
    Ok(respond::with_position(respond::recorded(once)?, position))
}

/// Shows a user's host.
#[utoipa::path(
    get, path = "/users/{user}/host", tag = "hosts",
    params(("user" = String, Path, description = "The user's id (UUID) or email address"), ReadPositionParam),
    responses(
        (status = 200, description = "The user's host", body = HostSerializer),
        (status = 404, description = "No such user, or the user is not a host", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither an id nor an email address", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn show_host(
    State(state): State<AppState>,
    ReadPosition(mut session): ReadPosition,
    UserPath(user): UserPath,
) -> Result<Response, Problem> {
    let account = state.find_user(&mut session, &user).await?;
    let host = account.host.ok_or(Error::NotAHost)?;
    let response = Json(HostSerializer::from(&host)).into_response();
    Ok(respond::with_position(response, session.at_least()))
}

/// Offboards a user's host.
#[utoipa::path(
    delete, path = "/users/{user}/host", tag = "hosts",
    params(("user" = String, Path, description = "The user's id (UUID) or email address")),
    responses(
        (status = 204, description = "Offboarded"),
        (status = 404, description = "No such user, or the user is not a host", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither an id nor an email address", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn offboard_host(
    State(state): State<AppState>,
    ReadPosition(session): ReadPosition,
    UserPath(user): UserPath,
) -> Result<Response, Problem> {
    let ((), position) = state
        .write(session, |db| async move {
            service::offboard_host(&db, &user)
                .await
                .map_err(Problem::from)
        })
        .await?;
    Ok(respond::with_position(
        StatusCode::NO_CONTENT.into_response(),
        position,
    ))
}
