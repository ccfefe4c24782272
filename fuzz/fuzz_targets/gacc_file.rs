//! A whole China Customs download through `GaccFile`: encoding sniffing (BOM, UTF-8,
//! GB18030), chunking at a small chunk size, over-long lines, and parsing every line with
//! the header's layout.
//!
//! Input: byte 0 picks the chunk size (1024 + 64 * n bytes, so chunk boundaries fall inside
//! small inputs); byte 1, when 1, asks for one line (byte 2 picks which) to be padded with
//! `x` to about `MAX_LINE_BYTES` (byte 3 sets the offset, -128..+127) so the over-long line
//! path runs; the rest is the file.
//!
//! Invariant (no line silently dropped): every non-blank line after the header comes out
//! exactly once, either as a line of a chunk (which then parses or is rejected) or in the
//! chunk's `bad_lines`; a line that comes out as text is exactly the decoded input line.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use rareflow_fuzz::{assert_non_negative, write_input};
use rareflow_ingest::GaccFile;
use rareflow_ingest::text::MAX_LINE_BYTES;

enum Seen {
    Text(String),
    Bad,
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let chunk = 1024 + 64 * data[0] as usize;
    let long = data[1] == 1;
    let (which, offset) = (data[2] as usize, data[3] as i64 - 128);
    let mut bytes = data[4..].to_vec();
    if long {
        // Pad one line to around MAX_LINE_BYTES.
        let starts: Vec<usize> = std::iter::once(0)
            .chain(
                bytes
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        let at = starts[which % starts.len()];
        let end = bytes[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |k| at + k);
        let want = (MAX_LINE_BYTES as i64 + offset) as usize;
        let pad = want.saturating_sub(end - at);
        bytes.splice(end..end, std::iter::repeat_n(b'x', pad));
    }
    let path = write_input("csv", &bytes);
    let Ok(mut file) = GaccFile::open_with_chunk_size(&path, chunk) else {
        return;
    };
    let header_line = file.header_line();
    let encoding = file.encoding();
    let layout = file.layout().clone();
    let mut seen: BTreeMap<u64, Seen> = BTreeMap::new();
    let (mut parsed, mut rejected, mut bad) = (0usize, 0usize, 0usize);
    let mut spans = Vec::new();
    let mut last_index = None;
    loop {
        let chunk = match file.next_chunk() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(_) => return, // I/O error on the scratch file: not the parser's fault
        };
        assert_eq!(
            chunk.index,
            last_index.map_or(0, |i| i + 1),
            "chunk index out of order"
        );
        last_index = Some(chunk.index);
        for b in &chunk.bad_lines {
            assert!(
                b.line > header_line,
                "bad line {} at or before header",
                b.line
            );
            assert!(
                seen.insert(b.line, Seen::Bad).is_none(),
                "line {} twice",
                b.line
            );
            bad += 1;
        }
        for (n, line) in chunk.lines() {
            assert!(
                n > header_line,
                "line {n} at or before header {header_line}"
            );
            assert!(
                seen.insert(n, Seen::Text(line.to_owned())).is_none(),
                "line {n} handed out twice"
            );
            match layout.parse(line, &mut spans) {
                Ok(rec) => {
                    parsed += 1;
                    assert_non_negative("value", Some(rec.value));
                    assert_non_negative("quantity1", Some(rec.quantity1));
                }
                Err(_) => rejected += 1,
            }
        }
    }
    assert_eq!(
        file.bytes_read(),
        bytes.len() as u64,
        "file not read to the end"
    );

    // What the input says should have come out.
    let mut expected = 0usize;
    for (i, full) in bytes.split(|&b| b == b'\n').enumerate() {
        let n = i as u64 + 1;
        if n <= header_line {
            continue;
        }
        let raw = full.strip_suffix(b"\r").unwrap_or(full);
        let decoded = encoding.decode_line(raw);
        let blank = decoded.as_deref().is_some_and(|s| s.trim().is_empty());
        match seen.get(&n) {
            Some(Seen::Text(t)) => {
                assert!(!blank, "blank line {n} handed out");
                assert_eq!(
                    Some(t.as_str()),
                    decoded.as_deref(),
                    "line {n} text differs from input"
                );
                expected += 1;
            }
            Some(Seen::Bad) => {
                // Undecodable, or over-long (which may be blank: a line of spaces).
                assert!(
                    decoded.is_none() || full.len() > MAX_LINE_BYTES,
                    "line {n} reported bad but decodes and is not over-long"
                );
                if !blank {
                    expected += 1;
                }
            }
            None => assert!(blank, "line {n} ({} bytes) silently dropped", raw.len()),
        }
    }
    let line_count = bytes.split(|&b| b == b'\n').count() as u64;
    if let Some((&last, _)) = seen.last_key_value() {
        assert!(
            last <= line_count,
            "line {last} past the end ({line_count} lines)"
        );
    }
    assert!(parsed + rejected + bad >= expected);
    assert_eq!(parsed + rejected + bad, seen.len());
});
