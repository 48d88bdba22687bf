//! How the agent asks before each use of a keyring unlocked with
//! `--confirm`, as ssh-agent does for keys added with `ssh-add -c`: through
//! the program named by `KEYCASK_ASKPASS` when it started (as
//! `SSH_ASKPASS`), else on its terminal. One question at a time; whatever
//! is not a "yes" within the time allowed is a "no" (docs/agent.md,
//! "Confirming each use").

use std::ffi::OsString;
use std::fs::File;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How the agent asks.
pub enum Way {
    /// A program run with the question as its argument, as `SSH_ASKPASS`.
    Askpass(OsString),
    /// The terminal the agent was started from.
    Terminal(File),
}

impl Way {
    /// `askpass` when given, else the agent's controlling terminal (an
    /// agent run with `--foreground` in a terminal; the agent started in
    /// the background has none, in a session of its own), else none.
    pub fn find(askpass: Option<OsString>) -> Option<Way> {
        if let Some(program) = askpass.filter(|p| !p.is_empty()) {
            return Some(Way::Askpass(program));
        }
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()
            .map(Way::Terminal)
    }

    /// The word for the log and `can-confirm`.
    pub fn word(&self) -> &'static str {
        match self {
            Way::Askpass(_) => "askpass",
            Way::Terminal(_) => "terminal",
        }
    }
}

/// The answer to one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    /// No answer in time, or the question could not be asked: why.
    Unanswered(String),
}

/// Asks one question at a time.
pub struct Confirmer {
    way: Mutex<Way>,
    timeout: Duration,
    busy: Mutex<bool>,
    free: Condvar,
}

/// Releases the turn to ask, also when asking panicked.
struct Turn<'a>(&'a Confirmer);

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        *self.0.busy() = false;
        self.0.free.notify_one();
    }
}

impl Confirmer {
    pub fn new(way: Way, timeout: Duration) -> Confirmer {
        Confirmer {
            way: Mutex::new(way),
            timeout,
            busy: Mutex::new(false),
            free: Condvar::new(),
        }
    }

