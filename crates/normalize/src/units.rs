//! Units of quantity: which reported units are weights, and their factor to kilograms.

/// Factor from a reported unit to kilograms, or `None` when the unit is not a weight
/// (a count such as `Number of item`, `个`, `Carat` is not converted: 1 carat of diamond
/// is a weight, but customs uses carats only for gems and their kg come separately).
pub fn kg_factor(unit: &str) -> Option<f64> {
    let u = unit.trim();
    let lower = u.to_ascii_lowercase();
    match (u, lower.as_str()) {
        ("千克" | "公斤", _) | (_, "kilogram" | "kilograms" | "kg" | "kgm") => Some(1.0),
        ("克", _) | (_, "gram" | "grams" | "g") => Some(0.001),
        ("吨" | "公吨", _) | (_, "ton" | "tons" | "tonne" | "tonnes" | "metric ton" | "t") => {
            Some(1000.0)
        }
        _ => None,
    }
}

/// Kilograms from the first unit when it is a weight, else from the second.
pub fn kilograms(q1: f64, unit1: &str, q2: Option<f64>, unit2: Option<&str>) -> Option<f64> {
    if let Some(f) = kg_factor(unit1) {
        return Some(q1 * f);
    }
    match (q2, unit2.and_then(kg_factor)) {
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
}
