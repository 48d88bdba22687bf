//! ASCII armor: the binary envelope in base64 between PEM-style lines,
//!
//! ```text
//! -----BEGIN KEYCASK ENVELOPE-----
//! (base64, standard alphabet with padding, 64 columns)
//! -----END KEYCASK ENVELOPE-----
//! ```
//!
//! Both directions stream. The reader is strict about what lies between the
//! two lines (every line 64 columns but the last, canonical base64) and
//! lenient where copy and paste is, as PEM readers are: the block may stand
//! inside other text (an email, a ticket: the begin line within the first
//! [`MAX_SEARCH`] bytes), indented, with `\r\n` line ends and blank space at
//! the end of a line. Two envelopes in one input are refused.
//! [`detect_whole`] is the strict form for `rekey`, which rewrites the file
//! whole: blank space only around the block, no indentation.

use std::io::{self, BufRead, BufReader, Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

pub const BEGIN: &str = "-----BEGIN KEYCASK ENVELOPE-----";
pub const END: &str = "-----END KEYCASK ENVELOPE-----";
pub const COLUMNS: usize = 64;
const BYTES_PER_LINE: usize = COLUMNS / 4 * 3;
/// Longest line the reader accepts before giving up on it.
const MAX_LINE: usize = 256;
/// How far into text the begin line is looked for: every reader (`unwrap`,
/// `inspect`, `rekey`, `destroy --check`) applies this one limit, whatever
/// the buffering of its input. Further, the input is not an envelope.
pub const MAX_SEARCH: usize = 64 * 1024;
/// The text holds PEM of another kind, and no keycask envelope.
const WRONG_LABEL: &str = "wrong label, expected '-----BEGIN KEYCASK ENVELOPE-----'";
const MISSING_BEGIN: &str = "missing the begin line";
const SECOND_ENVELOPE: &str = "a second envelope after the end line; give one at a time";
const INSIDE_TEXT: &str = "the envelope stands inside other text or is indented; rekey rewrites the file whole and would lose that text";

/// What is wrong with an armored envelope. Travels inside an
/// `io::Error` of kind `InvalidData` out of [`ArmorReader`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmorError(pub &'static str);

impl std::fmt::Display for ArmorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bad armor: {}", self.0)
    }
}

impl std::error::Error for ArmorError {}

impl ArmorError {
    /// True when the text does not begin as a keycask envelope at all (a PEM
    /// key, a dash-led text file), as opposed to our armor, damaged.
    pub fn not_ours(&self) -> bool {
        self.0 == WRONG_LABEL || self.0 == MISSING_BEGIN
    }
}

fn bad(reason: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, ArmorError(reason))
}

/// The armor error inside an I/O error, if that is what it is.
pub fn armor_error(err: &io::Error) -> Option<&ArmorError> {
    err.get_ref().and_then(|inner| inner.downcast_ref())
}

/// Looks at the start of `input`: armored envelopes come back decoded (and
/// `true`), anything else as it was. Input that starts like the binary
/// magic is binary; any other input is read as text, line by line, for a
/// begin line (blank space around it allowed) within its first
/// [`MAX_SEARCH`] bytes. None there: not an envelope (PEM of another label:
/// a [`WRONG_LABEL`] armor error, which callers call not ours).
pub fn detect(input: Box<dyn Read + Send>) -> io::Result<(Box<dyn Read + Send>, bool)> {
    detect_with(input, false)
}

/// [`detect`] for an input that `rekey` rewrites whole: armor must be all
/// of it (blank space around, no other text, no indentation).
pub fn detect_whole(input: Box<dyn Read + Send>) -> io::Result<(Box<dyn Read + Send>, bool)> {
    detect_with(input, true)
}

