//! Every endpoint's success, in process.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::Api;

/// RFC 3339 in UTC with exactly six fractional digits.
fn is_micros_utc(value: &serde_json::Value) -> bool {
    let text = value.as_str().unwrap_or_default();
    text.len() == 27 && text.ends_with('Z') && text.as_bytes()[19] == b'.'
}

#[tokio::test]
async fn creating_a_user_answers_201_with_its_location_and_its_guest() {
    let api = Api::new().await;
    let reply = api
        .post("/users", Some(json!({ "email": "Alice@Example.com" })))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let user = &reply.body;
    let id = user["id"].as_str().unwrap();
    assert_eq!(
        reply.header("location"),
        Some(format!("/users/{id}").as_str())
    );
    assert_eq!(user["email"], "alice@example.com");
    assert_eq!(user["guest"]["userId"], user["id"]);
    assert!(user["host"].is_null());
    for stamp in [
        &user["createdAt"],
        &user["updatedAt"],
        &user["guest"]["createdAt"],
    ] {
        assert!(is_micros_utc(stamp), "{stamp}");
    }
    assert!(reply.header("x-request-id").is_some());
}

#[tokio::test]
async fn a_user_is_shown_by_id_or_by_email_with_its_guest_and_host() {
    let api = Api::new().await;
    let created = api.user("bob@example.com").await;
    let id = created["id"].as_str().unwrap();
    let by_id = api.get(&format!("/users/{id}")).await;
    assert_eq!(by_id.status, StatusCode::OK);
    assert_eq!(by_id.body, created);
    let by_email = api.get("/users/BOB@example.com").await;
    assert_eq!(by_email.body, created);

    let onboarded = api.post(&format!("/users/{id}/host"), None).await;
    assert_eq!(onboarded.status, StatusCode::CREATED);
    assert_eq!(
        onboarded.header("location"),
        Some(format!("/users/{id}/host").as_str())
    );
    let shown = api.get(&format!("/users/{id}")).await;
    assert_eq!(shown.body["host"], onboarded.body);
    assert_eq!(shown.body["guest"], created["guest"]);
}

#[tokio::test]
async fn a_users_guest_and_host_have_their_own_urls() {
    let api = Api::new().await;
    let user = api.user("carol@example.com").await;
    let id = user["id"].as_str().unwrap();
    let guest = api.get(&format!("/users/{id}/guest")).await;
    assert_eq!(guest.status, StatusCode::OK);
    assert_eq!(guest.body, user["guest"]);
    assert_eq!(
        api.get(&format!("/users/{id}/host")).await.status,
        StatusCode::NOT_FOUND
    );
    let host = api.post(&format!("/users/{id}/host"), None).await.body;
    let shown = api.get(&format!("/users/{id}/host")).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.body, host);
    assert_eq!(shown.body["userId"], user["id"]);
}

#[tokio::test]
async fn offboarding_answers_204_and_the_user_is_no_longer_a_host() {
    let api = Api::new().await;
    let user = api.user("dan@example.com").await;
    let id = user["id"].as_str().unwrap();
    api.post(&format!("/users/{id}/host"), None).await;
    let reply = api.delete(&format!("/users/{id}/host")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(api.get(&format!("/users/{id}")).await.body["host"].is_null());
    assert_eq!(
        api.delete(&format!("/users/{id}/host")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn changing_the_email_answers_the_user_with_its_new_address() {
    let api = Api::new().await;
    let user = api.user("erin@example.com").await;
    let id = user["id"].as_str().unwrap();
    let reply = api
        .patch(
            &format!("/users/{id}"),
            json!({ "email": "Erin@Example.org" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["email"], "erin@example.org");
    assert_eq!(reply.body["createdAt"], user["createdAt"]);
    assert_ne!(reply.body["updatedAt"], user["updatedAt"]);
    assert_eq!(
        api.get("/users/erin@example.org").await.body["id"],
        user["id"]
    );
}

#[tokio::test]
async fn deleting_a_user_answers_204_and_it_is_gone_with_its_host() {
    let api = Api::new().await;
    let user = api.user("fay@example.com").await;
    let id = user["id"].as_str().unwrap();
    api.post(&format!("/users/{id}/host"), None).await;
    assert_eq!(
        api.delete(&format!("/users/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.get(&format!("/users/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.delete(&format!("/users/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn listing_pages_through_summaries_in_creation_order_with_next_links() {
    let api = Api::new().await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(api.user(&format!("u{n}@example.com")).await["id"].clone());
    }
    let mut seen = Vec::new();
    let mut url = "/users?limit=2".to_owned();
    loop {
        let reply = api.get(&url).await;
        assert_eq!(reply.status, StatusCode::OK);
        for user in reply.body["data"].as_array().unwrap() {
            // Summaries: no guest, no host, no timestamps.
            assert_eq!(user.as_object().unwrap().len(), 2, "{user}");
            seen.push(user["id"].clone());
        }
        match reply.body["next"].as_str() {
            Some(next) => {
                assert_eq!(
                    reply.header("link"),
                    Some(format!("<{next}>; rel=\"next\"").as_str())
                );
                url = next.to_owned();
            }
            None => {
                assert!(reply.header("link").is_none());
                break;
            }
        }
    }
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn listing_can_keep_only_hosts_or_only_the_others() {
    let api = Api::new().await;
    let mut hosts = Vec::new();
    let mut others = Vec::new();
    for n in 0..6 {
        let user = api.user(&format!("h{n}@example.com")).await;
        if n % 2 == 0 {
            api.post(
                &format!("/users/{}/host", user["id"].as_str().unwrap()),
                None,
            )
            .await;
            hosts.push(user["id"].clone());
        } else {
            others.push(user["id"].clone());
        }
    }
    let ids = |reply: &crate::support::Reply| -> Vec<serde_json::Value> {
        reply.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|user| user["id"].clone())
            .collect()
    };
    assert_eq!(ids(&api.get("/users?host=true").await), hosts);
    assert_eq!(ids(&api.get("/users?host=false").await), others);
    // The filter is kept across pages.
    let first = api.get("/users?host=true&limit=2").await;
    let next = first.body["next"].as_str().unwrap().to_owned();
    assert!(next.contains("host=true"), "{next}");
    assert_eq!(ids(&api.get(&next).await), hosts[2..].to_vec());
}

#[tokio::test]
async fn a_batch_creates_every_user_with_a_guest_in_the_order_given() {
    let api = Api::new().await;
    let emails: Vec<String> = (0..25).map(|n| format!("Batch{n}@Example.com")).collect();
    let reply = api
        .post("/users/batch", Some(json!({ "emails": emails })))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let data = reply.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 25);
    for (user, email) in data.iter().zip(&emails) {
        assert_eq!(user["email"], email.to_lowercase());
        assert_eq!(user["guest"]["userId"], user["id"]);
    }
    assert_eq!(
        api.get("/users?limit=1000").await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        25
    );
}

#[tokio::test]
async fn the_probes_and_the_document_answer() {
    let api = Api::new().await;
    let live = api.get("/health/live").await;
    assert_eq!(
        (live.status, &live.body),
        (StatusCode::OK, &json!({ "status": "ok" }))
    );
    let ready = api.get("/health/ready").await;
    assert_eq!(
        (ready.status, &ready.body),
        (StatusCode::OK, &json!({ "status": "ready" }))
    );
    let document = api.get("/openapi.json").await;
    assert_eq!(document.status, StatusCode::OK);
    assert_eq!(document.body, *crate::conformance::DOCUMENT);
}
