//! Before timing: does a target return the same records as the registry?
//! Every variant's answer is reduced to summary lines (`shapes::summary`,
//! after the peer's `normalize`) and compared line for line with the
//! registry's. Search (Q4) is not compared line for line: the registry ranks
//! its hits and a peer may not, so every hit of every server must contain
//! the searched words, and the overlap with the registry's hits is reported.

use crate::shapes::{Hit, hit_has_words};

/// Cut to a readable length for the report.
fn clip(line: &str) -> String {
    const MAX: usize = 160;
    if line.chars().count() <= MAX {
        line.to_owned()
    } else {
        format!("{}…", line.chars().take(MAX).collect::<String>())
    }
}

/// `None` when every variant's lines are equal; else the first difference.
pub fn first_difference(
    target: &str,
    registry: &[Vec<String>],
    theirs: &[Vec<String>],
) -> Option<String> {
    for (i, (ours, other)) in registry.iter().zip(theirs).enumerate() {
        if ours == other {
            continue;
        }
        let at = ours
            .iter()
            .zip(other)
            .position(|(a, b)| a != b)
            .unwrap_or(ours.len().min(other.len()));
        let line = |lines: &[String]| {
            lines
                .get(at)
                .map_or("(no line)".to_owned(), |l| format!("`{}`", clip(l)))
        };
        return Some(format!(
            "variant {i}, line {at} of {} / {}: registry {} vs {target} {}",
            ours.len(),
            other.len(),
            line(ours),
            line(other)
        ));
    }
    if registry.len() != theirs.len() {
        return Some(format!(
            "{} variants answered vs {}",
            registry.len(),
            theirs.len()
        ));
    }
    None
}

/// Q4 for one target: (whether every hit holds the words, a note with the
/// overlap with the registry's hits and any hit without the words).
pub fn search(texts: &[String], registry: &[Vec<Hit>], theirs: &[Vec<Hit>]) -> (bool, String) {
    let mut without = Vec::new();
    let (mut shared, mut total, mut count) = (0, 0, 0);
    for ((text, ours), other) in texts.iter().zip(registry).zip(theirs) {
        count += other.len();
        total += ours.len();
        shared += other
            .iter()
            .filter(|hit| ours.iter().any(|o| o.label == hit.label))
            .count();
        without.extend(
            other
                .iter()
                .filter(|hit| !hit_has_words(hit, text))
                .map(|hit| format!("`{}` for \"{text}\"", clip(&hit.label))),
        );
    }
    let mut note = format!(
        "every hit holds the words; {shared} of its {count} hits are among the registry's {total} ({} texts)",
        texts.len()
    );
    if !without.is_empty() {
        note = format!(
            "{} of {count} hits lack a searched word, e.g. {}; {shared} of its hits are among the registry's {total}",
            without.len(),
            without[0]
        );
    }
    (without.is_empty(), note)
}
