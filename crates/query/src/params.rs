//! Parameters of saved queries: declared in the header, given on the command line as
//! `--param NAME=VALUE`, bound through DataFusion's placeholders (`$NAME`) as typed values.
//! A month parameter also takes [`LATEST`], read from the warehouse ([`resolve_latest`]).

use datafusion::common::ParamValues;
use datafusion::scalar::ScalarValue;

use rareflow_normalize::period::{days_from_civil, parse_date};

use crate::error::QueryError;
use crate::exec::QuerySession;
use crate::format::format_month;
use crate::suggest::closest;

/// The value of a month parameter that means the latest month for which China Customs
/// detail is loaded ([`QuerySession::latest_detail_month`]); any case.
pub const LATEST: &str = "latest";

/// Type of a parameter, which says how its text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// `YYYY-MM`, bound as the DATE of the first day of the month.
    Month,
    /// `YYYY-MM-DD`, bound as a DATE.
    Date,
    /// Whole number, bound as BIGINT.
    Int,
    /// Number, bound as DOUBLE.
    Float,
    /// Text, bound as VARCHAR.
    Text,
}

impl ParamType {
    /// Parses the type name used in headers.
    pub fn from_name(name: &str) -> Option<ParamType> {
        Some(match name {
            "month" => ParamType::Month,
            "date" => ParamType::Date,
            "int" => ParamType::Int,
            "float" => ParamType::Float,
            "text" => ParamType::Text,
            _ => return None,
        })
    }

    /// Name used in headers and messages.
    pub fn name(self) -> &'static str {
        match self {
            ParamType::Month => "month",
            ParamType::Date => "date",
            ParamType::Int => "int",
            ParamType::Float => "float",
            ParamType::Text => "text",
        }
    }

    /// Reads a value of this type.
    pub fn parse(self, text: &str) -> Result<ScalarValue, String> {
        let t = text.trim();
        match self {
            ParamType::Month => {
                let (y, m) = t
                    .split_once('-')
                    .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))
                    .filter(|(y, m)| (1900..=2200).contains(y) && (1..=12).contains(m))
                    .ok_or_else(|| format!("expected a month as YYYY-MM, got {text:?}"))?;
                Ok(ScalarValue::Date32(Some(days_from_civil(y, m, 1))))
            }
            ParamType::Date => parse_date(t)
                .map(|days| ScalarValue::Date32(Some(days)))
                .ok_or_else(|| format!("expected a date as YYYY-MM-DD, got {text:?}")),
            ParamType::Int => t
                .parse::<i64>()
                .map(|v| ScalarValue::Int64(Some(v)))
                .map_err(|_| format!("expected a whole number, got {text:?}")),
            ParamType::Float => t
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(|v| ScalarValue::Float64(Some(v)))
                .ok_or_else(|| format!("expected a number, got {text:?}")),
            ParamType::Text => Ok(ScalarValue::Utf8(Some(text.to_owned()))),
        }
    }
}

/// A declared parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    /// Name, used as `$name` in the SQL.
    pub name: String,
    /// Type.
    pub ty: ParamType,
    /// Default value text, if any.
    pub default: Option<String>,
    /// What it means.
    pub help: String,
}

/// Binds `given` (`NAME=VALUE` pairs) against `specs`, filling defaults. Unknown names,
/// missing values and malformed values are errors that say what was expected.
pub fn bind(specs: &[ParamSpec], given: &[(String, String)]) -> Result<ParamValues, QueryError> {
    for (name, _) in given {
        if !specs.iter().any(|s| &s.name == name) {
            let known: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
            return Err(QueryError::Param {
                name: name.clone(),
                message: if known.is_empty() {
                    "this query takes no parameters".into()
                } else {
                    let hint = closest(name, known.iter().copied())
                        .map(|s| format!(" (did you mean {s}?)"))
                        .unwrap_or_default();
                    format!("unknown; this query takes {}{hint}", known.join(", "))
                },
            });
        }
    }
    let mut values = Vec::with_capacity(specs.len());
    for spec in specs {
        let text = given
            .iter()
            .rev()
            .find(|(n, _)| n == &spec.name)
            .map(|(_, v)| v.as_str())
            .or(spec.default.as_deref())
            .ok_or_else(|| QueryError::Param {
                name: spec.name.clone(),
                message: format!(
                    "missing: pass --param {}=<{}> ({})",
                    spec.name,
                    spec.ty.name(),
                    spec.help
                ),
            })?;
        let value = spec.ty.parse(text).map_err(|message| QueryError::Param {
            name: spec.name.clone(),
            message,
        })?;
        values.push((spec.name.clone(), value));
    }
    Ok(ParamValues::from(values))
}

/// Whether `text` is [`LATEST`].
pub fn is_latest(text: &str) -> bool {
    text.trim().eq_ignore_ascii_case(LATEST)
}

