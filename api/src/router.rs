//! The routes, their layers, and the OpenAPI document generated from them.

use std::sync::Arc;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn_with_state, map_request};
use service::Cluster;
use tokio::sync::Semaphore;
use tokio_util::task::TaskTracker;
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, RefOr};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::config::Config;
use crate::handlers::{batch, docs, guests, health, hosts, users};
use crate::problem::{InvalidPart, PROBLEM_JSON, Problem};
use crate::serializers::{GuestSummarySerializer, HostSummarySerializer};
use crate::state::AppState;
use crate::{auth, middleware};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "accounts",
        description = "The marketplace's accounts: users, the guest each has, the host each may become. \
            Errors are RFC 9457 problems (`application/problem+json`); every response carries an \
            `x-request-id`.",
        license(name = "MIT OR Apache-2.0"),
    ),
    components(schemas(GuestSummarySerializer, HostSummarySerializer, Problem, InvalidPart)),
    modifiers(&BearerAuth),
    tags(
        (name = "users", description = "Users, each with its guest"),
        (name = "guests", description = "The guest side of a user, made with it"),
        (name = "hosts", description = "The host side of a user, made by onboarding"),
        (name = "health", description = "Probes; no token needed"),
        (name = "docs", description = "This document; no token needed"),
    )
)]
struct ApiDoc;

/// The `bearer` security scheme the protected operations name.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, document: &mut Document) {
        let components = document.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The routes that need the token, those that do not, and the document of both.
fn documented() -> (Router<AppState>, Router<AppState>, Document) {
    let (protected, mut document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(users::create_user, users::list_users))
        .routes(routes!(batch::create_users))
        .routes(routes!(
            users::show_user,
            users::change_email,
            users::delete_user
        ))
        .routes(routes!(guests::show_guest))
        .routes(routes!(
            hosts::onboard_host,
            hosts::show_host,
            hosts::offboard_host
        ))
        .split_for_parts();
    let (public, public_document) = OpenApiRouter::new()
        .routes(routes!(health::live))
        .routes(routes!(health::ready))
        .routes(routes!(docs::openapi))
        .split_for_parts();
    document.merge(public_document);
    common_responses(&mut document);
    (protected, public, document)
}

/// The answers any operation may get from the layers around the handlers, added to each: the
/// token check (`401`), body checks (`413`, `415`), the timeout, the load shedding and the
/// database (`503`), and faults (`500`); and the headers every response carries.
fn common_responses(document: &mut Document) {
    let problem = |description: &str| {
        ResponseBuilder::new().description(description).content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
    };
    let header = |kind: Type, description: &str| {
        HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(kind))
            .description(Some(description))
            .build()
    };
    for item in document.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            let secured = operation.security.is_some();
            let idempotent = operation
                .parameters
                .iter()
                .flatten()
                .any(|parameter| parameter.name == "Idempotency-Key");
            let responses = &mut operation.responses.responses;
            let mut add = |status: &str, response: ResponseBuilder| {
                responses
                    .entry(status.to_owned())
                    .or_insert_with(|| response.build().into());
            };
            if secured {
                add(
                    "401",
                    problem("No bearer token, or not the server's").header(
                        "WWW-Authenticate",
                        header(Type::String, "`Bearer realm=\"accounts\"`"),
                    ),
                );
                add(
                    "503",
                    problem(
                        "`busy`, `unavailable` or `overloaded`: retry after `Retry-After` \
                         seconds. `timeout` (no `Retry-After`): a write it asked for may still \
                         be made; look first, or repeat it with the same `Idempotency-Key`",
                    ),
                );
            }
            if operation.request_body.is_some() {
                add("413", problem("The body is larger than the server's limit"));
                add("415", problem("The body is not declared JSON"));
            }
            add(
                "500",
                problem("A fault of the server; nothing of it is disclosed"),
            );
            for (status, response) in responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                response.headers.insert(
                    "x-request-id".to_owned(),
                    header(
                        Type::String,
                        "The request's id: the client's own `x-request-id`, or a new UUID",
                    ),
                );
                // The probes and the document neither read accounts nor write them.
                if secured && status.starts_with('2') {
                    response.headers.insert(
                        "x-wal-position".to_owned(),
                        header(
                            Type::String,
                            "With read replicas: the position this client's reads must see \
                             (after its last write); send it back as `x-wal-position`",
                        ),
                    );
                }
                if status == "503" {
                    response.headers.insert(
                        "Retry-After".to_owned(),
                        header(
                            Type::Integer,
                            "Seconds to wait before retrying (not on `timeout`)",
                        ),
                    );
                }
                if idempotent && status == "201" {
                    response.headers.insert(
                        "idempotent-replayed".to_owned(),
                        header(
                            Type::String,
                            "`true` when this is the response of an earlier request with the same key",
                        ),
                    );
                }
            }
        }
    }
}

/// The OpenAPI 3.1 document of the API, generated from the handlers and serializers.
#[must_use]
pub fn openapi() -> Document {
    documented().2
}

/// The API as a router over `cluster`, and the tracker of its writes under way.
pub(crate) fn build(cluster: Arc<Cluster>, config: Config) -> (Router, TaskTracker) {
    let (protected, public, document) = documented();
    let writes = TaskTracker::new();
    let state = AppState {
        cluster,
        write_slots: Arc::new(Semaphore::new(config.concurrency_limit)),
        config: Arc::new(config),
        writes: writes.clone(),
        // The document is generated by this crate's own types: it serializes.
        document: Arc::new(document.to_pretty_json().unwrap_or_default()),
    };
    let protected = protected
        .route_layer(from_fn_with_state(state.clone(), auth::require_token))
        // One limit shared by every route (not one per route), and excess load refused at once.
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(middleware::overloaded))
                .load_shed()
                .layer(GlobalConcurrencyLimitLayer::new(
                    state.config.concurrency_limit,
                )),
        );
    let router = protected
        .merge(public)
        .fallback(middleware::not_found)
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .layer(
            ServiceBuilder::new()
                .layer(map_request(middleware::sane_request_id))
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(middleware::request_span)
                        .on_response(middleware::record_response),
                )
                .layer(CatchPanicLayer::custom(middleware::panicked))
                .layer(from_fn_with_state(state.clone(), middleware::timeout))
                .layer(DefaultBodyLimit::max(state.config.body_limit)),
        )
        .with_state(state);
    (router, writes)
}

/// The API as a router over `cluster` (writes to its primary, reads to its replicas when they
/// will do; `Cluster::new(db)` for one database): for serving with [`serve`](crate::serve),
/// or for calling in process (tests).
pub fn router(cluster: impl Into<Arc<Cluster>>, config: Config) -> Router {
    build(cluster.into(), config).0
}
