//! Durations and sizes as connection strings write them: parsed and
//! formatted here, at the bottom of the crate, so that settings, errors
//! and the CLI read and show them one way. Imports nothing of the crate.

pub(crate) mod duration;

/// `n` bytes as the size options read them back: with the largest binary
/// unit that divides it (`1GiB`, `512MiB`, `1000`).
///
/// `1 << 30` is `1GiB` (a crate-private item has no doc test; the unit
/// tests below hold the examples).
pub(crate) fn format_size(n: u64) -> String {
    for (unit, factor) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if n >= factor && n.is_multiple_of(factor) {
            return format!("{}{unit}", n / factor);
        }
    }
    n.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_the_largest_unit_that_divides_them() {
        assert_eq!(format_size(1 << 30), "1GiB");
        assert_eq!(format_size(3 << 20), "3MiB");
        assert_eq!(format_size(1 << 10), "1KiB");
        assert_eq!(format_size(1000), "1000");
        assert_eq!(format_size((1 << 30) + 1), "1073741825");
    }
}
