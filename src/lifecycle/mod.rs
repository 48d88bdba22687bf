//! One module per lifecycle phase. The phases never import each other; what
//! they share lives below them (keyring, root, envelope, crypto).

pub mod destruction;
pub mod distribution;
pub mod generation;
pub mod rotation;
pub mod storage;
pub mod usage;
