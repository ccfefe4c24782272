//! Lines and fields of Comext text: lines counted exactly (blank ones too), fields split at
//! the delimiter with RFC 4180 quoting.

use std::io::{BufRead, Read};

use crate::error::RowError;

/// Longest line accepted: real records are about 150 bytes.
const MAX_LINE_BYTES: usize = 64 * 1024;

/// Reads the next line (without its terminator) into `buf`; `false` at the end. A line
/// longer than [`MAX_LINE_BYTES`] is cut there (and rejected by the field count).
pub(super) fn next_line(input: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    buf.clear();
    let n = input
        .by_ref()
        .take(MAX_LINE_BYTES as u64)
        .read_until(b'\n', buf)?;
    if n == MAX_LINE_BYTES && buf.last() != Some(&b'\n') {
        // Skip the rest of an overlong line.
        let mut rest = Vec::new();
        input.read_until(b'\n', &mut rest)?;
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(n > 0)
}

/// Splits one line at `delimiter`; fields may be double-quoted (`""` inside quotes is a quote).
pub(super) fn split_fields(line: &[u8], delimiter: u8) -> Result<Vec<Vec<u8>>, RowError> {
    let mut fields = Vec::new();
    let mut i = 0;
    loop {
        let mut field = Vec::new();
        if line.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match line.get(i) {
                    None => {
                        return Err(RowError::UnterminatedQuote {
                            field: fields.len() + 1,
                        });
                    }
                    Some(b'"') if line.get(i + 1) == Some(&b'"') => {
                        field.push(b'"');
                        i += 2;
                    }
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(&b) => {
                        field.push(b);
                        i += 1;
                    }
                }
            }
        }
        while let Some(&b) = line.get(i).filter(|&&b| b != delimiter) {
            field.push(b);
            i += 1;
        }
        fields.push(field);
        if i >= line.len() {
            return Ok(fields);
        }
        i += 1;
    }
}
