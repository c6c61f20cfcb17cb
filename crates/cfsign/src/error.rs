//! The one error type of the crate.

use alloc::string::String;
use core::fmt;

/// Everything that can go wrong while building, signing, encoding or parsing.
///
/// Every message says what is wrong *and* what to do about it, so it can be shown to the
/// developer as is. Match on the variants for programmatic handling; new variants may be added
/// in minor releases.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A resource (URL or pattern) holds a byte CloudFront cannot compare literally.
    InvalidResourceByte {
        /// Offset of the offending byte in the resource.
        position: usize,
        /// The byte itself.
        byte: u8,
    },
    /// A resource is empty.
    EmptyResource,
    /// An untrusted path segment given to [`ResourceBase`](crate::ResourceBase) would name
    /// another folder (empty, `.`, `..`, or holding `/`, `\` or NUL).
    InvalidPathSegment {
        /// Why (never the segment itself, which is user data).
        reason: &'static str,
    },
    /// A [`ResourceBase`](crate::ResourceBase) is not a plain folder URL.
    InvalidResourceBase {
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// The resource's scheme is not one CloudFront accepts.
    UnsupportedScheme {
        /// What the resource starts with.
        found: String,
        /// What the URL or pattern was for.
        used_as: ResourceUse,
    },
    /// The URL already carries a CloudFront signing parameter.
    SigningParameterInUrl {
        /// The parameter name (`Expires`, `Policy`, `Signature`, `Key-Pair-Id`, `Hash-Algorithm`).
        name: &'static str,
    },
    /// The URL has a `#fragment`, which browsers never send.
    FragmentInUrl,
    /// A canned policy's URL contains `*`.
    WildcardInCannedPolicy,
    /// A custom policy was built without an expiry (`DateLessThan`).
    MissingExpiration,
    /// `DateGreaterThan` is not before `DateLessThan`.
    ActiveNotBeforeExpiration {
        /// The requested start (`DateGreaterThan`).
        active: u64,
        /// The requested expiry (`DateLessThan`).
        expires: u64,
    },
    /// A custom policy was built with neither a resource nor an explicit request to omit it.
    MissingResource,
    /// An `AWS:SourceIp` value is not an IPv4 address or CIDR block.
    InvalidSourceIp {
        /// The rejected text.
        value: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A key-pair ID is empty or holds characters a key-pair ID cannot hold.
    InvalidKeyPairId,
    /// A time value is out of range (before 1970 or past `u64` seconds).
    TimeOutOfRange,
    /// A policy document could not be parsed.
    MalformedPolicy {
        /// Byte offset in the policy where parsing stopped.
        position: usize,
        /// What was wrong there.
        reason: &'static str,
    },
    /// Text is not valid CloudFront base64.
    InvalidBase64 {
        /// Offset of the offending character (or the length, for a bad length).
        position: usize,
    },
    /// The buffer given to [`encoding::decode_into`](crate::encoding::decode_into) cannot hold
    /// the decoded bytes.
    OutputTooSmall {
        /// The bytes the text may decode to (three per group of four characters).
        needed: usize,
    },
    /// A key could not be loaded.
    InvalidKey {
        /// What was wrong with it.
        reason: &'static str,
    },
    /// The key is of a kind or size CloudFront does not accept, or this backend cannot use.
    UnsupportedKey {
        /// What kind was found.
        reason: &'static str,
    },
    /// Signing failed in the backend (or in a user-provided [`Signer`](crate::Signer)).
    Signing {
        /// What the backend reported.
        reason: String,
    },
    /// A signature did not verify.
    BadSignature,
    /// The URL passed to a signed policy is not one the policy covers.
    UrlNotCovered {
        /// Why it is not covered.
        reason: &'static str,
    },
    /// A cookie attribute is invalid or insecure.
    InvalidCookieAttribute {
        /// What to fix.
        reason: &'static str,
    },
}

/// What a URL or URL pattern is for, in [`Error::UnsupportedScheme`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResourceUse {
    /// A canned policy's URL.
    CannedPolicy,
    /// The URL a signed URL is made from.
    SignedUrl,
    /// A custom policy's resource (a pattern).
    CustomPolicy,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidResourceByte { position, byte } => {
                if byte.is_ascii_control() || *byte == b' ' {
                    write!(
                        f,
                        "resource contains a space or control byte 0x{byte:02x} at {position}: percent-encode it (CloudFront compares the URL exactly as sent)"
                    )
                } else {
                    write!(
                        f,
                        "resource contains non-ASCII byte 0x{byte:02x} at {position}: percent-encode it (CloudFront compares the URL exactly as sent)"
                    )
                }
            }
            Error::EmptyResource => f.write_str("resource is empty: give the URL or URL pattern to sign"),
            Error::InvalidPathSegment { reason } => {
                write!(f, "a path segment cannot be used: {reason}; refuse or map such values before building resources")
            }
            Error::InvalidResourceBase { reason } => write!(f, "invalid resource base URL: {reason}"),
            Error::UnsupportedScheme { found, used_as: ResourceUse::CannedPolicy } => write!(
                f,
                "a canned policy needs an http:// or https:// URL, found {found:?}"
            ),
            Error::UnsupportedScheme { found, used_as: ResourceUse::SignedUrl } => write!(
                f,
                "a signed URL is the http:// or https:// URL viewers request, found {found:?}; to grant a \
                 pattern, sign a concrete URL with a custom policy whose resource is the pattern"
            ),
            Error::UnsupportedScheme { found, used_as: ResourceUse::CustomPolicy } => write!(
                f,
                "a custom policy's resource must start with http://, https://, *://, http*:// or a host pattern starting with *, found {found:?}"
            ),
            Error::SigningParameterInUrl { name } => write!(
                f,
                "URL already carries the CloudFront signing parameter `{name}`: pass the URL without signing parameters"
            ),
            Error::FragmentInUrl => f.write_str(
                "URL contains a #fragment, which browsers never send to CloudFront: remove it",
            ),
            Error::WildcardInCannedPolicy => f.write_str(
                "a canned policy cannot contain `*`: use a custom policy for wildcard resources",
            ),
            Error::MissingExpiration => f.write_str(
                "an expiration (DateLessThan) is required for every policy: set it with `date_less_than`",
            ),
            Error::ActiveNotBeforeExpiration { active, expires } => write!(
                f,
                "the active date (DateGreaterThan = {active}) must be before the expiration date (DateLessThan = {expires})"
            ),
            Error::MissingResource => f.write_str(
                "custom policy has no resource: give a URL pattern, or call `any_resource()` to grant every file the key's distributions serve",
            ),
            Error::InvalidSourceIp { value, reason } => {
                write!(f, "invalid IP address condition {value:?}: {reason}")
            }
            Error::InvalidKeyPairId => f.write_str(
                "invalid key-pair ID: use the CloudFront public key ID (e.g. K2JCJMDEHXQW5F): 1 to 128 letters, digits, `-` or `_`",
            ),
            Error::TimeOutOfRange => {
                f.write_str("time is out of range: CloudFront times are seconds since 1970-01-01 UTC")
            }
            Error::MalformedPolicy { position, reason } => {
                write!(f, "malformed policy at byte {position}: {reason}")
            }
            Error::InvalidBase64 { position } => write!(
                f,
                "invalid CloudFront base64 at {position}: only A-Z a-z 0-9 - ~ and padding _ are allowed, in groups of four"
            ),
            Error::OutputTooSmall { needed } => {
                write!(f, "output buffer too small: base64 text decodes to up to {needed} bytes")
            }
            Error::InvalidKey { reason } => write!(f, "invalid key: {reason}"),
            Error::UnsupportedKey { reason } => write!(f, "unsupported key: {reason}"),
            Error::Signing { reason } => write!(f, "signing failed: {reason}"),
            Error::BadSignature => f.write_str("signature does not verify with this key and hash"),
            Error::UrlNotCovered { reason } => write!(f, "URL not covered by the policy: {reason}"),
            Error::InvalidCookieAttribute { reason } => write!(f, "invalid cookie attribute: {reason}"),
        }
    }
}

impl core::error::Error for Error {}
