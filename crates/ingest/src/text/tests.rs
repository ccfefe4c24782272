//! Unit tests of the sniffer, the chunk reader and the text stream.

use std::io::Read;
use std::path::PathBuf;

use super::*;
use crate::error::IngestError;

fn file(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("f.csv");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn gb18030(text: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(text).0.into_owned()
}

/// Every chunk of a file: (line, text) of its lines, its bad lines, and the reader.
fn read_all(
    path: &std::path::Path,
    chunk: usize,
) -> (Vec<(u64, String)>, Vec<BadLine>, ChunkReader) {
    let (mut reader, header) = ChunkReader::open_with_chunk_size(path, chunk).unwrap();
    let mut lines = vec![(header.line, header.text)];
    let mut bad = Vec::new();
    let mut index = 0;
    while let Some(c) = reader.next_chunk().unwrap() {
        assert_eq!(c.index, index);
        index += 1;
        // A chunk holds whole lines: it ends at a line break, or is the file's end.
        lines.extend(c.lines().map(|(n, l)| (n, l.to_owned())));
        bad.extend(c.bad_lines);
    }
    (lines, bad, reader)
}

#[test]
fn sniffer_decides_from_the_sample() {
    let gb = gb18030("稀土永磁,\n氧化镝,\n");
    assert_eq!(sniff(b"a,b\n1,2\n", true, &[Encoding::Gb18030]), None);
    assert_eq!(
        sniff("稀土,\n".as_bytes(), true, &[Encoding::Gb18030]),
        Some(Encoding::Utf8)
    );
    assert_eq!(
        sniff(&gb, true, &[Encoding::Gb18030]),
        Some(Encoding::Gb18030)
    );
    let latin1 = b"Cura\xe7ao,1\nT\xfcrkiye,2\n";
    assert_eq!(
        sniff(latin1, true, &[Encoding::Windows1252]),
        Some(Encoding::Windows1252)
    );
    // A source that allows no fallback reads it as UTF-8 (and its lines will be rejects).
    assert_eq!(sniff(latin1, true, &[]), Some(Encoding::Utf8));
    // One Latin-1 line in a UTF-8 sample does not make the file GB18030.
    let mixed = "Curaçao,1\nCura\u{e7}ao,2\n".replace("Cura\u{e7}ao,2", "X");
    let mut mixed = mixed.into_bytes();
    mixed.extend_from_slice(b"Cura\xe7ao,2\n");
    assert_eq!(
        sniff(&mixed, true, &[Encoding::Gb18030]),
        Some(Encoding::Utf8)
    );
    // A sample cut inside a character: the cut line is left out, or allowed if alone.
    let cut = "稀土".as_bytes();
    assert_eq!(
        sniff(&cut[..4], false, &[Encoding::Gb18030]),
        Some(Encoding::Utf8)
    );
    let gb_cut = gb18030("永磁体");
    assert_eq!(
        sniff(&gb_cut[..5], false, &[Encoding::Gb18030]),
        Some(Encoding::Gb18030)
    );
}

#[test]
fn chunks_never_split_a_line() {
    let mut text = String::from("h1,h2\n");
    let mut expected = vec![(1u64, "h1,h2".to_owned())];
    for i in 0..400u64 {
        let line = format!("{i},{}稀土", "x".repeat((i as usize * 7) % 90));
        text.push_str(&line);
        text.push('\n');
        expected.push((i + 2, line));
    }
    let (_dir, path) = file(text.as_bytes());
    let (lines, bad, reader) = read_all(&path, 1024);
    assert!(bad.is_empty());
    assert_eq!(lines, expected);
    assert_eq!(reader.encoding(), Encoding::Utf8);
    assert_eq!(reader.bytes_read(), text.len() as u64);
}

#[test]
fn crlf_line_ends_and_a_missing_final_line_break() {
    let (_dir, path) = file(b"a,b\r\n1,2\r\n\r\n3,4");
    let (lines, bad, _) = read_all(&path, 1024);
    assert!(bad.is_empty());
    assert_eq!(
        lines,
        vec![(1, "a,b".into()), (2, "1,2".into()), (4, "3,4".into())]
    );
}

#[test]
fn a_bom_is_dropped_and_says_utf8() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(b"a,b\n1,2\n");
    let (_dir, path) = file(&bytes);
    let (lines, _, reader) = read_all(&path, 1024);
    assert_eq!(lines[0], (1, "a,b".into()));
    assert_eq!(reader.encoding(), Encoding::Utf8);
    // UTF-16 and NUL bytes are not text.
    for bytes in [&b"\xff\xfea\x00,\x00"[..], b"a,b\n1\x00,2\n"] {
        let (_dir, path) = file(bytes);
        let err = ChunkReader::open(&path).unwrap_err();
        assert!(matches!(err, IngestError::NotText { .. }), "{err}");
    }
}

