//! CloudFront's checks, in order, once: [`TrustedKeyGroups::verify`] runs them with the keys,
//! [`explain`] without (no key lookup, no signature check, and no IP check when the viewer's
//! address is not known), so the two can never disagree about what a request carries.

use alloc::string::String;
use core::net::{IpAddr, Ipv4Addr};

use cfsign::wire::{
    self, CarriedPolicy, DuplicateParameter, PolicyProblem, RawCredentials, SigningParameter as P,
};
use cfsign::{CannedPolicy, CustomPolicy, HashAlgorithm};

use crate::{Denial, Grant, GrantedPolicy, Reason, Request, Source, TrustedKeyGroups};

/// What CloudFront reads from a request and what it would answer, as far as that can be told
/// without its keys: [`explain`]'s answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    source: Option<Source>,
    key_pair_id: Option<String>,
    hash: Option<HashAlgorithm>,
    policy_text: Option<String>,
    policy: Option<GrantedPolicy>,
    denial: Option<Denial>,
}

impl Explanation {
    /// Where the credentials are: `None` when the request carries none at all.
    #[must_use]
    pub fn source(&self) -> Option<Source> {
        self.source
    }

    /// The `Key-Pair-Id` as sent (lossy UTF-8), if any.
    #[must_use]
    pub fn key_pair_id(&self) -> Option<&str> {
        self.key_pair_id.as_deref()
    }

    /// The hash the signature is checked with — SHA-1 unless `Hash-Algorithm` says otherwise —
    /// whichever check failed; `None` when `Hash-Algorithm` names one CloudFront does not take.
    #[must_use]
    pub fn hash_algorithm(&self) -> Option<HashAlgorithm> {
        self.hash
    }

    /// The exact bytes the signature covers (lossy UTF-8): the decoded `Policy`, or the canned
    /// policy CloudFront rebuilds from the URL and `Expires`.
    #[must_use]
    pub fn policy_text(&self) -> Option<&str> {
        self.policy_text.as_deref()
    }

    /// The policy, when it could be read (whichever check failed).
    #[must_use]
    pub fn policy(&self) -> Option<&GrantedPolicy> {
        self.policy.as_ref()
    }

    /// What CloudFront answers for this request — the first of its checks that fails, the key
    /// lookup and the signature check aside — or `None` when nothing but those could fail.
    #[must_use]
    pub fn denial(&self) -> Option<&Denial> {
        self.denial.as_ref()
    }
}

/// CloudFront's checks on `request` without its keys: what the request carries, and the first
/// check it fails (a missing key-pair ID, an unreadable policy or signature, an unsupported
/// hash, an expired, not yet valid or foreign-resource policy, and — when the request has a
/// client IP — an IP outside the policy's range). [`TrustedKeyGroups::verify`] runs the same
/// code with the keys. A request with an empty URL explains cookies on their own: their
/// policy's resource is shown, not checked.
///
/// ```
/// use cfsign::EpochSeconds;
/// use cfsign_verify::{DenialCode, Request, explain};
///
/// let url = "https://cdn.example.com/a.jpg?Expires=1000&Signature=c2ln&Key-Pair-Id=K2JCJMDEHXQW5F";
/// let seen = explain(&Request::unknown_client(url, EpochSeconds::new(2000)));
/// assert_eq!(seen.key_pair_id(), Some("K2JCJMDEHXQW5F"));
/// assert_eq!(seen.denial().map(|d| d.code()), Some(DenialCode::AccessDenied)); // expired
/// ```
#[must_use]
pub fn explain(request: &Request<'_>) -> Explanation {
    let mut seen = Explanation {
        source: None,
        key_pair_id: None,
        hash: None,
        policy_text: None,
        policy: None,
        denial: None,
    };
    if let Err(denial) = check(request, None, Some(&mut seen)) {
        seen.denial = Some(denial);
    }
    seen
}

pub(crate) fn deny<T>(reason: Reason) -> Result<T, Denial> {
    Err(Denial::new(reason))
}

