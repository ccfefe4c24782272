//! Why a piece of work failed: the error of [`crate::source::Work`], naming the file (and the
//! line where known) so that the pipeline can report it and skip the file under `--keep-going`.

/// What went wrong inside a piece (an Arrow batch that could not be built, ...).
pub type PieceCause = Box<dyn std::error::Error + Send + Sync>;

/// A piece of a raw file could not be normalized. The message is the file (`:line` where
/// known) and the cause, which is kept there only (not as a `#[source]`, so it prints once).
#[derive(Debug, thiserror::Error)]
#[error("{file}{}: {cause}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct PieceError {
    /// The file, relative to the raw folder (as `source_file` stores it).
    pub file: String,
    /// 1-based line where the failure happened, when known.
    pub line: Option<u64>,
    /// What failed.
    pub cause: PieceCause,
}

impl PieceError {
    /// A failure in `file` (at `line` where known).
    pub fn new(file: &str, line: Option<u64>, cause: impl Into<PieceCause>) -> PieceError {
        PieceError {
            file: file.to_owned(),
            line,
            cause: cause.into(),
        }
    }

    /// For `map_err`: a failure somewhere in `file`, line unknown.
    pub fn in_file<E: Into<PieceCause>>(file: &str) -> impl FnOnce(E) -> PieceError + '_ {
        move |cause| PieceError::new(file, None, cause)
    }
}

#[cfg(test)]
mod tests {
    use arrow::error::ArrowError;

    use super::*;

    #[test]
    fn names_the_file_and_line_and_the_cause_once() {
        let e = PieceError::new(
            "comext/full_v2_202501.dat",
            Some(7),
            ArrowError::ComputeError("overflow".into()),
        );
        assert_eq!(
            e.to_string(),
            "comext/full_v2_202501.dat:7: Compute error: overflow"
        );
        assert!(std::error::Error::source(&e).is_none());
        let e = PieceError::in_file("a.csv")(ArrowError::MemoryError("full".into()));
        assert_eq!(e.to_string(), "a.csv: Memory error: full");
    }
}
