//! How floating-point numbers cross IPC and land in files.
//!
//! JSON has no NaN or infinity, and serde_json writes them as `null`, which then fails to read
//! back into an `f64` (or, in an `Option<f64>`, silently turns into `None`). Every float of a
//! protocol type is therefore (de)serialized through this module with
//! `#[serde(with = "crate::float")]`: a finite number is written as a JSON number, NaN as the
//! string `"NaN"`, +∞ as `"inf"` and −∞ as `"-inf"`; reading accepts exactly these. `null`
//! only ever means an absent `Option`, never a number.
//!
//! The module works on `f64`, `f32` and the shapes built from them that the protocol uses:
//! `Option`, `Vec`, pairs, fixed-size arrays and maps with text keys, nested as needed.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, SerializeTuple, Serializer};

/// The text written for NaN.
pub const NAN_TEXT: &str = "NaN";
/// The text written for +∞.
pub const INFINITY_TEXT: &str = "inf";
/// The text written for −∞.
pub const NEG_INFINITY_TEXT: &str = "-inf";

/// A value whose floats are written with the explicit non-finite representation.
pub trait FloatRepr: Sized {
    fn serialize_repr<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
    fn deserialize_repr<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// For `#[serde(with = "crate::float")]`.
pub fn serialize<T: FloatRepr, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    value.serialize_repr(serializer)
}

/// For `#[serde(with = "crate::float")]`.
pub fn deserialize<'de, T: FloatRepr, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    T::deserialize_repr(deserializer)
}

/// Borrows a value to serialize it with its float representation.
struct Out<'a, T>(&'a T);

impl<T: FloatRepr> Serialize for Out<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_repr(serializer)
    }
}

/// Reads a value with its float representation.
struct In<T>(T);

impl<'de, T: FloatRepr> Deserialize<'de> for In<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize_repr(deserializer).map(In)
    }
}

fn non_finite_text(value: f64) -> Option<&'static str> {
    if value.is_nan() {
        Some(NAN_TEXT)
    } else if value == f64::INFINITY {
        Some(INFINITY_TEXT)
    } else if value == f64::NEG_INFINITY {
        Some(NEG_INFINITY_TEXT)
    } else {
        None
    }
}

/// Accepts a JSON number or one of the three non-finite texts.
struct NumberVisitor;

impl Visitor<'_> for NumberVisitor {
    type Value = f64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a number, or \"{NAN_TEXT}\", \"{INFINITY_TEXT}\" or \"{NEG_INFINITY_TEXT}\"")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }

    fn visit_f32<E: de::Error>(self, v: f32) -> Result<f64, E> {
        Ok(f64::from(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        match v {
            NAN_TEXT => Ok(f64::NAN),
            INFINITY_TEXT => Ok(f64::INFINITY),
            NEG_INFINITY_TEXT => Ok(f64::NEG_INFINITY),
            other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
        }
    }
}

impl FloatRepr for f64 {
    fn serialize_repr<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match non_finite_text(*self) {
            Some(text) => serializer.serialize_str(text),
            None => serializer.serialize_f64(*self),
        }
    }

    fn deserialize_repr<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NumberVisitor)
    }
}

impl FloatRepr for f32 {
    fn serialize_repr<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match non_finite_text(f64::from(*self)) {
            Some(text) => serializer.serialize_str(text),
            None => serializer.serialize_f32(*self),
        }
    }

    fn deserialize_repr<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Numbers written from an f32 read back to the same f32.
        deserializer.deserialize_any(NumberVisitor).map(|v| v as f32)
    }
}

impl<T: FloatRepr> FloatRepr for Option<T> {
    fn serialize_repr<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(value) => serializer.serialize_some(&Out(value)),
            None => serializer.serialize_none(),
        }
    }

    fn deserialize_repr<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<In<T>>::deserialize(deserializer).map(|v| v.map(|In(v)| v))
    }
}

impl<T: FloatRepr> FloatRepr for Vec<T> {
    fn serialize_repr<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(Out))
    }

    fn deserialize_repr<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<In<T>>::deserialize(deserializer).map(|v| v.into_iter().map(|In(v)| v).collect())
    }
}

