//! Checking the invariants on a live database, for operators.

use entity::{guest, host, user};
use sea_orm::prelude::{Expr, Uuid};
use sea_orm::sea_query::{Asterisk, ExprTrait, Func, SelectExprTrait, WindowStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, JoinType, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, RelationDef, RelationTrait, Select,
};

use crate::error::{Error, Result};

/// At most this many offenders are listed per invariant.
pub const MAX_OFFENDERS: u64 = 100;

/// The offenders of one kind: how many there are, and the ids of the first of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Offenders {
    /// How many offenders of this kind there are in all, listed or not.
    pub total: u64,
    /// The ids of the first [`MAX_OFFENDERS`] offenders in ascending order of id, so that two
    /// checks of the same data list the same ones.
    pub ids: Vec<Uuid>,
}

impl Offenders {
    /// Whether there is no offender of this kind.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// How many offenders of this kind [`Offenders::ids`] leaves out.
    #[must_use]
    pub fn unlisted(&self) -> u64 {
        let listed = u64::try_from(self.ids.len()).unwrap_or(u64::MAX);
        self.total.saturating_sub(listed)
    }
}

/// What [`check_invariants`] found: for each kind of offender, its total and the ids of at
/// most [`MAX_OFFENDERS`] of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvariantReport {
    /// How many users there are.
    pub users: u64,
    /// Users that have no guest.
    pub users_without_guest: Offenders,
    /// Users that have more than one guest.
    pub users_with_several_guests: Offenders,
    /// Users that have more than one host.
    pub users_with_several_hosts: Offenders,
    /// Guests whose user does not exist.
    pub orphan_guests: Offenders,
    /// Hosts whose user does not exist.
    pub orphan_hosts: Offenders,
    /// Users whose address another user has too, compared case-insensitively: every user of
    /// such a group.
    pub duplicate_emails: Offenders,
    /// Users whose address is not stored lowercase.
    pub emails_not_lowercase: Offenders,
}

impl InvariantReport {
    /// Every kind of offender with its name (the name of its field), in a fixed order: what a
    /// report prints, so that a kind added here is printed everywhere.
    #[must_use]
    pub fn kinds(&self) -> [(&'static str, &Offenders); 7] {
        [
            ("users_without_guest", &self.users_without_guest),
            ("users_with_several_guests", &self.users_with_several_guests),
            ("users_with_several_hosts", &self.users_with_several_hosts),
            ("orphan_guests", &self.orphan_guests),
            ("orphan_hosts", &self.orphan_hosts),
            ("duplicate_emails", &self.duplicate_emails),
            ("emails_not_lowercase", &self.emails_not_lowercase),
        ]
    }

    /// Whether every invariant holds.
    #[must_use]
    pub fn holds(&self) -> bool {
        self.kinds()
            .iter()
            .all(|(_, offenders)| offenders.is_empty())
    }
}

/// Checks that every user has exactly one guest, that no user has two hosts, that no guest or
/// host is an orphan, and that addresses are unique (case-insensitively) and stored lowercase.
///
/// The schema's constraints make these impossible; this finds what got around them (constraints
/// dropped, SQLite's foreign keys turned off, rows restored from elsewhere). Eight statements:
/// the count of users, then one per kind of offender, which returns both the first
/// [`MAX_OFFENDERS`] ids and the total. They run one after the other, not in one transaction:
/// on a database being written to, the totals may come from slightly different moments.
///
/// # Errors
///
/// A database error. The window function that counts the offenders needs SQLite 3.25,
/// PostgreSQL 8.4, MySQL 8.0 or MariaDB 10.2 or newer.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn check_invariants<C: ConnectionTrait>(db: &C) -> Result<InvariantReport> {
    Ok(InvariantReport {
        users: user::Entity::find().count(db).await?,
        users_without_guest: offenders(
            db,
            user::Entity::find()
                .join(JoinType::LeftJoin, user::Relation::Guest.def())
                .filter(guest::Column::Id.is_null()),
            user::Column::Id,
        )
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
        duplicate_emails: duplicate_emails(db).await?,
        emails_not_lowercase: offenders(
            db,
            user::Entity::find().filter(email().ne(lower_email())),
            user::Column::Id,
        )
        .await?,
    })
}

/// The offenders that `query` finds, identified by its column `id`: one statement.
///
/// Next to `id`, each row carries `COUNT(*) OVER ()`: a window over every row the query yields
/// after `WHERE`, `GROUP BY` and `HAVING` and before `LIMIT`, hence the total of offenders,
/// however few rows come back. So the total is read from any row, and is 0 when none comes
/// back. The rows are ordered by id so that the listed ones are the same from one run to the
/// next; ids are compared byte-wise on every backend, which is [`Uuid`]'s order too.
async fn offenders<E, C>(db: &C, query: Select<E>, id: impl ColumnTrait) -> Result<Offenders>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let rows: Vec<(Uuid, i64)> = query
        .select_only()
        .column(id)
        .expr(
            Expr::col(Asterisk)
                .count()
                .over(WindowStatement::new())
                .alias("total"),
        )
        .order_by_asc(id)
        .limit(MAX_OFFENDERS)
        .into_tuple()
        .all(db)
        .await?;
    let total = match rows.first() {
        Some(&(_, total)) => u64::try_from(total).map_err(|_| {
            Error::from(DbErr::Type(format!(
                "the database counted {total} offenders"
            )))
        })?,
        None => 0,
    };
    Ok(Offenders {
        total,
        ids: rows.into_iter().map(|(id, _)| id).collect(),
    })
}

/// Users with more than one row of `E` (guests or hosts).
///
/// Grouped by user: the window then counts groups, that is users, not rows of `E`.
async fn users_with_several<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    user_id: E::Column,
    id: E::Column,
) -> Result<Offenders> {
    offenders(
        db,
        E::find()
            .group_by(user_id)
            .having(Expr::col(id).count().gt(1)),
        user_id,
    )
    .await
}

/// Rows of `E` (guests or hosts) whose user, reached through `to_user`, does not exist.
async fn orphans<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    id: E::Column,
    to_user: RelationDef,
) -> Result<Offenders> {
    offenders(
        db,
        E::find()
            .join(JoinType::LeftJoin, to_user)
            .filter(user::Column::Id.is_null()),
        id,
    )
    .await
}

/// Every user whose address, lowercased, is another user's too.
///
/// Lowercased because addresses are case-insensitive: `Alice@x.org` and `alice@x.org` are the
/// same mailbox, though the unique index alone would let both in (the lowercase check is what
/// normally stops the first). The subquery finds the shared addresses; the outer query lists
/// every user that has one, so that an operator sees all the accounts to merge, not one per
/// address. On MySQL the column's binary collation makes the grouping byte-wise, as on the other
/// two.
async fn duplicate_emails<C: ConnectionTrait>(db: &C) -> Result<Offenders> {
    let shared = user::Entity::find()
        .select_only()
        .expr(lower_email())
        .group_by(lower_email())
        .having(Expr::col((user::Entity, user::Column::Id)).count().gt(1))
        .into_query();
    offenders(
        db,
        user::Entity::find().filter(lower_email().in_subquery(shared)),
        user::Column::Id,
    )
    .await
}

/// `users.email`.
fn email() -> Expr {
    Expr::col((user::Entity, user::Column::Email))
}

/// `LOWER(users.email)`: ASCII case folding on SQLite, Unicode on the others; the addresses the
/// service accepts are ASCII, where all three agree.
fn lower_email() -> Expr {
    Func::lower(email()).into()
}
