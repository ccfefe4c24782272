//! Field names and flow codes of the Comtrade layouts.

/// The 47 field names of the v1 API (JSON keys and the v1 CSV header). ComtradePlus CSV
/// downloads write the same names in PascalCase (`CmdCode`, `CIFValue`): header names are
/// matched without regard to case.
pub const V1_FIELDS: [&str; 47] = [
    "typeCode",
    "freqCode",
    "refPeriodId",
    "refYear",
    "refMonth",
    "period",
    "reporterCode",
    "reporterISO",
    "reporterDesc",
    "flowCode",
    "flowDesc",
    "partnerCode",
    "partnerISO",
    "partnerDesc",
    "partner2Code",
    "partner2ISO",
    "partner2Desc",
    "classificationCode",
    "classificationSearchCode",
    "isOriginalClassification",
    "cmdCode",
    "cmdDesc",
    "aggrLevel",
    "isLeaf",
    "customsCode",
    "customsDesc",
    "mosCode",
    "motCode",
    "motDesc",
    "qtyUnitCode",
    "qtyUnitAbbr",
    "qty",
    "isQtyEstimated",
    "altQtyUnitCode",
    "altQtyUnitAbbr",
    "altQty",
    "isAltQtyEstimated",
    "netWgt",
    "isNetWgtEstimated",
    "grossWgt",
    "isGrossWgtEstimated",
    "cifvalue",
    "fobvalue",
    "primaryValue",
    "legacyEstimationFlag",
    "isReported",
    "isAggregate",
];

/// The v1 name of a header name written in any case, or `None`.
pub(crate) fn v1_name(header: &str) -> Option<&'static str> {
    V1_FIELDS
        .iter()
        .find(|f| f.eq_ignore_ascii_case(header))
        .copied()
}

/// Legacy v0 column names and the v1 names they are read as.
pub(crate) const LEGACY_FIELDS: [(&str, &str); 22] = [
    ("Classification", "classificationCode"),
    ("Year", "refYear"),
    ("Period", "period"),
    ("Aggregate Level", "aggrLevel"),
    ("Is Leaf Code", "isLeaf"),
    ("Trade Flow Code", "flowCode"),
    ("Trade Flow", "flowDesc"),
    ("Reporter Code", "reporterCode"),
    ("Reporter", "reporterDesc"),
    ("Reporter ISO", "reporterISO"),
    ("Partner Code", "partnerCode"),
    ("Partner ISO", "partnerISO"),
    ("Partner", "partnerDesc"),
    ("2nd Partner Code", "partner2Code"),
    ("2nd Partner ISO", "partner2ISO"),
    ("Customs Proc. Code", "customsCode"),
    ("Mode of Transport Code", "motCode"),
    ("Commodity Code", "cmdCode"),
    ("Qty Unit", "qtyUnitAbbr"),
    ("Qty", "qty"),
    ("Netweight (kg)", "netWgt"),
    ("Trade Value (US$)", "primaryValue"),
];

/// Legacy columns read besides [`LEGACY_FIELDS`] (kept out of that table to keep the
/// pairs above in header order).
pub(crate) const LEGACY_VALUES: [(&str, &str); 2] = [
    ("CIF Trade Value (US$)", "cifvalue"),
    ("FOB Trade Value (US$)", "fobvalue"),
];

/// Comtrade flow letters and their names in the v1 reference list (`flowDesc`).
pub(crate) const FLOWS: [(&str, &str); 10] = [
    ("M", "Import"),
    ("X", "Export"),
    ("RM", "Re-import"),
    ("RX", "Re-export"),
    ("DX", "Domestic Export"),
    ("FM", "Foreign Import"),
    ("MIP", "Import of goods for inward processing"),
    ("XIP", "Export of goods after inward processing"),
    ("MOP", "Import of goods after outward processing"),
    ("XOP", "Export of goods for outward processing"),
];

/// The flow letters of a legacy row: `Trade Flow Code` 1-4 (the old site), letters in
/// either column, or (code 0, the newer site) the `Trade Flow` column as letters or name.
/// Anything else is returned as written, for the reject to name.
pub(crate) fn legacy_flow(code: Option<&str>, desc: Option<&str>) -> Option<String> {
    let letters = |t: &str| {
        FLOWS
            .iter()
            .find(|(l, name)| l.eq_ignore_ascii_case(t) || name.eq_ignore_ascii_case(t))
            .map(|(l, _)| (*l).to_owned())
    };
    let code = code.map(str::trim).filter(|c| !c.is_empty());
    match code {
        Some("1") => return Some("M".into()),
        Some("2") => return Some("X".into()),
        Some("3") => return Some("RX".into()),
        Some("4") => return Some("RM".into()),
        Some(c) if c != "0" => {
            if let Some(l) = letters(c) {
                return Some(l);
            }
        }
        _ => {}
    }
    let desc = desc.map(str::trim).filter(|d| !d.is_empty());
    desc.and_then(letters)
        .or_else(|| code.filter(|c| *c != "0").map(str::to_owned))
        .or_else(|| desc.map(str::to_owned))
}
