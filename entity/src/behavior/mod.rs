//! `ActiveModelBehavior` of each entity, kept apart from the generated entity files.

mod guest;
mod host;
mod idempotency_key;
mod user;

use chrono::TimeDelta;
use sea_orm::ActiveValue::{self, NotSet, Set, Unchanged};
use sea_orm::prelude::{DateTimeUtc, Uuid};

use crate::clock;

/// The columns every table of ours has, as an `ActiveModel` holds them.
pub(crate) struct Stamps<'a> {
    pub(crate) id: &'a mut ActiveValue<Uuid>,
    pub(crate) created_at: &'a mut ActiveValue<DateTimeUtc>,
    pub(crate) updated_at: &'a mut ActiveValue<DateTimeUtc>,
}

impl Stamps<'_> {
    /// Fills what the application owns before a row is written: a UUIDv7 id and both timestamps
    /// on insert (unless the caller chose them), a later `updated_at` on update.
    pub(crate) fn fill(self, insert: bool) {
        if insert {
            let now = clock::now();
            if self.id.is_not_set() {
                *self.id = Set(Uuid::now_v7());
            }
            if self.created_at.is_not_set() {
                *self.created_at = Set(now);
            }
            if self.updated_at.is_not_set() {
                *self.updated_at = Set(now);
            }
            return;
        }
        // `created_at` never moves: an update cannot write it.
        if matches!(self.created_at, Set(_)) {
            *self.created_at = NotSet;
        }
        // `updated_at` moves on every update, even two in the same microsecond.
        let now = clock::now();
        let next = match &*self.updated_at {
            Set(previous) | Unchanged(previous) if *previous >= now => {
                *previous + TimeDelta::microseconds(1)
            }
            _ => now,
        };
        *self.updated_at = Set(next);
    }
}
