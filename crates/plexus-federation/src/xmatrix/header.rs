//! Parsing and formatting of `Authorization: X-Matrix origin=…,destination=…,key=…,sig=…`.
//!
//! Parameter names are case-insensitive, values may be tokens or quoted strings
//! with backslash escapes, and unquoted values may contain colons (older servers).

/// The parameters of an `X-Matrix` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XMatrix {
    /// The sending server's name.
    pub origin: String,
    /// The receiving server's name; older servers omit it.
    pub destination: Option<String>,
    /// The key ID, e.g. `ed25519:a_abc`.
    pub key: String,
    /// The unpadded base64 signature.
    pub sig: String,
}

/// Why an `Authorization` header is not a usable `X-Matrix` header.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum XMatrixParseError {
    #[error("the authorization scheme is not X-Matrix")]
    NotXMatrix,
    #[error("malformed X-Matrix parameters: {0}")]
    Malformed(&'static str),
    #[error("X-Matrix header lacks `{0}`")]
    Missing(&'static str),
}

impl XMatrix {
    /// Parses the value of an `Authorization` header.
    pub fn parse(value: &str) -> Result<XMatrix, XMatrixParseError> {
        let rest = strip_scheme(value).ok_or(XMatrixParseError::NotXMatrix)?;
        let (mut origin, mut destination, mut key, mut sig) = (None, None, None, None);
        for (name, value) in parse_params(rest)? {
            let slot = match name.to_ascii_lowercase().as_str() {
                "origin" => &mut origin,
                "destination" => &mut destination,
                "key" => &mut key,
                "sig" => &mut sig,
                _ => continue, // unknown parameters are ignored
            };
            *slot = Some(value);
        }
        Ok(XMatrix {
            origin: origin.ok_or(XMatrixParseError::Missing("origin"))?,
            destination,
            key: key.ok_or(XMatrixParseError::Missing("key"))?,
            sig: sig.ok_or(XMatrixParseError::Missing("sig"))?,
        })
    }

    /// The header value, in the most compatible form (one space, lower-case
    /// names, quoted values, no whitespace around commas).
    pub fn to_header_value(&self) -> String {
        let mut out = format!("X-Matrix origin={}", quote(&self.origin));
        if let Some(destination) = &self.destination {
            out.push_str(&format!(",destination={}", quote(destination)));
        }
        out.push_str(&format!(
            ",key={},sig={}",
            quote(&self.key),
            quote(&self.sig)
        ));
        out
    }
}

fn quote(value: &str) -> String {
    let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}

/// The text after `X-Matrix` and at least one space.
fn strip_scheme(value: &str) -> Option<&str> {
    let (scheme, rest) = value.trim_start().split_once([' ', '\t'])?;
    scheme.eq_ignore_ascii_case("X-Matrix").then_some(rest)
}

fn parse_params(input: &str) -> Result<Vec<(String, String)>, XMatrixParseError> {
    let mut params = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.next_if(|c| matches!(c, ' ' | '\t' | ',')).is_some() {}
        if chars.peek().is_none() {
            return Ok(params);
        }
        let mut name = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=') {
            name.push(c);
        }
        if chars.next() != Some('=') {
            return Err(XMatrixParseError::Malformed("a parameter without `=`"));
        }
        let name = name.trim().to_owned();
        if name.is_empty() {
            return Err(XMatrixParseError::Malformed("an empty parameter name"));
        }
        while chars.next_if(|c| matches!(c, ' ' | '\t')).is_some() {}
        let value = if chars.next_if_eq(&'"').is_some() {
            quoted_value(&mut chars)?
        } else {
            let mut value = String::new();
            while let Some(c) = chars.next_if(|c| *c != ',') {
                value.push(c);
            }
            value.trim_end().to_owned()
        };
        params.push((name, value));
    }
}

fn quoted_value(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
) -> Result<String, XMatrixParseError> {
    let mut value = String::new();
    loop {
        match chars.next() {
            Some('"') => return Ok(value),
            Some('\\') => match chars.next() {
                Some(c) => value.push(c),
                None => return Err(XMatrixParseError::Malformed("a dangling backslash")),
            },
            Some(c) => value.push(c),
            None => return Err(XMatrixParseError::Malformed("an unterminated quoted value")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spec_example_and_formats_it_back() {
        let value = r#"X-Matrix origin="origin.hs.example.com",destination="destination.hs.example.com",key="ed25519:key1",sig="ABCDEF...""#;
        let parsed = XMatrix::parse(value).unwrap();
        assert_eq!(parsed.origin, "origin.hs.example.com");
        assert_eq!(
            parsed.destination.as_deref(),
            Some("destination.hs.example.com")
        );
        assert_eq!(parsed.key, "ed25519:key1");
        assert_eq!(parsed.sig, "ABCDEF...");
        assert_eq!(parsed.to_header_value(), value);
    }

    #[test]
    fn tolerates_tokens_colons_case_spaces_escapes_and_unknown_params() {
        let value = "x-matrix   Origin=127.0.0.1:8448 , KEY=ed25519:k1,\tsig=\"a\\\"b\",extra=1";
        let parsed = XMatrix::parse(value).unwrap();
        assert_eq!(parsed.origin, "127.0.0.1:8448");
        assert_eq!(parsed.destination, None);
        assert_eq!(parsed.key, "ed25519:k1");
        assert_eq!(parsed.sig, "a\"b");
    }

    #[test]
    fn refuses_other_schemes_and_missing_parameters() {
        assert_eq!(
            XMatrix::parse("Bearer abc"),
            Err(XMatrixParseError::NotXMatrix)
        );
        assert_eq!(
            XMatrix::parse("X-Matrix origin=a,key=ed25519:1"),
            Err(XMatrixParseError::Missing("sig"))
        );
        assert!(XMatrix::parse("X-Matrix origin=\"a").is_err());
        assert!(XMatrix::parse("X-Matrix origin").is_err());
    }
}
