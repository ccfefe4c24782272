//! Byte-level reading: one encoding sniffer for every source, and two ways to read a file
//! decoded: in chunks of whole lines ([`ChunkReader`], the China Customs platform CSVs) or
//! as a UTF-8 byte stream ([`open_text`], for the csv and JSON parsers of the other sources).
//!
//! **How a file's encoding is decided (once, for the whole file).** A UTF-8 byte-order
//! mark says UTF-8 (and is dropped); a UTF-16 mark, or NUL bytes in the first
//! [`SAMPLE_BYTES`], mean the file is not text. Otherwise the first [`SAMPLE_BYTES`] decide
//! ([`sniff`]): valid UTF-8 is UTF-8, else the source's allowed fallback in which the
//! sample is valid (GB18030 for China Customs, Windows-1252 for Comtrade's Latin-1 files);
//! a sample that is valid in none is read in the encoding that leaves the fewest lines
//! undecodable (UTF-8 when most non-ASCII lines are valid UTF-8). A sample of
//! plain ASCII decides nothing yet: the file reads as ASCII until the first block with other
//! bytes, which then decides in the same way, once. A line that does not decode in the
//! file's encoding is reported (a `bad_encoding` reject), never silently replaced or read in
//! another encoding.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::IngestError;

mod chunk;
mod stream;
#[cfg(test)]
mod tests;

pub use chunk::{BadLine, BadLineKind, Chunk, ChunkReader, Header};
pub use stream::{TextReader, TextReport, open_text};

/// Target size of one chunk of input bytes.
pub const DEFAULT_CHUNK_BYTES: usize = 2 << 20;
/// Longest line kept. A longer line is rejected without being buffered whole, so a file
/// without line breaks cannot exhaust memory.
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// Bytes at the start of a file that decide its encoding.
pub const SAMPLE_BYTES: usize = 64 << 10;

/// Text encoding of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (a byte-order mark, if any, is dropped).
    Utf8,
    /// GB18030, a superset of GBK and GB2312: the China Customs platform's default download.
    Gb18030,
    /// Windows-1252, the superset of ISO-8859-1 that Latin-1 files are written in
    /// (Comtrade CSVs with `Curaçao` as single bytes). Every byte decodes.
    Windows1252,
    /// Plain ASCII so far: nothing has decided the encoding yet (every byte read was ASCII).
    Ascii,
}

impl Encoding {
    /// Name for messages and `ingest_log.encoding`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Gb18030 => "GB18030",
            Encoding::Windows1252 => "ISO-8859-1",
            Encoding::Ascii => "ASCII (UTF-8)",
        }
    }

    /// The `encoding_rs` encoding.
    pub fn encoding_rs(self) -> &'static encoding_rs::Encoding {
        match self {
            Encoding::Utf8 | Encoding::Ascii => encoding_rs::UTF_8,
            Encoding::Gb18030 => encoding_rs::GB18030,
            Encoding::Windows1252 => encoding_rs::WINDOWS_1252,
        }
    }

    /// Decodes one line. `None` when the bytes are not valid in this encoding (never a
    /// replacement character). [`Encoding::Ascii`] decodes as UTF-8.
    pub fn decode_line(self, bytes: &[u8]) -> Option<String> {
        match self {
            Encoding::Utf8 | Encoding::Ascii => std::str::from_utf8(bytes).ok().map(str::to_owned),
            _ => self
                .encoding_rs()
                .decode_without_bom_handling_and_without_replacement(bytes)
                .map(|c| c.into_owned()),
        }
    }

    fn valid(self, bytes: &[u8]) -> bool {
        match self {
            Encoding::Utf8 | Encoding::Ascii => std::str::from_utf8(bytes).is_ok(),
            Encoding::Windows1252 => true,
            Encoding::Gb18030 => encoding_rs::GB18030
                .decode_without_bom_handling_and_without_replacement(bytes)
                .is_some(),
        }
    }
}

/// Decides the encoding of `sample` (bytes from the start of a file after any byte-order
/// mark, or a block of whole lines). `complete` says the sample ends at the end of a line or
/// of the file; otherwise its last, possibly cut, line is left out (or, when it is the only
/// line, allowed to end inside a character). `fallbacks` are the encodings the source
/// allows besides UTF-8, in order of preference.
///
/// `None` when the sample is plain ASCII (nothing decided yet). UTF-8 when at least half of
/// the lines holding non-ASCII bytes are valid UTF-8 (all of them, in a clean file): valid
/// multi-byte UTF-8 does not happen by accident, while most byte pairs are valid GB18030,
/// so one corrupt line does not turn a UTF-8 file into GB18030. Otherwise the fallback
/// under which the fewest of those lines are invalid (the first on a tie), or UTF-8 when
/// the source allows none.
pub fn sniff(sample: &[u8], complete: bool, fallbacks: &[Encoding]) -> Option<Encoding> {
    let (sample, cut) = match (complete, sample.iter().rposition(|&b| b == b'\n')) {
        (false, Some(i)) => (&sample[..=i], false),
        (false, None) => (sample, true),
        (true, _) => (sample, false),
    };
    let lines: Vec<&[u8]> = sample
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_ascii())
        .collect();
    if lines.is_empty() {
        return None;
    }
    // A cut single line may end inside a character: allow up to 3 bytes cut off.
    let valid = |encoding: Encoding, line: &[u8]| {
        let cut = if cut { 3.min(line.len()) } else { 0 };
        (0..=cut).any(|k| encoding.valid(&line[..line.len() - k]))
    };
    let utf8 = lines.iter().filter(|l| valid(Encoding::Utf8, l)).count();
    if utf8 * 2 >= lines.len() {
        return Some(Encoding::Utf8);
    }
    let invalid = |e: Encoding| lines.iter().filter(|l| !valid(e, l)).count();
    Some(
        fallbacks
            .iter()
            .copied()
            .min_by_key(|&e| invalid(e))
            .unwrap_or(Encoding::Utf8),
    )
}

/// What the start of a file says before any sniffing: `Ok(true)` when it begins with a
/// UTF-8 byte-order mark; an error message when it is UTF-16 or holds NUL bytes.
pub(crate) fn check_start(head: &[u8]) -> Result<bool, String> {
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err("UTF-16 text: save the download as UTF-8 or GB18030".into());
    }
    if let Some(at) = head.iter().position(|&b| b == 0) {
        let line = 1 + head[..at].iter().filter(|&&b| b == b'\n').count();
        return Err(format!(
            "line {line} holds NUL bytes: binary data, not text"
        ));
    }
    Ok(head.starts_with(&[0xEF, 0xBB, 0xBF]))
}

/// Reads up to `want` bytes (fewer only at end of file).
pub(crate) fn read_up_to(file: &mut impl Read, want: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; want];
    let mut filled = 0;
    while filled < want {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(filled);
    Ok(buf)
}

/// SHA-256 of a whole file, in hex (the identity of a release in `ingest_log`).
pub fn sha256_file(path: &Path) -> Result<String, IngestError> {
    let mut file = File::open(path).map_err(IngestError::io(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(IngestError::io(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
