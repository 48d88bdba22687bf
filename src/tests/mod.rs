//! Unit tests that reach into several modules at once: what the integration
//! tests (tests/, which see only the public API) once did through modules
//! that were public for them (issue 14 move 7). Each file is named for the
//! integration module its tests came from; the parts that run the binary
//! stayed there.

mod hardening;
mod recipients;
mod signatures;
mod usage;
mod vectors_keyring;
mod wycheproof;
