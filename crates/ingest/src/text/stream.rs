//! [`open_text`]: a file as a stream of UTF-8 bytes for the csv and JSON parsers, decoded
//! in the file's one encoding, with the lines that do not decode reported.

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use encoding_rs::{Decoder, DecoderResult};

use super::{Encoding, SAMPLE_BYTES, check_start, read_up_to, sniff};
use crate::error::{IngestError, Rejected, RowError};

/// Bytes decoded at a time.
const BLOCK_BYTES: usize = 64 << 10;

#[derive(Debug)]
struct ReportState {
    encoding: Encoding,
    bad_lines: Vec<u64>,
}

/// What a [`TextReader`] learned while it was read, shared with the caller (who has handed
/// the reader itself to a parser): the file's encoding and the lines that did not decode.
#[derive(Debug, Clone)]
pub struct TextReport(Arc<Mutex<ReportState>>);

impl TextReport {
    fn new(encoding: Encoding) -> TextReport {
        TextReport(Arc::new(Mutex::new(ReportState {
            encoding,
            bad_lines: Vec::new(),
        })))
    }

    fn state(&self) -> MutexGuard<'_, ReportState> {
        // A panic elsewhere cannot leave the state half-written: use it as it is.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The file's encoding ([`Encoding::Ascii`] while every byte read so far was ASCII).
    pub fn encoding(&self) -> Encoding {
        self.state().encoding
    }

    /// 1-based numbers of the lines read so far that hold bytes not valid in the file's
    /// encoding, ascending, each once. In the stream those bytes are U+FFFD: a record on
    /// such a line must be rejected (`RowError::BadEncoding`), not loaded.
    pub fn bad_lines(&self) -> Vec<u64> {
        self.state().bad_lines.clone()
    }

    /// The first undecodable line among lines `first..=last` (a record's lines), if any.
    pub fn bad_line_in(&self, first: u64, last: u64) -> Option<u64> {
        let state = self.state();
        let at = state.bad_lines.partition_point(|&l| l < first);
        state.bad_lines.get(at).copied().filter(|&l| l <= last)
    }

    /// A `bad_encoding` reject for a csv record read from this stream when one of its lines
    /// (a quoted field may span lines) holds bytes not valid in the file's encoding: they
    /// are U+FFFD in the stream, and such a record must not be loaded.
    pub fn bad_encoding(&self, record: &csv::StringRecord, raw: &str) -> Option<Rejected> {
        let first = record.position().map_or(0, |p| p.line());
        let breaks: usize = record
            .iter()
            .map(|f| memchr::memchr_iter(b'\n', f.as_bytes()).count())
            .sum();
        let line = self.bad_line_in(first, first + breaks as u64)?;
        Some(Rejected {
            line,
            error: RowError::BadEncoding {
                encoding: self.encoding_name(),
            },
            raw: raw.to_owned(),
        })
    }

    /// The encoding's name for messages: `UTF-8` while the text seen so far is plain ASCII.
    pub fn encoding_name(&self) -> &'static str {
        match self.encoding() {
            Encoding::Ascii => "UTF-8",
            e => e.name(),
        }
    }

    fn record(&self, line: u64) {
        let mut state = self.state();
        if state.bad_lines.last() != Some(&line) {
            state.bad_lines.push(line);
        }
    }

    fn decide(&self, encoding: Encoding) {
        self.state().encoding = encoding;
    }
}

/// A text file as UTF-8 bytes: decoded in the file's one encoding (see [`super::sniff`]),
/// byte-order mark and carriage returns dropped (so CRLF files read like LF files and the
/// csv crate's line numbers stay right). Bytes not valid in the encoding come out as U+FFFD
/// and their lines are listed in the [`TextReport`].
pub struct TextReader {
    source: Box<dyn Read + Send>,
    fallbacks: &'static [Encoding],
    decoder: Option<Decoder>,
    /// Line number at the start of the next block.
    line: u64,
    out: Vec<u8>,
    out_pos: usize,
    done: bool,
    report: TextReport,
}

