//! Percent-encoding of path segments (room IDs, aliases, user IDs, event
//! types), so `#` and `!` and `:` survive in URLs.

/// Encodes everything but RFC 3986 unreserved characters.
pub fn path_segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Same encoding, for query-string values.
pub fn query_value(raw: &str) -> String {
    path_segment(raw)
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_matrix_sigils() {
        assert_eq!(super::path_segment("!a:b"), "%21a%3Ab");
        assert_eq!(super::path_segment("#x_y.z"), "%23x_y.z");
    }
}
