//! `/users/{user}/guest`.

use axum::Json;
use axum::extract::State;

use crate::extract::UserPath;
use crate::problem::Problem;
use crate::serializers::GuestSerializer;
use crate::state::AppState;

/// Shows a user's guest, which every user has.
#[utoipa::path(
    get, path = "/users/{user}/guest", tag = "guests",
    params(("user" = String, Path, description = "The user's id (UUID) or email address")),
    responses(
        (status = 200, description = "The user's guest", body = GuestSerializer),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither an id nor an email address", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database busy or unavailable; retry", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn show_guest(
    State(state): State<AppState>,
    UserPath(user): UserPath,
) -> Result<Json<GuestSerializer>, Problem> {
    let account = service::find_user(&state.reader, &user).await?;
    Ok(Json(GuestSerializer::from(&account.guest)))
}
