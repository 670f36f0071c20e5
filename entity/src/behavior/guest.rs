use sea_orm::entity::prelude::*;

use super::Stamps;
use crate::guest::{ActiveModel, Model};
use crate::user;

/// Namespace of the hash that derives a guest's id from its user's id.
const GUEST_ID_NAMESPACE: Uuid = Uuid::from_u128(0x4f0c_6c1e_9a4b_4d52_8f5e_7d1b_2a39_c6e0);

impl Model {
    /// The guest row that belongs to `user`: the row the user's `after_save` hook writes.
    ///
    /// Every column is derived from the user, so whoever holds the user also holds its guest
    /// without a read. The id is a UUIDv7 with the user's millisecond timestamp (guests stay in
    /// creation order in their primary key index, as users do) and, in place of random bits,
    /// bits of a SHA-1 of the user's id, which is unique; the timestamps are the user's.
    #[must_use]
    pub fn for_user(user: &user::Model) -> Self {
        Self {
            id: guest_id(user.id),
            user_id: user.id,
            created_at: user.created_at,
            updated_at: user.created_at,
        }
    }
}

fn guest_id(user_id: Uuid) -> Uuid {
    let hash = Uuid::new_v5(&GUEST_ID_NAMESPACE, user_id.as_bytes());
    let mut bits = [0_u8; 10];
    bits.copy_from_slice(&hash.as_bytes()[6..]);
    // A user id that is not a UUIDv7 carries no timestamp: the hash alone then decides.
    let millis = user_id.get_timestamp().map_or(0, |ts| {
        let (secs, nanos) = ts.to_unix();
        secs * 1000 + u64::from(nanos) / 1_000_000
    });
    uuid::Builder::from_unix_timestamp_millis(millis, &bits).into_uuid()
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C>(mut self, _db: &C, insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        Stamps {
            id: &mut self.id,
            created_at: &mut self.created_at,
            updated_at: &mut self.updated_at,
        }
        .fill(insert);
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_ids_are_deterministic_time_ordered_uuidv7s() {
        let first = Uuid::now_v7();
        let second = Uuid::now_v7();
        assert_eq!(guest_id(first), guest_id(first));
        assert_ne!(guest_id(first), guest_id(second));
        assert_ne!(guest_id(first), first);
        assert_eq!(guest_id(first).get_version_num(), 7);
        assert_eq!(
            guest_id(first).get_timestamp().map(|t| t.to_unix().0),
            first.get_timestamp().map(|t| t.to_unix().0)
        );
    }
}
