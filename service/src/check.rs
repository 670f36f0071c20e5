//! Checking the invariants on a live database, for operators.

use entity::{guest, host, user};
use sea_orm::prelude::{Expr, Uuid};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, PaginatorTrait, QueryFilter, QuerySelect,
    RelationDef, RelationTrait,
};

use crate::error::Result;

/// At most this many offenders are listed per invariant.
pub const MAX_OFFENDERS: u64 = 100;

/// What [`check_invariants`] found. Each list holds at most [`MAX_OFFENDERS`] ids.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvariantReport {
    /// How many users there are.
    pub users: u64,
    /// Users that have no guest.
    pub users_without_guest: Vec<Uuid>,
    /// Users that have more than one guest.
    pub users_with_several_guests: Vec<Uuid>,
    /// Users that have more than one host.
    pub users_with_several_hosts: Vec<Uuid>,
    /// Guests whose user does not exist.
    pub orphan_guests: Vec<Uuid>,
    /// Hosts whose user does not exist.
    pub orphan_hosts: Vec<Uuid>,
}

impl InvariantReport {
    /// Whether every invariant holds.
    #[must_use]
    pub fn holds(&self) -> bool {
        self.users_without_guest.is_empty()
            && self.users_with_several_guests.is_empty()
            && self.users_with_several_hosts.is_empty()
            && self.orphan_guests.is_empty()
            && self.orphan_hosts.is_empty()
    }
}

/// Checks that every user has exactly one guest, that no user has two hosts, and that no guest
/// or host is an orphan.
///
/// The schema's constraints make these impossible; this finds what got around them (constraints
/// dropped, SQLite's foreign keys turned off, rows restored from elsewhere). Six statements,
/// each bounded by [`MAX_OFFENDERS`].
///
/// # Errors
///
/// A database error.
pub async fn check_invariants<C: ConnectionTrait>(db: &C) -> Result<InvariantReport> {
    Ok(InvariantReport {
        users: user::Entity::find().count(db).await?,
        users_without_guest: user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .join(JoinType::LeftJoin, user::Relation::Guest.def())
            .filter(guest::Column::Id.is_null())
            .limit(MAX_OFFENDERS)
            .into_tuple()
            .all(db)
            .await?,
        users_with_several_guests: users_with_several::<guest::Entity, _>(
            db,
            guest::Column::UserId,
            guest::Column::Id,
        )
        .await?,
        users_with_several_hosts: users_with_several::<host::Entity, _>(
            db,
            host::Column::UserId,
            host::Column::Id,
        )
        .await?,
        orphan_guests: orphans::<guest::Entity, _>(
            db,
            guest::Column::Id,
            guest::Relation::User.def(),
        )
        .await?,
        orphan_hosts: orphans::<host::Entity, _>(db, host::Column::Id, host::Relation::User.def())
            .await?,
    })
}

/// Users with more than one row of `E` (guests or hosts).
async fn users_with_several<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    user_id: E::Column,
    id: E::Column,
) -> Result<Vec<Uuid>> {
    Ok(E::find()
        .select_only()
        .column(user_id)
        .group_by(user_id)
        .having(Expr::col(id).count().gt(1))
        .limit(MAX_OFFENDERS)
        .into_tuple()
        .all(db)
        .await?)
}

/// Rows of `E` (guests or hosts) whose user, reached through `to_user`, does not exist.
async fn orphans<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    id: E::Column,
    to_user: RelationDef,
) -> Result<Vec<Uuid>> {
    Ok(E::find()
        .select_only()
        .column(id)
        .join(JoinType::LeftJoin, to_user)
        .filter(user::Column::Id.is_null())
        .limit(MAX_OFFENDERS)
        .into_tuple()
        .all(db)
        .await?)
}
