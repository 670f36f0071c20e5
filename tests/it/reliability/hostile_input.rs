//! Malformed and hostile input: every address the parser refuses is refused for the reason it
//! names, every unusual address it accepts is stored and found again as itself, and ids that
//! name no user come back as typed errors.

use sea_orm::prelude::Uuid;
use service::testing::UserFactory;
use service::{Email, EmailError, Error, UserRef, UserRefError};

use super::assert_invariants;
use crate::support::{by_id, database, email, row_counts};

/// Malformed and hostile addresses, each with the error `Email::parse` must give: the first
/// problem found, in the parser's order (empty, too long, a bad character, the `@`, the local
/// part, the domain).
fn refused() -> Vec<(String, EmailError)> {
    use EmailError::{AtSign, ControlCharacter, Domain, LocalPart, NotAscii, TooLong, Whitespace};
    let domain_188 = format!(
        "{}.{}.{}.com",
        "c".repeat(63),
        "d".repeat(63),
        "e".repeat(56)
    );
    let owned = [
        // Length is checked first, in characters.
        ("a".repeat(255), TooLong),
        (format!("{}@example.com", "b".repeat(243)), TooLong),
        (format!("{}@example.com", "x".repeat(1 << 20)), TooLong),
        ("é".repeat(255), TooLong),
        ("\0".repeat(255), TooLong),
        // 254 characters, but the local part is 65.
        (format!("{}@{domain_188}", "a".repeat(65)), LocalPart),
        // A 64-character label.
        (format!("a@{}.com", "x".repeat(64)), Domain),
    ];
    let borrowed: [(&str, EmailError); 66] = [
        ("trailing@example.com ", Whitespace),
        ("a@example.com\r\n", Whitespace),
        ("a\u{a0}b@example.com", Whitespace),  // no-break space
        ("a@exa\u{2003}mple.com", Whitespace), // em space
        ("a\u{3000}@example.com", Whitespace), // ideographic space
        ("a\u{85}@example.com", Whitespace),   // next line
        ("a\u{2028}@example.com", Whitespace), // line separator
        ("a\u{b}@example.com", Whitespace),    // vertical tab
        ("a\u{c}@example.com", Whitespace),    // form feed
        ("'; DROP TABLE users; --@example.com", Whitespace),
        ("x@example.com' OR '1'='1", Whitespace),
        ("Alice <alice@example.com>", Whitespace),
        ("\u{1b}[31ma@example.com", ControlCharacter), // terminal escape
        ("a@example.com\0", ControlCharacter),         // NUL truncation
        ("a\u{1f}@example.com", ControlCharacter),     // unit separator
        ("a\u{7f}@example.com", ControlCharacter),     // delete
        ("a\u{9b}@example.com", ControlCharacter),     // C1 control, outside ASCII too
        ("a@example.com\u{8}", ControlCharacter),      // backspace
        ("p\u{430}ypal@example.com", NotAscii),        // Cyrillic a
        ("admin@ex\u{430}mple.com", NotAscii),         // Cyrillic a in the domain
        ("admin@example.c\u{3bf}m", NotAscii),         // Greek omicron
        ("\u{251}dmin@example.com", NotAscii),         // Latin alpha
        ("adm\u{131}n@example.com", NotAscii),         // dotless i
        ("\u{130}nfo@example.com", NotAscii),          // dotted capital I
        ("stra\u{df}e@example.com", NotAscii),         // sharp s
        ("e\u{301}@example.com", NotAscii),            // combining acute accent
        ("admin\u{ff20}example.com", NotAscii),        // fullwidth @
        ("admin@example\u{ff0e}com", NotAscii),        // fullwidth full stop
        ("\u{200b}admin@example.com", NotAscii),       // zero-width space
        ("\u{feff}admin@example.com", NotAscii),       // byte order mark
        ("admin@example.com\u{202e}", NotAscii),       // right-to-left override
        ("\u{1f600}@example.com", NotAscii),           // emoji
        ("user@\u{4f8b}\u{3048}.jp", NotAscii),        // internationalized domain
        ("admin", AtSign),
        ("admin'--", AtSign),
        ("x@y.com@evil.com", AtSign),
        ("@@", AtSign),
        ("1=1", AtSign),
        ("\"a@b\"@example.com", AtSign), // a quoted local part with an @ in it
        ("@evil.example.com", LocalPart),
        ("a.@example.com", LocalPart),
        (".@example.com", LocalPart),
        ("a\"b@example.com", LocalPart),
        ("';DROP_TABLE_users;--@example.com", LocalPart),
        ("robert');--@example.com", LocalPart),
        ("<script>@example.com", LocalPart),
        ("a\\b@example.com", LocalPart),
        ("a,b@example.com", LocalPart),
        ("a:b@example.com", LocalPart),
        ("[a]@example.com", LocalPart),
        ("a(comment)@example.com", LocalPart),
        ("a@example.com.", Domain),
        ("a@.example.com", Domain),
        ("a@example", Domain),
        ("a@exa_mple.com", Domain),
        ("a@example-.com", Domain),
        ("a@example.123", Domain),
        ("a@10.0.0.256", Domain),
        ("a@[::1]", Domain),
        ("a@example.com;--", Domain),
        ("a@example.com'", Domain),
        ("a@ex%41mple.com", Domain),
        ("a@example.com/path", Domain),
        ("a@example.com:25", Domain),
        ("a@*.example.com", Domain),
        ("a@-.com", Domain),
    ];
    owned
        .into_iter()
        .chain(borrowed.map(|(raw, error)| (raw.to_owned(), error)))
        .collect()
}

