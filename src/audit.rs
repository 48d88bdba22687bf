//! Bridge (issue 14): the audit log moved to [`crate::audit_log`], and
//! `record` and `record_usage` to the keyring ([`crate::keyring::record`]),
//! its only writer, where they take the keyring path and secret sources
//! rather than the command's `Context` (the keyring sits below it). This
//! module keeps the old paths and signatures for the callers not yet
//! repointed (lifecycle/usage/{envelopes,signatures}.rs and
//! lifecycle/rotation/); delete it once they call the keyring directly.

use anyhow::Result;

pub use crate::audit_log::*;
use crate::context::Context;
use crate::keyring::Unlocked;

/// [`crate::keyring::record`] for a command's context.
pub fn record(ctx: &Context, keyring: &Unlocked, event: Event) -> Result<()> {
    crate::keyring::record(&ctx.keyring_path, &ctx.sources, keyring, event)
}

/// [`crate::keyring::record_usage`] for a command's context.
pub fn record_usage(ctx: &Context, keyring: &Unlocked, event: Event) -> Result<()> {
    crate::keyring::record_usage(&ctx.keyring_path, &ctx.sources, keyring, event)
}
