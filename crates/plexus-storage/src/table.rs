//! The [`Table`] trait: a column family with typed keys and values.

use crate::{KeyCodec, ValueCodec};

/// One table of the catalogue. Implemented by zero-sized marker types:
///
/// ```ignore
/// pub struct Users;
/// impl Table for Users {
///     const NAME: &'static str = "users";
///     type Key = String;
///     type Value = Json<UserRecord>;
/// }
/// ```
pub trait Table: 'static {
    /// The column family name; never change it once data was written.
    const NAME: &'static str;
    type Key: KeyCodec;
    type Value: ValueCodec;
}