/// The checks of docs/cloudfront-format.md §6 in order; `trusted` `None` skips the key lookup and
/// the signature check (and then there is no grant to return). What is read along the way goes
/// into `seen`, when given.
pub(crate) fn check(
    request: &Request<'_>,
    trusted: Option<&TrustedKeyGroups>,
    mut seen: Option<&mut Explanation>,
) -> Result<Option<Grant>, Denial> {
    let mut note = |f: &mut dyn FnMut(&mut Explanation)| {
        if let Some(seen) = seen.as_deref_mut() {
            f(seen);
        }
    };
    // 0. CloudFront's limits, before any parsing.
    if request.url.len() > wire::MAX_URL_LEN {
        return deny(Reason::TooLarge { what: "URL", len: request.url.len(), limit: wire::MAX_URL_LEN });
    }
    let cookie_header = request.cookie_header.unwrap_or_default();
    if cookie_header.len() > wire::MAX_COOKIE_HEADER_LEN {
        return deny(Reason::TooLarge {
            what: "Cookie header",
            len: cookie_header.len(),
            limit: wire::MAX_COOKIE_HEADER_LEN,
        });
    }
    // Fragments are never sent; ignore one if the caller left it on.
    let url = request.url.split('#').next().unwrap_or_default();

    // 1. Signed-URL parameters take precedence over cookies (query values are
    //    percent-decoded, cookie values taken as sent: `RawCredentials::value`).
    let from_url = match wire::query_of(url).map(wire::query_credentials).transpose() {
        Ok(creds) => creds.filter(|c| !c.is_empty()),
        Err(DuplicateParameter(p)) => return deny(Reason::DuplicateParameter { name: p.query_name() }),
    };
    let (source, raw): (Source, RawCredentials<'_>) = match from_url {
        Some(creds) => (Source::Url, creds),
        None => (Source::Cookies, wire::cookie_credentials(cookie_header)),
    };
    note(&mut |s| s.source = (!raw.is_empty()).then_some(source));
    let resource_url = wire::strip_signing_parameters(url);

    // Everything the request carries is read before the first check can stop, so that
    // `explain` shows all of it whichever check fails; the checks still fail in CloudFront's
    // order below.
    let key_pair_id = raw.value(P::KeyPairId).filter(|id| !id.is_empty());
    note(&mut |s| s.key_pair_id = key_pair_id.as_deref().map(|id| String::from_utf8_lossy(id).into_owned()));
    let hash = raw.hash_algorithm().map_err(|_| Reason::UnsupportedHash);
    note(&mut |s| s.hash = hash.as_ref().ok().copied());
    let policy_read = match raw.policy() {
        Err(PolicyProblem::BothExpiresAndPolicy) => Err(Reason::BothExpiresAndPolicy),
        Err(PolicyProblem::MissingPolicy) => Err(Reason::MissingPolicy),
        Ok(CarriedPolicy::Canned { expires }) => match wire::parse_epoch(&expires) {
            None => Err(Reason::InvalidExpires),
            Some(expires) => {
                let json = CannedPolicy::json_for(&resource_url, expires);
                note(&mut |s| s.policy_text = Some(json.clone()));
                Ok((json.clone().into_bytes(), GrantedPolicy::Canned { json, expires }))
            }
        },
        Ok(CarriedPolicy::Custom { policy }) => match cfsign::encoding::decode_bytes(&policy) {
            Err(_) => Err(Reason::PolicyNotBase64),
            Ok(bytes) => {
                note(&mut |s| s.policy_text = Some(String::from_utf8_lossy(&bytes).into_owned()));
                match CustomPolicy::parse(&bytes) {
                    Ok(policy) => Ok((bytes, GrantedPolicy::Custom(policy))),
                    Err(e) => Err(Reason::InvalidPolicy(e)),
                }
            }
        },
    };
    if let Ok((_, policy)) = &policy_read {
        note(&mut |s| s.policy = Some(policy.clone()));
    }

    // 2. and 3. The key.
    let Some(key_pair_id) = key_pair_id else { return deny(Reason::MissingKeyPairId) };
    let key = match trusted {
        Some(trusted) => match trusted.get(&key_pair_id) {
            Some(found) => Some(found),
            None => {
                let shown = key_pair_id.get(..128).unwrap_or(&key_pair_id);
                return deny(Reason::UnknownKeyPairId { id: String::from_utf8_lossy(shown).into_owned() });
            }
        },
        None => None,
    };

    // 4. The policy bytes.
    let (policy_bytes, policy) = policy_read.map_err(Denial::new)?;

    // 5. The signature.
    let Some(signature) = raw.value(P::Signature).filter(|s| !s.is_empty()) else {
        return deny(Reason::MissingSignature);
    };
    let Ok(signature) = cfsign::encoding::decode_bytes(&signature) else {
        return deny(Reason::SignatureNotBase64);
    };

    // 6. Hash and signature.
    let hash = hash.map_err(Denial::new)?;
    if let Some((_, key)) = key
        && key.verify(hash, &policy_bytes, &signature).is_err()
    {
        return deny(Reason::BadSignature);
    }

    // 7. The conditions.
    let (expires, not_before, source_ip, resource) = match &policy {
        GrantedPolicy::Canned { expires, .. } => (*expires, None, None, None),
        GrantedPolicy::Custom(p) => (p.date_less_than(), p.date_greater_than(), p.source_ip(), p.resource()),
    };
    let now = request.now.as_secs();
    if now >= expires.as_secs().saturating_add(request.leeway) {
        return deny(Reason::Expired { at: expires });
    }
    if let Some(start) = not_before
        && now.saturating_add(request.leeway) <= start.as_secs()
    {
        return deny(Reason::NotYetValid { until: start });
    }
    if let Some(allowed) = source_ip {
        // Without the keys and the viewer's address (explain), the condition is only shown.
        let unknown = trusted.is_none() && request.client_ip.is_none();
        let client = request.client_ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let client_v4 = match client {
            IpAddr::V4(a) => Some(a),
            IpAddr::V6(a) => a.to_ipv4_mapped(),
        };
        // An unknown client never matches a range (only `explain` skips the check).
        let matches = request.client_ip.is_some() && client_v4.is_some_and(|a| allowed.contains(a));
        if !matches && !unknown {
            return deny(Reason::IpNotAllowed { allowed, client });
        }
    }
    // Cookies explained on their own (no URL): the resource is shown, not checked.
    let no_url = trusted.is_none() && request.url.is_empty();
    if let Some(pattern) = resource
        && !no_url
        && !cfsign::resource_matches(pattern, &resource_url)
    {
        return deny(Reason::ResourceMismatch);
    }
    Ok(key.map(|(id, _)| Grant {
        source,
        key_pair_id: id.clone(),
        hash,
        policy,
        expires,
        forwarded_url: resource_url.into_owned(),
    }))
}
