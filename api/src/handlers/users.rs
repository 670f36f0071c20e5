//! `/users` and `/users/{user}`.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use service::{Fingerprint, HostFilter, PageSize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::{
    self, IdempotencyKeyHeader, IdempotencyKeyParam, JsonBody, ReadPosition, ReadPositionParam,
    UserPath,
};
use crate::problem::Problem;
use crate::respond;
use crate::serializers::{UserPageSerializer, UserSerializer, UserSummarySerializer};
use crate::state::AppState;

/// A new user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CreateUser)]
pub struct CreateUser {
    /// Its email address (any case; stored lowercase).
    #[schema(format = Email, max_length = 254, example = "alice@example.com")]
    pub email: String,
}

/// A user's new email address.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ChangeEmail)]
pub struct ChangeEmail {
    /// The new address.
    #[schema(format = Email, max_length = 254, example = "alice@example.org")]
    pub email: String,
}

/// Which page of users, and which users.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    // Read as text and parsed by the handler, so that each gets its own error; the document
    // says what they are.
    /// Start after this user id: the previous page's `next` cursor.
    #[param(value_type = Option<Uuid>)]
    pub after: Option<String>,
    /// How many users a page holds, 1 to 1000 (100 unless given).
    #[param(value_type = Option<u16>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
    /// `true`: only hosts; `false`: only users who are not hosts; absent: all users.
    #[param(value_type = Option<bool>)]
    pub host: Option<String>,
}