impl<A: FloatRepr, B: FloatRepr> FloatRepr for (A, B) {
    fn serialize_repr<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (Out(&self.0), Out(&self.1)).serialize(serializer)
    }

    fn deserialize_repr<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <(In<A>, In<B>)>::deserialize(deserializer).map(|(In(a), In(b))| (a, b))
    }
}

impl<T: FloatRepr, const N: usize> FloatRepr for [T; N] {
    fn serialize_repr<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // As serde writes arrays: a tuple of N elements.
        let mut tuple = serializer.serialize_tuple(N)?;
        for value in self {
            tuple.serialize_element(&Out(value))?;
        }
        tuple.end()
    }

    fn deserialize_repr<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_tuple(N, ArrayVisitor::<T, N>(PhantomData))
    }
}

struct ArrayVisitor<T, const N: usize>(PhantomData<T>);

impl<'de, T: FloatRepr, const N: usize> Visitor<'de> for ArrayVisitor<T, N> {
    type Value = [T; N];

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an array of {N} numbers")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut values = Vec::with_capacity(N);
        while let Some(In(value)) = seq.next_element::<In<T>>()? {
            if values.len() == N {
                return Err(de::Error::invalid_length(N + 1, &self));
            }
            values.push(value);
        }
        let found = values.len();
        values.try_into().map_err(|_| de::Error::invalid_length(found, &self))
    }
}

impl<T: FloatRepr> FloatRepr for BTreeMap<String, T> {
    fn serialize_repr<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter().map(|(key, value)| (key, Out(value))))
    }

    fn deserialize_repr<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BTreeMap::<String, In<T>>::deserialize(deserializer).map(|m| m.into_iter().map(|(k, In(v))| (k, v)).collect())
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize)]
    struct Shapes {
        #[serde(with = "crate::float")]
        one: f64,
        #[serde(with = "crate::float", default)]
        maybe: Option<f64>,
        #[serde(with = "crate::float")]
        many: Vec<f64>,
        #[serde(with = "crate::float")]
        pair: (f64, f64),
        #[serde(with = "crate::float")]
        rect: [f32; 4],
    }

    fn shapes() -> Shapes {
        Shapes {
            one: f64::NAN,
            maybe: Some(f64::INFINITY),
            many: vec![1.5, f64::NEG_INFINITY, -0.0],
            pair: (f64::NAN, 2.0),
            rect: [1.0, f32::NAN, f32::INFINITY, -3.5],
        }
    }

    #[test]
    fn non_finite_numbers_are_written_as_text_never_null() {
        let json = serde_json::to_string(&shapes()).unwrap_or_default();
        assert_eq!(json, r#"{"one":"NaN","maybe":"inf","many":[1.5,"-inf",-0.0],"pair":["NaN",2.0],"rect":[1.0,"NaN","inf",-3.5]}"#);
        let back: Shapes = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(format!("{back:?}"), format!("{:?}", shapes()));
    }

    #[test]
    fn null_is_refused_where_a_number_belongs_and_is_none_in_an_option() {
        let error = serde_json::from_str::<Shapes>(r#"{"one":null,"many":[],"pair":[1,2],"rect":[1,2,3,4]}"#)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains(r#"a number, or "NaN", "inf" or "-inf""#), "{error}");
        let parsed: Option<Shapes> = serde_json::from_str(r#"{"one":1,"maybe":null,"many":[],"pair":[1,2],"rect":[1,2,3,4]}"#).ok();
        assert_eq!(parsed.map(|s| s.maybe), Some(None));
        assert!(serde_json::from_str::<Shapes>(r#"{"one":"nan","many":[],"pair":[1,2],"rect":[1,2,3,4]}"#).is_err(), "only the exact texts");
        assert!(serde_json::from_str::<Shapes>(r#"{"one":1,"many":[],"pair":[1,2],"rect":[1,2,3]}"#).is_err(), "array length is checked");
    }
}
