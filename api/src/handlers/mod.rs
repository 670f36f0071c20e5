//! One module per resource; each handler parses its input into the service's types, calls the
//! service, and renders.

pub(crate) mod batch;
pub(crate) mod docs;
pub(crate) mod guests;
pub(crate) mod health;
pub(crate) mod hosts;
pub(crate) mod users;