/// Creates a user and its guest.
#[utoipa::path(
    post, path = "/users", tag = "users",
    request_body = CreateUser,
    params(IdempotencyKeyParam),
    responses(
        (status = 201, description = "Created, with its guest", body = UserSerializer,
            headers(("Location" = String, description = "The user's URL"))),
        (status = 400, description = "Not well-formed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email address is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid email address, unknown field, or an idempotency key used for another request", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn create_user(
    State(state): State<AppState>,
    ReadPosition(session): ReadPosition,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    JsonBody(body): JsonBody<CreateUser>,
) -> Result<Response, Problem> {
    let email = extract::email(&body.email, "/email")?;
    let fingerprint = Fingerprint::of(&[b"create_user", email.as_str().as_bytes()]);
    let (once, position) = state
        .write(session, |db| async move {
            service::once(
                &db,
                key.as_ref(),
                &fingerprint,
                async move |txn| service::create_user(txn, email).await,
                |account| {
                    respond::record(
                        StatusCode::CREATED,
                        Some(format!("/users/{}", account.user.id)),
                        &UserSerializer::from(account),
                    )
                },
            )
            .await
            .map_err(Problem::from)
        })
        .await?;
    Ok(respond::with_position(respond::recorded(once)?, position))
}

/// Shows a user with its guest and host, by id or email address.
#[utoipa::path(
    get, path = "/users/{user}", tag = "users",
    params(("user" = String, Path, description = "The user's id (UUID) or email address"), ReadPositionParam),
    responses(
        (status = 200, description = "The user", body = UserSerializer),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither an id nor an email address", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn show_user(
    State(state): State<AppState>,
    ReadPosition(mut session): ReadPosition,
    UserPath(user): UserPath,
) -> Result<Response, Problem> {
    let account = state.find_user(&mut session, &user).await?;
    let response = axum::Json(UserSerializer::from(&account)).into_response();
    Ok(respond::with_position(response, session.at_least()))
}

/// Lists users in id (creation) order, a page at a time; optionally only hosts or only
/// users who are not hosts.
#[utoipa::path(
    get, path = "/users", tag = "users",
    params(ListParams, ReadPositionParam),
    responses(
        (status = 200, description = "A page of users; the next page's URL in `next` and in the `Link` header", body = UserPageSerializer,
            headers(("Link" = String, description = "`<URL>; rel=\"next\"` unless this is the last page"))),
        (status = 422, description = "An invalid or unknown parameter", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list_users(
    State(state): State<AppState>,
    ReadPosition(mut session): ReadPosition,
    query: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let Query(params) =
        query.map_err(|rejection| Problem::invalid_parameter("query", rejection.body_text()))?;
    let after = params
        .after
        .as_deref()
        .map(|after| {
            after
                .parse::<Uuid>()
                .map_err(|_| Problem::invalid_parameter("after", "not a user id (UUID)"))
        })
        .transpose()?;
    let size = match params.limit.as_deref() {
        None => PageSize::DEFAULT,
        Some(limit) => limit
            .parse()
            .ok()
            .and_then(|limit| PageSize::new(limit).ok())
            .ok_or_else(|| Problem::invalid_parameter("limit", "a whole number from 1 to 1000"))?,
    };
    let filter = match params.host.as_deref() {
        None => HostFilter::Any,
        Some("true") => HostFilter::Hosts,
        Some("false") => HostFilter::NonHosts,
        Some(_) => return Err(Problem::invalid_parameter("host", "true or false")),
    };
    let page = state
        .read(&mut session, |db| async move {
            service::list_users_filtered(&db, after, size, filter).await
        })
        .await?;
    // Broken accounts are listed too: a summary needs no guest.
    let mut users: Vec<UserSummarySerializer> = page
        .accounts
        .iter()
        .map(|account| UserSummarySerializer::from(&account.user))
        .chain(page.broken.iter().map(UserSummarySerializer::from))
        .collect();
    users.sort_by_key(|user| user.id);
    let next = page.next.map(|after| {
        let mut url = format!("/users?after={after}&limit={}", size.get());
        match filter {
            HostFilter::Hosts => url.push_str("&host=true"),
            HostFilter::NonHosts => url.push_str("&host=false"),
            _ => {}
        }
        url
    });
    let link = next
        .as_ref()
        .and_then(|url| HeaderValue::try_from(format!("<{url}>; rel=\"next\"")).ok());
    let mut response = axum::Json(UserPageSerializer { data: users, next }).into_response();
    if let Some(link) = link {
        response.headers_mut().insert(header::LINK, link);
    }
    Ok(respond::with_position(response, session.at_least()))
}

/// Changes a user's email address.
#[utoipa::path(
    patch, path = "/users/{user}", tag = "users",
    params(("user" = String, Path, description = "The user's id (UUID) or email address")),
    request_body = ChangeEmail,
    responses(
        (status = 200, description = "The user as changed", body = UserSerializer),
        (status = 400, description = "Not well-formed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another user has that address", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid address or user, or an unknown field", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn change_email(
    State(state): State<AppState>,
    ReadPosition(session): ReadPosition,
    UserPath(user): UserPath,
    JsonBody(body): JsonBody<ChangeEmail>,
) -> Result<Response, Problem> {
    let email = extract::email(&body.email, "/email")?;
    let (account, position) = state
        .write(session, |db| async move {
            service::change_email(&db, &user, email)
                .await
                .map_err(Problem::from)
        })
        .await?;
    let response = axum::Json(UserSerializer::from(&account)).into_response();
    Ok(respond::with_position(response, position))
}

/// Deletes a user with its guest and host.
#[utoipa::path(
    delete, path = "/users/{user}", tag = "users",
    params(("user" = String, Path, description = "The user's id (UUID) or email address")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A host was onboarded for the user meanwhile; retry", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither an id nor an email address", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn delete_user(
    State(state): State<AppState>,
    ReadPosition(session): ReadPosition,
    UserPath(user): UserPath,
) -> Result<Response, Problem> {
    let ((), position) = state
        .write(session, |db| async move {
            service::delete_user(&db, &user)
                .await
                .map(|_| ())
                .map_err(Problem::from)
        })
        .await?;
    Ok(respond::with_position(
        StatusCode::NO_CONTENT.into_response(),
        position,
    ))
}
