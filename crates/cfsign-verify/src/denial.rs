//! Why a request is refused: CloudFront's error code and message, plus a precise reason.

use alloc::string::String;
use core::fmt;
use core::net::IpAddr;

use cfsign::{EpochSeconds, SourceIp};

/// The error codes CloudFront returns in its 403 body (docs/cloudfront-format.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DenialCode {
    /// No `Key-Pair-Id`.
    MissingKey,
    /// The key-pair ID is not in a trusted key group.
    InvalidKey,
    /// The policy cannot be read.
    MalformedPolicy,
    /// The signature cannot be decoded.
    MalformedSignature,
    /// Everything else: bad signature, expired, not yet valid, wrong IP, wrong resource.
    AccessDenied,
}

impl DenialCode {
    /// The `<Code>` CloudFront sends.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            DenialCode::MissingKey => "MissingKey",
            DenialCode::InvalidKey => "InvalidKey",
            DenialCode::MalformedPolicy => "MalformedPolicy",
            DenialCode::MalformedSignature => "MalformedSignature",
            DenialCode::AccessDenied => "AccessDenied",
        }
    }

    /// The `<Message>` CloudFront sends with this code.
    #[must_use]
    pub const fn message(self) -> &'static str {
        match self {
            DenialCode::MissingKey => "Missing Key-Pair-Id query parameter or cookie value",
            DenialCode::InvalidKey => "Unknown Key",
            DenialCode::MalformedPolicy => "Malformed Policy",
            DenialCode::MalformedSignature => "Could not unencode Signature",
            DenialCode::AccessDenied => "Access denied",
        }
    }
}

impl fmt::Display for DenialCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The precise, machine-readable reason behind a denial. CloudFront itself only tells the
/// code; this is what you need to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The request URL or `Cookie` header is over the limit; refused before any parsing.
    TooLarge {
        /// `"URL"` or `"Cookie header"`.
        what: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// A signing parameter appears twice in the URL.
    DuplicateParameter {
        /// Which one.
        name: &'static str,
    },
    /// No (or an empty) `Key-Pair-Id` / `CloudFront-Key-Pair-Id`.
    MissingKeyPairId,
    /// The key-pair ID is in no trusted key group.
    UnknownKeyPairId {
        /// The ID as sent (lossy UTF-8, truncated to 128 bytes).
        id: String,
    },
    /// Neither `Expires` nor `Policy` was sent.
    MissingPolicy,
    /// Both `Expires` and `Policy` were sent.
    BothExpiresAndPolicy,
    /// `Expires` is not a whole number of seconds (digits only, no leading zero, within
    /// 64 bits).
    InvalidExpires,
    /// `Policy` is not CloudFront base64.
    PolicyNotBase64,
    /// The policy JSON is not a valid one-statement policy.
    InvalidPolicy(cfsign::Error),
    /// No `Signature`.
    MissingSignature,
    /// `Signature` is not CloudFront base64.
    SignatureNotBase64,
    /// `Hash-Algorithm` is neither `SHA1` nor `SHA256`.
    UnsupportedHash,
    /// The signature does not verify with the key and hash.
    BadSignature,
    /// Now is at or past `DateLessThan`.
    Expired {
        /// `DateLessThan`.
        at: EpochSeconds,
    },
    /// Now is at or before `DateGreaterThan`.
    NotYetValid {
        /// `DateGreaterThan`.
        until: EpochSeconds,
    },
    /// The client IP is outside `AWS:SourceIp` (an IPv6 client never matches).
    IpNotAllowed {
        /// The policy's range.
        allowed: SourceIp,
        /// The client's address.
        client: IpAddr,
    },
    /// The policy's resource does not cover the request URL.
    ResourceMismatch,
}

impl Reason {
    /// The CloudFront code for this reason.
    #[must_use]
    pub fn code(&self) -> DenialCode {
        match self {
            Reason::MissingKeyPairId => DenialCode::MissingKey,
            Reason::UnknownKeyPairId { .. } => DenialCode::InvalidKey,
            Reason::MissingPolicy
            | Reason::BothExpiresAndPolicy
            | Reason::InvalidExpires
            | Reason::PolicyNotBase64
            | Reason::InvalidPolicy(_) => DenialCode::MalformedPolicy,
            Reason::MissingSignature | Reason::SignatureNotBase64 => DenialCode::MalformedSignature,
            Reason::TooLarge { .. }
            | Reason::DuplicateParameter { .. }
            | Reason::UnsupportedHash
            | Reason::BadSignature
            | Reason::Expired { .. }
            | Reason::NotYetValid { .. }
            | Reason::IpNotAllowed { .. }
            | Reason::ResourceMismatch => DenialCode::AccessDenied,
        }
    }

