//! The `X-Matrix` authorization scheme: the header ([`XMatrix`]: parse and
//! format, RFC 9110 auth-params) and the signature over the request
//! ([`sign`]: the JSON object `{method, uri, origin, destination, content}`).

mod header;
pub mod sign;

pub use header::{XMatrix, XMatrixParseError};
