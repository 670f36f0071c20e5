//! Probes for an orchestrator: no token needed.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use migration::SchemaStatus;
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::Problem;
use crate::state::AppState;

/// A probe's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` (live) or `ready`.
    #[schema(example = "ready")]
    pub status: &'static str,
}

/// Whether the process answers at all: never touches the database.
#[utoipa::path(
    get, path = "/health/live", tag = "health",
    responses((status = 200, description = "The server is running", body = Health))
)]
pub(crate) async fn live() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Whether requests can be served: the database answers and its schema is the one this
/// build knows.
#[utoipa::path(
    get, path = "/health/ready", tag = "health",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "The database does not answer, or its schema is not current", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn ready(State(state): State<AppState>) -> Result<Json<Health>, Problem> {
    let not_ready = |detail: &str| {
        Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "not ready").detail(detail)
    };
    match migration::schema_status(state.cluster.primary()).await {
        Ok(SchemaStatus::Current) => Ok(Json(Health { status: "ready" })),
        Ok(SchemaStatus::Behind { .. }) => Err(not_ready("the schema is not migrated")),
        Ok(SchemaStatus::Ahead { .. }) => Err(not_ready("the schema is newer than this build")),
        Ok(_) => Err(not_ready("the schema is damaged")),
        Err(error) => {
            tracing::warn!(error = %migration::redact(&error.to_string()), "readiness probe failed");
            Err(not_ready("the database does not answer"))
        }
    }
}