/// The month parameters of `specs` whose value (given last, or else their default) is
/// [`LATEST`].
fn latest_params<'a>(specs: &'a [ParamSpec], given: &[(String, String)]) -> Vec<&'a str> {
    specs
        .iter()
        .filter(|spec| spec.ty == ParamType::Month)
        .filter(|spec| {
            given
                .iter()
                .rev()
                .find(|(n, _)| n == &spec.name)
                .map(|(_, v)| v.as_str())
                .or(spec.default.as_deref())
                .is_some_and(is_latest)
        })
        .map(|spec| spec.name.as_str())
        .collect()
}

/// `given` with each month parameter that says [`LATEST`] (or defaults to it) given as
/// `latest` (`YYYY-MM`, the first day of the month in days since 1970-01-01) instead;
/// `None` (no China Customs detail loaded) is an error naming the parameter.
fn replace_latest(
    specs: &[ParamSpec],
    given: &[(String, String)],
    latest: Option<i32>,
) -> Result<Vec<(String, String)>, QueryError> {
    let names = latest_params(specs, given);
    let mut out = given.to_vec();
    for name in names {
        let month = latest.ok_or_else(|| QueryError::Param {
            name: name.to_owned(),
            message: "latest: no China Customs detail (trade_flows rows of source gacc) is \
                      loaded; pass a month as YYYY-MM"
                .into(),
        })?;
        let month = format_month(month);
        let mut found = false;
        for (_, v) in out.iter_mut().filter(|(n, _)| n == name) {
            found = true;
            if is_latest(v) {
                v.clone_from(&month);
            }
        }
        if !found {
            // `latest` is the default.
            out.push((name.to_owned(), month));
        }
    }
    Ok(out)
}

/// Checks `given` against `specs` as [`bind`] does, without the warehouse: [`LATEST`]
/// passes for a month parameter. Usage errors come before the warehouse is opened.
pub fn check(specs: &[ParamSpec], given: &[(String, String)]) -> Result<(), QueryError> {
    bind(specs, &replace_latest(specs, given, Some(0))?).map(drop)
}

/// `given` with [`LATEST`] read as the latest month for which China Customs detail is
/// loaded in `session`, for every month parameter that says it (given or as its default;
/// the warehouse is asked only then): what [`bind`] then binds, and what a chart's title
/// names. No detail loaded is a usage error ([`QueryError::Param`]).
pub async fn resolve_latest(
    session: &QuerySession,
    specs: &[ParamSpec],
    given: &[(String, String)],
) -> Result<Vec<(String, String)>, QueryError> {
    if latest_params(specs, given).is_empty() {
        return Ok(given.to_vec());
    }
    let latest = session.latest_detail_month().await?;
    replace_latest(specs, given, latest)
}

