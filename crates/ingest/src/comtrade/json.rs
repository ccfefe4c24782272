//! The v1 API JSON: `{"count":N,"data":[...],"error":""}`, and the same response saved by a
//! client library, wrapped in an object with other keys (`url`, `status_code`, ...) whose
//! `data` is either the records or the whole API response. One line or pretty-printed, with
//! or without a final newline.

use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{ComtradeRecord, from_v1};
use crate::error::{IngestError, Rejected, RowError};

type Each<'a> = &'a mut dyn FnMut(Result<ComtradeRecord, Rejected>);

/// What the walk found besides the records.
#[derive(Default)]
struct Found {
    data: bool,
    wrapped: bool,
    status: Option<String>,
    record: u64,
}

/// Reads the records of a v1 JSON response; returns warnings (a wrapper object, say).
pub(crate) fn read_json(path: &Path, mut each: Each<'_>) -> Result<Vec<String>, IngestError> {
    let file = File::open(path).map_err(|source| IngestError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut de = serde_json::Deserializer::from_reader(BufReader::new(file));
    let mut found = Found::default();
    de.deserialize_map(Response {
        each: &mut each,
        found: &mut found,
        depth: 0,
    })
    .and_then(|()| de.end())
    .map_err(|e| IngestError::Malformed {
        path: path.to_owned(),
        message: format!("not Comtrade v1 JSON: {e}"),
    })?;
    if !found.data {
        let status = found
            .status
            .map(|s| format!(" (status_code {s})"))
            .unwrap_or_default();
        return Err(IngestError::Malformed {
            path: path.to_owned(),
            message: format!(
                "no \"data\" array{status}: expected {{\"count\":..,\"data\":[...],\"error\":\"\"}}, \
                 or a client's wrapper {{\"url\":..,\"status_code\":200,\"data\":...}}"
            ),
        });
    }
    Ok(if found.wrapped {
        vec![
            "the API response was wrapped in an object of a client library (data under \"data\")"
                .into(),
        ]
    } else {
        Vec::new()
    })
}

/// A response object (depth 0), or the API response inside a wrapper's `data` (depth 1).
struct Response<'a, 'b> {
    each: &'b mut Each<'a>,
    found: &'b mut Found,
    depth: u8,
}

impl<'de> Visitor<'de> for Response<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Comtrade v1 response object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "data" => {
                    // A second array would restart the record numbers (found by fuzzing).
                    if self.found.data {
                        return Err(serde::de::Error::duplicate_field("data"));
                    }
                    map.next_value_seed(Data {
                        each: &mut *self.each,
                        found: &mut *self.found,
                        depth: self.depth,
                    })?;
                }
                "error" => {
                    let error: Value = map.next_value()?;
                    let message = match error {
                        Value::Null | Value::Bool(false) => None,
                        Value::String(s) => Some(s).filter(|s| !s.trim().is_empty()),
                        Value::Object(o) if o.is_empty() => None,
                        Value::Array(a) if a.is_empty() => None,
                        other => Some(other.to_string()),
                    };
                    if let Some(e) = message {
                        return Err(serde::de::Error::custom(format!(
                            "the response reports an error: {e}"
                        )));
                    }
                }
                "status_code" | "statusCode" => {
                    let status: Value = map.next_value()?;
                    self.found.status = Some(status.to_string());
                    self.found.wrapped = true;
                }
                "url" => {
                    map.next_value::<IgnoredAny>()?;
                    self.found.wrapped = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// The value of a `data` key: the records, null, or (in a wrapper) the API response.
struct Data<'a, 'b> {
    each: &'b mut Each<'a>,
    found: &'b mut Found,
    depth: u8,
}

impl<'de> DeserializeSeed<'de> for Data<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Data<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of records (or, in a wrapper, the API response object)")
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.found.data = true;
        Ok(())
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        if self.depth > 0 {
            return Err(serde::de::Error::custom(
                "\"data\" holds an object inside an object's \"data\": expected the records",
            ));
        }
        self.found.wrapped = true;
        Response {
            each: self.each,
            found: self.found,
            depth: self.depth + 1,
        }
        .visit_map(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.found.data = true;
        if self.depth > 0 {
            self.found.wrapped = true;
        }
        while let Some(value) = seq.next_element::<Value>()? {
            self.found.record += 1;
            let n = self.found.record;
            let raw = value.to_string();
            let result = match value {
                Value::Object(map) => from_v1(n, &map, raw),
                _ => Err(Rejected {
                    line: n,
                    error: RowError::Missing {
                        field: "record (expected a JSON object)".into(),
                    },
                    raw,
                }),
            };
            (self.each)(result);
        }
        Ok(())
    }
}
