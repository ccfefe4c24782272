//! The legacy v0 CSV (`Classification,Year,Period,...,Trade Value (US$),Flag`): its column
//! names read as v1 names, and its flow (numbers on the old site, letters on the newer one).

use serde_json::{Map, Value};

use super::codes::{LEGACY_FIELDS, LEGACY_VALUES, legacy_flow};

/// Whether a header is the legacy one.
pub(crate) fn is_legacy(names: &[String]) -> bool {
    names.iter().any(|n| n == "Trade Value (US$)") && names.iter().any(|n| n == "Commodity Code")
}

/// The v1 name of each legacy column (`legacy:<name>` for columns not read).
pub(crate) fn keys(names: &[String]) -> Vec<String> {
    names
        .iter()
        .map(|n| {
            LEGACY_FIELDS
                .iter()
                .chain(LEGACY_VALUES.iter())
                .find(|(legacy, _)| legacy == n)
                .map_or_else(|| format!("legacy:{n}"), |(_, v1)| (*v1).to_owned())
        })
        .collect()
}

/// Puts the flow letters in `flowCode` (from `Trade Flow Code`, or from `Trade Flow` when
/// the code is 0).
pub(crate) fn fix_flow(map: &mut Map<String, Value>) {
    let code = map.get("flowCode").and_then(Value::as_str);
    let desc = map.get("flowDesc").and_then(Value::as_str);
    let flow = legacy_flow(code, desc).unwrap_or_default();
    map.insert("flowCode".into(), Value::String(flow));
}