fn detect_with(
    input: Box<dyn Read + Send>,
    whole: bool,
) -> io::Result<(Box<dyn Read + Send>, bool)> {
    let mut input = BufReader::with_capacity(64 * 1024, input);
    let buf = input.fill_buf()?;
    if buf.is_empty() {
        return Ok((Box::new(input), false));
    }
    let magic = crate::envelope::header::MAGIC;
    let have = buf.len().min(magic.len());
    if buf[..have] == magic[..have] {
        // Binary: hand back what was looked at, then read the input
        // directly (no copy through this buffer for gigabytes).
        let seen = input.buffer().to_vec();
        return Ok((
            Box::new(io::Cursor::new(seen).chain(input.into_inner())),
            false,
        ));
    }
    let mut searched = 0usize;
    let mut other_label = false;
    let mut text_before = false;
    let mut line = Vec::with_capacity(MAX_LINE + 1);
    while searched < MAX_SEARCH {
        line.clear();
        let n = (&mut input)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        searched += n;
        if line.len() > MAX_LINE && line.last() != Some(&b'\n') {
            // A long line of text: not the begin line; read past it.
            text_before = true;
            loop {
                let buf = input.fill_buf()?;
                if buf.is_empty() || searched >= MAX_SEARCH {
                    break;
                }
                let (used, end) = match buf.iter().position(|&b| b == b'\n') {
                    Some(at) => (at + 1, true),
                    None => (buf.len(), false),
                };
                input.consume(used);
                searched += used;
                if end {
                    break;
                }
            }
            continue;
        }
        let trimmed = line.trim_ascii();
        if trimmed == BEGIN.as_bytes() {
            let indented = line.first().is_some_and(u8::is_ascii_whitespace);
            if whole && (text_before || indented) {
                return Err(bad(INSIDE_TEXT));
            }
            return Ok((Box::new(ArmorReader::after_begin(input, whole)), true));
        }
        if trimmed.starts_with(b"-----BEGIN ") {
            other_label = true;
        }
        if !trimmed.is_empty() {
            text_before = true;
        }
    }
    if other_label {
        return Err(bad(WRONG_LABEL));
    }
    Ok((Box::new(io::empty()), false))
}

enum State {
    Begin,
    Body,
    /// The short (or last full) line has been read; only END may follow.
    AfterShortLine,
    Done,
}

/// Decodes an armored envelope as it is read.
pub struct ArmorReader<R> {
    input: R,
    state: State,
    line: Vec<u8>,
    decoded: Vec<u8>,
    at: usize,
    /// The armor is the whole input: no indentation, nothing but blank
    /// space after the end line ([`detect_whole`]).
    whole: bool,
}

impl<R: BufRead> ArmorReader<R> {
    /// A reader whose input starts at the begin line (blank space before
    /// it allowed).
    pub fn new(input: R) -> Self {
        ArmorReader {
            input,
            state: State::Begin,
            line: Vec::with_capacity(MAX_LINE),
            decoded: Vec::with_capacity(BYTES_PER_LINE),
            at: 0,
            whole: true,
        }
    }

    /// A reader whose input is just past the begin line; lines may be
    /// indented, and text may follow the end line unless `whole`.
    fn after_begin(input: R, whole: bool) -> Self {
        ArmorReader {
            state: State::Body,
            whole,
            ..ArmorReader::new(input)
        }
    }

    /// Reads one line without its line end; `None` at the end of input.
    fn next_line(&mut self) -> io::Result<bool> {
        self.line.clear();
        let n = (&mut self.input)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut self.line)?;
        if n == 0 {
            return Ok(false);
        }
        if self.line.len() > MAX_LINE {
            return Err(bad("a line is too long"));
        }
        // The line end, and blank space before it that editors and chat
        // clients add (`\r` of a CRLF line end included).
        while self.line.last().is_some_and(u8::is_ascii_whitespace) {
            self.line.pop();
        }
        // Indentation, where the armor may stand inside text.
        if !self.whole {
            let blank = self
                .line
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
            self.line.drain(..blank);
        }
        Ok(true)
    }

    /// Decodes the next body line into `decoded`; false once END is read.
    fn refill(&mut self) -> io::Result<bool> {
        loop {
            match self.state {
                State::Done => return Ok(false),
                State::Begin => {
                    if !self.next_line()? {
                        return Err(bad("empty input"));
                    }
                    let line = &self.line;
                    if line == BEGIN.as_bytes() {
                        self.state = State::Body;
                    } else if line.starts_with(b"-----BEGIN ") {
                        return Err(bad(WRONG_LABEL));
                    } else {
                        return Err(bad(MISSING_BEGIN));
                    }
                }
                State::Body | State::AfterShortLine => {
                    let short_seen = matches!(self.state, State::AfterShortLine);
                    if !self.next_line()? {
                        return Err(bad("missing the end line"));
                    }
                    if self.line == END.as_bytes() {
                        self.finish()?;
                        self.state = State::Done;
                        return Ok(false);
                    }
                    let line = &self.line;
                    if line.starts_with(b"-----") {
                        return Err(bad(
                            "wrong end line, expected '-----END KEYCASK ENVELOPE-----'",
                        ));
                    }
                    if short_seen {
                        return Err(bad("a short line before the end"));
                    }
                    if line.is_empty() || line.len() > COLUMNS {
                        return Err(bad("a line is not 1 to 64 columns"));
                    }
                    if line.len() < COLUMNS || line.ends_with(b"=") {
                        self.state = State::AfterShortLine;
                    }
                    self.decoded.clear();
                    B64.decode_vec(&self.line, &mut self.decoded)
                        .map_err(|_| bad("invalid base64"))?;
                    self.at = 0;
                    return Ok(true);
                }
            }
        }
    }

    /// After END: text may follow (only blank space when `whole`), but
    /// never a second envelope.
    fn finish(&mut self) -> io::Result<()> {
        let begin = BEGIN.as_bytes();
        // The end of the previous piece, for a begin line cut in two.
        let mut carry: Vec<u8> = Vec::with_capacity(begin.len());
        let mut rest = [0u8; 4096];
        loop {
            let n = self.input.read(&mut rest)?;
            if n == 0 {
                return Ok(());
            }
            let piece = &rest[..n];
            if self.whole && !piece.iter().all(u8::is_ascii_whitespace) {
                return Err(bad("data after the end line"));
            }
            let mut window = std::mem::take(&mut carry);
            window.extend_from_slice(piece);
            if window.windows(begin.len()).any(|w| w == begin) {
                return Err(bad(SECOND_ENVELOPE));
            }
            let keep = window.len().min(begin.len() - 1);
            carry.extend_from_slice(&window[window.len() - keep..]);
        }
    }
}

