//! Checks a response against the OpenAPI document: its operation exists, documents the
//! status, and the body matches the documented schema (JSON Schema 2020-12, which OpenAPI 3.1
//! schemas are).

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use serde_json::{Value, json};

/// The document the API generates, as JSON.
pub static DOCUMENT: LazyLock<Value> =
    LazyLock::new(|| serde_json::to_value(api::openapi()).expect("the document serializes"));

/// Compiled validators, by (path, method, status); `None` where no body is documented.
static VALIDATORS: LazyLock<Mutex<HashMap<Response, Option<Validator>>>> =
    LazyLock::new(Default::default);

/// A documented response: path template, method, status.
type Response = (String, String, u16);

type Validator = std::sync::Arc<jsonschema::Validator>;

/// The documented path template that `path` (no query) matches, if any:
/// `/users/{user}/host` for `/users/a%40b.c/host`. A literal path wins over a template.
pub fn template_of(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let paths = DOCUMENT["paths"].as_object()?;
    let matches = |template: &str| {
        let parts: Vec<&str> = template.split('/').collect();
        parts.len() == segments.len()
            && parts
                .iter()
                .zip(&segments)
                .all(|(part, segment)| part.starts_with('{') || part == segment)
    };
    paths
        .keys()
        .find(|template| template.as_str() == path)
        .or_else(|| paths.keys().find(|template| matches(template)))
        .cloned()
}

/// Panics unless the response (`status`, `content_type`, `body`) to `method` `path` is one
/// the document describes.
pub fn check(method: &str, path: &str, status: u16, content_type: Option<&str>, body: &[u8]) {
    let path = path.split('?').next().unwrap_or_default();
    let Some(template) = template_of(path) else {
        // Not an operation of the API (an unknown route): only its problem form is checked.
        assert_eq!(
            content_type,
            Some("application/problem+json"),
            "{method} {path}"
        );
        return;
    };
    let method = method.to_ascii_lowercase();
    let operation = &DOCUMENT["paths"][&template][&method];
    if operation.is_null() {
        assert_eq!(status, 405, "{method} {path} is not documented");
        return;
    }
    let response = &operation["responses"][status.to_string()];
    assert!(
        !response.is_null(),
        "{method} {template} answered {status}, which the document does not list"
    );
    let content = &response["content"];
    if body.is_empty() {
        assert!(
            content.is_null() || status == 204,
            "{method} {template} {status}: empty body, but the document describes one"
        );
        return;
    }
    let content_type = content_type
        .and_then(|value| value.split(';').next())
        .unwrap_or_default();
    let media = &content[content_type];
    assert!(
        !media.is_null(),
        "{method} {template} {status}: content type {content_type:?} is not documented \
         (documented: {content})"
    );
    let instance: Value = serde_json::from_slice(body)
        .unwrap_or_else(|error| panic!("{method} {template} {status}: body is not JSON ({error})"));
    let validator = validator(&template, &method, status, &media["schema"]);
    if let Some(validator) = validator {
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|error| format!("{} at {}", error, error.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {template} {status}: the body does not match the document: {errors:?}\n{instance:#}"
        );
    }
}

fn validator(template: &str, method: &str, status: u16, schema: &Value) -> Option<Validator> {
    let key = (template.to_owned(), method.to_owned(), status);
    let mut validators = VALIDATORS
        .lock()
        .unwrap_or_else(|poison| poison.into_inner());
    validators
        .entry(key)
        .or_insert_with(|| {
            if schema.is_null() {
                return None;
            }
            // The components travel with the schema, so that its `$ref`s resolve.
            let root = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": DOCUMENT["components"],
                "allOf": [schema],
            });
            Some(std::sync::Arc::new(
                jsonschema::options()
                    .should_validate_formats(true)
                    .build(&root)
                    .expect("the document's schemas compile"),
            ))
        })
        .clone()
}