/// Splits `NAME=VALUE`.
pub fn parse_assignment(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, got {text:?}"))?;
    let name = name.trim().trim_start_matches('$');
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("bad parameter name {name:?}"));
    }
    Ok((name.to_owned(), value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, ty: ParamType, default: Option<&str>) -> ParamSpec {
        ParamSpec {
            name: name.into(),
            ty,
            default: default.map(str::to_owned),
            help: "help".into(),
        }
    }

    #[test]
    fn values_parse_to_typed_scalars() {
        // 2025-11-01 is day 20393 since 1970-01-01 (55 years with 14 leap days: 55*365+14 = 20089,
        // plus 304 days for January to October 2025).
        assert_eq!(
            ParamType::Month.parse("2025-11"),
            Ok(ScalarValue::Date32(Some(20393)))
        );
        assert_eq!(
            ParamType::Date.parse("2025-11-01"),
            Ok(ScalarValue::Date32(Some(20393)))
        );
        assert_eq!(
            ParamType::Int.parse(" 10 "),
            Ok(ScalarValue::Int64(Some(10)))
        );
        assert_eq!(
            ParamType::Float.parse("2.5"),
            Ok(ScalarValue::Float64(Some(2.5)))
        );
        assert_eq!(
            ParamType::Text.parse(" Dy"),
            Ok(ScalarValue::Utf8(Some(" Dy".into())))
        );
    }

    #[test]
    fn malformed_values_say_what_was_expected() {
        assert_eq!(
            ParamType::Month.parse("2025-13"),
            Err("expected a month as YYYY-MM, got \"2025-13\"".into())
        );
        assert!(ParamType::Month.parse("November").is_err());
        assert!(ParamType::Date.parse("2025-11-xx").is_err());
        assert_eq!(
            ParamType::Int.parse("1.5"),
            Err("expected a whole number, got \"1.5\"".into())
        );
        assert!(ParamType::Float.parse("NaN").is_err());
        assert!(ParamType::Float.parse("inf").is_err());
    }

    #[test]
    fn type_names_round_trip() {
        for ty in [
            ParamType::Month,
            ParamType::Date,
            ParamType::Int,
            ParamType::Float,
            ParamType::Text,
        ] {
            assert_eq!(ParamType::from_name(ty.name()), Some(ty));
        }
        assert_eq!(ParamType::from_name("weekday"), None);
    }

    #[test]
    fn assignments_split_on_the_first_equals_sign() {
        assert_eq!(
            parse_assignment("element=Dy"),
            Ok(("element".into(), "Dy".into()))
        );
        assert_eq!(parse_assignment("$q=a=b"), Ok(("q".into(), "a=b".into())));
        assert_eq!(
            parse_assignment("month"),
            Err("expected NAME=VALUE, got \"month\"".into())
        );
        assert_eq!(
            parse_assignment("a b=1"),
            Err("bad parameter name \"a b\"".into())
        );
    }

    #[test]
    fn binding_fills_defaults_and_the_last_value_wins() {
        let specs = [
            spec("month", ParamType::Month, Some("2025-11")),
            spec("top", ParamType::Int, None),
        ];
        let given = [
            ("top".to_owned(), "3".to_owned()),
            ("top".to_owned(), "5".to_owned()),
        ];
        let ParamValues::Map(values) = bind(&specs, &given).unwrap() else {
            panic!("expected named values");
        };
        assert_eq!(values["month"].value, ScalarValue::Date32(Some(20393)));
        assert_eq!(values["top"].value, ScalarValue::Int64(Some(5)));
    }

    #[test]
    fn latest_is_replaced_for_month_parameters_only() {
        let specs = [
            spec("month", ParamType::Month, Some("2025-11")),
            spec("since", ParamType::Month, Some("LATEST")),
            spec("partner", ParamType::Text, None),
        ];
        let given = [
            ("month".to_owned(), " Latest ".to_owned()),
            ("partner".to_owned(), "latest".to_owned()),
        ];
        // 2026-03-01 is day 20513: 2026-01-01 is 56*365+14 = 20454, then 31+28 days.
        let replaced = replace_latest(&specs, &given, Some(20513)).unwrap();
        let ParamValues::Map(values) = bind(&specs, &replaced).unwrap() else {
            panic!("expected named values");
        };
        assert_eq!(values["month"].value, ScalarValue::Date32(Some(20513)));
        assert_eq!(values["since"].value, ScalarValue::Date32(Some(20513)));
        // A text parameter keeps the word.
        assert_eq!(
            values["partner"].value,
            ScalarValue::Utf8(Some("latest".into()))
        );
        // The month is named as the user would write it, where `latest` was.
        assert_eq!(
            replaced,
            [
                ("month".to_owned(), "2026-03".to_owned()),
                ("partner".to_owned(), "latest".to_owned()),
                ("since".to_owned(), "2026-03".to_owned()),
            ]
        );
        // A month given later than `latest` wins, as any value given last does.
        let given = [
            ("month".to_owned(), "latest".to_owned()),
            ("month".to_owned(), "2025-10".to_owned()),
        ];
        let replaced = replace_latest(&specs[..1], &given, Some(20513)).unwrap();
        let ParamValues::Map(values) = bind(&specs[..1], &replaced).unwrap() else {
            panic!("expected named values");
        };
        assert_eq!(values["month"].value, ScalarValue::Date32(Some(20362)));
    }

    #[test]
    fn latest_without_china_customs_detail_is_a_usage_error() {
        let specs = [spec("month", ParamType::Month, None)];
        let given = [("month".to_owned(), "latest".to_owned())];
        let err = replace_latest(&specs, &given, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "parameter month: latest: no China Customs detail (trade_flows rows of source gacc) \
             is loaded; pass a month as YYYY-MM"
        );
        assert!(err.is_usage());
        // Checking without the warehouse lets `latest` pass, and nothing else new.
        assert!(check(&specs, &given).is_ok());
        let bad = [("month".to_owned(), "latests".to_owned())];
        assert!(check(&specs, &bad).unwrap_err().is_usage());
        // Not asked for: the given values as they are, with no month to look up.
        let plain = [("month".to_owned(), "2025-11".to_owned())];
        assert_eq!(replace_latest(&specs, &plain, None).unwrap(), plain);
    }

    #[test]
    fn binding_errors_name_the_parameter() {
        let specs = [spec("month", ParamType::Month, None)];
        let missing = bind(&specs, &[]).unwrap_err();
        assert_eq!(
            missing.to_string(),
            "parameter month: missing: pass --param month=<month> (help)"
        );
        let unknown = bind(&specs, &[("mnth".into(), "2025-11".into())]).unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "parameter mnth: unknown; this query takes month (did you mean month?)"
        );
        assert!(unknown.is_usage());
        let none = bind(&[], &[("x".into(), "1".into())]).unwrap_err();
        assert_eq!(
            none.to_string(),
            "parameter x: this query takes no parameters"
        );
    }
}
