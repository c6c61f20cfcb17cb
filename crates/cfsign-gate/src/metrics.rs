//! The gate's requests through the `metrics` facade (feature `metrics`; a no-op without it or
//! without a recorder). Labels are bounded: an outcome, a CloudFront code and a reason kind —
//! never a URL, a host, a user or a key-pair ID from the request.
#![cfg_attr(not(feature = "metrics"), allow(dead_code))]

use cfsign_verify::Denial;

/// `cfsign_gate_requests_total{result}`.
pub(crate) const REQUESTS: &str = "cfsign_gate_requests_total";
/// `cfsign_gate_denials_total{code, reason}`.
pub(crate) const DENIALS: &str = "cfsign_gate_denials_total";

pub(crate) enum Outcome<'a> {
    /// A protected behaviour, and the request's signature verified.
    Allowed,
    /// A protected behaviour, refused with CloudFront's 403.
    Denied(&'a Denial),
    /// A behaviour without restricted viewer access.
    Public,
    /// A target or `Host` not in normal form: 400.
    BadRequest,
    /// A host the distribution does not serve: 403.
    UnknownHost,
}

#[cfg_attr(not(feature = "metrics"), allow(clippy::needless_pass_by_value))]
pub(crate) fn request(_outcome: Outcome<'_>) {
    #[cfg(feature = "metrics")]
    {
        let result = match &_outcome {
            Outcome::Allowed => "allowed",
            Outcome::Denied(_) => "denied",
            Outcome::Public => "public",
            Outcome::BadRequest => "bad_request",
            Outcome::UnknownHost => "unknown_host",
        };
        ::metrics::counter!(REQUESTS, "result" => result).increment(1);
        if let Outcome::Denied(denial) = _outcome {
            let labels = [("code", denial.code().as_str()), ("reason", denial.reason().kind())];
            ::metrics::counter!(DENIALS, &labels).increment(1);
        }
    }
}

/// Describes the metrics to the installed recorder; called when a gate is built.
pub(crate) fn describe() {
    #[cfg(feature = "metrics")]
    {
        ::metrics::describe_counter!(
            REQUESTS,
            "Requests through the gate by result: allowed, denied (CloudFront's 403), public (no restricted viewer access), bad_request, unknown_host"
        );
        ::metrics::describe_counter!(
            DENIALS,
            "Denied requests by CloudFront code (AccessDenied, MissingKey, ...) and reason (expired, bad_signature, resource_mismatch, ip_not_allowed, unknown_key_pair_id, ...)"
        );
    }
}
