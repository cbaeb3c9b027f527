//! The one HTML escape of the report. Every value that came from data (unit names, notes,
//! comment themes, responsible people, plan text) goes through [`html`] before it is
//! written into a page, inside text or inside a quoted attribute alike.

/// Escapes `& < > " '` so text is inert both between tags and inside a quoted attribute.
/// A leading `=`, `+`, `-` or `@` is harmless in HTML and kept as typed.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and newlines have no place in a report.
            c if c.is_control() && c != '\n' && c != '\t' && c != '\r' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A file-name-safe slug of a code (`fac_medicina` → `fac_medicina`, `Sede Ñ` → `sede_n`),
/// for page and chart file names built from data.
pub fn slug(code: &str) -> String {
    let folded = crate::vocabulary::fold_code(code);
    let s: String = folded
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if s.is_empty() {
        "_".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_inert() {
        assert_eq!(
            html("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            html("\"><img src=x onerror=alert(1)>"),
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(
            html("=HYPERLINK(\"http://x\",\"y\")"),
            "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)"
        );
        assert_eq!(html("O'Neil & Cía"), "O&#39;Neil &amp; Cía");
        assert_eq!(html("a\u{0}b"), "a\u{FFFD}b");
        assert_eq!(html("Educación continua"), "Educación continua");
    }

    #[test]
    fn slugs_are_file_safe() {
        assert_eq!(slug("fac_medicina"), "fac_medicina");
        assert_eq!(slug("../etc/passwd"), "___etc_passwd");
        assert_eq!(slug("Sede Ñ"), "sede_n");
    }
}
