//! One module per lifecycle phase (and `audit`, the inspection of the log). The phases never import each other; what
//! they share lives below them (keyring, root, envelope, crypto).

pub mod agent;
pub mod audit;
pub mod common;
pub mod destruction;
pub mod distribution;
pub mod generation;
pub mod rotation;
pub mod storage;
pub mod usage;
