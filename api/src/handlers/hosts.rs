//! `/users/{user}/host`: onboarding, showing and offboarding a user's host.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use service::{Error, Fingerprint};

use crate::extract::{IdempotencyKeyHeader, UserPath};
use crate::problem::Problem;
use crate::respond;
use crate::serializers::HostSerializer;
use crate::state::AppState;

/// Onboards a user as a host: at most once per user.
#[utoipa::path(
    post, path = "/users/{user}/host", tag = "hosts",
    params(
        ("user" = String, Path, description = "The user's id (UUID) or email address"),
        ("Idempotency-Key" = Option<String>, Header,
            description = "Makes a retry safe: the same key for the same user gives the first response again for 24 hours"),
    ),
    responses(
        (status = 201, description = "The new host", body = HostSerializer,
            headers(("Location" = String, description = "The host's URL"))),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The user is already a host", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither an id nor an email address, or an idempotency key used for another request", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database busy or unavailable; retry", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn onboard_host(
    State(state): State<AppState>,
    UserPath(user): UserPath,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
) -> Result<Response, Problem> {
    let fingerprint = Fingerprint::of(&[b"onboard_host", user.to_string().as_bytes()]);
    let db = state.db.clone();
    let once = state
        .write(async move {
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
    respond::recorded(once)
}

/// Shows a user's host.
#[utoipa::path(
    get, path = "/users/{user}/host", tag = "hosts",
    params(("user" = String, Path, description = "The user's id (UUID) or email address")),
    responses(
        (status = 200, description = "The user's host", body = HostSerializer),
        (status = 404, description = "No such user, or the user is not a host", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither an id nor an email address", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database busy or unavailable; retry", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn show_host(
    State(state): State<AppState>,
    UserPath(user): UserPath,
) -> Result<Json<HostSerializer>, Problem> {
    let account = service::find_user(&state.reader, &user).await?;
    let host = account.host.ok_or(Error::NotAHost)?;
    Ok(Json(HostSerializer::from(&host)))
}

/// Offboards a user's host.
#[utoipa::path(
    delete, path = "/users/{user}/host", tag = "hosts",
    params(("user" = String, Path, description = "The user's id (UUID) or email address")),
    responses(
        (status = 204, description = "Offboarded"),
        (status = 404, description = "No such user, or the user is not a host", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither an id nor an email address", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database busy or unavailable; retry", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn offboard_host(
    State(state): State<AppState>,
    UserPath(user): UserPath,
) -> Result<StatusCode, Problem> {
    let db = state.db.clone();
    state
        .write(async move {
            service::offboard_host(&db, &user)
                .await
                .map_err(Problem::from)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
