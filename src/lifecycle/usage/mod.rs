//! Usage: the commands that use keys without changing the keyring.
//!
//! Envelope encryption is one file per command ([`wrap`], [`unwrap`],
//! [`inspect`], [`datakey`]) with what they share in [`envelopes`], and
//! envelopes sealed to public keys in [`recipients`]; the format itself is
//! `crate::envelope`.

mod datakey;
mod envelopes;
mod inspect;
mod recipients;
pub mod signatures;
mod unwrap;
mod wrap;

pub use datakey::{DatakeyRequest, datakey};
pub use inspect::inspect;
pub use unwrap::{UnwrapRequest, unwrap};
pub use wrap::{WrapRequest, wrap};
