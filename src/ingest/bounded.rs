//! Decoding JSON documents into artifacts in bounded memory.
//!
//! A decoded `serde_json::Value` takes far more memory than its text: 32 bytes per value, and
//! an object's first entry allocates a map node of about 600 bytes, so `[{"a":0},{"a":0},…]`
//! costs eighty times its size. Two things keep a document's memory bounded:
//!
//! - the `items` of a List (and the elements of a top-level array) are decoded, turned into
//!   artifacts and dropped one at a time: a 40 000-event EventList never exists as one tree;
//! - every value is charged an estimate of its heap cost as it is built, and every artifact a
//!   fixed cost; a document whose live cost goes over
//!   [`Limits::max_decoded`](super::Limits::max_decoded) is refused with an error naming the
//!   file and the limit, not truncated.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::artifact::Artifact;
use super::objects;

/// The message a document over its budget fails with (searched for in the error).
pub(super) const TOO_MANY: &str = "podmortem: JSON document over its memory budget";

/// What a `Value` costs besides what is counted separately: its own slot.
const VALUE: u64 = 32;
/// A `BTreeMap` leaf node of `String` keys and `Value`s, allocated by an object's first entry.
const MAP_NODE: u64 = 632;
/// Each object entry: the key's `String` header and its share of the nodes.
const ENTRY: u64 = 64;
/// What one artifact (a pod record, an event) is charged: they stay until the end.
const ARTIFACT: u64 = 1024;

/// What decoding a stream of documents ended with.
pub(super) enum Stop {
    /// Every document was decoded.
    Done,
    /// A document needed more memory than allowed; 1-based line where it failed.
    TooMany(u64),
    /// Malformed JSON at this 1-based line.
    Malformed(u64, serde_json::Error),
}

/// Decode the JSON documents of `text` one after another (whitespace between them) into
/// artifacts of `file`. Each document may take at most about `max_bytes` live.
pub(super) fn collect_documents(
    text: &str,
    max_bytes: u64,
    file: &str,
    out: &mut Vec<Artifact>,
) -> Stop {
    let mut de = serde_json::Deserializer::from_str(text);
    loop {
        if de.end().is_ok() {
            return Stop::Done;
        }
        let budget = Budget(Cell::new(max_bytes));
        let doc = Document {
            budget: &budget,
            file,
            out: &mut *out,
        };
        if let Err(e) = doc.deserialize(&mut de) {
            let line = e.line() as u64;
            return if e.to_string().starts_with(TOO_MANY) {
                Stop::TooMany(line)
            } else {
                Stop::Malformed(line, e)
            };
        }
    }
}

/// The bytes a document may still take.
struct Budget(Cell<u64>);

impl Budget {
    fn take<E: de::Error>(&self, cost: u64) -> Result<(), E> {
        match self.0.get().checked_sub(cost) {
            Some(left) => {
                self.0.set(left);
                Ok(())
            }
            None => Err(E::custom(TOO_MANY)),
        }
    }

    fn refund(&self, cost: u64) {
        self.0.set(self.0.get().saturating_add(cost));
    }

    fn left(&self) -> u64 {
        self.0.get()
    }
}

/// One top-level document: a List's items and an array's elements become artifacts one by
/// one; anything else is decoded whole and collected.
struct Document<'a, 'o> {
    budget: &'a Budget,
    file: &'a str,
    out: &'o mut Vec<Artifact>,
}

impl Document<'_, '_> {
    /// Collect one decoded element and give its memory back, charging the artifacts made.
    fn element(&mut self, v: Value, cost: u64, each: impl FnOnce(&Value, &mut Vec<Artifact>)) {
        let before = self.out.len();
        each(&v, self.out);
        drop(v);
        self.budget.refund(cost);
        let made = (self.out.len() - before) as u64;
        // Artifacts stay: charged for good (the budget may go to zero; the next value fails).
        let charge = made.saturating_mul(ARTIFACT).min(self.budget.left());
        self.budget.0.set(self.budget.left() - charge);
    }
}

