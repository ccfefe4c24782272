//! One HTTP client per source: its rate limiter (governor), its redirect policy, timeouts,
//! and retries with exponential backoff and jitter (backon) on timeouts, connection
//! errors, bodies cut short, 5xx and 429, honouring `Retry-After`. A 200 body streams into
//! a hidden temporary file in the folder it is meant for, hashed on the way; other bodies
//! are kept in memory (they are error texts). A failed attempt leaves no file.

use std::num::NonZeroU32;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use backon::{ExponentialBuilder, Retryable};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::FetchError;
use crate::config::HttpConfig;
use crate::period::now_rfc3339;
use crate::store::{Download, Hashing, temp_in};

/// Error bodies kept at most.
const ERROR_BODY_BYTES: usize = 64 * 1024;
/// In-memory 200 bodies (metadata answers) at most.
const MEMORY_BODY_BYTES: usize = 64 * 1024 * 1024;

/// A request: the URL as sent and as shown (key redacted), and its headers.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// As sent: may hold a key.
    pub(crate) url: String,
    /// As logged and shown: no key.
    pub(crate) shown: String,
    pub(crate) headers: Vec<(HeaderName, String)>,
}

impl Request {
    pub(crate) fn new(url: String) -> Request {
        Request {
            shown: crate::log::redact(&url),
            url,
            headers: Vec::new(),
        }
    }

    pub(crate) fn header(mut self, name: HeaderName, value: impl Into<String>) -> Request {
        self.headers.push((name, value.into()));
        self
    }
}

/// An answer's body.
#[derive(Debug)]
pub(crate) enum Body {
    /// In memory (errors, small metadata answers, 3xx, 204).
    Memory(Vec<u8>),
    /// A 200 body in a hidden temporary file of the target folder.
    File(Download),
}

/// An answer (any status that is not retried).
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Body,
    /// When the attempt that got this answer was sent.
    pub(crate) requested_at: String,
}

impl Response {
    pub(crate) fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    }

    /// The in-memory body as text, HTML tags stripped, whitespace folded (for messages).
    pub(crate) fn text(&self) -> String {
        match &self.body {
            Body::Memory(bytes) => plain_text(bytes),
            Body::File(_) => String::new(),
        }
    }

    /// Bytes and hash of the body (hash only for file bodies).
    pub(crate) fn size(&self) -> (u64, String) {
        match &self.body {
            Body::Memory(b) => (b.len() as u64, String::new()),
            Body::File(d) => (d.bytes, d.sha256.clone()),
        }
    }
}

/// Text of an error body: the `message` (or `errorObject.errorMessage`) of a JSON error,
/// else the text with HTML tags dropped; whitespace folded, at most 500 characters.
pub(crate) fn plain_text(bytes: &[u8]) -> String {
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(bytes) {
        let message = json
            .get("message")
            .or_else(|| json.pointer("/errorObject/errorMessage"))
            .and_then(|m| m.as_str());
        if let Some(message) = message {
            return plain_text(message.as_bytes());
        }
    }
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let folded = out.split_whitespace().collect::<Vec<_>>().join(" ");
    folded.chars().take(500).collect()
}

/// A request that got no answer worth keeping, after its retries.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) message: String,
    /// The last status, when the server answered.
    pub(crate) status: Option<u16>,
    pub(crate) requested_at: String,
}

/// Why one attempt failed.
#[derive(Debug)]
struct AttemptError {
    message: String,
    status: Option<u16>,
    retry_after: Option<Duration>,
    transient: bool,
    requested_at: String,
}

/// A source's client.
pub(crate) struct Http {
    client: reqwest::Client,
    limiter: DefaultDirectRateLimiter,
    config: HttpConfig,
}

impl Http {
    /// A client for one source: `requests_per_minute` at most (no burst), redirects
    /// followed (up to 5) or not.
    pub(crate) fn new(
        config: &HttpConfig,
        requests_per_minute: u32,
        follow_redirects: bool,
    ) -> Result<Http, FetchError> {
        let redirect = if follow_redirects {
            reqwest::redirect::Policy::limited(5)
        } else {
            reqwest::redirect::Policy::none()
        };
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .redirect(redirect)
            .connect_timeout(Duration::from_secs(config.connect_timeout_secs))
            .read_timeout(Duration::from_secs(config.read_timeout_secs))
            .timeout(Duration::from_secs(config.timeout_secs))
            .build()
            .map_err(|e| FetchError::Usage(format!("HTTP client: {}", chain(e))))?;
        let rate = NonZeroU32::new(requests_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_minute(rate).allow_burst(NonZeroU32::MIN);
        Ok(Http {
            client,
            limiter: RateLimiter::direct(quota),
            config: config.clone(),
        })
    }

    /// Sends `request`, retrying transient failures. A 200 body goes to a temporary file
    /// in `body_dir` when one is given.
    pub(crate) async fn get(
        &self,
        request: &Request,
        body_dir: Option<&Path>,
    ) -> Result<Response, Failure> {
        let c = &self.config;
        let backoff = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(c.min_backoff_ms))
            .with_max_delay(Duration::from_secs(c.max_backoff_secs.max(1)))
            .with_max_times(c.retries)
            .with_jitter();
        let attempts = AtomicUsize::new(0);
        let result = (|| {
            attempts.fetch_add(1, Ordering::Relaxed);
            self.attempt(request, body_dir)
        })
        .retry(backoff)
        .when(|e: &AttemptError| e.transient)
        .adjust(|e: &AttemptError, backoff| match (backoff, e.retry_after) {
            (Some(_), Some(after)) => Some(after),
            (backoff, _) => backoff,
        })
        .notify(|e: &AttemptError, wait: Duration| {
            tracing::warn!(url = %request.shown, error = %e.message, ?wait, "retrying");
        })
        .await;
        result.map_err(|e| {
            let n = attempts.load(Ordering::Relaxed);
            Failure {
                message: if n > 1 {
                    format!("{} (after {n} attempts)", e.message)
                } else {
                    e.message
                },
                status: e.status,
                requested_at: e.requested_at,
            }
        })
    }

