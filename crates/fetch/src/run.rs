//! What a source works with during a fetch: its client, the raw folder, the log and its
//! summary. Every answer is logged here, and every file is kept here: the sources only
//! say what to ask, how to read the answer, and where the file goes.

use std::path::{Path, PathBuf};

use reqwest::header::{IF_MODIFIED_SINCE, IF_NONE_MATCH};

use crate::FetchError;
use crate::config::FetchConfig;
use crate::http::{Body, Http, Request, Response};
use crate::log::{FetchLog, LogRow};
use crate::options::FetchOptions;
use crate::period::{YearMonth, now_rfc3339};
use crate::store::{self, Stored};
use crate::summary::SourceSummary;

/// One source's fetch.
pub(crate) struct Run<'a> {
    pub(crate) source: &'static str,
    pub(crate) raw: &'a Path,
    pub(crate) config: &'a FetchConfig,
    pub(crate) options: &'a FetchOptions,
    pub(crate) http: Http,
    pub(crate) log: &'a mut FetchLog,
    pub(crate) summary: &'a mut SourceSummary,
}

impl Run<'_> {
    /// The months asked for: `--since` (else the source's `since`) to `--until` (else the
    /// current month), never past the current month.
    pub(crate) fn months(&self, since: YearMonth) -> Vec<YearMonth> {
        let now = YearMonth::current();
        let first = self.options.since.unwrap_or(since);
        let last = self.options.until.unwrap_or(now).min(now);
        YearMonth::range(first, last)
    }

    /// The folder of a file under the raw folder.
    pub(crate) fn folder_of(&self, relative: &str) -> PathBuf {
        let path = self.raw.join(relative);
        path.parent()
            .map_or_else(|| self.raw.to_owned(), Path::to_owned)
    }

    /// Dry run: notes the request instead of sending it.
    pub(crate) fn plan(&mut self, request: &Request, relative: &str) {
        let target = if relative.is_empty() {
            String::new()
        } else {
            format!(" -> {relative}")
        };
        self.summary
            .planned
            .push(format!("GET {}{target}", request.shown));
    }

    /// The last answer logged for this URL among `statuses`.
    pub(crate) fn logged(&self, request: &Request, statuses: &[u16]) -> Option<&LogRow> {
        self.log.last_with(&request.shown, statuses)
    }

    /// Whether an answer to this URL was kept (a file written, or found already there).
    pub(crate) fn answered(&self, request: &Request) -> bool {
        self.log
            .last_with(&request.shown, &[200, 304])
            .is_some_and(|r| !r.path.is_empty())
    }

    /// `request` with `If-None-Match` / `If-Modified-Since` from the last answer to the
    /// same URL that left a file still on disk, where the server sent an ETag or a date.
    pub(crate) fn conditional(&self, mut request: Request) -> Request {
        let last = self.log.last_with(&request.shown, &[200, 304]).filter(|r| {
            !r.path.is_empty()
                && self.raw.join(&r.path).is_file()
                && (!r.etag.is_empty() || !r.last_modified.is_empty())
        });
        if let Some(row) = last {
            if !row.etag.is_empty() {
                request.headers.push((IF_NONE_MATCH, row.etag.clone()));
            }
            if !row.last_modified.is_empty() {
                request
                    .headers
                    .push((IF_MODIFIED_SINCE, row.last_modified.clone()));
            }
        }
        request
    }

    /// Sends a request (a 200 body to a temporary file in `body_dir`, if given). A
    /// request that got no answer after its retries is logged and returned as an error.
    pub(crate) async fn send(
        &mut self,
        request: &Request,
        body_dir: Option<&Path>,
        periods: &str,
    ) -> Result<Response, FetchError> {
        self.summary.calls += 1;
        match self.http.get(request, body_dir).await {
            Ok(response) => Ok(response),
            Err(failure) => {
                self.log.append(LogRow {
                    source: self.source.to_owned(),
                    url: request.shown.clone(),
                    requested_at: failure.requested_at,
                    http_status: failure.status,
                    periods: periods.to_owned(),
                    note: format!("failed: {}", failure.message),
                    ..LogRow::default()
                })?;
                Err(FetchError::Http {
                    source_name: self.source,
                    url: request.shown.clone(),
                    message: failure.message,
                })
            }
        }
    }

    /// Logs an answer that leaves no new file: `path` names the file already on disk
    /// holding it, if any.
    pub(crate) fn record(
        &mut self,
        request: &Request,
        response: &Response,
        path: &str,
        periods: &str,
        note: &str,
    ) -> Result<(), FetchError> {
        let (bytes, sha256) = response.size();
        self.log.append(LogRow {
            path: path.to_owned(),
            source: self.source.to_owned(),
            url: request.shown.clone(),
            requested_at: response.requested_at.clone(),
            http_status: Some(response.status),
            etag: response.header("etag"),
            last_modified: response.header("last-modified"),
            bytes: Some(bytes),
            sha256,
            periods: periods.to_owned(),
            note: note.to_owned(),
            line: 0,
        })
    }

    /// Keeps a checked 200 body at `relative` (or notes that the same bytes are there),
    /// then logs it. The file is on disk under its name before its log row is written: a
    /// fetch killed between the two asks again and logs the file as unchanged.
    pub(crate) fn keep(
        &mut self,
        request: &Request,
        response: Response,
        relative: &str,
        periods: &str,
        note: &str,
    ) -> Result<Stored, FetchError> {
        let Response {
            status,
            headers,
            body,
            requested_at,
        } = response;
        let Body::File(download) = body else {
            return Err(FetchError::Rejected {
                source_name: self.source,
                url: request.shown.clone(),
                message: "no body to keep".into(),
            });
        };
        let (bytes, sha256) = (download.bytes, download.sha256.clone());
        let stored = store::commit(self.raw, relative, download)?;
        let note = match &stored {
            Stored::Written(_) => note.to_owned(),
            Stored::Unchanged(_) => join_note(note, "unchanged: same bytes as the file on disk"),
        };
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        self.log.append(LogRow {
            path: stored.path().to_owned(),
            source: self.source.to_owned(),
            url: request.shown.clone(),
            requested_at,
            http_status: Some(status),
            etag: header("etag"),
            last_modified: header("last-modified"),
            bytes: Some(bytes),
            sha256,
            periods: periods.to_owned(),
            note,
            line: 0,
        })?;
        match &stored {
            Stored::Written(path) => {
                tracing::info!(source = self.source, file = %path, "fetched");
                self.summary.fetched.push(path.clone());
            }
            Stored::Unchanged(_) => self.summary.unchanged += 1,
        }
        Ok(stored)
    }

    /// A 304 Not Modified: logged with the file on disk it confirms.
    pub(crate) fn not_modified(
        &mut self,
        request: &Request,
        response: &Response,
        relative: &str,
        periods: &str,
    ) -> Result<(), FetchError> {
        let on_disk = store::latest_release(self.raw, relative).unwrap_or_default();
        self.record(
            request,
            response,
            &on_disk,
            periods,
            "unchanged (304 Not Modified)",
        )?;
        self.summary.unchanged += 1;
        Ok(())
    }

    /// Notes a failure of one request; the source goes on unless the error stops it.
    pub(crate) fn fail(&mut self, error: FetchError) -> Result<(), FetchError> {
        if error.stops_source() {
            return Err(error);
        }
        tracing::error!(source = self.source, %error, "request failed");
        self.summary.failed.push(error.to_string());
        Ok(())
    }

    /// Logs an unexpected answer and fails the request with its status and text.
    pub(crate) fn unexpected(
        &mut self,
        request: &Request,
        response: &Response,
        periods: &str,
    ) -> Result<(), FetchError> {
        let message = format!("HTTP {}: {}", response.status, response.text());
        self.record(
            request,
            response,
            "",
            periods,
            &format!("failed: {message}"),
        )?;
        self.fail(FetchError::Http {
            source_name: self.source,
            url: request.shown.clone(),
            message,
        })
    }

    /// Logs a 200 whose body is not the source's shape and fails the request.
    pub(crate) fn rejected(
        &mut self,
        request: &Request,
        response: &Response,
        periods: &str,
        message: String,
    ) -> Result<(), FetchError> {
        self.record(
            request,
            response,
            "",
            periods,
            &format!("rejected: {message}"),
        )?;
        self.fail(FetchError::Rejected {
            source_name: self.source,
            url: request.shown.clone(),
            message,
        })
    }

    /// Today (UTC), `YYYY-MM-DD`.
    pub(crate) fn today() -> String {
        now_rfc3339()[..10].to_owned()
    }
}

/// `a; b`, or whichever is not empty.
pub(crate) fn join_note(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_owned(),
        (_, true) => a.to_owned(),
        _ => format!("{a}; {b}"),
    }
}

/// The path of a 200 body's temporary file.
pub(crate) fn body_path(response: &Response) -> Option<&Path> {
    match &response.body {
        Body::File(d) => Some(d.file.path()),
        Body::Memory(_) => None,
    }
}
