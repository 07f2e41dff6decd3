//! What a report shows of a matched event, its `eventName` and who made the call, read with
//! one pass of `serde_json` that skips every other value and allocates nothing unless a wanted
//! string has escapes: no tree is built (matched events can be a large share of a replay).
//!
//! The answers are those of `serde_json::Value` indexing: a key that repeats takes its last
//! value, and a value of another type than the one wanted counts as absent.

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// The fields of an event the report shows.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Head<'a> {
    /// `eventName`, when it is a string.
    pub event_name: Option<Cow<'a, str>>,
    /// `userIdentity`, when it is an object.
    pub identity: Identity<'a>,
}

/// The `userIdentity` fields that name the caller; each one only when it is a string.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Identity<'a> {
    arn: Option<Cow<'a, str>>,
    kind: Option<Cow<'a, str>>,
    user_name: Option<Cow<'a, str>>,
    principal_id: Option<Cow<'a, str>>,
    invoked_by: Option<Cow<'a, str>>,
}

impl<'a> Head<'a> {
    /// Reads `text`, a JSON object.
    pub(crate) fn read(text: &'a str) -> Result<Head<'a>, serde_json::Error> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let head = deserializer.deserialize_map(HeadVisitor)?;
        deserializer.end()?;
        Ok(head)
    }

    /// Who made the call: the ARN when there is one, else the identity type and name.
    pub(crate) fn principal(&self) -> Cow<'_, str> {
        let identity = &self.identity;
        if let Some(arn) = &identity.arn {
            return Cow::Borrowed(arn);
        }
        let kind = identity.kind.as_deref().unwrap_or("(no userIdentity)");
        let name = identity
            .user_name
            .as_deref()
            .or(identity.principal_id.as_deref())
            .or(identity.invoked_by.as_deref());
        match name {
            Some(name) => Cow::Owned(format!("{kind}:{name}")),
            None => Cow::Borrowed(kind),
        }
    }
}

/// An object key, compared with the wanted names without allocating: the index of the one it
/// equals, if any.
struct Key(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for Key {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|wanted| *wanted == key))
    }
}

/// A value that is kept when it is a string and skipped otherwise.
struct MaybeStr;

impl<'de> DeserializeSeed<'de> for MaybeStr {
    type Value = Option<Cow<'de, str>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MaybeStr {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v)))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        skip_seq(seq).map(|()| None)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        skip_map(map).map(|()| None)
    }
}

fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// The top-level object.
struct HeadVisitor;

impl<'de> Visitor<'de> for HeadVisitor {
    type Value = Head<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut head = Head::default();
        while let Some(key) = map.next_key_seed(Key(&["eventName", "userIdentity"]))? {
            match key {
                Some(0) => head.event_name = map.next_value_seed(MaybeStr)?,
                Some(_) => head.identity = map.next_value_seed(IdentityVisitor)?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(head)
    }
}

/// `userIdentity`: its fields when it is an object, nothing otherwise.
struct IdentityVisitor;

impl<'de> DeserializeSeed<'de> for IdentityVisitor {
    type Value = Identity<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for IdentityVisitor {
    type Value = Identity<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        const KEYS: &[&str] = &["arn", "type", "userName", "principalId", "invokedBy"];
        let mut identity = Identity::default();
        while let Some(key) = map.next_key_seed(Key(KEYS))? {
            let field = match key {
                Some(0) => &mut identity.arn,
                Some(1) => &mut identity.kind,
                Some(2) => &mut identity.user_name,
                Some(3) => &mut identity.principal_id,
                Some(_) => &mut identity.invoked_by,
                None => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *field = map.next_value_seed(MaybeStr)?;
        }
        Ok(identity)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        skip_seq(seq).map(|()| Identity::default())
    }

    fn visit_borrowed_str<E: de::Error>(self, _: &'de str) -> Result<Self::Value, E> {
        Ok(Identity::default())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Identity::default())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Identity::default())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Identity::default())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Identity::default())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Identity::default())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Identity::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answers `serde_json::Value` indexing gives (the behaviour this module replaces).
    fn by_value(text: &str) -> (String, String) {
        let parsed: serde_json::Value = serde_json::from_str(text).unwrap();
        let event_name = parsed["eventName"].as_str().unwrap_or("(no eventName)");
        let identity = &parsed["userIdentity"];
        let principal = if let Some(arn) = identity["arn"].as_str() {
            arn.to_string()
        } else {
            let kind = identity["type"].as_str().unwrap_or("(no userIdentity)");
            let name = ["userName", "principalId", "invokedBy"]
                .iter()
                .find_map(|key| identity[key].as_str());
            match name {
                Some(name) => format!("{kind}:{name}"),
                None => kind.to_string(),
            }
        };
        (event_name.to_string(), principal)
    }

    #[test]
    fn agrees_with_serde_json_value() {
        for text in [
            r#"{"eventName":"PutUserPolicy","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a","userName":"a"}}"#,
            r#"{"userIdentity":{"type":"AWSService","invokedBy":"ec2.amazonaws.com"},"eventName":"X"}"#,
            r#"{"userIdentity":{"type":"Root","principalId":"123","invokedBy":"x"}}"#,
            r#"{"userIdentity":{"type":"Root","userName":7,"principalId":"123"}}"#,
            r#"{"userIdentity":{"arn":null,"type":"Root"}}"#,
            r#"{"userIdentity":"someone","eventName":5}"#,
            r#"{"userIdentity":[{"arn":"x"}],"eventName":["a"]}"#,
            r#"{"userIdentity":{"type":"A"},"userIdentity":{"userName":"b"}}"#,
            r#"{"eventName":"First","eventName":"Second"}"#,
            r#"{"eventName":"First","eventName":{"a":"b"}}"#,
            r#"{"event\u004eame":"Esc\u00e9aped","userIdentity":{"a\u0072n":"arn\/x"}}"#,
            r#"{"a":{"eventName":"nested"},"b":[1,2.5e3,true,null,{"c":[]}],"eventName":"top"}"#,
            r#"{}"#,
        ] {
            let head = Head::read(text).unwrap();
            let got = (
                head.event_name
                    .as_deref()
                    .unwrap_or("(no eventName)")
                    .to_string(),
                head.principal().into_owned(),
            );
            assert_eq!(got, by_value(text), "{text}");
        }
    }

    #[test]
    fn rejects_what_is_not_one_object() {
        for text in [r#"{"a":tru}"#, r#"{"a":1} x"#, r#"[1]"#, r#"{"a":1"#] {
            assert!(Head::read(text).is_err(), "{text}");
        }
    }
}
