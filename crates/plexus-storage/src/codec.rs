//! Order-preserving key encoding and value encoding.
//!
//! Keys: `u64` is big-endian; strings escape `0x00` as `0x00 0xFF` and end
//! with `0x00 0x00`, so a string sorts before every longer string it
//! prefixes; tuples concatenate their parts. Byte order of encodings is
//! therefore the order of the values, which range scans rely on.

use serde::{de::DeserializeOwned, Serialize};

/// A key, or a key prefix, encodable in sort order.
pub trait KeyCodec: Sized {
    fn encode_into(&self, out: &mut Vec<u8>);
    /// Reads one value from the front of `input`, advancing it.
    fn decode_from(input: &mut &[u8]) -> Option<Self>;

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    fn decode(mut input: &[u8]) -> Option<Self> {
        let value = Self::decode_from(&mut input)?;
        input.is_empty().then_some(value)
    }
}

impl KeyCodec for u64 {
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_be_bytes());
    }

    fn decode_from(input: &mut &[u8]) -> Option<Self> {
        let (head, rest) = input.split_first_chunk::<8>()?;
        *input = rest;
        Some(u64::from_be_bytes(*head))
    }
}

impl KeyCodec for String {
    fn encode_into(&self, out: &mut Vec<u8>) {
        encode_str(self, out);
    }

    fn decode_from(input: &mut &[u8]) -> Option<Self> {
        let mut bytes = Vec::new();
        let mut i = 0;
        loop {
            match (input.get(i)?, input.get(i + 1)) {
                (0x00, Some(0x00)) => break,
                (0x00, Some(0xFF)) => {
                    bytes.push(0x00);
                    i += 2;
                }
                (0x00, _) => return None,
                (b, _) => {
                    bytes.push(*b);
                    i += 1;
                }
            }
        }
        *input = &input[i + 2..];
        String::from_utf8(bytes).ok()
    }
}

/// Encodes a borrowed string exactly as `String` does, for building keys and
/// prefixes without allocating an owned copy.
pub fn encode_str(s: &str, out: &mut Vec<u8>) {
    for &b in s.as_bytes() {
        out.push(b);
        if b == 0x00 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0x00, 0x00]);
}

impl KeyCodec for () {
    fn encode_into(&self, _: &mut Vec<u8>) {}
    fn decode_from(_: &mut &[u8]) -> Option<Self> {
        Some(())
    }
}

macro_rules! tuple_codec {
    ($($name:ident),+) => {
        impl<$($name: KeyCodec),+> KeyCodec for ($($name,)+) {
            #[allow(non_snake_case)]
            fn encode_into(&self, out: &mut Vec<u8>) {
                let ($($name,)+) = self;
                $($name.encode_into(out);)+
            }
            fn decode_from(input: &mut &[u8]) -> Option<Self> {
                Some(($($name::decode_from(input)?,)+))
            }
        }
    };
}
tuple_codec!(A);
tuple_codec!(A, B);
tuple_codec!(A, B, C);
tuple_codec!(A, B, C, D);

/// A stored value.
pub trait ValueCodec: Sized {
    fn encode_value(&self) -> Vec<u8>;
    fn decode_value(bytes: &[u8]) -> Option<Self>;
}

/// Values stored as JSON: readable with any tool and tolerant of added
/// optional fields, which keeps migrations rare.
#[derive(Clone, Debug, PartialEq)]
pub struct Json<T>(pub T);

impl<T: Serialize + DeserializeOwned> ValueCodec for Json<T> {
    fn encode_value(&self) -> Vec<u8> {
        serde_json::to_vec(&self.0).expect("serializing a plain record cannot fail")
    }
    fn decode_value(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok().map(Json)
    }
}

/// Opaque bytes (e.g. a signed PDU, stored exactly as it was signed).
impl ValueCodec for Vec<u8> {
    fn encode_value(&self) -> Vec<u8> {
        self.clone()
    }
    fn decode_value(bytes: &[u8]) -> Option<Self> {
        Some(bytes.to_vec())
    }
}

impl ValueCodec for u64 {
    fn encode_value(&self) -> Vec<u8> {
        self.to_be_bytes().to_vec()
    }
    fn decode_value(bytes: &[u8]) -> Option<Self> {
        Some(u64::from_be_bytes(bytes.try_into().ok()?))
    }
}

impl ValueCodec for String {
    fn encode_value(&self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }
    fn decode_value(bytes: &[u8]) -> Option<Self> {
        String::from_utf8(bytes.to_vec()).ok()
    }
}

/// Presence-only rows (sets and indexes).
impl ValueCodec for () {
    fn encode_value(&self) -> Vec<u8> {
        Vec::new()
    }
    fn decode_value(_: &[u8]) -> Option<Self> {
        Some(())
    }
}
