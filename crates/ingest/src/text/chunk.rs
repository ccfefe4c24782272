//! [`ChunkReader`]: a file as a sequence of decoded chunks of whole lines, of bounded size.

use std::fs::File;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{DEFAULT_CHUNK_BYTES, Encoding, MAX_LINE_BYTES, SAMPLE_BYTES, check_start, sniff};
use crate::error::IngestError;

/// A run of whole, decoded lines from one file.
#[derive(Debug, Default)]
pub struct Chunk {
    /// Position of this chunk in the file, from 0: lets a parallel pipeline restore order.
    pub index: u64,
    /// 1-based line number of the first line in `text`.
    pub first_line: u64,
    /// Decoded text; lines that could not be decoded are left empty here and listed in
    /// `bad_lines`.
    pub text: String,
    /// Lines (number, raw bytes shown lossily) whose bytes were not valid in the encoding
    /// or that were longer than [`MAX_LINE_BYTES`].
    pub bad_lines: Vec<BadLine>,
}

/// A line that could not be turned into text.
#[derive(Debug, Clone)]
pub struct BadLine {
    /// 1-based line number.
    pub line: u64,
    /// The raw bytes, decoded lossily and cut to a readable length.
    pub raw: String,
    /// Why.
    pub kind: BadLineKind,
}

/// Why a line could not be turned into text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadLineKind {
    /// Bytes invalid in the file's encoding.
    Encoding,
    /// Longer than [`MAX_LINE_BYTES`]; the length is given.
    TooLong(usize),
}

impl Chunk {
    /// Non-blank lines with their 1-based numbers, line ends (`\r\n` or `\n`) removed.
    /// Lines listed in `bad_lines` are not yielded.
    pub fn lines(&self) -> impl Iterator<Item = (u64, &str)> {
        let first = self.first_line;
        self.text
            .split('\n')
            .enumerate()
            .map(move |(i, l)| (first + i as u64, l.strip_suffix('\r').unwrap_or(l)))
            .filter(|(_, l)| !l.trim().is_empty())
    }
}

/// Reads a file as a sequence of decoded [`Chunk`]s of whole lines.
pub struct ChunkReader {
    path: PathBuf,
    file: File,
    encoding: Encoding,
    /// Encodings allowed besides UTF-8, for deciding when the start was plain ASCII.
    fallbacks: &'static [Encoding],
    /// Undecoded bytes after the last complete line.
    pending: Vec<u8>,
    next_line: u64,
    next_index: u64,
    eof: bool,
    chunk_bytes: usize,
    hasher: Sha256,
    bytes_read: u64,
    /// Set while skipping the rest of an over-long line: (its line number, bytes so far, start).
    skipping: Option<(u64, usize, Vec<u8>)>,
}

impl std::fmt::Debug for ChunkReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkReader")
            .field("path", &self.path)
            .field("encoding", &self.encoding)
            .field("next_line", &self.next_line)
            .finish()
    }
}

/// The header line of a file, decoded, and where the data starts.
#[derive(Debug, Clone)]
pub struct Header {
    /// Decoded header text, line end and byte-order mark removed.
    pub text: String,
    /// 1-based line number of the header.
    pub line: u64,
}

impl ChunkReader {
    /// Opens `path` (a China Customs download: UTF-8 or GB18030), decides its encoding
    /// from the byte-order mark and the first [`SAMPLE_BYTES`], and returns the reader
    /// positioned after the header, with the header.
    pub fn open(path: &Path) -> Result<(ChunkReader, Header), IngestError> {
        Self::open_with_chunk_size(path, DEFAULT_CHUNK_BYTES)
    }

    /// As [`ChunkReader::open`], with a chosen chunk size (tests use small ones).
    pub fn open_with_chunk_size(
        path: &Path,
        chunk_bytes: usize,
    ) -> Result<(ChunkReader, Header), IngestError> {
        Self::open_with(path, chunk_bytes, &[Encoding::Gb18030])
    }

