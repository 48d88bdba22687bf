//! Destruction.
