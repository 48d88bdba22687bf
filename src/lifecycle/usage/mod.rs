//! Usage: the commands that use keys without changing the keyring.
pub mod signatures;