    async fn attempt(
        &self,
        request: &Request,
        body_dir: Option<&Path>,
    ) -> Result<Response, AttemptError> {
        self.limiter.until_ready().await;
        let requested_at = now_rfc3339();
        let fail = |message: String, transient: bool| AttemptError {
            message,
            status: None,
            retry_after: None,
            transient,
            requested_at: requested_at.clone(),
        };
        let mut builder = self.client.get(&request.url);
        for (name, value) in &request.headers {
            let value = HeaderValue::from_str(value)
                .map_err(|_| fail(format!("header {name}: not a header value"), false))?;
            builder = builder.header(name.clone(), value);
        }
        tracing::debug!(url = %request.shown, "GET");
        let mut resp = builder.send().await.map_err(|e| fail(transport(e), true))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let transient_status = status == 429 || status == 408 || (status >= 500 && status != 501);
        let to_file = status == 200 && body_dir.is_some();
        if !to_file {
            let cap = if status == 200 {
                MEMORY_BODY_BYTES
            } else {
                ERROR_BODY_BYTES
            };
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| fail(transport(e), true))? {
                let room = cap.saturating_sub(body.len());
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if status == 200 && chunk.len() > room {
                    return Err(fail(format!("answer larger than {cap} bytes"), false));
                }
            }
            if transient_status {
                let retry_after = retry_after(&headers);
                let mut message = format!("HTTP {status}: {}", plain_text(&body));
                let max = Duration::from_secs(self.config.max_retry_after_secs);
                let too_long = retry_after.is_some_and(|after| after > max);
                if let (true, Some(after)) = (too_long, retry_after) {
                    message.push_str(&format!(
                        " (Retry-After {} s is more than http.max_retry_after_secs = {})",
                        after.as_secs(),
                        max.as_secs()
                    ));
                }
                return Err(AttemptError {
                    status: Some(status),
                    retry_after,
                    transient: !too_long,
                    ..fail(message, true)
                });
            }
            return Ok(Response {
                status,
                headers,
                body: Body::Memory(body),
                requested_at,
            });
        }
        let dir = body_dir.unwrap_or_else(|| Path::new("."));
        // Read before the body: afterwards the body's size hint is what is left.
        let expected = resp.content_length();
        let file = temp_in(dir).map_err(|e| fail(e.to_string(), false))?;
        let mut out = Hashing::new(file);
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| fail(format!("body cut short: {}", transport(e)), true))?
        {
            out.write_chunk(&chunk)
                .map_err(|e| fail(format!("{}: {e}", dir.display()), false))?;
        }
        let (file, bytes, sha256) = out.finish();
        if let Some(expected) = expected.filter(|&n| n != bytes) {
            return Err(fail(
                format!("body cut short: {bytes} of {expected} bytes"),
                true,
            ));
        }
        Ok(Response {
            status,
            headers,
            body: Body::File(Download {
                file,
                bytes,
                sha256,
            }),
            requested_at,
        })
    }
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

/// A transport error with its causes, never its URL (which may hold a key).
fn transport(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "connection cut in the body"
    } else {
        "request failed"
    };
    format!("{kind}: {}", chain(e))
}

fn chain(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut parts = vec![e.to_string()];
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.dedup();
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_read_as_text() {
        assert_eq!(
            plain_text(b"<html><body><h1>error:</h1> unknown variable 'FOO'</body></html>"),
            "error: unknown variable 'FOO'"
        );
        assert_eq!(
            plain_text(
                br#"{"statusCode":401,"message":"Access denied due to invalid subscription key."}"#
            ),
            "Access denied due to invalid subscription key."
        );
        assert_eq!(
            plain_text(br#"{"errorObject":{"errorMessage":"bad cmdCode"}}"#),
            "bad cmdCode"
        );
    }

    #[test]
    fn retry_after_in_seconds_or_a_date() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
    }
}
