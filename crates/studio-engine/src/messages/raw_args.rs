//! A message's arguments taken as they came, so a malformed signal or update never fails a
//! workflow task (see [`RawArgs`]).

use serde::Serialize;
use temporalio_common::protos::temporal::api::common::v1::Payload;

/// A message's arguments exactly as they came: any number of payloads in any encoding.
///
/// The SDK decodes a handler's input before the handler runs, and an input that does not decode
/// fails the workflow task, again on every retry: one signal with no payload, two payloads or a
/// non-JSON encoding, from any client, wedges the job. Handlers that take `RawArgs` always
/// receive the message and judge it themselves: a signal drops what it cannot use and says
/// so, an update's validator refuses it with the reason.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawArgs(pub(super) Vec<Payload>);

/// Why a message's arguments are not the one JSON value a handler expects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgsError {
    #[error("no payload; expected one")]
    Missing,
    #[error("{0} payloads; expected one")]
    TooMany(usize),
    #[error("a payload encoded as {0}, not JSON")]
    NotJson(String),
    #[error("a payload that is not valid JSON ({0})")]
    BadJson(String),
}

/// The encoding the SDK gives a unit or `null` value.
const BINARY_NULL: &[u8] = b"binary/null";

impl RawArgs {
    /// No arguments (what `pause` and `resume` take).
    pub fn none() -> Self {
        RawArgs(Vec::new())
    }

    /// One JSON payload holding `value`, as the SDK's JSON converter writes it.
    pub fn json(value: &impl Serialize) -> Result<Self, serde_json::Error> {
        use temporalio_common::protos::{ENCODING_PAYLOAD_KEY, JSON_ENCODING_VAL};
        Ok(RawArgs(vec![Payload {
            metadata: [(
                ENCODING_PAYLOAD_KEY.to_string(),
                JSON_ENCODING_VAL.as_bytes().to_vec(),
            )]
            .into(),
            data: serde_json::to_vec(value)?,
            ..Default::default()
        }]))
    }

    /// The payloads as they came (tests build malformed messages with this).
    pub fn from_payloads(payloads: Vec<Payload>) -> Self {
        RawArgs(payloads)
    }

    /// The one JSON value these arguments must be (`binary/null` reads as `null`).
    pub fn one_json(&self) -> Result<serde_json::Value, ArgsError> {
        use temporalio_common::protos::{ENCODING_PAYLOAD_KEY, JSON_ENCODING_VAL};
        let payload = match self.0.as_slice() {
            [] => return Err(ArgsError::Missing),
            [one] => one,
            many => return Err(ArgsError::TooMany(many.len())),
        };
        match payload
            .metadata
            .get(ENCODING_PAYLOAD_KEY)
            .map(Vec::as_slice)
        {
            Some(e) if e == JSON_ENCODING_VAL.as_bytes() => {
                serde_json::from_slice(&payload.data).map_err(|e| ArgsError::BadJson(e.to_string()))
            }
            Some(BINARY_NULL) => Ok(serde_json::Value::Null),
            Some(other) => Err(ArgsError::NotJson(
                String::from_utf8_lossy(other).into_owned(),
            )),
            None => Err(ArgsError::NotJson("nothing (no encoding given)".into())),
        }
    }

    /// Whether these are the nothing a handler without arguments expects: no payload, or one
    /// `null`.
    pub fn is_nothing(&self) -> bool {
        self.0.is_empty() || self.one_json() == Ok(serde_json::Value::Null)
    }
}

mod raw_args_payloads {
    use temporalio_common::data_converters::{
        PayloadConversionError, SerializationContext, TemporalDeserializable, TemporalSerializable,
    };
    use temporalio_common::protos::temporal::api::common::v1::Payload;

    use super::RawArgs;

    impl TemporalSerializable for RawArgs {
        fn to_payload(
            &self,
            _: &SerializationContext<'_>,
        ) -> Result<Payload, PayloadConversionError> {
            Ok(self.0.first().cloned().unwrap_or_default())
        }

        fn to_payloads(
            &self,
            _: &SerializationContext<'_>,
        ) -> Result<Vec<Payload>, PayloadConversionError> {
            Ok(self.0.clone())
        }
    }

    /// Never fails: whatever came is kept for the handler to judge.
    impl TemporalDeserializable for RawArgs {
        fn from_payload(
            _: &SerializationContext<'_>,
            payload: Payload,
        ) -> Result<Self, PayloadConversionError> {
            Ok(RawArgs(vec![payload]))
        }

        fn from_payloads(
            _: &SerializationContext<'_>,
            payloads: Vec<Payload>,
        ) -> Result<Self, PayloadConversionError> {
            Ok(RawArgs(payloads))
        }
    }
}
