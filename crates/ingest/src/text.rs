//! Byte-level reading: encoding sniffing, decoding and chunking a file into whole lines.
//!
//! China Customs downloads come as GB18030/GBK (the platform's default) or UTF-8, with or
//! without a byte-order mark, with CRLF or LF line ends. [`ChunkReader`] reads a file in
//! chunks of whole lines of bounded size and decodes each one, so memory stays bounded
//! whatever the file size, and hashes the bytes on the way (the release's identity).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::IngestError;

/// Target size of one chunk of input bytes.
pub const DEFAULT_CHUNK_BYTES: usize = 4 << 20;
/// Longest line kept. A longer line is rejected without being buffered whole, so a file
/// without line breaks cannot exhaust memory.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Text encoding of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (a byte-order mark, if any, is dropped).
    Utf8,
    /// GB18030, a superset of GBK and GB2312: the platform's default download.
    Gb18030,
    /// Not known from the header (plain ASCII): each line is read as UTF-8 and, failing
    /// that, as GB18030.
    Sniff,
}

impl Encoding {
    /// Name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Gb18030 => "GB18030",
            Encoding::Sniff => "ASCII (UTF-8)",
        }
    }

    /// Decodes one line. `None` when the bytes are not valid in this encoding.
    pub fn decode_line(self, bytes: &[u8]) -> Option<String> {
        match self {
            Encoding::Utf8 => std::str::from_utf8(bytes).ok().map(str::to_owned),
            Encoding::Gb18030 => encoding_rs::GB18030
                .decode_without_bom_handling_and_without_replacement(bytes)
                .map(|c| c.into_owned()),
            Encoding::Sniff => Encoding::Utf8
                .decode_line(bytes)
                .or_else(|| Encoding::Gb18030.decode_line(bytes)),
        }
    }
}

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
    /// Opens `path`, sniffs its encoding from the byte-order mark and the header line, and
    /// returns the reader positioned after the header, with the header.
    pub fn open(path: &Path) -> Result<(ChunkReader, Header), IngestError> {
        Self::open_with_chunk_size(path, DEFAULT_CHUNK_BYTES)
    }

    /// As [`ChunkReader::open`], with a chosen chunk size (tests use small ones).
    pub fn open_with_chunk_size(
        path: &Path,
        chunk_bytes: usize,
    ) -> Result<(ChunkReader, Header), IngestError> {
        let file = File::open(path).map_err(|source| IngestError::Io {
            path: path.to_owned(),
            source,
        })?;
        let mut reader = ChunkReader {
            path: path.to_owned(),
            file,
            encoding: Encoding::Sniff,
            pending: Vec::new(),
            next_line: 1,
            next_index: 0,
            eof: false,
            chunk_bytes: chunk_bytes.max(1024),
            hasher: Sha256::new(),
            bytes_read: 0,
            skipping: None,
        };
        let header = reader.read_header()?;
        Ok((reader, header))
    }

    /// The encoding the file is read as.
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
        let digest = self.hasher.clone().finalize();
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn io_err(&self, source: std::io::Error) -> IngestError {
        IngestError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Reads more bytes into `pending`; false at end of file.
    fn fill(&mut self, want: usize) -> Result<bool, IngestError> {
        if self.eof {
            return Ok(false);
        }
        let start = self.pending.len();
        self.pending.resize(start + want, 0);
        let mut filled = start;
        while filled < self.pending.len() {
            match self.file.read(&mut self.pending[filled..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io_err(e)),
            }
        }
        self.pending.truncate(filled);
        self.hasher.update(&self.pending[start..filled]);
        self.bytes_read += (filled - start) as u64;
        Ok(filled > start)
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
            if line_no == 1 {
                if line.starts_with(&[0xEF, 0xBB, 0xBF]) {
                    line.drain(..3);
                    self.encoding = Encoding::Utf8;
                } else if line.starts_with(&[0xFF, 0xFE]) || line.starts_with(&[0xFE, 0xFF]) {
                    return Err(IngestError::NotText {
                        path: self.path.clone(),
                        message: "UTF-16 text: save the download as UTF-8 or GB18030".into(),
                    });
                }
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
            if self.encoding == Encoding::Sniff && !line.is_ascii() {
                self.encoding = if std::str::from_utf8(&line).is_ok() {
                    Encoding::Utf8
                } else {
                    Encoding::Gb18030
                };
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
            match self.pending.iter().rposition(|&b| b == b'\n') {
                Some(i) => i + 1,
                None => self.pending.len(),
            }
        };
        let bytes: Vec<u8> = self.pending.drain(..cut).collect();
        let first_line = self.next_line;
        let (text, lines) = self.decode(&bytes, first_line, &mut bad_lines);
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

    /// Decodes whole lines; returns the text and the number of line breaks.
    fn decode(&self, bytes: &[u8], first_line: u64, bad: &mut Vec<BadLine>) -> (String, u64) {
        let breaks = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        // Fast path: the whole chunk decodes.
        let whole = match self.encoding {
            Encoding::Utf8 | Encoding::Sniff => std::str::from_utf8(bytes).ok().map(str::to_owned),
            Encoding::Gb18030 => Encoding::Gb18030.decode_line(bytes),
        };
        if let Some(text) = whole {
            return (text, breaks);
        }
        // Slow path: line by line, undecodable lines left empty and reported.
        let mut text = String::with_capacity(bytes.len());
        for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                text.push('\n');
            }
            match self.encoding.decode_line(line) {
                Some(s) => text.push_str(&s),
                None => bad.push(BadLine {
                    line: first_line + i as u64,
                    raw: String::from_utf8_lossy(&line[..line.len().min(500)]).into_owned(),
                    kind: BadLineKind::Encoding,
                }),
            }
        }
        (text, breaks)
    }
}