    /// A short stable identifier, e.g. for JSON output and metrics: `expired`, `bad_signature`, …
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Reason::TooLarge { .. } => "too_large",
            Reason::DuplicateParameter { .. } => "duplicate_parameter",
            Reason::MissingKeyPairId => "missing_key_pair_id",
            Reason::UnknownKeyPairId { .. } => "unknown_key_pair_id",
            Reason::MissingPolicy => "missing_policy",
            Reason::BothExpiresAndPolicy => "both_expires_and_policy",
            Reason::InvalidExpires => "invalid_expires",
            Reason::PolicyNotBase64 => "policy_not_base64",
            Reason::InvalidPolicy(_) => "invalid_policy",
            Reason::MissingSignature => "missing_signature",
            Reason::SignatureNotBase64 => "signature_not_base64",
            Reason::UnsupportedHash => "unsupported_hash",
            Reason::BadSignature => "bad_signature",
            Reason::Expired { .. } => "expired",
            Reason::NotYetValid { .. } => "not_yet_valid",
            Reason::IpNotAllowed { .. } => "ip_not_allowed",
            Reason::ResourceMismatch => "resource_mismatch",
        }
    }
}

/// What CloudFront base64 is, all of it: a value breaking any part is refused alike.
const BASE64_RULE: &str = "A-Z a-z 0-9 - ~, then at most two _ of padding, in groups of four characters";

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::TooLarge { what, len, limit } => {
                write!(f, "{what} is {len} bytes, over CloudFront's limit of {limit}")
            }
            Reason::DuplicateParameter { name } => write!(f, "the URL carries `{name}` more than once"),
            Reason::MissingKeyPairId => {
                f.write_str("no Key-Pair-Id query parameter or CloudFront-Key-Pair-Id cookie")
            }
            Reason::UnknownKeyPairId { id } => write!(f, "key-pair ID {id:?} is not in a trusted key group"),
            Reason::MissingPolicy => {
                f.write_str("neither Expires (canned policy) nor Policy (custom policy) was sent")
            }
            Reason::BothExpiresAndPolicy => {
                f.write_str("both Expires and Policy were sent; send exactly one")
            }
            Reason::InvalidExpires => f.write_str(
                "Expires is not seconds since 1970 as CloudFront reads them: digits only, no leading 0, \
                 at most 18446744073709551615",
            ),
            Reason::PolicyNotBase64 => write!(f, "Policy is not CloudFront base64: {BASE64_RULE}"),
            Reason::InvalidPolicy(e) => write!(f, "policy: {e}"),
            Reason::MissingSignature => f.write_str("no Signature"),
            Reason::SignatureNotBase64 => write!(f, "Signature is not CloudFront base64: {BASE64_RULE}"),
            Reason::UnsupportedHash => f.write_str("Hash-Algorithm must be SHA1 or SHA256"),
            Reason::BadSignature => {
                f.write_str("the signature does not verify with this key-pair ID's public key and hash")
            }
            Reason::Expired { at } => write!(f, "expired at {at} (DateLessThan)"),
            Reason::NotYetValid { until } => write!(f, "not valid until after {until} (DateGreaterThan)"),
            Reason::IpNotAllowed { allowed, client } => write!(f, "client IP {client} is outside {allowed}"),
            Reason::ResourceMismatch => f.write_str("the policy's resource does not match the request URL"),
        }
    }
}

/// A refused request: CloudFront's code and message, and the precise [`Reason`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    reason: Reason,
}

impl Denial {
    pub(crate) fn new(reason: Reason) -> Self {
        Denial { reason }
    }

    /// CloudFront's error code.
    #[must_use]
    pub fn code(&self) -> DenialCode {
        self.reason.code()
    }

    /// CloudFront's error message for the code.
    #[must_use]
    pub fn message(&self) -> &'static str {
        self.code().message()
    }

    /// The precise reason.
    #[must_use]
    pub fn reason(&self) -> &Reason {
        &self.reason
    }

    /// The HTTP status CloudFront answers with: 403.
    #[must_use]
    pub const fn status(&self) -> u16 {
        403
    }

    /// The `Content-Type` of [`xml_body`](Self::xml_body): `text/xml`.
    pub const CONTENT_TYPE: &'static str = "text/xml";

    /// CloudFront's one-line 403 body:
    /// `<?xml version="1.0" encoding="UTF-8"?><Error><Code>…</Code><Message>…</Message></Error>`.
    #[must_use]
    pub fn xml_body(&self) -> String {
        alloc::format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{}</Code><Message>{}</Message></Error>",
            self.code().as_str(),
            self.message()
        )
    }
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code(), self.message(), self.reason)
    }
}

impl core::error::Error for Denial {}
