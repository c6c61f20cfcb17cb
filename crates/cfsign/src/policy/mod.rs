//! Policies: what a signature grants (docs/cloudfront-format.md §1).
//!
//! A [`CannedPolicy`] names one URL and an expiry; CloudFront rebuilds its JSON from the
//! request, so only the expiry travels. A [`CustomPolicy`] may hold a wildcard resource, a
//! start time and an IPv4 range; its JSON travels base64-encoded in `Policy` /
//! `CloudFront-Policy`. Both serialise to the exact bytes CloudFront and the AWS SDKs use.
//!
//! ```
//! use cfsign::{CannedPolicy, CustomPolicy, EpochSeconds};
//!
//! let canned = CannedPolicy::new("https://d111111abcdef8.cloudfront.net/image.jpg", EpochSeconds::new(1767290400))?;
//! assert_eq!(
//!     canned.to_json(),
//!     r#"{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/image.jpg","Condition":{"DateLessThan":{"AWS:EpochTime":1767290400}}}]}"#
//! );
//!
//! let custom = CustomPolicy::builder()
//!     .resource("https://d111111abcdef8.cloudfront.net/videos/*")
//!     .date_less_than(EpochSeconds::new(1767290400))
//!     .date_greater_than(EpochSeconds::new(1767200000))
//!     .ip_address("192.0.2.0/24")
//!     .build()?;
//! assert_eq!(CustomPolicy::parse(custom.to_json().as_bytes())?, custom);
//! # Ok::<(), cfsign::Error>(())
//! ```

mod base;
mod json;
pub(crate) mod resource;
mod source_ip;

use alloc::string::String;

pub use base::{ResourceBase, is_pchar, push_path_segment, wildcard_inside_segment};
pub use resource::{resource_matches, wildcard_match};
pub use source_ip::SourceIp;

use crate::{EpochSeconds, Error};

/// A canned policy: exactly one URL, valid until `DateLessThan`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CannedPolicy {
    url: String,
    expires: EpochSeconds,
}

impl CannedPolicy {
    /// A canned policy for `url`, valid while the time is before `expires`.
    ///
    /// `url` is the full URL the viewer will request, including its own query string,
    /// as raw text: it is never decoded or re-encoded.
    ///
    /// # Errors
    /// The URL is empty, holds a non-ASCII, space or control byte (percent-encode it), a
    /// `#fragment`, a `*` (use a [`CustomPolicy`]), a scheme other than `http`/`https`, or
    /// already carries a signing parameter.
    pub fn new(url: impl Into<String>, expires: EpochSeconds) -> Result<Self, Error> {
        let url = url.into();
        resource::validate(&url, resource::Use::Canned)?;
        Ok(CannedPolicy { url, expires })
    }

    /// The URL the policy grants.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `DateLessThan`: access ends at this second.
    #[must_use]
    pub fn expires(&self) -> EpochSeconds {
        self.expires
    }

    /// The exact policy bytes CloudFront rebuilds and checks the signature against.
    #[must_use]
    pub fn to_json(&self) -> String {
        Self::json_for(&self.url, self.expires)
    }

    /// The canned policy CloudFront rebuilds for a request: `url` is the request URL without
    /// the signing parameters, taken as is (no validation: a verifier must rebuild exactly what
    /// was requested, whatever it holds).
    #[must_use]
    pub fn json_for(url: &str, expires: EpochSeconds) -> String {
        let mut out = String::with_capacity(96 + url.len());
        let parts = json::PolicyParts {
            resource: Some(url),
            date_less_than: expires,
            date_greater_than: None,
            source_ip: None,
        };
        json::write_policy(&mut out, parts);
        out
    }
}

impl From<CannedPolicy> for CustomPolicy {
    /// The custom policy with the same JSON (what [`CustomPolicy::parse`] returns for it).
    fn from(c: CannedPolicy) -> Self {
        CustomPolicy {
            resource: Some(c.url),
            date_less_than: c.expires,
            date_greater_than: None,
            source_ip: None,
        }
    }
}

/// A custom policy: one statement with an optional resource pattern, `DateLessThan`, and
/// optionally `DateGreaterThan` and `IpAddress`.
///
/// Build one with [`CustomPolicy::builder`]; read one with [`CustomPolicy::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomPolicy {
    resource: Option<String>,
    date_less_than: EpochSeconds,
    date_greater_than: Option<EpochSeconds>,
    source_ip: Option<SourceIp>,
}

