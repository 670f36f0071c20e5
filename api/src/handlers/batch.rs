//! `/users/batch`: many users at once, all or none.

use std::collections::HashSet;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use service::{Email, Fingerprint, MAX_BATCH_SIZE};
use utoipa::ToSchema;

use crate::extract::{self, IdempotencyKeyHeader, IdempotencyKeyParam, JsonBody, ReadPosition};
use crate::problem::Problem;
use crate::respond;
use crate::serializers::{UserBatchSerializer, UserSerializer};
use crate::state::AppState;

/// New users.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CreateUsers)]
pub struct CreateUsers {
    /// Their email addresses, 1 to 1000, all different (ignoring case).
    #[schema(min_items = 1, max_items = 1000, example = json!(["alice@example.com", "bob@example.com"]))]
    pub emails: Vec<String>,
}

/// Creates up to 1000 users with their guests, in one transaction: all of them or none.
#[utoipa::path(
    post, path = "/users/batch", tag = "users",
    request_body = CreateUsers,
    params(IdempotencyKeyParam),
    responses(
        (status = 201, description = "All created, in the order given", body = UserBatchSerializer),
        (status = 400, description = "Not well-formed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An address is taken (none was created)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid address, none or more than 1000, an unknown field, or an idempotency key used for another request", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn create_users(
    State(state): State<AppState>,
    ReadPosition(session): ReadPosition,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    JsonBody(body): JsonBody<CreateUsers>,
) -> Result<Response, Problem> {
    if body.emails.is_empty() || body.emails.len() > MAX_BATCH_SIZE {
        return Err(Problem::invalid_field(
            "/emails",
            format!(
                "from 1 to {MAX_BATCH_SIZE} addresses, not {}",
                body.emails.len()
            ),
        ));
    }
    let emails = body
        .emails
        .iter()
        .enumerate()
        .map(|(index, email)| extract::email(email, &format!("/emails/{index}")))
        .collect::<Result<Vec<Email>, Problem>>()?;
    // The database would refuse the second as taken, which no user is: say where it repeats.
    let mut seen = HashSet::new();
    if let Some(index) = emails.iter().position(|email| !seen.insert(email.as_str())) {
        return Err(Problem::invalid_field(
            format!("/emails/{index}"),
            "the address appears earlier in the batch",
        ));
    }
    let mut parts: Vec<&[u8]> = vec![b"create_users"];
    parts.extend(emails.iter().map(|email| email.as_str().as_bytes()));
    let fingerprint = Fingerprint::of(&parts);
    let (once, position) = state
        .write(session, |db| async move {
            service::once(
                &db,
                key.as_ref(),
                &fingerprint,
                async move |txn| service::create_users(txn, &emails).await,
                |accounts| {
                    let data = accounts.iter().map(UserSerializer::from).collect();
                    respond::record(StatusCode::CREATED, None, &UserBatchSerializer { data })
                },
            )
            .await
            .map_err(Problem::from)
        })
        .await?;
    Ok(respond::with_position(respond::recorded(once)?, position))
}