    pub fn word(&self) -> &'static str {
        self.way.lock().unwrap_or_else(|p| p.into_inner()).word()
    }

    fn busy(&self) -> MutexGuard<'_, bool> {
        self.busy.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks `question`, waiting for its turn: both the wait and the answer
    /// must come within the timeout, counted from now.
    pub fn ask(&self, question: &str) -> Answer {
        let deadline = Instant::now() + self.timeout;
        let mut busy = self.busy();
        while *busy {
            let now = Instant::now();
            if now >= deadline {
                return Answer::Unanswered(
                    "other uses were being confirmed until the time ran out".into(),
                );
            }
            busy = self
                .free
                .wait_timeout(busy, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *busy = true;
        drop(busy);
        let _turn = Turn(self);
        let mut way = self.way.lock().unwrap_or_else(|p| p.into_inner());
        match &mut *way {
            Way::Askpass(program) => askpass(program, question, deadline),
            Way::Terminal(tty) => terminal(tty, question, deadline, self.timeout),
        }
    }
}

/// Yes is `y` or `yes` in any case; anything else is no.
fn is_yes(answer: &str) -> bool {
    let answer = answer.trim();
    answer.eq_ignore_ascii_case("y") || answer.eq_ignore_ascii_case("yes")
}

/// Asks on the terminal: what was typed before the question is discarded,
/// then one line is read, waiting no longer than the deadline.
fn terminal(tty: &mut File, question: &str, deadline: Instant, timeout: Duration) -> Answer {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    // Reading the terminal from its background would stop the agent
    // (SIGTTIN), and every command waiting on it.
    if rustix::termios::tcgetpgrp(&*tty).ok() != Some(rustix::process::getpgrp()) {
        return Answer::Unanswered("the agent is not in the foreground of its terminal".into());
    }
    let _ = rustix::termios::tcflush(&*tty, rustix::termios::QueueSelector::IFlush);
    if let Err(e) = write!(tty, "\n{question} [y/N] ").and_then(|()| tty.flush()) {
        return Answer::Unanswered(format!("cannot write to the agent's terminal: {e}"));
    }
    let mut line = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            let _ = writeln!(
                tty,
                "\n(no answer within {} s: not allowed)",
                timeout.as_secs()
            );
            return Answer::Unanswered(format!("no answer within {} s", timeout.as_secs()));
        }
        let wait = Timespec::try_from(left).unwrap_or(Timespec {
            tv_sec: 1,
            tv_nsec: 0,
        });
        let mut fds = [PollFd::new(&*tty, PollFlags::IN)];
        match poll(&mut fds, Some(&wait)) {
            Ok(0) => continue,
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Answer::Unanswered(format!("cannot read the agent's terminal: {e}")),
        }
        let mut buf = [0u8; 64];
        match tty.read(&mut buf) {
            Ok(0) => return Answer::Unanswered("the agent's terminal is closed".into()),
            Ok(n) => {
                line.extend_from_slice(&buf[..n]);
                if line.contains(&b'\n') || line.len() > 256 {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Answer::Unanswered(format!("cannot read the agent's terminal: {e}")),
        }
    }
    let first = line.split(|&b| b == b'\n').next().unwrap_or_default();
    if is_yes(&String::from_utf8_lossy(first)) {
        Answer::Yes
    } else {
        Answer::No
    }
}

/// Runs the askpass program with the question as its argument, and
/// `SSH_ASKPASS_PROMPT=confirm` (so that ssh-askpass programs show yes and
/// no). Yes is an exit status of 0 with `yes`, `y` or nothing on its
/// output (as OpenSSH reads it); a program still running at the deadline
/// is killed, and that is no answer.
fn askpass(program: &OsString, question: &str, deadline: Instant) -> Answer {
    let child = Command::new(program)
        .arg(question)
        .env("SSH_ASKPASS_PROMPT", "confirm")
        .env("KEYCASK_ASKPASS_PROMPT", "confirm")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            return Answer::Unanswered(format!(
                "cannot run KEYCASK_ASKPASS {}: {e}",
                program.to_string_lossy()
            ));
        }
    };
    let stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(stdout) = stdout {
            let _ = stdout.take(256).read_to_end(&mut out);
        }
        out
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Answer::Unanswered("the askpass program gave no answer in time".into());
            }
            Err(e) => return Answer::Unanswered(format!("waiting for the askpass program: {e}")),
        }
    };
    // The program has exited; a grandchild still holding its output is
    // not waited for beyond the deadline.
    let out = loop {
        if reader.is_finished() {
            break reader.join().unwrap_or_default();
        }
        if Instant::now() >= deadline {
            return Answer::Unanswered("the askpass program gave no answer in time".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let text = String::from_utf8_lossy(&out);
    if status.success() && (text.trim().is_empty() || is_yes(&text)) {
        Answer::Yes
    } else {
        Answer::No
    }
}

/// Who is asking, as the kernel tells it: the pid, the executable (when it
/// may be read: not for a non-dumpable process such as keycask itself) and
/// the command line, made safe for a terminal and shortened.
pub fn describe_peer(pid: Option<u32>) -> String {
    let Some(pid) = pid else {
        return "an unknown process".into();
    };
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let words: Vec<String> = cmdline
        .split(|&b| b == 0)
        .filter(|w| !w.is_empty())
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect();
    let mut text = format!("pid {pid}");
    if let Ok(exe) = std::fs::read_link(format!("/proc/{pid}/exe")) {
        let exe = exe.to_string_lossy();
        // Said once when the command line starts with it.
        if words.first().map(String::as_str) != Some(&*exe) {
            text.push_str(&format!(" {}", safe(&exe, 120)));
        }
    }
    if !words.is_empty() {
        text.push_str(&format!(" `{}`", safe(&words.join(" "), 160)));
    }
    text
}

/// Control characters escaped, at most `max` characters.
fn safe(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .take(max)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_y_or_yes_is_yes() {
        for yes in ["y", "Y", "yes", "YES", " yes\n", "y\r\n"] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["", "n", "no", "yess", "ye", "y y", "\u{1b}[A"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }

    #[test]
    fn a_peer_is_described_without_control_characters() {
        let me = describe_peer(Some(std::process::id()));
        assert!(
            me.starts_with(&format!("pid {}", std::process::id())),
            "{me}"
        );
        assert!(!me.chars().any(char::is_control), "{me}");
        assert_eq!(safe("a\u{1b}[2Jb", 80), "a\\u{1b}[2Jb");
        assert_eq!(safe("abcdef", 3), "abc…");
        assert_eq!(describe_peer(None), "an unknown process");
    }
}
