//! Usage: the commands that use keys without changing the keyring.
//!
//! Envelope encryption (`wrap`, `unwrap`, `inspect`, `datakey`) lives in
//! [`envelopes`], with envelopes sealed to public keys in [`recipients`];
//! the format itself is `crate::envelope`.

mod envelopes;
mod recipients;
pub mod signatures;

pub use envelopes::{DatakeyRequest, UnwrapRequest, WrapRequest, datakey, inspect, unwrap, wrap};