#[test]
fn a_plain_ascii_start_decides_later_once() {
    // 70 KiB of ASCII, then GB18030 lines: the first block with other bytes decides.
    let mut bytes = b"a,b\n".to_vec();
    for i in 0..7000 {
        bytes.extend_from_slice(format!("{i:09},x\n").as_bytes());
    }
    bytes.extend_from_slice(&gb18030("稀土,氧化镝\n香港，中国,1\n"));
    let (_dir, path) = file(&bytes);
    let (lines, bad, reader) = read_all(&path, 4096);
    assert!(bad.is_empty());
    assert_eq!(reader.encoding(), Encoding::Gb18030);
    assert_eq!(lines[7001], (7002, "稀土,氧化镝".into()));
    assert_eq!(lines[7002], (7003, "香港，中国,1".into()));
    let all_ascii = b"a,b\n1,2\n";
    let (_dir, path) = file(all_ascii);
    assert_eq!(read_all(&path, 1024).2.encoding().name(), "ASCII (UTF-8)");
}

#[test]
fn a_line_longer_than_the_limit_is_a_bad_line_and_the_next_one_reads() {
    let mut bytes = b"a,b\n1,2\n".to_vec();
    bytes.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 10));
    bytes.extend_from_slice(b"\n3,4\n");
    let (_dir, path) = file(&bytes);
    let (lines, bad, _) = read_all(&path, 4096);
    assert_eq!(
        lines,
        vec![(1, "a,b".into()), (2, "1,2".into()), (4, "3,4".into())]
    );
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].line, 3);
    assert_eq!(bad[0].kind, BadLineKind::TooLong(MAX_LINE_BYTES + 10));
}

#[test]
fn a_line_not_in_the_files_encoding_is_a_bad_line_never_cjk() {
    // An ASCII header, a UTF-8 row, then Latin-1 bytes (`ç` as 0xE7): read as GB18030 they
    // would be a Chinese character; here they are a bad line.
    let mut bytes = "code,name\n1,Curaçao\n".as_bytes().to_vec();
    bytes.extend_from_slice(b"2,Cura\xe7ao\n3,Aruba\n");
    let (_dir, path) = file(&bytes);
    let (lines, bad, reader) = read_all(&path, 1024);
    assert_eq!(reader.encoding(), Encoding::Utf8);
    assert_eq!(
        lines,
        vec![
            (1, "code,name".into()),
            (2, "1,Curaçao".into()),
            (4, "3,Aruba".into())
        ]
    );
    assert_eq!(bad.len(), 1);
    assert_eq!((bad[0].line, bad[0].kind), (3, BadLineKind::Encoding));
    // In a GB18030 file, a byte GB18030 never uses.
    let mut bytes = gb18030("商品编码,名称\n1,稀土\n");
    bytes.extend_from_slice(b"2,\xff\n");
    let (_dir, path) = file(&bytes);
    let (lines, bad, reader) = read_all(&path, 1024);
    assert_eq!(reader.encoding(), Encoding::Gb18030);
    assert_eq!(lines[1], (2, "1,稀土".into()));
    assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), vec![3]);
}

#[test]
fn text_stream_reports_bad_lines_and_strips_cr() {
    let mut bytes = "a,b\r\n1,Curaçao\r\n".as_bytes().to_vec();
    bytes.extend_from_slice(b"2,Cura\xe7ao\r\n3,x\r\n");
    let (_dir, path) = file(&bytes);
    let mut reader = open_text(&path, &[Encoding::Gb18030]).unwrap();
    let report = reader.report();
    let mut text = String::new();
    reader.read_to_string(&mut text).unwrap();
    assert_eq!(text, "a,b\n1,Curaçao\n2,Cura\u{fffd}ao\n3,x\n");
    assert_eq!(report.encoding(), Encoding::Utf8);
    assert_eq!(report.bad_lines(), vec![3]);
    assert_eq!(report.bad_line_in(2, 4), Some(3));
    assert_eq!(report.bad_line_in(4, 9), None);
    // Latin-1 where the source allows it.
    let (_dir, path) = file(b"name\nCura\xe7ao\nT\xfcrkiye\n");
    let mut reader = open_text(&path, &[Encoding::Windows1252]).unwrap();
    let name = reader.report().encoding_name();
    let mut text = String::new();
    reader.read_to_string(&mut text).unwrap();
    assert_eq!(
        (text.as_str(), name),
        ("name\nCuraçao\nTürkiye\n", "ISO-8859-1")
    );
}

#[test]
fn text_stream_keeps_characters_cut_by_its_blocks() {
    // A three-byte character across the 64 KiB block boundary, after an ASCII start.
    let mut text = "x".repeat(SAMPLE_BYTES + (64 << 10) - 1);
    text.push_str("稀土\n");
    let (_dir, path) = file(text.as_bytes());
    let mut reader = open_text(&path, &[Encoding::Gb18030]).unwrap();
    let report = reader.report();
    let mut out = String::new();
    reader.read_to_string(&mut out).unwrap();
    assert_eq!(out, text);
    assert!(report.bad_lines().is_empty());
    assert_eq!(report.encoding(), Encoding::Utf8);
}
