//! Checking the invariants on a live database, for operators.

use entity::{guest, host, user};
use sea_orm::prelude::{Expr, Uuid};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, PaginatorTrait, QueryFilter, QuerySelect,
    RelationTrait,
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
        users_with_several_guests: guest::Entity::find()
            .select_only()
            .column(guest::Column::UserId)
            .group_by(guest::Column::UserId)
            .having(Expr::col(guest::Column::Id).count().gt(1))
            .limit(MAX_OFFENDERS)
            .into_tuple()
            .all(db)
            .await?,
        users_with_several_hosts: host::Entity::find()
            .select_only()
            .column(host::Column::UserId)
            .group_by(host::Column::UserId)
            .having(Expr::col(host::Column::Id).count().gt(1))
            .limit(MAX_OFFENDERS)
            .into_tuple()
            .all(db)
            .await?,
        orphan_guests: guest::Entity::find()
            .select_only()
            .column(guest::Column::Id)
            .join(JoinType::LeftJoin, guest::Relation::User.def())
            .filter(user::Column::Id.is_null())
            .limit(MAX_OFFENDERS)
            .into_tuple()
            .all(db)
            .await?,
        orphan_hosts: host::Entity::find()
            .select_only()
            .column(host::Column::Id)
            .join(JoinType::LeftJoin, host::Relation::User.def())
            .filter(user::Column::Id.is_null())
            .limit(MAX_OFFENDERS)
            .into_tuple()
            .all(db)
            .await?,
    })
}