impl<'de> DeserializeSeed<'de> for Document<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Document<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON document")
    }

    // Scalars at the top level are no Kubernetes objects.
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        loop {
            let before = self.budget.left();
            let Some(v) = seq.next_element_seed(ValueSeed(self.budget))? else {
                return Ok(());
            };
            let cost = before - self.budget.left();
            let file = self.file;
            self.element(v, cost, |v, out| objects::collect(v, file, out));
        }
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let start = self.out.len();
        let mut top = Map::new();
        // Items without a `kind` of their own: read once the list's kind is known.
        let mut kindless: Vec<Value> = Vec::new();
        let mut streamed = false;
        while let Some(k) = map.next_key::<String>()? {
            if k == "items" && !streamed {
                // The API server writes `kind` first, kubectl after `items`.
                let list_kind = top.contains_key("kind").then(|| list_kind_of(&top));
                let items = map.next_value_seed(Items {
                    doc: &mut self,
                    list_kind,
                    kindless: &mut kindless,
                })?;
                match items {
                    Some(v) => {
                        top.insert(k, v);
                    }
                    None => streamed = true,
                }
                continue;
            }
            self.budget.take(ENTRY + k.len() as u64)?;
            let v = map.next_value_seed(ValueSeed(self.budget))?;
            top.insert(k, v);
        }
        if !streamed {
            objects::collect(&Value::Object(top), self.file, self.out);
            return Ok(());
        }
        // As `objects::collect` reads a List: a `kind` of `PodList` names its items' kind,
        // and items of a `…List` come from a listing.
        let list_kind = list_kind_of(&top);
        let list_kind = list_kind.as_deref();
        if list_kind.is_none() {
            for a in &mut self.out[start..] {
                if let Artifact::Pod(p) = a {
                    p.listed = false;
                }
            }
        }
        for v in &kindless {
            objects::collect_item(v, list_kind, self.file, self.out);
        }
        Ok(())
    }
}

/// What a list's `kind` says of its items, as `objects::collect` reads it: `PodList` → `Pod`,
/// `List` → `` (each item names its kind), none or another → `None`.
fn list_kind_of(top: &Map<String, Value>) -> Option<String> {
    top.get("kind")
        .and_then(Value::as_str)
        .and_then(|k| k.strip_suffix("List"))
        .map(str::to_string)
}

/// The value of a top-level `items` key: an array is collected element by element (`None`);
/// anything else is decoded and handed back.
struct Items<'d, 'a, 'o> {
    doc: &'d mut Document<'a, 'o>,
    /// The list's kind, when it came before its items.
    list_kind: Option<Option<String>>,
    kindless: &'d mut Vec<Value>,
}

