//! Floats of a saved model stored as the shortest text that reads back to the same f64 (Rust's
//! own formatting and correctly rounded parsing). JSON number parsing may be off by one unit
//! in the last place, which would move a value sitting on a bin edge into the next bin and
//! make a reloaded model score differently in the last digits.

use serde::{Deserialize, Deserializer, Serializer};

fn text(v: f64) -> String {
    format!("{v:?}")
}

fn parse<E: serde::de::Error>(t: &str) -> Result<f64, E> {
    t.parse::<f64>().map_err(E::custom)
}

pub mod scalar {
    use super::*;

    pub fn serialize<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&text(*value))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        parse(&String::deserialize(d)?)
    }
}

pub mod list {
    use super::*;

    pub fn serialize<S: Serializer>(values: &[f64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(values.iter().map(|v| text(*v)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Vec::<String>::deserialize(d)?.iter().map(|t| parse(t)).collect()
    }
}

pub mod nested {
    use super::*;

    pub fn serialize<S: Serializer>(values: &[Vec<f64>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(values.iter().map(|row| row.iter().map(|v| text(*v)).collect::<Vec<_>>()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<f64>>, D::Error> {
        Vec::<Vec<String>>::deserialize(d)?.iter().map(|row| row.iter().map(|t| parse(t)).collect()).collect()
    }
}
