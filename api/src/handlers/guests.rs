//! `/users/{user}/guest`.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::extract::{ReadPosition, ReadPositionParam, UserPath};
use crate::problem::Problem;
use crate::respond;
use crate::serializers::GuestSerializer;
use crate::state::AppState;

/// Shows a user's guest, which every user has.
#[utoipa::path(
    get, path = "/users/{user}/guest", tag = "guests",
    params(("user" = String, Path, description = "The user's id (UUID) or email address"), ReadPositionParam),
    responses(
        (status = 200, description = "The user's guest", body = GuestSerializer),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither an id nor an email address", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn show_guest(
    State(state): State<AppState>,
    ReadPosition(mut session): ReadPosition,
    UserPath(user): UserPath,
) -> Result<Response, Problem> {
    let account = state.find_user(&mut session, &user).await?;
    let response = Json(GuestSerializer::from(&account.guest)).into_response();
    Ok(respond::with_position(response, session.at_least()))
}
