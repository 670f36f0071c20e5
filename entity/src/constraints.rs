//! Names of the constraints the migrations create.
//!
//! They are part of the schema's contract: the service maps a violated constraint to a domain
//! error by its name, so a name must never change once released. All are shorter than MySQL's
//! limit of 64 characters and PostgreSQL's of 63.

/// Unique index on `users.email`: one user per (normalized) address.
pub const USERS_EMAIL_UNIQUE: &str = "uq_users_email";
/// Check that `users.email` is stored lowercase, so that uniqueness is case-insensitive.
pub const USERS_EMAIL_LOWERCASE: &str = "ck_users_email_lowercase";
/// Unique index on `guests.user_id`: at most one guest per user.
pub const GUESTS_USER_ID_UNIQUE: &str = "uq_guests_user_id";
/// Foreign key `guests.user_id` → `users.id`, `ON DELETE RESTRICT`.
pub const GUESTS_USER_ID_FOREIGN_KEY: &str = "fk_guests_user_id";
/// Unique index on `hosts.user_id`: at most one host per user.
pub const HOSTS_USER_ID_UNIQUE: &str = "uq_hosts_user_id";
/// Foreign key `hosts.user_id` → `users.id`, `ON DELETE RESTRICT`.
pub const HOSTS_USER_ID_FOREIGN_KEY: &str = "fk_hosts_user_id";

/// Unique index on `idempotency_keys.key`: one creation per client key.
pub const IDEMPOTENCY_KEYS_KEY_UNIQUE: &str = "uq_idempotency_keys_key";

/// Every name above: the constraints the application relies on being there.
pub const ALL: [&str; 7] = [
    USERS_EMAIL_UNIQUE,
    USERS_EMAIL_LOWERCASE,
    GUESTS_USER_ID_UNIQUE,
    GUESTS_USER_ID_FOREIGN_KEY,
    HOSTS_USER_ID_UNIQUE,
    HOSTS_USER_ID_FOREIGN_KEY,
    IDEMPOTENCY_KEYS_KEY_UNIQUE,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_fits_the_shortest_identifier_limit_of_the_three_databases() {
        // PostgreSQL truncates identifiers beyond 63 bytes; MySQL refuses beyond 64.
        for name in ALL {
            assert!(name.len() <= 63, "{name}");
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{name}"
            );
        }
    }
}
