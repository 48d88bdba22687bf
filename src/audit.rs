//! Bridge (issue 14): the audit log moved to [`crate::audit_log`], and
//! `record` and `record_usage` to the keyring ([`crate::keyring::record`]),
//! its only writer. This module keeps the old paths for the callers not yet
//! repointed (lifecycle/usage/{envelopes,signatures}.rs and
//! lifecycle/rotation.rs); delete it once they name the new homes.

pub use crate::audit_log::*;
pub use crate::keyring::{record, record_usage};
