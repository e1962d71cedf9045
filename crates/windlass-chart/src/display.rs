//! User-controlled text inside error messages: kept on one line, so every
//! error a command prints is one line whatever a file name or value contains.

/// `text` with control characters (newlines, tabs, escapes) written as Rust
/// escapes.
pub(crate) fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(super::one_line("a\nb\tc é"), "a\\nb\\tc é");
    }
}
