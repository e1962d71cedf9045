//! The order go-yaml writes map keys in (`sorter.go`'s `keyList.Less`), which
//! is neither byte order nor Unicode order: runs of digits compare as numbers
//! (`a2` before `a10`), and where two keys first differ, a letter sorts after
//! anything that is not a letter (`a_x` before `aB`).

use unicode_general_category::{GeneralCategory, get_general_category};

/// Which go-yaml's sorter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sorter {
    /// v2 (`toYaml`).
    V2,
    /// v3 (`toYamlPretty`): after a shared digit, a letter sorts first
    /// (`1a` before `1_`).
    V3,
}

/// Sorts `entries` by key in go-yaml's order.
///
/// go-yaml's comparison is not always a total order (digit runs past 18
/// digits overflow, non-ASCII digits count oddly) and Go sorts map keys that
/// arrive in random order, so for such keys Helm's output is not even
/// deterministic. A merge sort gives the right order whenever there is one
/// and, unlike the standard library's sort, cannot panic when there is none.
pub(super) fn sort<T>(entries: Vec<(String, T)>, sorter: Sorter) -> Vec<(String, T)> {
    let keys: Vec<Vec<char>> = entries.iter().map(|(k, _)| k.chars().collect()).collect();
    let mut order: Vec<usize> = (0..entries.len()).collect();
    merge_sort(&mut order, &|a, b| less(&keys[a], &keys[b], sorter));
    let mut slots: Vec<Option<(String, T)>> = entries.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

fn merge_sort(items: &mut [usize], less: &dyn Fn(usize, usize) -> bool) {
    if items.len() < 2 {
        return;
    }
    let mid = items.len() / 2;
    merge_sort(&mut items[..mid], less);
    merge_sort(&mut items[mid..], less);
    let mut merged = Vec::with_capacity(items.len());
    let (mut i, mut j) = (0, mid);
    while i < mid && j < items.len() {
        if less(items[j], items[i]) {
            merged.push(items[j]);
            j += 1;
        } else {
            merged.push(items[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&items[i..mid]);
    merged.extend_from_slice(&items[j..]);
    items.copy_from_slice(&merged);
}

/// `keyList.Less` for two string keys.
fn less(a: &[char], b: &[char], sorter: Sorter) -> bool {
    // Whether the shared prefix so far ends in a digit (v3 only).
    let mut digits = false;
    for i in 0..a.len().min(b.len()) {
        let (ca, cb) = (a[i], b[i]);
        if ca == cb {
            digits = is_digit(ca);
            continue;
        }
        let (la, lb) = (is_letter(ca), is_letter(cb));
        if la && lb {
            return ca < cb;
        }
        if la || lb {
            return if sorter == Sorter::V3 && digits {
                la
            } else {
                lb
            };
        }
        // Compare the digit runs starting here as numbers, as Go does: with
        // wrapping int64 arithmetic and `rune - '0'` for any Unicode digit.
        let (mut na, mut nb) = (0_i64, 0_i64);
        if ca == '0' || cb == '0' {
            // A zero that continues a nonzero run is not a leading zero.
            let continues_number = a[..i]
                .iter()
                .rev()
                .take_while(|c| is_digit(**c))
                .any(|&c| c != '0');
            if continues_number {
                na = 1;
                nb = 1;
            }
        }
        let run_a = run_value(&a[i..], &mut na);
        let run_b = run_value(&b[i..], &mut nb);
        if na != nb {
            return na < nb;
        }
        if run_a != run_b {
            return run_a < run_b;
        }
        return ca < cb;
    }
    a.len() < b.len()
}

/// Adds the digit run at the start of `s` to `n` (Go's `n = n*10 + (r - '0')`)
/// and returns its length.
fn run_value(s: &[char], n: &mut i64) -> usize {
    let mut len = 0;
    for &c in s.iter().take_while(|c| is_digit(**c)) {
        *n = n
            .wrapping_mul(10)
            .wrapping_add(i64::from(u32::from(c)) - i64::from(u32::from('0')));
        len += 1;
    }
    len
}

/// Go's `unicode.IsLetter`: general category L.
fn is_letter(c: char) -> bool {
    matches!(
        get_general_category(c),
        GeneralCategory::UppercaseLetter
            | GeneralCategory::LowercaseLetter
            | GeneralCategory::TitlecaseLetter
            | GeneralCategory::ModifierLetter
            | GeneralCategory::OtherLetter
    )
}

/// Go's `unicode.IsDigit`: general category Nd.
fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
        || (!c.is_ascii() && get_general_category(c) == GeneralCategory::DecimalNumber)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(keys: &[&str], sorter: Sorter) -> Vec<String> {
        let entries = keys.iter().map(|k| (k.to_string(), ())).collect();
        sort(entries, sorter).into_iter().map(|(k, ())| k).collect()
    }

    #[test]
    fn digits_compare_as_numbers_and_letters_sort_last() {
        let keys = [
            "a10", "a2", "aB", "a_x", "A", "_x", "10", "9", "1", "b", "a", "ab",
        ];
        assert_eq!(
            sorted(&keys, Sorter::V2),
            [
                "_x", "1", "9", "10", "A", "a", "a_x", "a2", "a10", "aB", "ab", "b"
            ]
        );
    }

    #[test]
    fn leading_zeros() {
        assert_eq!(
            sorted(&["a01", "a1", "a001", "a10", "a010"], Sorter::V2),
            ["a1", "a01", "a001", "a10", "a010"]
        );
    }

    #[test]
    fn v3_puts_a_letter_first_after_a_digit() {
        assert_eq!(sorted(&["1_", "1a"], Sorter::V2), ["1_", "1a"]);
        assert_eq!(sorted(&["1_", "1a"], Sorter::V3), ["1a", "1_"]);
    }

    #[test]
    fn inconsistent_orders_do_not_panic() {
        let keys: Vec<String> = (0..200)
            .map(|i| format!("{}{}", "9".repeat(i % 25), i % 7))
            .collect();
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        assert_eq!(sorted(&refs, Sorter::V2).len(), 200);
    }
}
