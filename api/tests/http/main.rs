//! The HTTP API's tests: in process through the router, and against a served port with a real
//! client. Every response they receive is validated against the OpenAPI document.
//!
//! `TEST_DATABASE_URL` picks the backend, as for the workspace's other tests.

mod conformance;
mod document;
mod endpoints;
mod errors;
mod idempotency;
mod pools;
mod races;
mod served;
mod support;
