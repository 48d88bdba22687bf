//! Process hardening, done first in `main`: no core dumps, not dumpable,
//! temporary files removed when a signal ends keycask.

use crate::temp;

/// Process hardening, done first in `main`, before any secret is read: no
/// core dumps (`RLIMIT_CORE` 0, soft and hard), and on Linux the process is
/// not dumpable (`PR_SET_DUMPABLE` 0), which also stops other processes of
/// the same user from attaching a debugger or reading its memory through
/// `/proc`. Through rustix, so no `unsafe` here. Also starts the thread
/// that removes temporary files when a signal ends keycask
/// (`temp::clean_up_on_signals`). Returns what could not be done; `main`
/// warns about it and goes on.
pub fn harden_process() -> Vec<String> {
    use rustix::process::{Resource, Rlimit, setrlimit};
    let mut failures = Vec::new();
    let zero = Rlimit {
        current: Some(0),
        maximum: Some(0),
    };
    if let Err(e) = setrlimit(Resource::Core, zero) {
        failures.push(format!("cannot turn core dumps off (RLIMIT_CORE): {e}"));
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Err(e) =
        rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
    {
        failures.push(format!(
            "cannot make the process non-dumpable (PR_SET_DUMPABLE): {e}"
        ));
    }
    if let Err(e) = temp::clean_up_on_signals() {
        failures.push(format!(
            "cannot catch SIGINT, SIGTERM and SIGHUP to remove temporary files: {e}"
        ));
    }
    failures
}

#[cfg(test)]
mod tests {
    /// Runs in the test process itself, the only way to read the flags back.
    #[test]
    fn hardening_turns_core_dumps_and_dumpability_off() {
        let failures = super::harden_process();
        assert!(failures.is_empty(), "{failures:?}");
        let core = rustix::process::getrlimit(rustix::process::Resource::Core);
        assert_eq!(core.current, Some(0));
        assert_eq!(core.maximum, Some(0));
        #[cfg(target_os = "linux")]
        assert_eq!(
            rustix::process::dumpable_behavior().unwrap(),
            rustix::process::DumpableBehavior::NotDumpable
        );
    }
}
