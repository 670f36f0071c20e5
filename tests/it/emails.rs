//! Email addresses: parsed before anything is written, compared case-insensitively.

use service::{Email, EmailError, Error, UserRef};

use crate::support::{database, email, row_counts};

#[tokio::test]
async fn invalid_addresses_are_refused_with_a_typed_error_and_nothing_is_written() {
    let db = database().await;
    let too_long = format!("{}@example.com", "a".repeat(250));
    let cases: [(&str, EmailError); 9] = [
        ("", EmailError::Empty),
        ("no-at-sign.example.com", EmailError::AtSign),
        ("two@@example.com", EmailError::AtSign),
        ("white space@example.com", EmailError::Whitespace),
        (" leading@example.com", EmailError::Whitespace),
        ("tab\t@example.com", EmailError::Whitespace),
        (&too_long, EmailError::TooLong),
        ("bell\u{7}@example.com", EmailError::ControlCharacter),
        ("nul\0@example.com", EmailError::ControlCharacter),
    ];
    for (raw, expected) in cases {
        let parsed = raw.parse::<Email>();
        assert_eq!(parsed, Err(expected), "{raw:?}");
        // The service's entry points take an `Email`: a bad address cannot reach them. Named
        // by a string, the same input is refused as a user reference too.
        assert!(raw.parse::<UserRef>().is_err(), "{raw:?}");
        let error = Error::from(expected);
        assert!(matches!(error, Error::InvalidEmail(e) if e == expected));
    }
    assert_eq!(row_counts(&*db).await, (0, 0, 0));
}

#[tokio::test]
async fn the_same_address_in_another_case_is_taken() {
    let db = database().await;
    let alice = service::create_user(&*db, email("Alice@Example.com"))
        .await
        .unwrap();
    assert_eq!(alice.user.email, "alice@example.com");

    let again = service::create_user(&*db, email("aLiCe@EXAMPLE.com")).await;
    assert!(matches!(again, Err(Error::EmailTaken)), "{again:?}");
    let found = service::find_user(&*db, &UserRef::Email(email("ALICE@example.COM")))
        .await
        .unwrap();
    assert_eq!(found, alice);
    assert_eq!(row_counts(&*db).await, (1, 1, 0));
}

#[tokio::test]
async fn unusual_but_valid_addresses_are_stored_and_found_again() {
    let db = database().await;
    let long_local = format!("{}@example.com", "l".repeat(64));
    for raw in [
        "o'brien@example.com",
        "first.last+tag@mail.example.co.uk",
        "x@a.io",
        "ops#1!$%&*=?^_`{|}~-@example.com",
        &long_local,
    ] {
        let created = service::create_user(&*db, email(raw)).await.unwrap();
        let found = service::find_user(&*db, &UserRef::Email(email(raw)))
            .await
            .unwrap();
        assert_eq!(found, created, "{raw}");
    }
}