    /// As [`ChunkReader::open`], with a chosen chunk size and the encodings the source
    /// allows besides UTF-8 (see [`sniff`]).
    pub fn open_with(
        path: &Path,
        chunk_bytes: usize,
        fallbacks: &'static [Encoding],
    ) -> Result<(ChunkReader, Header), IngestError> {
        let file = File::open(path).map_err(IngestError::io(path))?;
        let mut reader = ChunkReader {
            path: path.to_owned(),
            file,
            encoding: Encoding::Ascii,
            fallbacks,
            pending: Vec::new(),
            next_line: 1,
            next_index: 0,
            eof: false,
            chunk_bytes: chunk_bytes.max(1024),
            hasher: Sha256::new(),
            bytes_read: 0,
            skipping: None,
        };
        reader.fill(SAMPLE_BYTES)?;
        let not_text = |message| IngestError::NotText {
            path: path.to_owned(),
            message,
        };
        if check_start(&reader.pending).map_err(not_text)? {
            reader.pending.drain(..3);
            reader.encoding = Encoding::Utf8;
        } else if let Some(encoding) = sniff(&reader.pending, reader.eof, fallbacks) {
            reader.encoding = encoding;
        }
        let header = reader.read_header()?;
        Ok((reader, header))
    }

    /// The encoding the file is read as ([`Encoding::Ascii`] while every byte read so far
    /// was ASCII).
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// SHA-256 of every byte read so far, in hex. After the last chunk it is the file's hash.
    pub fn content_hash(&self) -> String {
        super::hex(&self.hasher.clone().finalize())
    }

    /// Reads more bytes into `pending`; false at end of file.
    fn fill(&mut self, want: usize) -> Result<bool, IngestError> {
        if self.eof {
            return Ok(false);
        }
        // Straight into `pending`: no zeroed buffer, no second copy.
        let start = self.pending.len();
        self.pending.reserve(want);
        let got = std::io::Read::read_to_end(
            &mut std::io::Read::take(&mut self.file, want as u64),
            &mut self.pending,
        )
        .map_err(IngestError::io(&self.path))?;
        if got < want {
            self.eof = true;
        }
        self.hasher.update(&self.pending[start..]);
        self.bytes_read += got as u64;
        Ok(got > 0)
    }

    fn read_header(&mut self) -> Result<Header, IngestError> {
        loop {
            // Find the first non-blank line.
            let newline = self.pending.iter().position(|&b| b == b'\n');
            let line_end = match newline {
                Some(i) => i,
                None if self.eof => self.pending.len(),
                None => {
                    if self.pending.len() > MAX_LINE_BYTES {
                        return Err(IngestError::NotText {
                            path: self.path.clone(),
                            message: format!("no line break in the first {MAX_LINE_BYTES} bytes"),
                        });
                    }
                    self.fill(64 << 10)?;
                    continue;
                }
            };
            let mut line: Vec<u8> = self.pending[..line_end].to_vec();
            let consumed = (line_end + 1).min(self.pending.len());
            self.pending.drain(..consumed);
            let line_no = self.next_line;
            self.next_line += 1;
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if line.iter().all(|b| b.is_ascii_whitespace()) {
                if self.eof && self.pending.is_empty() {
                    return Err(IngestError::Empty {
                        path: self.path.clone(),
                    });
                }
                continue;
            }
            if line.contains(&0) {
                return Err(IngestError::NotText {
                    path: self.path.clone(),
                    message: format!("line {line_no} holds NUL bytes: binary data, not CSV"),
                });
            }
            if self.encoding == Encoding::Ascii {
                // A header longer than the sample: it decides.
                if let Some(encoding) = sniff(&line, true, self.fallbacks) {
                    self.encoding = encoding;
                }
            }
            let text = self
                .encoding
                .decode_line(&line)
                .ok_or_else(|| IngestError::NotText {
                    path: self.path.clone(),
                    message: format!(
                        "header line {line_no} is not valid {}",
                        self.encoding.name()
                    ),
                })?;
            return Ok(Header {
                text,
                line: line_no,
            });
        }
    }