/// SHA-256 of a whole file, in hex (the identity of a release in `ingest_log`).
pub fn sha256_file(path: &Path) -> Result<String, IngestError> {
    let mut file = File::open(path).map_err(|source| IngestError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(|source| IngestError::Io {
            path: path.to_owned(),
            source,
        })?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Opens a text file for streaming as UTF-8: a byte-order mark wins; otherwise the first
/// 64 KiB decide between UTF-8 and `fallback` (GB18030 for Chinese releases, windows-1252
/// for Latin-1 Comtrade files). Returns the reader and the encoding's name.
pub fn open_decoded(
    path: &Path,
    fallback: &'static encoding_rs::Encoding,
) -> Result<(Box<dyn Read + Send>, &'static str), IngestError> {
    let io = |source| IngestError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let mut head = vec![0u8; 64 << 10];
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]).map_err(io)? {
            0 => break,
            n => filled += n,
        }
    }
    head.truncate(filled);
    if head.contains(&0) {
        return Err(IngestError::NotText {
            path: path.to_owned(),
            message: "NUL bytes: binary data, not text".into(),
        });
    }
    let (encoding, name) = if head.starts_with(&[0xEF, 0xBB, 0xBF]) || head.is_ascii() {
        (encoding_rs::UTF_8, "UTF-8")
    } else {
        match std::str::from_utf8(&head) {
            Ok(_) => (encoding_rs::UTF_8, "UTF-8"),
            // A multi-byte character cut by the 64 KiB window is still UTF-8.
            Err(e) if e.error_len().is_none() => (encoding_rs::UTF_8, "UTF-8"),
            Err(_) if fallback == encoding_rs::GB18030 => (fallback, "GB18030"),
            Err(_) if fallback == encoding_rs::WINDOWS_1252 => (fallback, "ISO-8859-1"),
            Err(_) => (fallback, fallback.name()),
        }
    };
    let reader = std::io::Cursor::new(head).chain(file);
    let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .build(reader);
    Ok((Box::new(StripCr(decoded)), name))
}

/// Drops carriage returns from a UTF-8 stream: CRLF files then read like LF files, and the
/// csv crate's line numbers (which miscount CRLF) stay right.
struct StripCr<R>(R);

impl<R: Read> Read for StripCr<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.0.read(buf)?;
            if n == 0 {
                return Ok(0);
            }
            let mut kept = 0;
            for i in 0..n {
                if buf[i] != b'\r' {
                    buf[kept] = buf[i];
                    kept += 1;
                }
            }
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}
