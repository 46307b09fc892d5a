//! Decoding JSON documents into `serde_json::Value`s with a cap on the number of values.
//!
//! A value takes 32 bytes or more whatever its text, so `[{},{},…]` costs ten times its size
//! in memory: the text limit alone does not bound the memory of a parsed document. Each
//! document gets [`Limits::max_values`](super::Limits::max_values) values; one that needs more
//! is refused with an error naming the file and the limit, not truncated.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// The message a document over its value budget fails with (searched for in the error).
pub(super) const TOO_MANY: &str = "podmortem: too many JSON values";

/// What decoding a stream of documents ended with.
pub(super) enum Stop {
    /// Every document was decoded.
    Done,
    /// A document needed more values than allowed; 1-based line where it failed.
    TooMany(u64),
    /// Malformed JSON at this 1-based line.
    Malformed(u64, serde_json::Error),
}

/// Decode the JSON documents of `text` one after another (whitespace between them), calling
/// `each` on every complete one. Each document may hold at most `max_values` values.
pub(super) fn for_each_document(text: &str, max_values: u64, mut each: impl FnMut(Value)) -> Stop {
    let mut de = serde_json::Deserializer::from_str(text);
    loop {
        if de.end().is_ok() {
            return Stop::Done;
        }
        let left = Cell::new(max_values);
        match ValueSeed(&left).deserialize(&mut de) {
            Ok(v) => each(v),
            Err(e) => {
                let line = e.line() as u64;
                return if e.to_string().starts_with(TOO_MANY) {
                    Stop::TooMany(line)
                } else {
                    Stop::Malformed(line, e)
                };
            }
        }
    }
}

/// Builds a `Value`, taking one unit of budget per value.
#[derive(Clone, Copy)]
struct ValueSeed<'b>(&'b Cell<u64>);

impl ValueSeed<'_> {
    fn take<E: de::Error>(self) -> Result<(), E> {
        match self.0.get().checked_sub(1) {
            Some(left) => {
                self.0.set(left);
                Ok(())
            }
            None => Err(E::custom(TOO_MANY)),
        }
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.take()?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.take()?;
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.take()?;
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.take()?;
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.take()?;
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.take()?;
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.take()?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.take()?;
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.take()?;
        let mut m = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            // The key costs a value too: `{"a":0,"b":0,…}` is as costly as an array.
            self.take()?;
            let v = map.next_value_seed(self)?;
            m.insert(k, v);
        }
        Ok(Value::Object(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_within_budget_decode_like_serde_json() {
        let text = r#"{"kind":"Pod","a":[1,-2,3.5,null,true,"x"]} [1]"#;
        let mut docs = Vec::new();
        assert!(matches!(
            for_each_document(text, 100, |v| docs.push(v)),
            Stop::Done
        ));
        let expected: Vec<Value> = serde_json::Deserializer::from_str(text)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(docs, expected);
    }

    #[test]
    fn a_document_over_budget_is_refused_and_the_ones_before_kept() {
        let text = "{\"a\":1}\n[0,0,0,0,0,0,0,0,0,0]";
        let mut docs = 0;
        assert!(matches!(
            for_each_document(text, 5, |_| docs += 1),
            Stop::TooMany(2)
        ));
        assert_eq!(docs, 1);
        assert!(matches!(
            for_each_document("{\"a\":", 5, |_| ()),
            Stop::Malformed(1, _)
        ));
    }
}
