//! The operating system's random generator, and nothing else: the lowest
//! floor of the crypto helpers, so that `secret` can make fresh keys without
//! reaching up into `crypto` (which builds on `secret`).

use rand::TryRng;

/// Fills `out` from the operating system's CSPRNG. A failing OS generator is
/// not something keycask can recover from, so it aborts the command.
pub fn fill_random(out: &mut [u8]) {
    rand::rngs::SysRng
        .try_fill_bytes(out)
        .expect("the operating system's random generator failed");
}

/// Random bytes returned by value, for nonces, salts and ids. Not for key
/// material: each move of the array may leave a copy on the stack; fill a
/// `Zeroizing` buffer in place with [`fill_random`], or use
/// `SecretKey32::generate()`.
pub fn random_array<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    fill_random(&mut out);
    out
}

/// The OS CSPRNG in the infallible form that `p256` and `rsa` expect.
pub fn os_rng() -> rand::rand_core::UnwrapErr<rand::rngs::SysRng> {
    rand::rand_core::UnwrapErr(rand::rngs::SysRng)
}