impl CustomPolicy {
    /// Starts a custom policy. Set a resource (or explicitly [`any_resource`](CustomPolicyBuilder::any_resource))
    /// and `date_less_than`, then [`build`](CustomPolicyBuilder::build).
    pub fn builder() -> CustomPolicyBuilder {
        CustomPolicyBuilder::default()
    }

    /// The resource pattern; `None` grants every file the key's distributions serve.
    #[must_use]
    pub fn resource(&self) -> Option<&str> {
        self.resource.as_deref()
    }

    /// `DateLessThan`: access ends at this second.
    #[must_use]
    pub fn date_less_than(&self) -> EpochSeconds {
        self.date_less_than
    }

    /// `DateGreaterThan`: access starts after this second.
    #[must_use]
    pub fn date_greater_than(&self) -> Option<EpochSeconds> {
        self.date_greater_than
    }

    /// `IpAddress` / `AWS:SourceIp`.
    #[must_use]
    pub fn source_ip(&self) -> Option<SourceIp> {
        self.source_ip
    }

    /// Whether the resource pattern covers `url` (see [`resource_matches`]). A policy without
    /// a resource covers every URL.
    #[must_use]
    pub fn covers(&self, url: &str) -> bool {
        self.resource.as_deref().is_none_or(|r| resource_matches(r, url))
    }

    /// The policy JSON, byte for byte as the AWS SDKs and the cross-SDK suite emit it:
    /// no whitespace, conditions in the order `DateLessThan, DateGreaterThan, IpAddress`,
    /// strings JSON-escaped, `/` not escaped.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(160 + self.resource.as_ref().map_or(0, String::len));
        json::write_policy(
            &mut out,
            json::PolicyParts {
                resource: self.resource.as_deref(),
                date_less_than: self.date_less_than,
                date_greater_than: self.date_greater_than,
                source_ip: self.source_ip.as_ref(),
            },
        );
        out
    }

    /// Reads a policy document leniently: any key order, whitespace and escapes the AWS SDKs
    /// produce (botocore's `\uXXXX` and condition order, Go's order, Java's spaces,
    /// pretty-printed JSON). Never panics.
    ///
    /// There is no canned/custom marker in the JSON: a canned policy reads back as the
    /// custom policy with the same bytes.
    ///
    /// # Errors
    /// [`Error::MalformedPolicy`] with the byte offset and the reason: invalid JSON or UTF-8,
    /// unknown or duplicate keys, not exactly one statement, no `DateLessThan`, an epoch that
    /// is not a non-negative integer, an `AWS:SourceIp` that is not IPv4.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        json::parse(bytes)
    }

    /// Whether `bytes` are exactly what [`to_json`](Self::to_json) writes for this policy —
    /// how cfsign writes every policy (and a canned policy's bytes). A policy this library
    /// did not write reads the same with [`parse`](Self::parse) but is not recognised here.
    ///
    /// ```
    /// use cfsign::CustomPolicy;
    /// let ours = br#"{"Statement":[{"Resource":"https://d.net/v/*","Condition":{"DateLessThan":{"AWS:EpochTime":1767290400}}}]}"#;
    /// let java = br#"{"Statement": [{"Resource":"https://d.net/v/*","Condition":{"DateLessThan":{"AWS:EpochTime":1767290400}}}]}"#;
    /// assert!(CustomPolicy::parse(ours)?.written_as(ours));
    /// assert!(!CustomPolicy::parse(java)?.written_as(java));
    /// # Ok::<(), cfsign::Error>(())
    /// ```
    #[must_use]
    pub fn written_as(&self, bytes: &[u8]) -> bool {
        self.to_json().as_bytes() == bytes
    }
}

/// Builder for [`CustomPolicy`]; see [`CustomPolicy::builder`].
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct CustomPolicyBuilder {
    resource: Option<Option<String>>,
    date_less_than: Option<EpochSeconds>,
    date_greater_than: Option<EpochSeconds>,
    ip_address: Option<String>,
}

