//! "Did you mean ...?": the closest known name to a misspelt one, by edit distance.

/// Levenshtein distance between two strings, counted in characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The candidate closest to `name`, if it is close enough to be a likely misspelling: at
/// most a third of the name's length away (and at least 2 edits are always allowed).
/// Ties go to the first candidate.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let limit = (name.chars().count() / 3).max(2);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let distance = edit_distance(&name.to_lowercase(), &candidate.to_lowercase());
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_counted_by_hand() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("flaw", "lawn"), 2);
        // One missing letter.
        assert_eq!(
            edit_distance("magnet_by_destination", "magnets_by_destination"),
            1
        );
        // Characters, not bytes: 稀土 vs 稀土永磁 is two insertions.
        assert_eq!(edit_distance("稀土", "稀土永磁"), 2);
    }

    #[test]
    fn suggests_the_closest_name_or_nothing() {
        let queries = [
            "magnets_by_destination",
            "magnets_total_monthly",
            "lowest_since",
        ];
        assert_eq!(
            closest("magnet_by_destination", queries).as_deref(),
            Some("magnets_by_destination")
        );
        assert_eq!(
            closest("trade_flow", ["trade_flows", "trade_flows_annual"]).as_deref(),
            Some("trade_flows")
        );
        assert_eq!(
            closest("TRADE_FLOWS", ["rejects", "trade_flows"]).as_deref(),
            Some("trade_flows")
        );
        assert_eq!(closest("completely_different", queries), None);
        assert_eq!(closest("x", std::iter::empty()), None);
    }
}