#[tokio::test]
async fn each_malformed_or_hostile_address_is_refused_for_its_own_reason_and_nothing_is_written() {
    let db = database().await;
    let sentinel = UserFactory::new().create(&*db).await.unwrap();
    let corpus = refused();
    assert!(corpus.len() >= 50, "{} inputs", corpus.len());

    for (raw, expected) in &corpus {
        let shown = raw.chars().take(80).collect::<String>();
        assert_eq!(Email::parse(raw), Err(*expected), "{shown:?}");
        // Named by a string, the same input names no user either, and says why.
        let as_ref = raw.parse::<UserRef>();
        if raw.contains('@') {
            assert_eq!(as_ref, Err(UserRefError::Email(*expected)), "{shown:?}");
        } else {
            assert_eq!(as_ref, Err(UserRefError::Malformed), "{shown:?}");
        }
    }
    // No entry point takes a string: a refused address cannot reach the database at all.
    assert_eq!(row_counts(&*db).await, (1, 1, 0));
    let found = service::find_user(&*db, &by_id(&sentinel)).await.unwrap();
    assert_eq!(found, sentinel);
}

/// Unusual addresses that the parser accepts: characters that mean something to SQL, to
/// `LIKE`, to shells and to templates, and every length limit reached.
fn accepted() -> Vec<String> {
    let local_64 = format!("o'b.r+i_e-n{}", "x".repeat(53));
    let domain_189 = format!(
        "{}.{}.{}.io",
        "m".repeat(63),
        "n".repeat(63),
        "p".repeat(58)
    );
    let mut addresses = vec![
        format!("{local_64}@{domain_189}"),
        format!("z@{}.io", "q".repeat(63)),
    ];
    addresses.extend(
        [
            "user+tag+more@example.com",
            "_@example.com",
            "%@example.com",
            "_%_@example.com",
            "a/**/b@example.com",
            "`backtick`@example.com",
            "$$@example.com",
            "{x}@example.com",
            "a|b@example.com",
            "#@example.com",
            "?@example.com",
            "a=b@example.com",
            "!@example.com",
            "~@example.com",
            "'@example.com",
            "''@example.com",
            "a'||'b@example.com",
            "1234567890@example.com",
            "deep@a.b.c.d.e.f.g.example.com",
            "numeric@1.example.com",
            "xn--bcher-kva@xn--bcher-kva.example",
            "Mixed.Case@Sub.Example.COM",
        ]
        .map(str::to_owned),
    );
    addresses
}

