//! Units of quantity: which reported unit names are weights, and their factor to kilograms.
//!
//! | weight | names read (any case) | kilograms |
//! |---|---|---|
//! | gram | `克`, `g`, `gram`, `grams` | 0.001 |
//! | kilogram | `千克`, `公斤`, `kg`, `kgm` (UN/ECE Rec. 20), `kilogram(s)`, `Weight in kilograms` (Comtrade legacy) | 1 |
//! | 100 kg (metric quintal) | `公担`, `100 kg`, `100kg`, `quintal(s)`, `dtn` (UN/ECE decitonne) | 100 |
//! | metric tonne | `吨`, `公吨`, `t` (US Census `T` is the metric ton), `tne` (UN/ECE), `tonne(s)`, `metric ton(s)` | 1,000 |
//! | US short ton (2,000 lb) | `short ton(s)`, `net ton(s)`, `stn` (UN/ECE), `短吨`, `美吨` | 907.18474 |
//! | UK long ton (2,240 lb) | `long ton(s)`, `ltn` (UN/ECE), `长吨`, `英吨` | 1,016.0469088 |
//!
//! A bare `ton` / `tons` is any of the last three, depending on who writes it, so it is not
//! converted ([`kg_factor`] gives `None`: no kilograms rather than wrong ones), except where
//! a source documents what it means: China Customs' English downloads write `Ton` for its
//! legal unit 吨, a metric tonne ([`china_customs_kg_factor`]). Counts (`Number of item`,
//! `个`), carats (customs uses them only for gems, whose kilograms come separately) and
//! content weights (Census `CKG`, `CGM`: kilograms of the metal contained, not of the goods)
//! are not weights of the goods and are not converted either.

/// A unit of weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// 0.001 kg.
    Gram,
    /// 1 kg.
    Kilogram,
    /// 100 kg (metric quintal, 公担).
    Quintal,
    /// 1,000 kg (metric ton, 吨).
    Tonne,
    /// 2,000 lb = 907.18474 kg (US ton).
    ShortTon,
    /// 2,240 lb = 1,016.0469088 kg (UK imperial ton).
    LongTon,
}

impl Weight {
    /// Kilograms in one unit (the pound is 0.45359237 kg exactly).
    pub const fn kg(self) -> f64 {
        match self {
            Weight::Gram => 0.001,
            Weight::Kilogram => 1.0,
            Weight::Quintal => 100.0,
            Weight::Tonne => 1000.0,
            Weight::ShortTon => 907.184_74,
            Weight::LongTon => 1_016.046_908_8,
        }
    }

    /// The weight a unit name means wherever it is written (see the module table); `None`
    /// for anything else, a bare `ton` included.
    pub fn from_name(unit: &str) -> Option<Weight> {
        let u = unit.trim();
        let lower = u.to_ascii_lowercase();
        Some(match (u, lower.as_str()) {
            ("克", _) | (_, "g" | "gram" | "grams") => Weight::Gram,
            ("千克" | "公斤", _)
            | (_, "kg" | "kgm" | "kilogram" | "kilograms" | "weight in kilograms") => {
                Weight::Kilogram
            }
            ("公担", _) | (_, "100 kg" | "100kg" | "quintal" | "quintals" | "dtn") => {
                Weight::Quintal
            }
            ("吨" | "公吨", _)
            | (_, "t" | "tne" | "tonne" | "tonnes" | "metric ton" | "metric tons") => Weight::Tonne,
            ("短吨" | "美吨", _)
            | (_, "short ton" | "short tons" | "net ton" | "net tons" | "stn") => Weight::ShortTon,
            ("长吨" | "英吨", _) | (_, "long ton" | "long tons" | "ltn") => Weight::LongTon,
            _ => return None,
        })
    }
}

/// Factor from a reported unit to kilograms, or `None` when the unit is not a weight of
/// the goods or does not say which weight (a bare `ton`).
pub fn kg_factor(unit: &str) -> Option<f64> {
    Weight::from_name(unit).map(Weight::kg)
}

