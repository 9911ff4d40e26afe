//! Verification time: one type, [`Time`], read from RFC 3339 text or Unix seconds everywhere
//! (options JSON, policy files, the CLI, every binding), with one error message.
//!
//! The core never reads the clock on its own behalf: a verification is given its time. Where an
//! option says "now" when left out, the caller's entry point resolves it with [`Time::now`].

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::Error;

/// A point in time, in whole Unix seconds (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(i64);

impl Time {
    /// The time `unix` seconds after 1970-01-01T00:00:00Z.
    pub const fn from_unix(unix: i64) -> Time {
        Time(unix)
    }

    /// Unix seconds.
    pub const fn unix(self) -> i64 {
        self.0
    }

    /// The system clock, now.
    pub fn now() -> Time {
        Time(unix_now())
    }

    /// Parses RFC 3339 text (`2024-06-01T00:00:00Z`; offsets allowed, surrounding whitespace
    /// ignored). The error names the text.
    pub fn parse(text: &str) -> Result<Time, Error> {
        parse_time(text)
            .map(Time)
            .ok_or_else(|| Error::InvalidArgument(format!("at {text:?} is not an RFC 3339 time")))
    }

    /// RFC 3339 UTC text, e.g. `2024-06-01T00:00:00Z`.
    pub fn format(self) -> String {
        format_time(self.0)
    }
}

impl std::fmt::Display for Time {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.format())
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.format())
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Time, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Time;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("RFC 3339 text or Unix seconds")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Time, E> {
                Ok(Time(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Time, E> {
                i64::try_from(v)
                    .map(Time)
                    .map_err(|_| E::custom("Unix seconds out of range"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Time, E> {
                Time::parse(v).map_err(|e| E::custom(e.reason()))
            }
        }
        d.deserialize_any(V)
    }
}

/// The system clock in Unix seconds (0 before 1970, saturating far in the future).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Formats Unix seconds as RFC 3339 UTC (`2024-06-01T00:00:00Z`).
pub fn format_time(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("@{unix}"))
}

/// Parses an RFC 3339 timestamp (`2024-06-01T00:00:00Z`, offsets allowed) to Unix seconds.
pub fn parse_time(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_seconds() {
        let t = Time::parse("2025-06-20T06:13:20Z").unwrap();
        assert_eq!(t.unix(), 1_750_400_000);
        assert_eq!(t.format(), "2025-06-20T06:13:20Z");
        assert_eq!(Time::parse(" 2025-06-20T08:13:20+02:00 ").unwrap(), t);
        let e = Time::parse("yesterday").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid argument: at \"yesterday\" is not an RFC 3339 time"
        );
        let from: Time = serde_json::from_str("1750400000").unwrap();
        assert_eq!(from, t);
        let from: Time = serde_json::from_str("\"2025-06-20T06:13:20Z\"").unwrap();
        assert_eq!(from, t);
        assert!(serde_json::from_str::<Time>("true").is_err());
        assert!(serde_json::from_str::<Time>("1.5").is_err());
        let e = serde_json::from_str::<Time>("\"noon\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"noon\" is not an RFC 3339 time"), "{e}");
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2025-06-20T06:13:20Z\""
        );
    }
}