#[tokio::test]
async fn unusual_valid_addresses_are_stored_as_themselves_and_found_by_the_same_address() {
    let db = database().await;
    let addresses = accepted();
    assert_eq!(addresses[0].len(), service::MAX_EMAIL_LEN);

    let mut created = Vec::new();
    for raw in &addresses {
        let account = service::create_user(&*db, email(raw)).await.unwrap();
        assert_eq!(account.user.email, raw.to_ascii_lowercase(), "{raw}");
        created.push(account);
    }
    // Found after all were stored: a pattern match (`_` or `%` read as wildcards) or a quote
    // read as SQL would find another user, or none.
    for (raw, account) in addresses.iter().zip(&created) {
        for spelling in [raw.clone(), raw.to_ascii_uppercase()] {
            let found = service::find_user(&*db, &UserRef::Email(email(&spelling)))
                .await
                .unwrap();
            assert_eq!(&found, account, "{spelling}");
        }
        let parsed: UserRef = raw.parse().unwrap();
        assert_eq!(&service::find_user(&*db, &parsed).await.unwrap(), account);
    }
    let n = addresses.len() as u64;
    assert_eq!(row_counts(&*db).await, (n, n, 0));
    assert_invariants(&*db).await;
}

#[test]
fn strings_that_are_neither_a_uuid_nor_an_address_are_malformed_user_references() {
    for raw in [
        "not-a-uuid",
        "",
        "123",
        "-1",
        "null",
        "0x1234",
        "g0000000-0000-0000-0000-000000000000",
        "01900000-0000-7000-8000-00000000000",
        "01900000-0000-7000-8000-0000000000000",
        " 01900000-0000-7000-8000-000000000000",
        "01900000-0000-7000-8000-000000000000\0",
        "DROP TABLE users",
        "1; DELETE FROM users",
        "' OR 1=1 --",
    ] {
        assert_eq!(
            raw.parse::<UserRef>(),
            Err(UserRefError::Malformed),
            "{raw:?}"
        );
    }
    // With an `@`, the reason is the address's.
    assert_eq!(
        "not-a-uuid@".parse::<UserRef>(),
        Err(UserRefError::Email(EmailError::Domain))
    );
}

#[tokio::test]
async fn ids_and_addresses_that_name_no_user_give_user_not_found_to_every_operation() {
    let db = database().await;
    let kept = UserFactory::new().host().create(&*db).await.unwrap();
    let deleted = UserFactory::new().create(&*db).await.unwrap();
    service::delete_user(&*db, &by_id(&deleted)).await.unwrap();

    let unknown = [
        UserRef::Id(Uuid::nil()),
        UserRef::Id(Uuid::max()),
        UserRef::Id(Uuid::now_v7()),
        // Once a user's, no longer.
        UserRef::Id(deleted.user.id),
        UserRef::Email(email(&deleted.user.email)),
        UserRef::Email(email("nobody@example.com")),
    ];
    for user in &unknown {
        let outcomes = [
            service::find_user(&*db, user).await.map(drop),
            service::onboard_host(&*db, user).await.map(drop),
            service::offboard_host(&*db, user).await,
            service::change_email(&*db, user, email("renamed@example.com"))
                .await
                .map(drop),
            service::delete_user(&*db, user).await.map(drop),
        ];
        for (operation, outcome) in ["find", "onboard", "offboard", "change email", "delete"]
            .iter()
            .zip(outcomes)
        {
            assert!(
                matches!(outcome, Err(Error::UserNotFound)),
                "{operation} {user}: {outcome:?}"
            );
        }
    }
    assert_eq!(row_counts(&*db).await, (1, 1, 1));
    assert_eq!(service::find_user(&*db, &by_id(&kept)).await.unwrap(), kept);
}
