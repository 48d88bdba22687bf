//! Usage: the commands that use keys without changing the keyring.
//!
//! Envelope encryption (`wrap`, `unwrap`, `inspect`, `datakey`) lives in
//! [`envelopes`]; the format itself is `crate::envelope`.

mod envelopes;
pub mod signatures;

pub use envelopes::{DatakeyRequest, UnwrapRequest, WrapRequest, datakey, inspect, unwrap, wrap};
