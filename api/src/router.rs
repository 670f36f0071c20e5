//! The routes, their layers, and the OpenAPI document generated from them.

use std::sync::Arc;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use service::Pools;
use tokio_util::task::TaskTracker;
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::openapi::header::Header;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref};
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
/// database (`503`), and faults (`500`).
fn common_responses(document: &mut Document) {
    let problem = |description: &str| {
        ResponseBuilder::new().description(description).content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
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
            let mut add = |status: &str, response: ResponseBuilder| {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| response.build().into());
            };
            if operation.security.is_some() {
                add(
                    "401",
                    problem("No bearer token, or not the server's").header(
                        "WWW-Authenticate",
                        Header::new(ObjectBuilder::new().schema_type(Type::String)),
                    ),
                );
            }
            if operation.request_body.is_some() {
                add("413", problem("The body is larger than the server's limit"));
                add("415", problem("The body is not declared JSON"));
            }
            add(
                "503",
                problem(
                    "The database is busy or unavailable, the request took too long, or too \
                     many are being served; retry after `Retry-After` seconds",
                )
                .header(
                    "Retry-After",
                    Header::new(ObjectBuilder::new().schema_type(Type::Integer)),
                ),
            );
            add(
                "500",
                problem("A fault of the server; nothing of it is disclosed"),
            );
        }
    }
}

/// The OpenAPI 3.1 document of the API, generated from the handlers and serializers.
#[must_use]
pub fn openapi() -> Document {
    documented().2
}

/// The API as a router over `pools`, and the tracker of its writes under way.
pub(crate) fn build(pools: Pools, config: Config) -> (Router, TaskTracker) {
    let (protected, public, document) = documented();
    let writes = TaskTracker::new();
    let state = AppState {
        db: pools.writer().clone(),
        reader: pools.reader().clone(),
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

/// The API as a router over `db`: for serving with [`serve`](crate::serve), or for calling in
/// process (tests).
///
/// `db` is a [`DatabaseConnection`](service::DatabaseConnection) (one pool for everything) or
/// [`Pools`], whose reader pool then serves the reads (`GET`s of users, guests and hosts).
pub fn router(db: impl Into<Pools>, config: Config) -> Router {
    build(db.into(), config).0
}
