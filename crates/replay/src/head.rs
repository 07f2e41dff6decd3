//! What a report shows of a matched event, its `eventName` and who made the call, read from
//! the evaluator's own pass over the event ([`Evaluator::field`]): nothing is parsed twice.
//!
//! The answers are those of `serde_json::Value` indexing: a key that repeats takes its last
//! value, and a value of another type than string counts as absent.

use crate::eval::{Evaluator, EventField, Scratch};
use std::borrow::Cow;

/// The fields of an event the report shows.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Head<'a> {
    /// `eventName`, when it is a string.
    pub event_name: Option<Cow<'a, str>>,
    /// `userIdentity`'s `arn`, `type`, `userName`, `principalId` and `invokedBy`, each when it
    /// is a string (all absent when `userIdentity` is not an object).
    identity: [Option<Cow<'a, str>>; 5],
}

impl<'a> Head<'a> {
    /// Reads the head of `event`, which `evaluator` has just evaluated with `scratch`.
    pub(crate) fn read(evaluator: &Evaluator, scratch: &Scratch, event: &'a str) -> Head<'a> {
        let field = |field| evaluator.field(scratch, event, field);
        Head {
            event_name: field(EventField::EventName),
            identity: [
                EventField::IdentityArn,
                EventField::IdentityType,
                EventField::IdentityUserName,
                EventField::IdentityPrincipalId,
                EventField::IdentityInvokedBy,
            ]
            .map(field),
        }
    }

    /// Who made the call: the ARN when there is one, else the identity type and name.
    pub(crate) fn principal(&self) -> Cow<'_, str> {
        let [arn, kind, user_name, principal_id, invoked_by] = &self.identity;
        if let Some(arn) = arn {
            return Cow::Borrowed(arn);
        }
        let kind = kind.as_deref().unwrap_or("(no userIdentity)");
        let name = user_name
            .as_deref()
            .or(principal_id.as_deref())
            .or(invoked_by.as_deref());
        match name {
            Some(name) => Cow::Owned(format!("{kind}:{name}")),
            None => Cow::Borrowed(kind),
        }
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
            let (evaluator, mut scratch) = evaluator();
            assert!(
                evaluator.evaluate(text, &mut scratch, &mut Vec::new()),
                "{text}"
            );
            let head = Head::read(&evaluator, &scratch, text);
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

    /// An evaluator with a filter whose selectors overlap the head's fields.
    fn evaluator() -> (Evaluator, Scratch) {
        let pattern = r#"{ $.userIdentity.type = "Root" || $.eventName = "X" }"#;
        let evaluator = Evaluator::new(&[crate::filters::ad_hoc_filter(0, pattern, 60)]).unwrap();
        let scratch = evaluator.scratch();
        (evaluator, scratch)
    }

    #[test]
    fn what_is_not_one_object_has_no_head() {
        let (evaluator, mut scratch) = evaluator();
        for text in [
            r#"{"eventName":"X","a":tru}"#,
            r#"{"eventName":"X"} x"#,
            r#"["eventName"]"#,
            r#"{"eventName":"X""#,
        ] {
            assert!(
                !evaluator.evaluate(text, &mut scratch, &mut Vec::new()),
                "{text}"
            );
            assert_eq!(
                Head::read(&evaluator, &scratch, text),
                Head::default(),
                "{text}"
            );
        }
    }
}
