//! Smithy RPC v2 CBOR <-> awsJson 1.0 conversion for the CloudWatch bridge.
//!
//! The Rust SDK speaks RPC v2 CBOR to CloudWatch; moto only speaks awsJson 1.0 for it. Both carry
//! the same members with the same names, so the conversion is structural, except timestamps:
//! CBOR sends them as tag 1 (epoch seconds) and moto renders them as JSON numbers of epoch
//! seconds, so a JSON number under a key ending in `Timestamp` becomes a tag-1 float.

use ciborium::Value as Cbor;
use serde_json::Value as Json;

/// The CBOR tag for epoch-based date/time (RFC 8949 §3.4.2).
const EPOCH_TAG: u64 = 1;

/// Decodes a CBOR request body into the JSON moto expects (an empty body is `{}`).
pub fn request_to_json(body: &[u8]) -> Result<Vec<u8>, String> {
    if body.is_empty() {
        return Ok(b"{}".to_vec());
    }
    let value: Cbor = ciborium::from_reader(body).map_err(|e| format!("bad CBOR request: {e}"))?;
    serde_json::to_vec(&cbor_to_json(value)?).map_err(|e| e.to_string())
}

fn cbor_to_json(value: Cbor) -> Result<Json, String> {
    Ok(match value {
        Cbor::Null => Json::Null,
        Cbor::Bool(b) => Json::Bool(b),
        Cbor::Integer(i) => {
            let i: i128 = i.into();
            Json::from(i64::try_from(i).map_err(|_| format!("integer {i} out of range"))?)
        }
        Cbor::Float(f) => serde_json::Number::from_f64(f)
            .map(Json::Number)
            .ok_or_else(|| format!("float {f} has no JSON form"))?,
        Cbor::Text(s) => Json::String(s),
        Cbor::Tag(EPOCH_TAG, inner) => cbor_to_json(*inner)?,
        Cbor::Array(items) => Json::Array(
            items
                .into_iter()
                .map(cbor_to_json)
                .collect::<Result<_, _>>()?,
        ),
        Cbor::Map(entries) => {
            let mut object = serde_json::Map::new();
            for (key, value) in entries {
                let Cbor::Text(key) = key else {
                    return Err(format!("non-text map key {key:?}"));
                };
                object.insert(key, cbor_to_json(value)?);
            }
            Json::Object(object)
        }
        other => return Err(format!("unsupported CBOR value {other:?}")),
    })
}

/// Encodes moto's JSON response body as the CBOR the SDK expects. A successful response's
/// members convert structurally; an error becomes `{"__type": <shape name>, "message": ...}`.
pub fn response_to_cbor(body: &[u8], success: bool) -> Vec<u8> {
    let json: Json = serde_json::from_slice(body).unwrap_or_else(|_| {
        Json::from_iter([(
            "message".to_string(),
            Json::String(String::from_utf8_lossy(body).into_owned()),
        )])
    });
    let value = if success {
        json_to_cbor(json, false)
    } else {
        let error_type = json["__type"]
            .as_str()
            .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
            .unwrap_or_else(|| "InternalFailure".to_string());
        let message = json["message"]
            .as_str()
            .or_else(|| json["Message"].as_str())
            .unwrap_or_default()
            .to_string();
        Cbor::Map(vec![
            (Cbor::Text("__type".into()), Cbor::Text(error_type)),
            (Cbor::Text("message".into()), Cbor::Text(message)),
        ])
    };
    encode(&value)
}

/// Encodes an error the bridge itself produces (fault injection).
pub fn error_body(error_type: &str, message: &str) -> Vec<u8> {
    encode(&Cbor::Map(vec![
        (Cbor::Text("__type".into()), Cbor::Text(error_type.into())),
        (Cbor::Text("message".into()), Cbor::Text(message.into())),
    ]))
}

fn encode(value: &Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).expect("writing CBOR to a Vec cannot fail");
    out
}

fn json_to_cbor(value: Json, is_timestamp: bool) -> Cbor {
    match value {
        Json::Null => Cbor::Null,
        Json::Bool(b) => Cbor::Bool(b),
        Json::Number(n) if is_timestamp => Cbor::Tag(
            EPOCH_TAG,
            Box::new(Cbor::Float(n.as_f64().expect("JSON numbers fit f64"))),
        ),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Cbor::Integer(i.into()),
            None => Cbor::Float(n.as_f64().expect("JSON numbers fit f64")),
        },
        Json::String(s) => Cbor::Text(s),
        Json::Array(items) => Cbor::Array(
            items
                .into_iter()
                .map(|item| json_to_cbor(item, is_timestamp))
                .collect(),
        ),
        Json::Object(object) => Cbor::Map(
            object
                .into_iter()
                // moto writes absent members as null; the SDK expects them left out.
                .filter(|(_, value)| !value.is_null())
                .map(|(key, value)| {
                    let timestamp = key.ends_with("Timestamp") || key == "Timestamps";
                    (Cbor::Text(key), json_to_cbor(value, timestamp))
                })
                .collect(),
        ),
    }
}

#[test]
fn converts_requests_and_responses_both_ways() {
    let request = encode(&Cbor::Map(vec![
        (Cbor::Text("MetricName".into()), Cbor::Text("m".into())),
        (Cbor::Text("Period".into()), Cbor::Integer(300.into())),
        (
            Cbor::Text("StartTime".into()),
            Cbor::Tag(EPOCH_TAG, Box::new(Cbor::Float(1.5))),
        ),
    ]));
    let json: Json = serde_json::from_slice(&request_to_json(&request).unwrap()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"MetricName": "m", "Period": 300, "StartTime": 1.5})
    );

    let response = br#"{"MetricAlarms": [{"StateUpdatedTimestamp": 17.5, "Threshold": 1.0, "Period": 60, "X": null}]}"#;
    let cbor: Cbor = ciborium::from_reader(&response_to_cbor(response, true)[..]).unwrap();
    let alarm = &cbor.as_map().unwrap()[0].1.as_array().unwrap()[0];
    let entries = alarm.as_map().unwrap();
    assert_eq!(entries.len(), 3, "null members are dropped: {entries:?}");
    let member = |name: &str| {
        entries
            .iter()
            .find(|(key, _)| key.as_text() == Some(name))
            .map(|(_, value)| value.clone())
            .unwrap()
    };
    assert_eq!(
        member("StateUpdatedTimestamp"),
        Cbor::Tag(EPOCH_TAG, Box::new(Cbor::Float(17.5)))
    );
    assert_eq!(member("Threshold"), Cbor::Float(1.0));
    assert_eq!(member("Period"), Cbor::Integer(60.into()));

    let error =
        br#"{"__type": "GraniteServiceVersion20100801#ResourceNotFound", "message": "gone"}"#;
    let cbor: Cbor = ciborium::from_reader(&response_to_cbor(error, false)[..]).unwrap();
    assert_eq!(
        cbor,
        Cbor::Map(vec![
            (
                Cbor::Text("__type".into()),
                Cbor::Text("ResourceNotFound".into())
            ),
            (Cbor::Text("message".into()), Cbor::Text("gone".into())),
        ])
    );
}
