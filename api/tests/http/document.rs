//! The OpenAPI document: generated from the code, committed as `api/openapi.json`.

use std::path::Path;

/// Like the schema drift test: a change to the handlers or serializers that changes the
/// document fails here until the new document is committed (this test writes it).
#[test]
fn the_committed_openapi_document_is_the_one_the_code_generates() {
    let generated = api::openapi().to_pretty_json().expect("serializes") + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        std::fs::write(&path, &generated).expect("write api/openapi.json");
        panic!(
            "api/openapi.json differed from the document the code generates; it has been \
             rewritten: review the change with `git diff api/openapi.json` and commit it"
        );
    }
}

#[test]
fn the_document_is_openapi_3_1_with_every_endpoint_and_the_seeds_serializers() {
    let document = &*crate::conformance::DOCUMENT;
    assert_eq!(document["openapi"], "3.1.0");
    let operations: Vec<String> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect();
    for expected in [
        "POST /users",
        "GET /users",
        "POST /users/batch",
        "GET /users/{user}",
        "PATCH /users/{user}",
        "DELETE /users/{user}",
        "GET /users/{user}/guest",
        "POST /users/{user}/host",
        "GET /users/{user}/host",
        "DELETE /users/{user}/host",
        "GET /health/live",
        "GET /health/ready",
        "GET /openapi.json",
    ] {
        assert!(
            operations.contains(&expected.to_owned()),
            "{expected}: {operations:?}"
        );
    }
    assert_eq!(operations.len(), 13, "{operations:?}");
    let schemas = document["components"]["schemas"].as_object().unwrap();
    for serializer in [
        "User",
        "UserSummary",
        "Guest",
        "GuestSummary",
        "Host",
        "HostSummary",
        "Problem",
    ] {
        assert!(schemas.contains_key(serializer), "{serializer}");
    }
    // Requests with a field the document does not name are refused: the document says so.
    for request in ["CreateUser", "ChangeEmail", "CreateUsers"] {
        assert_eq!(schemas[request]["additionalProperties"], false, "{request}");
    }
}

#[test]
fn only_the_probes_and_the_document_are_served_without_the_token() {
    let document = &*crate::conformance::DOCUMENT;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let public = path.starts_with("/health/") || path == "/openapi.json";
            let secured = operation["security"]
                .as_array()
                .is_some_and(|schemes| schemes.iter().any(|scheme| scheme.get("bearer").is_some()));
            assert_eq!(secured, !public, "{method} {path}");
        }
    }
}
