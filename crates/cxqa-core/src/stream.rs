use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! define_streams {
    ($(($variant:ident, $name:literal, $record:ident, $accessor:ident, $source:ident, $doc:literal)),* $(,)?) => {
        /// The normalized streams cxqa extracts. Every connector offers a subset of them.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
        )]
        #[serde(rename_all = "snake_case")]
        pub enum Stream {
            $(#[doc = $doc] $variant,)*
        }

        impl Stream {
            /// Every stream, in the table's order.
            pub const ALL: [Stream; <[&str]>::len(&[$($name),*])] = [$(Stream::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Stream::$variant => $name,)*
                }
            }
        }
    };
}

with_stream_table!(define_streams);

impl fmt::Display for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Stream {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stream::ALL
            .into_iter()
            .find(|stream| stream.as_str() == s)
            .ok_or_else(|| format!("unknown stream `{s}`"))
    }
}

/// Formats a list of streams as `a, b, c` for messages.
pub fn list(streams: &[Stream]) -> String {
    streams
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde_and_from_str() {
        for stream in Stream::ALL {
            let json = serde_json::to_string(&stream).unwrap();
            assert_eq!(json, format!("\"{}\"", stream.as_str()));
            assert_eq!(stream.as_str().parse::<Stream>().unwrap(), stream);
        }
        assert!("assessment".parse::<Stream>().is_err());
    }
}