impl<R: BufRead> Read for ArmorReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let mut written = 0;
        while written < out.len() {
            if self.at == self.decoded.len() && !self.refill()? {
                break;
            }
            let n = (self.decoded.len() - self.at).min(out.len() - written);
            out[written..written + n].copy_from_slice(&self.decoded[self.at..self.at + n]);
            self.at += n;
            written += n;
        }
        Ok(written)
    }
}

/// Encodes what is written to it; [`ArmorWriter::finish`] writes the last
/// line and the end line and must be called.
pub struct ArmorWriter<W: Write> {
    output: W,
    pending: Vec<u8>,
    text: Vec<u8>,
}

impl<W: Write> ArmorWriter<W> {
    pub fn new(mut output: W) -> io::Result<Self> {
        output.write_all(BEGIN.as_bytes())?;
        output.write_all(b"\n")?;
        Ok(ArmorWriter {
            output,
            pending: Vec::with_capacity(BYTES_PER_LINE),
            text: Vec::new(),
        })
    }

    fn encode_lines(&mut self, bytes: &[u8]) {
        for line in bytes.chunks(BYTES_PER_LINE) {
            let start = self.text.len();
            self.text.resize(start + line.len().div_ceil(3) * 4, 0);
            B64.encode_slice(line, &mut self.text[start..])
                .expect("sized above");
            self.text.push(b'\n');
        }
    }

    pub fn finish(mut self) -> io::Result<W> {
        let pending = std::mem::take(&mut self.pending);
        self.text.clear();
        self.encode_lines(&pending);
        self.text.extend_from_slice(END.as_bytes());
        self.text.push(b'\n');
        self.output.write_all(&self.text)?;
        self.output.flush()?;
        Ok(self.output)
    }
}

impl<W: Write> Write for ArmorWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.text.clear();
        let mut rest = buf;
        if !self.pending.is_empty() {
            let take = (BYTES_PER_LINE - self.pending.len()).min(rest.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() == BYTES_PER_LINE {
                let line = std::mem::take(&mut self.pending);
                self.encode_lines(&line);
            }
        }
        let whole = rest.len() / BYTES_PER_LINE * BYTES_PER_LINE;
        // Keep the last, possibly partial line back: the final line may be short.
        let (lines, tail) = rest.split_at(whole);
        self.encode_lines(lines);
        self.pending.extend_from_slice(tail);
        self.output.write_all(&self.text)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.output.flush()
    }
}