impl CustomPolicyBuilder {
    /// The URL or URL pattern (`*` any run, `?` one character; docs/cloudfront-format.md §7),
    /// as raw text.
    ///
    /// For patterns you write. `*` and `?` cannot be escaped, so user data interpolated here
    /// (`format!(".../u/{name}/*")`) widens the grant when it holds them, or `/`: build such
    /// resources with [`ResourceBase`] (`base.prefix([name])`).
    pub fn resource(mut self, pattern: impl Into<String>) -> Self {
        self.resource = Some(Some(pattern.into()));
        self
    }

    /// Omit `Resource`: the signature then grants every file of every distribution that
    /// trusts the key. Only on explicit request, never by default.
    pub fn any_resource(mut self) -> Self {
        self.resource = Some(None);
        self
    }

    /// `DateLessThan` (required): access ends at this second.
    pub fn date_less_than(mut self, t: EpochSeconds) -> Self {
        self.date_less_than = Some(t);
        self
    }

    /// `DateGreaterThan` (optional): access starts after this second.
    pub fn date_greater_than(mut self, t: EpochSeconds) -> Self {
        self.date_greater_than = Some(t);
        self
    }

    /// `IpAddress` (optional): an IPv4 address (`/32`) or CIDR block such as `192.0.2.0/24`.
    /// Checked in [`build`](Self::build).
    pub fn ip_address(mut self, cidr: impl Into<String>) -> Self {
        self.ip_address = Some(cidr.into());
        self
    }

    /// `IpAddress` from an already parsed [`SourceIp`].
    pub fn source_ip(mut self, ip: SourceIp) -> Self {
        self.ip_address = Some(alloc::string::ToString::to_string(&ip));
        self
    }

    /// Validates and builds the policy.
    ///
    /// # Errors
    /// [`Error::MissingExpiration`], [`Error::MissingResource`],
    /// [`Error::ActiveNotBeforeExpiration`], [`Error::InvalidSourceIp`] (IPv6, bad CIDR), or a
    /// resource error (non-ASCII, control or space byte, fragment, signing parameter, scheme).
    pub fn build(self) -> Result<CustomPolicy, Error> {
        let date_less_than = self.date_less_than.ok_or(Error::MissingExpiration)?;
        let resource = self.resource.ok_or(Error::MissingResource)?;
        if let Some(r) = &resource {
            resource::validate(r, resource::Use::Pattern)?;
        }
        if let Some(active) = self.date_greater_than
            && active >= date_less_than
        {
            return Err(Error::ActiveNotBeforeExpiration {
                active: active.as_secs(),
                expires: date_less_than.as_secs(),
            });
        }
        let source_ip = self.ip_address.map(|s| s.parse::<SourceIp>()).transpose()?;
        Ok(CustomPolicy { resource, date_less_than, date_greater_than: self.date_greater_than, source_ip })
    }
}

/// A canned or a custom policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Sent as `Expires` / `CloudFront-Expires`.
    Canned(CannedPolicy),
    /// Sent as `Policy` / `CloudFront-Policy`.
    Custom(CustomPolicy),
}

impl Policy {
    /// The exact policy bytes that are signed.
    #[must_use]
    pub fn to_json(&self) -> String {
        match self {
            Policy::Canned(c) => c.to_json(),
            Policy::Custom(c) => c.to_json(),
        }
    }

    /// `DateLessThan`.
    #[must_use]
    pub fn expires(&self) -> EpochSeconds {
        match self {
            Policy::Canned(c) => c.expires,
            Policy::Custom(c) => c.date_less_than,
        }
    }

    /// Whether a signature of this policy grants `url`.
    #[must_use]
    pub fn covers(&self, url: &str) -> bool {
        match self {
            Policy::Canned(c) => c.url == url,
            Policy::Custom(c) => c.covers(url),
        }
    }
}

impl From<CannedPolicy> for Policy {
    fn from(p: CannedPolicy) -> Self {
        Policy::Canned(p)
    }
}