impl std::fmt::Debug for TextReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextReader")
            .field("line", &self.line)
            .field("report", &self.report)
            .finish()
    }
}

impl TextReader {
    /// The shared report: keep a clone before handing the reader to a parser.
    pub fn report(&self) -> TextReport {
        self.report.clone()
    }

    fn refill(&mut self) -> std::io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        let block = read_up_to(&mut self.source, BLOCK_BYTES)?;
        let last = block.len() < BLOCK_BYTES;
        if self.decoder.is_none() {
            if block.is_ascii() {
                self.out.extend(block.iter().filter(|&&b| b != b'\r'));
                self.line += newlines(&block);
                self.done = last;
                return Ok(());
            }
            // The first block that is not plain ASCII decides, once.
            let encoding = sniff(&block, last, self.fallbacks).unwrap_or(Encoding::Utf8);
            self.report.decide(encoding);
            self.decoder = Some(encoding.encoding_rs().new_decoder_without_bom_handling());
        }
        self.decode(&block, last);
        self.done = last;
        Ok(())
    }

    fn decode(&mut self, block: &[u8], last: bool) {
        let Some(decoder) = self.decoder.as_mut() else {
            return;
        };
        let mut text = String::new();
        let mut pos = 0;
        loop {
            let room = decoder
                .max_utf8_buffer_length_without_replacement(block.len() - pos)
                .unwrap_or(4 * (block.len() - pos) + 16);
            text.reserve(room);
            let (result, read) =
                decoder.decode_to_string_without_replacement(&block[pos..], &mut text, last);
            let end = pos + read;
            match result {
                DecoderResult::InputEmpty => break,
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(bad, extra) => {
                    let bad_start = end.saturating_sub(extra as usize + bad as usize);
                    self.report
                        .record(self.line + newlines(&block[..bad_start]));
                    text.push('\u{FFFD}');
                }
            }
            pos = end;
        }
        self.line += newlines(block);
        self.out.extend(text.bytes().filter(|&b| b != b'\r'));
    }
}

impl Read for TextReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.out_pos == self.out.len() {
            if self.done {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Opens a text file for streaming as UTF-8, its encoding decided once by the one sniffer
/// ([`super::sniff`]): a UTF-8 byte-order mark, else the first [`SAMPLE_BYTES`], with
/// `fallbacks` the encodings the source allows besides UTF-8 (`&[Encoding::Gb18030]` for
/// Chinese releases, `&[Encoding::Windows1252]` for Latin-1 Comtrade files). UTF-16 and
/// binary files (NUL bytes in the sample) are refused, naming the file.
///
/// Keep `reader.report()` before handing the reader to a parser, and reject every record
/// whose lines include one of `report.bad_lines()` with `RowError::BadEncoding`.
pub fn open_text(path: &Path, fallbacks: &'static [Encoding]) -> Result<TextReader, IngestError> {
    let mut file = File::open(path).map_err(IngestError::io(path))?;
    let mut head = read_up_to(&mut file, SAMPLE_BYTES).map_err(IngestError::io(path))?;
    let bom = check_start(&head).map_err(|message| IngestError::NotText {
        path: path.to_owned(),
        message,
    })?;
    let encoding = if bom {
        head.drain(..3);
        Some(Encoding::Utf8)
    } else {
        sniff(&head, head.len() < SAMPLE_BYTES, fallbacks)
    };
    Ok(TextReader {
        source: Box::new(Cursor::new(head).chain(file)),
        fallbacks,
        decoder: encoding.map(|e| e.encoding_rs().new_decoder_without_bom_handling()),
        line: 1,
        out: Vec::new(),
        out_pos: 0,
        done: false,
        report: TextReport::new(encoding.unwrap_or(Encoding::Ascii)),
    })
}
