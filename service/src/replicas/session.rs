//! [`Session`]: what one client has written, so that it never reads older data than that.

use super::position::WalPosition;

/// The highest log position of the writes one client made: held by the caller (for an HTTP
/// client, carried between its requests in a header or a cookie), and given with each read.
///
/// A read given a session is served only by a replica that has replayed at least that far,
/// checked on that replica at the time of the read, else by the primary. The position is
/// never dropped because one replica caught up (GitLab's bug 413203: another replica may not
/// have): each replica is judged by its own replay position, read after read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Session {
    at_least: Option<WalPosition>,
    /// A write committed but its position could not be read: until it is, reads go to the
    /// primary.
    unknown_write: bool,
}

impl Session {
    /// A session that has written nothing yet: its reads may go to any healthy replica.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A session carried over from an earlier request, at the position it had then.
    #[must_use]
    pub fn resume(at_least: Option<WalPosition>) -> Self {
        Self {
            at_least,
            unknown_write: false,
        }
    }

    /// The position a read must see, to hand to the client for its next request; `None` if
    /// this session has written nothing, or if its last write's position is not known yet
    /// (then its reads go to the primary until [`Cluster::read`](super::Cluster::read) or
    /// [`Cluster::settle`](super::Cluster::settle) learns it).
    #[must_use]
    pub fn at_least(&self) -> Option<WalPosition> {
        self.at_least
    }

    /// Whether a write committed whose position is not known yet.
    #[must_use]
    pub fn has_unknown_write(&self) -> bool {
        self.unknown_write
    }

    /// Records a position this session's reads must see from now on; a lower one than it has
    /// already changes nothing.
    pub fn record(&mut self, position: WalPosition) {
        self.at_least = self.at_least.max(Some(position));
        self.unknown_write = false;
    }

    /// Records that a write committed whose position could not be read.
    pub(crate) fn record_unknown_write(&mut self) {
        self.unknown_write = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_keeps_the_highest_position_it_was_given() {
        let mut session = Session::new();
        assert_eq!(session.at_least(), None);
        session.record(WalPosition::from_u64(20));
        session.record(WalPosition::from_u64(10));
        assert_eq!(session.at_least(), Some(WalPosition::from_u64(20)));
    }

    #[test]
    fn a_known_position_settles_an_unknown_write() {
        let mut session = Session::resume(Some(WalPosition::from_u64(5)));
        session.record_unknown_write();
        assert!(session.has_unknown_write());
        session.record(WalPosition::from_u64(9));
        assert!(!session.has_unknown_write());
        assert_eq!(session.at_least(), Some(WalPosition::from_u64(9)));
    }
}