    /// The next chunk of whole lines, or `None` at end of file.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>, IngestError> {
        let mut bad_lines = Vec::new();
        // Read until `pending` holds at least one line break past the chunk target, or EOF.
        loop {
            if let Some((line, seen, start)) = self.skipping.take() {
                // Inside an over-long line: discard up to its end.
                match self.pending.iter().position(|&b| b == b'\n') {
                    Some(i) => {
                        self.pending.drain(..=i);
                        bad_lines.push(BadLine {
                            line,
                            raw: String::from_utf8_lossy(&start).into_owned(),
                            kind: BadLineKind::TooLong(seen + i),
                        });
                        self.next_line = line + 1;
                    }
                    None => {
                        let n = self.pending.len();
                        self.pending.clear();
                        if !self.fill(self.chunk_bytes)? {
                            bad_lines.push(BadLine {
                                line,
                                raw: String::from_utf8_lossy(&start).into_owned(),
                                kind: BadLineKind::TooLong(seen + n),
                            });
                            self.next_line = line + 1;
                        } else {
                            self.skipping = Some((line, seen + n, start));
                        }
                        continue;
                    }
                }
            }
            let has_break = self.pending.contains(&b'\n');
            // An over-long line at the front of `pending` starts skipping.
            if !has_break && self.pending.len() > MAX_LINE_BYTES {
                let start = self.pending[..self.pending.len().min(200)].to_vec();
                let seen = self.pending.len();
                self.pending.clear();
                self.skipping = Some((self.next_line, seen, start));
                continue;
            }
            if self.eof || (has_break && self.pending.len() >= self.chunk_bytes) {
                break;
            }
            let want = self.chunk_bytes.max(self.pending.len() / 2);
            self.fill(want)?;
        }
        if self.pending.is_empty() {
            if bad_lines.is_empty() {
                return Ok(None);
            }
            let chunk = Chunk {
                index: self.next_index,
                first_line: self.next_line,
                text: String::new(),
                bad_lines,
            };
            self.next_index += 1;
            return Ok(Some(chunk));
        }
        let cut = if self.eof {
            self.pending.len()
        } else {
            match memchr::memrchr(b'\n', &self.pending) {
                Some(i) => i + 1,
                None => self.pending.len(),
            }
        };
        // Hand the chunk's bytes over and keep only the (short) rest: no copy of the chunk.
        let rest = self.pending.split_off(cut);
        let bytes = std::mem::replace(&mut self.pending, rest);
        let first_line = self.next_line;
        let (text, lines) = self.decode(bytes, first_line, &mut bad_lines);
        self.next_line += lines;
        let chunk = Chunk {
            index: self.next_index,
            first_line,
            text,
            bad_lines,
        };
        self.next_index += 1;
        Ok(Some(chunk))
    }

    /// Decodes whole lines; returns the text and the number of line breaks. Lines that do
    /// not decode in the file's encoding, or are longer than [`MAX_LINE_BYTES`], are left
    /// empty and listed in `bad`.
    fn decode(&mut self, bytes: Vec<u8>, first_line: u64, bad: &mut Vec<BadLine>) -> (String, u64) {
        let mut breaks = 0u64;
        let mut longest = 0usize;
        let mut line_start = 0usize;
        for i in memchr::memchr_iter(b'\n', &bytes) {
            breaks += 1;
            longest = longest.max(i - line_start);
            line_start = i + 1;
        }
        let has_long = longest.max(bytes.len() - line_start) > MAX_LINE_BYTES;
        if self.encoding == Encoding::Ascii && !bytes.is_ascii() {
            // The first block that is not plain ASCII decides, once.
            self.encoding = sniff(&bytes, true, self.fallbacks).unwrap_or(Encoding::Utf8);
        }
        // Fast path: the whole chunk decodes (UTF-8 in place, without a copy).
        let bytes = if has_long {
            bytes
        } else if matches!(self.encoding, Encoding::Utf8 | Encoding::Ascii) {
            match String::from_utf8(bytes) {
                Ok(text) => return (text, breaks),
                Err(e) => e.into_bytes(),
            }
        } else if let Some(text) = self.encoding.decode_line(&bytes) {
            return (text, breaks);
        } else {
            bytes
        };
        // Slow path: line by line, bad lines left empty and reported.
        let mut text = String::with_capacity(bytes.len());
        for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                text.push('\n');
            }
            let kind = if line.len() > MAX_LINE_BYTES {
                BadLineKind::TooLong(line.len())
            } else if let Some(s) = self.encoding.decode_line(line) {
                text.push_str(&s);
                continue;
            } else {
                BadLineKind::Encoding
            };
            bad.push(BadLine {
                line: first_line + i as u64,
                raw: String::from_utf8_lossy(&line[..line.len().min(500)]).into_owned(),
                kind,
            });
        }
        (text, breaks)
    }
}