impl<'de> DeserializeSeed<'de> for Items<'_, '_, '_> {
    type Value = Option<Value>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Items<'_, '_, '_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list's items")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<Value>, E> {
        ValueSeed(self.doc.budget).visit_bool(v).map(Some)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<Value>, E> {
        ValueSeed(self.doc.budget).visit_i64(v).map(Some)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<Value>, E> {
        ValueSeed(self.doc.budget).visit_u64(v).map(Some)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<Value>, E> {
        ValueSeed(self.doc.budget).visit_f64(v).map(Some)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<Value>, E> {
        ValueSeed(self.doc.budget).visit_str(v).map(Some)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<Value>, E> {
        ValueSeed(self.doc.budget).visit_unit().map(Some)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<Value>, A::Error> {
        ValueSeed(self.doc.budget).visit_map(map).map(Some)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Value>, A::Error> {
        loop {
            let before = self.doc.budget.left();
            let Some(v) = seq.next_element_seed(ValueSeed(self.doc.budget))? else {
                return Ok(None);
            };
            let cost = before - self.doc.budget.left();
            let file = self.doc.file;
            if let Some(kind) = &self.list_kind {
                self.doc.element(v, cost, |v, out| {
                    objects::collect_item(v, kind.as_deref(), file, out)
                });
            } else if v.get("kind").and_then(Value::as_str).is_some() {
                // Listed for now; `visit_map` corrects it if the list turns out to have no
                // `…List` kind.
                self.doc.element(v, cost, |v, out| {
                    objects::collect_item(v, Some(""), file, out)
                });
            } else {
                // Kept (and charged) until the list's kind is known.
                self.kindless.push(v);
            }
        }
    }
}

/// Builds a `Value`, taking its estimated heap cost from the budget.
#[derive(Clone, Copy)]
struct ValueSeed<'b>(&'b Budget);

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
        self.0.take(VALUE)?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.0.take(VALUE)?;
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.0.take(VALUE)?;
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.0.take(VALUE)?;
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.0.take(VALUE + v.len() as u64)?;
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.0.take(VALUE + v.len() as u64)?;
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.0.take(VALUE)?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.0.take(VALUE)?;
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.0.take(VALUE)?;
        let mut m = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            let node = if m.is_empty() { MAP_NODE } else { 0 };
            self.0.take(node + ENTRY + k.len() as u64)?;
            let v = map.next_value_seed(self)?;
            m.insert(k, v);
        }
        Ok(Value::Object(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `objects::collect` makes of every document of `text`, decoded by serde_json.
    fn reference(text: &str) -> Vec<Artifact> {
        let mut out = Vec::new();
        for v in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
            objects::collect(&v.unwrap(), "f", &mut out);
        }
        out
    }

    fn streamed(text: &str) -> Vec<Artifact> {
        let mut out = Vec::new();
        assert!(matches!(
            collect_documents(text, 1 << 20, "f", &mut out),
            Stop::Done
        ));
        out
    }

    const POD: &str =
        r#"{"metadata":{"name":"a","namespace":"s"},"spec":{"containers":[{"name":"c"}]}}"#;
    const EVENT: &str = r#"{"reason":"BackOff","message":"m","involvedObject":{"kind":"Pod","name":"a","namespace":"s"}}"#;

    #[test]
    fn lists_stream_to_the_same_artifacts() {
        let kinded_pod = POD.replacen('{', r#"{"kind":"Pod","#, 1);
        for text in [
            format!(r#"{{"apiVersion":"v1","items":[{kinded_pod},{POD}],"kind":"List"}}"#),
            format!(r#"{{"apiVersion":"v1","items":[{POD},{EVENT}],"kind":"PodList"}}"#),
            format!(r#"{{"items":[{kinded_pod},{POD},{EVENT}]}}"#),
            format!(r#"[{kinded_pod},{EVENT}] {{"kind":"Pod","items":3}} 7 "x""#),
            format!(r#"{{"kind":"EventList","items":[{EVENT}]}}{kinded_pod}"#),
        ] {
            assert_eq!(
                format!("{:?}", streamed(&text)),
                format!("{:?}", reference(&text)),
                "{text}"
            );
        }
    }

    #[test]
    fn a_document_over_budget_is_refused_and_the_ones_before_kept() {
        let text = "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"},\"spec\":{\"containers\":[{\"name\":\"c\"}]}}\n[[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]]";
        let mut out = Vec::new();
        assert!(matches!(
            collect_documents(text, 4000, "f", &mut out),
            Stop::TooMany(2)
        ));
        assert_eq!(out.len(), 1);
        assert!(matches!(
            collect_documents("{\"a\":", 4000, "f", &mut Vec::new()),
            Stop::Malformed(1, _)
        ));
    }

    #[test]
    fn list_items_give_their_memory_back() {
        // Ten thousand small events fit a budget that ten thousand decoded at once would not.
        let items: Vec<String> = (0..10_000)
            .map(|i| EVENT.replace("\"m\"", &format!("\"m{i}\"")))
            .collect();
        let text = format!(r#"{{"kind":"EventList","items":[{}]}}"#, items.join(","));
        let mut out = Vec::new();
        assert!(matches!(
            collect_documents(&text, 12 << 20, "f", &mut out),
            Stop::Done
        ));
        assert_eq!(out.len(), 10_000);
    }
}