/// As [`kg_factor`], in China Customs' unit names: its English `Ton` (`Tons`) is the legal
/// unit 吨, a metric tonne.
pub fn china_customs_kg_factor(unit: &str) -> Option<f64> {
    match unit.trim().to_ascii_lowercase().as_str() {
        "ton" | "tons" => Some(Weight::Tonne.kg()),
        _ => kg_factor(unit),
    }
}

/// Kilograms of a China Customs row: from the first legal unit when it is a weight, else
/// from the second (names as [`china_customs_kg_factor`] reads them).
pub fn kilograms(q1: f64, unit1: &str, q2: Option<f64>, unit2: Option<&str>) -> Option<f64> {
    if let Some(f) = china_customs_kg_factor(unit1) {
        return Some(q1 * f);
    }
    match (q2, unit2.and_then(china_customs_kg_factor)) {
        (Some(q), Some(f)) => Some(q * f),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_unit_weight_wins_else_second() {
        assert_eq!(kilograms(5.0, "千克", None, None), Some(5.0));
        assert_eq!(
            kilograms(5.0, "Kilogram", Some(1.0), Some("Number of item")),
            Some(5.0)
        );
        assert_eq!(
            kilograms(8000.0, "Number of item", Some(790.0), Some("Kilogram")),
            Some(790.0)
        );
        assert_eq!(kilograms(891.0, "Carat", None, None), None);
        assert_eq!(kilograms(2.0, "吨", None, None), Some(2000.0));
        assert_eq!(kilograms(3.0, "个", Some(1500.0), Some("克")), Some(1.5));
    }

    #[test]
    fn gram() {
        for name in ["克", "g", "G", "grams"] {
            assert_eq!(kg_factor(name), Some(0.001), "{name}");
        }
    }

    #[test]
    fn kilogram() {
        for name in [
            "千克",
            "公斤",
            "KG",
            "kgm",
            "Kilogram",
            "Weight in kilograms",
        ] {
            assert_eq!(kg_factor(name), Some(1.0), "{name}");
        }
    }

    #[test]
    fn hundred_kilograms() {
        for name in ["公担", "100 kg", "Quintal", "DTN"] {
            assert_eq!(kg_factor(name), Some(100.0), "{name}");
        }
        // 12.5 quintals of ore are 1,250 kg.
        assert_eq!(kg_factor("quintals").map(|f| 12.5 * f), Some(1_250.0));
    }

    #[test]
    fn metric_tonne() {
        // US Census `T` (metric ton), as the API writes it.
        for name in ["吨", "公吨", "T", "TNE", "tonnes", "Metric ton"] {
            assert_eq!(kg_factor(name), Some(1000.0), "{name}");
        }
    }

    #[test]
    fn short_ton() {
        // 2,000 lb of 0.45359237 kg.
        for name in ["short tons", "Net ton", "STN", "短吨", "美吨"] {
            assert_eq!(kg_factor(name), Some(907.184_74), "{name}");
        }
        let three = kg_factor("short ton").map(|f| 3.0 * f).unwrap();
        assert!((three - 2_721.554_22).abs() < 1e-9, "{three}");
    }

    #[test]
    fn long_ton() {
        // 2,240 lb of 0.45359237 kg.
        for name in ["long tons", "LTN", "长吨", "英吨"] {
            assert_eq!(kg_factor(name), Some(1_016.046_908_8), "{name}");
        }
    }

    #[test]
    fn a_bare_ton_is_metric_only_where_the_source_says_so() {
        for name in ["ton", "Tons", " TON "] {
            assert_eq!(kg_factor(name), None, "{name}");
            assert_eq!(china_customs_kg_factor(name), Some(1000.0), "{name}");
        }
        assert_eq!(kilograms(2.5, "Ton", None, None), Some(2_500.0));
    }

    #[test]
    fn counts_carats_and_content_weights_are_not_weights() {
        for name in [
            "Number of item",
            "个",
            "Carat",
            "克拉",
            "NO",
            "CKG",
            "CGM",
            "X",
            "",
        ] {
            assert_eq!(kg_factor(name), None, "{name}");
            assert_eq!(china_customs_kg_factor(name), None, "{name}");
        }
    }
}