impl From<CustomPolicy> for Policy {
    fn from(p: CustomPolicy) -> Self {
        Policy::Custom(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: EpochSeconds = EpochSeconds::new(1_767_290_400);
    const S: EpochSeconds = EpochSeconds::new(1_767_200_000);

    #[test]
    fn builder_errors() {
        let b = || CustomPolicy::builder().resource("https://d.net/*");
        assert_eq!(b().build(), Err(Error::MissingExpiration));
        assert_eq!(CustomPolicy::builder().date_less_than(T).build(), Err(Error::MissingResource));
        assert_eq!(
            b().date_less_than(S).date_greater_than(T).build(),
            Err(Error::ActiveNotBeforeExpiration { active: T.as_secs(), expires: S.as_secs() })
        );
        assert!(matches!(
            b().date_less_than(T).date_greater_than(T).build(),
            Err(Error::ActiveNotBeforeExpiration { .. })
        ));
        assert!(matches!(
            b().date_less_than(T).ip_address("2001:db8::/32").build(),
            Err(Error::InvalidSourceIp { .. })
        ));
        assert!(matches!(
            b().date_less_than(T).ip_address("10.0.0.0/40").build(),
            Err(Error::InvalidSourceIp { .. })
        ));
        assert!(matches!(
            CustomPolicy::builder().resource("ftp://x/y").date_less_than(T).build(),
            Err(Error::UnsupportedScheme { .. })
        ));
        let any = CustomPolicy::builder().any_resource().date_less_than(T).build().unwrap();
        assert_eq!(
            any.to_json(),
            r#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1767290400}}}]}"#
        );
        assert!(any.covers("https://anything.example/x"));
    }

    #[test]
    fn canned_errors() {
        assert_eq!(CannedPolicy::new("https://d.net/*", T), Err(Error::WildcardInCannedPolicy));
        assert!(matches!(
            CannedPolicy::new("*://d.net/a", T),
            Err(Error::UnsupportedScheme { used_as: crate::error::ResourceUse::CannedPolicy, .. })
        ));
        assert!(matches!(
            CannedPolicy::new("https://d.net/a?Key-Pair-Id=K", T),
            Err(Error::SigningParameterInUrl { name: "Key-Pair-Id" })
        ));
    }

    #[test]
    fn rebuilt_canned_json_is_the_canned_json() {
        let c = CannedPolicy::new("https://d.net/a?b=\"c\"", T).unwrap();
        assert_eq!(CannedPolicy::json_for(c.url(), T), c.to_json());
    }

    #[test]
    fn full_custom_json_order() {
        let p = CustomPolicy::builder()
            .resource("https://d.net/v/*")
            .date_less_than(T)
            .date_greater_than(S)
            .ip_address("192.0.2.0/24")
            .build()
            .unwrap();
        assert_eq!(
            p.to_json(),
            r#"{"Statement":[{"Resource":"https://d.net/v/*","Condition":{"DateLessThan":{"AWS:EpochTime":1767290400},"DateGreaterThan":{"AWS:EpochTime":1767200000},"IpAddress":{"AWS:SourceIp":"192.0.2.0/24"}}}]}"#
        );
    }

    #[test]
    fn parses_every_sdk_style() {
        let expected = CustomPolicy::builder()
            .resource("https://d.net/v/*")
            .date_less_than(T)
            .date_greater_than(S)
            .ip_address("192.0.2.0/24")
            .build()
            .unwrap();
        let styles = [
            // botocore: `\u` escapes are allowed anywhere, order DateLessThan, IpAddress, DateGreaterThan
            r#"{"Statement":[{"Resource":"https:\/\/d.net\/v\/\u002a","Condition":{"DateLessThan":{"AWS:EpochTime":1767290400},"IpAddress":{"AWS:SourceIp":"192.0.2.0/24"},"DateGreaterThan":{"AWS:EpochTime":1767200000}}}]}"#,
            // Go: IpAddress, DateGreaterThan, DateLessThan
            r#"{"Statement":[{"Resource":"https://d.net/v/*","Condition":{"IpAddress":{"AWS:SourceIp":"192.0.2.0/24"},"DateGreaterThan":{"AWS:EpochTime":1767200000},"DateLessThan":{"AWS:EpochTime":1767290400}}}]}"#,
            // Java: a space after "Statement":
            r#"{"Statement": [{"Resource":"https://d.net/v/*","Condition":{"DateLessThan":{"AWS:EpochTime":1767290400},"DateGreaterThan":{"AWS:EpochTime":1767200000},"IpAddress":{"AWS:SourceIp":"192.0.2.0/24"}}}]}"#,
            // pretty-printed, Condition first
            "{\n  \"Statement\" : [\n    {\n      \"Condition\" : {\r\n\t\"DateGreaterThan\" : { \"AWS:EpochTime\" : 1767200000 },\n        \"DateLessThan\" : { \"AWS:EpochTime\" : 1767290400 },\n        \"IpAddress\" : { \"AWS:SourceIp\" : \"192.0.2.0/24\" }\n      },\n      \"Resource\" : \"https://d.net/v/*\"\n    }\n  ]\n}\n",
        ];
        for s in styles {
            assert_eq!(CustomPolicy::parse(s.as_bytes()).as_ref(), Ok(&expected), "{s}");
        }
        let non_ascii = CustomPolicy::parse(
            br#"{"Statement":[{"Resource":"https://d.net/caf\u00e9/\ud83d\ude00","Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]}"#,
        )
        .unwrap();
        assert_eq!(non_ascii.resource(), Some("https://d.net/caf\u{e9}/\u{1f600}"));
    }

    #[test]
    fn rejects_malformed_policies() {
        let ok = r#"{"Statement":[{"Resource":"r","Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]}"#;
        assert!(CustomPolicy::parse(ok.as_bytes()).is_ok());
        let bad: &[&[u8]] = &[
            b"",
            b"null",
            b"[]",
            b"{}",
            br#"{"Statement":[]}"#,
            br#"{"Statement":{}}"#,
            br#"{"Statement":[{"Resource":"r","Condition":{"DateLessThan":{"AWS:EpochTime":1}}},{"Resource":"r","Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]}"#,
            br#"{"Statement":[{"Resource":"r","Condition":{}}]}"#,
            br#"{"Statement":[{"Resource":"r"}]}"#,
            br#"{"Statement":[{"Resource":"r","Condition":{"DateLessThan":{"AWS:EpochTime":1.5}}}]}"#,
            br#"{"Statement":[{"Resource":"r","Condition":{"DateLessThan":{"AWS:EpochTime":-1}}}]}"#,
            br#"{"Statement":[{"Resource":"r","Condition":{"DateLessThan":{"AWS:EpochTime":1e9}}}]}"#,
            br#"{"Statement":[{"Resource":"r","Condition":{"DateLessThan":{"AWS:EpochTime":"1"}}}]}"#,
            br#"{"Statement":[{"Resource":"r","Condition":{"DateLessThan":{"AWS:EpochTime":01}}}]}"#,
            br#"{"Statement":[{"Resource":"r","Condition":{"DateLessThan":{"AWS:EpochTime":18446744073709551616}}}]}"#,
            br#"{"Statement":[{"Resource":"r","Condition":{"DateLessThan":{"AWS:EpochTime":1},"DateLessThan":{"AWS:EpochTime":2}}}]}"#,
            br#"{"Statement":[{"Resource":"r","Condition":{"DateLessThan":{"AWS:EpochTime":1}},"Sid":"x"}]}"#,
            br#"{"Statement":[{"Resource":1,"Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]}"#,
            br#"{"Statement":[{"Resource":"r","Condition":{"DateLessThan":{"AWS:EpochTime":1},"IpAddress":{"AWS:SourceIp":"::1"}}}]}"#,
            br#"{"Statement":[{"Resource":"r","Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]} x"#,
            br#"{"Statement":[{"Resource":"r\ud800","Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]}"#,
            br#"{"Statement":[{"Resource":"r\x","Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]}"#,
            b"{\"Statement\":[{\"Resource\":\"r\x01\",\"Condition\":{\"DateLessThan\":{\"AWS:EpochTime\":1}}}]}",
            b"{\"Statement\":[{\"Resource\":\"\xff\",\"Condition\":{\"DateLessThan\":{\"AWS:EpochTime\":1}}}]}",
            br#"{"Statement":[{"Resource":"r","Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]"#,
            br#"{"Statement":[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]}"#,
            br#"{"Statement":[{"Resource":"r","Condition":{"DateLessThan":{"AWS:EpochTime":1,}}}]}"#,
        ];
        for b in bad {
            assert!(
                matches!(CustomPolicy::parse(b), Err(Error::MalformedPolicy { .. })),
                "{}",
                String::from_utf8_lossy(b)
            );
        }
        let deep = "[".repeat(100_000);
        assert!(CustomPolicy::parse(deep.as_bytes()).is_err());
    }

    #[test]
    fn escaping() {
        let mut s = String::new();
        json::write_string(&mut s, "a\"b\\c/d\u{1}\n\u{7f}é");
        assert_eq!(s, "\"a\\\"b\\\\c/d\\u0001\\n\\u007fé\"");
    }
}
