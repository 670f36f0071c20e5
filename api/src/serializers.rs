//! What the API renders: for each model a default and a summary form, as the seeds' Dream
//! serializers (`GuestSerializer`, `GuestSummarySerializer`, `HostSerializer`,
//! `HostSummarySerializer`). A user's default form renders its guest and host (Dream's
//! `rendersOne`); its summary does not. Lists render summaries.
//!
//! Keys are camelCase as in the seeds, ids UUID strings, timestamps RFC 3339 in UTC with
//! microseconds (`2026-11-22T10:00:00.123456Z`).

use chrono::{DateTime, SecondsFormat, Utc};
use entity::{guest, host, user};
use serde::Serialize;
use service::{Account, BrokenAccount};
use utoipa::ToSchema;
use uuid::Uuid;

/// A timestamp as the API writes it.
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A guest (`GuestSerializer`): the guest side of a user, made with it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = Guest)]
pub struct GuestSerializer {
    /// The guest's id.
    pub id: Uuid,
    /// Its user's id.
    pub user_id: Uuid,
    /// When it was created (RFC 3339, UTC, microseconds).
    #[schema(format = DateTime, example = "2026-11-22T10:00:00.123456Z")]
    pub created_at: String,
    /// When it was last changed.
    #[schema(format = DateTime, example = "2026-11-22T10:00:00.123456Z")]
    pub updated_at: String,
}

/// A guest in a list (`GuestSummarySerializer`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = GuestSummary)]
pub struct GuestSummarySerializer {
    /// The guest's id.
    pub id: Uuid,
}

/// A host (`HostSerializer`): the host side of a user, made by onboarding.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = Host)]
pub struct HostSerializer {
    /// The host's id.
    pub id: Uuid,
    /// Its user's id.
    pub user_id: Uuid,
    /// When it was onboarded (RFC 3339, UTC, microseconds).
    #[schema(format = DateTime, example = "2026-11-22T10:00:00.123456Z")]
    pub created_at: String,
    /// When it was last changed.
    #[schema(format = DateTime, example = "2026-11-22T10:00:00.123456Z")]
    pub updated_at: String,
}

/// A host in a list (`HostSummarySerializer`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = HostSummary)]
pub struct HostSummarySerializer {
    /// The host's id.
    pub id: Uuid,
}

/// A user with its guest and, once onboarded, its host (`UserSerializer`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = User)]
pub struct UserSerializer {
    /// The user's id (a UUIDv7: ids sort by creation).
    pub id: Uuid,
    /// The user's email address, lowercase.
    #[schema(format = Email, example = "alice@example.com")]
    pub email: String,
    /// When it was created (RFC 3339, UTC, microseconds).
    #[schema(format = DateTime, example = "2026-11-22T10:00:00.123456Z")]
    pub created_at: String,
    /// When it was last changed.
    #[schema(format = DateTime, example = "2026-11-22T10:00:00.123456Z")]
    pub updated_at: String,
    /// Its guest: every user has one.
    pub guest: GuestSerializer,
    /// Its host, or `null` if it is not a host.
    #[schema(required = true)]
    pub host: Option<HostSerializer>,
}

/// A user in a list (`UserSummarySerializer`): no guest, no host.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = UserSummary)]
pub struct UserSummarySerializer {
    /// The user's id.
    pub id: Uuid,
    /// The user's email address.
    #[schema(format = Email, example = "alice@example.com")]
    pub email: String,
}

/// A page of users, in id (creation) order.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = UserPage)]
pub struct UserPageSerializer {
    /// The users of this page.
    pub data: Vec<UserSummarySerializer>,
    /// The URL of the next page (also in the `Link` header), `null` on the last page.
    #[schema(required = true)]
    pub next: Option<String>,
}

/// The users a batch created, in the order of the request.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = UserBatch)]
pub struct UserBatchSerializer {
    /// Each created user with its guest.
    pub data: Vec<UserSerializer>,
}

impl From<&guest::Model> for GuestSerializer {
    fn from(guest: &guest::Model) -> Self {
        Self {
            id: guest.id,
            user_id: guest.user_id,
            created_at: timestamp(guest.created_at),
            updated_at: timestamp(guest.updated_at),
        }
    }
}

impl From<&guest::Model> for GuestSummarySerializer {
    fn from(guest: &guest::Model) -> Self {
        Self { id: guest.id }
    }
}

impl From<&host::Model> for HostSerializer {
    fn from(host: &host::Model) -> Self {
        Self {
            id: host.id,
            user_id: host.user_id,
            created_at: timestamp(host.created_at),
            updated_at: timestamp(host.updated_at),
        }
    }
}

impl From<&host::Model> for HostSummarySerializer {
    fn from(host: &host::Model) -> Self {
        Self { id: host.id }
    }
}

impl From<&Account> for UserSerializer {
    fn from(account: &Account) -> Self {
        Self {
            id: account.user.id,
            email: account.user.email.clone(),
            created_at: timestamp(account.user.created_at),
            updated_at: timestamp(account.user.updated_at),
            guest: GuestSerializer::from(&account.guest),
            host: account.host.as_ref().map(HostSerializer::from),
        }
    }
}

impl From<&user::Model> for UserSummarySerializer {
    fn from(user: &user::Model) -> Self {
        Self {
            id: user.id,
            email: user.email.clone(),
        }
    }
}

impl From<&BrokenAccount> for UserSummarySerializer {
    fn from(account: &BrokenAccount) -> Self {
        Self::from(&account.user)
    }
}