/// Armors a whole envelope held in memory.
pub fn armor(bytes: &[u8]) -> String {
    let mut writer = ArmorWriter::new(Vec::new()).expect("writing to memory");
    writer.write_all(bytes).expect("writing to memory");
    String::from_utf8(writer.finish().expect("writing to memory")).expect("ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dearmor(text: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        detect(Box::new(io::Cursor::new(text.to_vec())))?
            .0
            .read_to_end(&mut out)?;
        Ok(out)
    }

    fn reason(text: &[u8]) -> &'static str {
        let err = dearmor(text).unwrap_err();
        armor_error(&err).expect("an armor error").0
    }

    #[test]
    fn round_trip_every_length_around_a_line() {
        for len in [0, 1, 2, 3, 47, 48, 49, 95, 96, 97, 1000] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let text = armor(&data);
            assert!(text.starts_with(BEGIN) && text.ends_with(&format!("{END}\n")));
            assert!(
                text.lines()
                    .all(|l| l.len() <= COLUMNS || l.starts_with("-----"))
            );
            assert_eq!(dearmor(text.as_bytes()).unwrap(), data, "len {len}");
            let crlf = format!("\n  {}  \n", text.replace('\n', "\r\n"));
            assert_eq!(dearmor(crlf.as_bytes()).unwrap(), data, "crlf {len}");
        }
        // Written in uneven pieces, the text is the same.
        let data: Vec<u8> = (0..500).map(|i| i as u8).collect();
        let mut w = ArmorWriter::new(Vec::new()).unwrap();
        for piece in data.chunks(7) {
            w.write_all(piece).unwrap();
        }
        assert_eq!(
            String::from_utf8(w.finish().unwrap()).unwrap(),
            armor(&data)
        );
    }

    #[test]
    fn binary_passes_through() {
        assert_eq!(dearmor(b"KCASKENV\x01rest").unwrap(), b"KCASKENV\x01rest");
        assert_eq!(dearmor(b"").unwrap(), b"");
    }

    #[test]
    fn bad_armor_is_refused() {
        let good = armor(&[9u8; 100]);
        let lines: Vec<&str> = good.lines().collect();
        assert_eq!(
            reason(good.replace("KEYCASK ENVELOPE", "PGP MESSAGE").as_bytes()),
            "wrong label, expected '-----BEGIN KEYCASK ENVELOPE-----'"
        );
        assert_eq!(
            reason(lines[..lines.len() - 1].join("\n").as_bytes()),
            "missing the end line"
        );
        let mut starred = lines.clone();
        let body = format!("*{}", &lines[1][1..]);
        starred[1] = &body;
        assert_eq!(reason(starred.join("\n").as_bytes()), "invalid base64");
        assert_eq!(
            reason(format!("{good}trailing\n{good}").as_bytes()),
            SECOND_ENVELOPE
        );
        let mut swapped = lines.clone();
        swapped.swap(2, 3);
        assert_eq!(
            reason(swapped.join("\n").as_bytes()),
            "a short line before the end"
        );
        // Text without a begin line is not an envelope.
        assert_eq!(dearmor(b"-----").unwrap(), b"");
        assert_eq!(dearmor(b"hello\n-----BEGIN\n").unwrap(), b"");
        let long = format!("{BEGIN}\n{}\n{END}\n", "A".repeat(300));
        assert_eq!(reason(long.as_bytes()), "a line is too long");
    }

    #[test]
    fn armor_is_found_inside_text_and_indentation() {
        let data: Vec<u8> = (0..200).map(|i| i as u8).collect();
        let good = armor(&data);
        let indented: String = good.lines().map(|l| format!("    {l}\r\n")).collect();
        let long = "x".repeat(1000);
        for text in [
            format!("Hi Bob,\n\nhere it is:\n\n{good}\nCheers,\nAlice\n"),
            format!("Ticket 42:\n{indented}-- \nsent from a phone"),
            format!("{long}\n{good}"),
            format!("-----BEGIN PGP MESSAGE-----\nnot ours\n-----END PGP MESSAGE-----\n{good}"),
        ] {
            assert_eq!(dearmor(text.as_bytes()).unwrap(), data, "{text}");
        }
        // Beyond the first MAX_SEARCH bytes of text: not looked for.
        let far = format!("{}\n{good}", "words ".repeat(MAX_SEARCH / 6 + 1));
        assert_eq!(dearmor(far.as_bytes()).unwrap(), b"");
        // rekey's whole-file form refuses text around or indentation.
        let whole = |text: &str| {
            let mut out = Vec::new();
            detect_whole(Box::new(io::Cursor::new(text.as_bytes().to_vec())))?
                .0
                .read_to_end(&mut out)
                .map(|_| out)
        };
        assert_eq!(whole(&format!("\n\n{good}\n")).unwrap(), data);
        for text in [
            format!("Hi\n{good}"),
            indented.clone(),
            format!("{good}bye\n"),
        ] {
            let err = whole(&text).unwrap_err();
            assert!(armor_error(&err).is_some(), "{text}");
        }
    }
}
