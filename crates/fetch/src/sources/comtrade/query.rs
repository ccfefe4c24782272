//! One Comtrade call (a month, its commodities, flows and partners), its checks before
//! sending, and its parts when its answer is truncated.

use reqwest::header::HeaderName;

use crate::config::digits;
use crate::http::Request;
use crate::period::YearMonth;

/// The header carrying the key (never a URL parameter, so no URL kept holds it).
const KEY_HEADER: &str = "ocp-apim-subscription-key";
/// The API's query-string ceiling.
const MAX_URL: usize = 4096;
/// Flow codes the API knows.
pub(super) const FLOWS: [&str; 12] = [
    "X", "M", "RX", "RM", "DX", "FM", "MIP", "XIP", "MOP", "XOP", "MFR", "XFR",
];

/// A code `cmdCode` takes: HS of 2, 4 or 6 digits, `TOTAL`, `AG2`..`AG6`.
pub(super) fn valid_cmd(c: &str) -> bool {
    matches!(c, "TOTAL" | "AG2" | "AG4" | "AG6") || (digits(c, 2..=6) && c.len().is_multiple_of(2))
}

/// What every call of a fetch shares.
pub(super) struct Ctx {
    pub(super) base: String,
    pub(super) reporter: String,
    pub(super) key: Option<String>,
    pub(super) budget: usize,
}

/// One call: a month, its commodities, flows and partners (empty: all and World).
#[derive(Debug, Clone)]
pub(super) struct Query {
    pub(super) period: YearMonth,
    pub(super) cmds: Vec<String>,
    pub(super) flows: Vec<String>,
    pub(super) partners: Vec<String>,
    /// Partners to split by when the call is truncated at one commodity and flow.
    pub(super) split_partners: Vec<String>,
    /// File-name suffix of the part.
    pub(super) label: String,
}

impl Query {
    pub(super) fn request(&self, ctx: &Ctx) -> Request {
        let path = if ctx.key.is_some() {
            "data/v1/get/C/M/HS"
        } else {
            "public/v1/preview/C/M/HS"
        };
        let mut url = format!(
            "{}/{path}?reporterCode={}&period={}&cmdCode={}&flowCode={}",
            ctx.base,
            ctx.reporter,
            self.period.compact(),
            self.cmds.join(","),
            self.flows.join(",")
        );
        if !self.partners.is_empty() {
            url.push_str(&format!("&partnerCode={}", self.partners.join(",")));
        }
        url.push_str("&partner2Code=0&customsCode=C00&motCode=0&includeDesc=true");
        let request = Request::new(url);
        match &ctx.key {
            Some(key) => request.header(HeaderName::from_static(KEY_HEADER), key.clone()),
            None => request,
        }
    }

    pub(super) fn relative(&self, ctx: &Ctx) -> String {
        format!(
            "comtrade/v1/comtrade_v1_M_{}_{}_HS{}.json",
            ctx.reporter,
            self.period.compact(),
            self.label
        )
    }

    /// Malformed parameters, refused before sending.
    pub(super) fn validate(&self, url: &str) -> Result<(), String> {
        if !self.cmds.iter().all(|c| valid_cmd(c)) {
            return Err(format!("cmdCode {:?}", self.cmds));
        }
        if !self.flows.iter().all(|f| FLOWS.contains(&f.as_str())) {
            return Err(format!("flowCode {:?}", self.flows));
        }
        if !self.partners.iter().all(|p| digits(p, 1..=4)) {
            return Err(format!("partnerCode {:?}", self.partners));
        }
        if url.len() > MAX_URL {
            return Err(format!(
                "the URL is {} characters, over the API's {MAX_URL}",
                url.len()
            ));
        }
        Ok(())
    }

    /// The parts of a truncated call: by commodity, then flow, then partner.
    pub(super) fn split(&self) -> Option<(&'static str, Vec<Query>)> {
        let part = |q: Query, suffix: String| Query {
            label: format!("{}_{suffix}", self.label),
            ..q
        };
        if self.cmds.len() > 1 {
            let parts = self.cmds.iter().map(|c| {
                part(
                    Query {
                        cmds: vec![c.clone()],
                        ..self.clone()
                    },
                    format!("c{c}"),
                )
            });
            return Some(("commodity", parts.collect()));
        }
        if self.flows.len() > 1 {
            let parts = self.flows.iter().map(|f| {
                part(
                    Query {
                        flows: vec![f.clone()],
                        ..self.clone()
                    },
                    f.clone(),
                )
            });
            return Some(("flow", parts.collect()));
        }
        if self.partners.is_empty() && !self.split_partners.is_empty() {
            let parts = self.split_partners.iter().map(|p| {
                part(
                    Query {
                        partners: vec![p.clone()],
                        split_partners: Vec::new(),
                        ..self.clone()
                    },
                    format!("p{p}"),
                )
            });
            return Some(("partner", parts.collect()));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn splits_by_commodity_then_flow_then_partner() {
        let q = Query {
            period: YearMonth {
                year: 2025,
                month: 11,
            },
            cmds: vec!["850511".into(), "2846".into()],
            flows: vec!["X".into(), "M".into()],
            partners: Vec::new(),
            split_partners: vec!["842".into(), "392".into()],
            label: String::new(),
        };
        let (by, parts) = q.split().unwrap();
        assert_eq!(
            (by, parts.len(), parts[1].label.as_str()),
            ("commodity", 2, "_c2846")
        );
        let (by, parts) = parts[0].split().unwrap();
        assert_eq!((by, parts[1].label.as_str()), ("flow", "_c850511_M"));
        let (by, parts) = parts[0].split().unwrap();
        assert_eq!(
            (by, parts[0].label.as_str()),
            ("partner", "_c850511_X_p842")
        );
        assert!(parts[0].split().is_none());
        assert!(
            valid_cmd("2846") && valid_cmd("TOTAL") && !valid_cmd("85051") && !valid_cmd("8505x1")
        );
    }
}
