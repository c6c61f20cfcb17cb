//! Which of a session's scopes need fresh cookies: the cookie set CloudFront will read for each
//! scope, and whether the issuer can vouch for it.
//!
//! Nothing a request carries is trusted. A set keeps its scope fresh only when it is, as
//! CloudFront reads it, this issuer's key and hash over exactly the policy this issuer would
//! write for the scope — its signature made or checked by the issuer — and it expires after the
//! refresh window and no later than a set issued now. Anything else means new cookies.

use std::borrow::Cow;

use cfsign::wire::{self, CarriedPolicy, PolicyProblem, RawCredentials, SigningParameter as P};
use cfsign::{AsyncSigner, CannedPolicy, CustomPolicy, EpochSeconds};

use crate::cache::{CachingSigner, SignatureCheck};
use crate::{PolicyKind, Scope};

/// What the issuer makes of the set CloudFront will read for a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Vouched for, and not due: nothing to do.
    Fresh,
    /// Missing, foreign (another key, hash, scope or policy kind) or expiring soon: re-issue.
    Due,
    /// Unreadable, incomplete, or claiming more than this issuer vouches for (a forged or
    /// swapped signature, a later expiry): re-issue, and count it as malformed.
    Unusable(&'static str),
}

/// The issuer's view at one moment.
pub(crate) struct Judge<'a> {
    pub(crate) signer: &'a CachingSigner,
    pub(crate) policy_kind: PolicyKind,
    /// A set must expire after this second to be left alone.
    pub(crate) refresh_after: u64,
    /// What a set issued now expires at: no set this issuer vouches for expires later.
    pub(crate) latest: EpochSeconds,
}

impl Judge<'_> {
    /// The indices of the scopes visible at `request_path` whose cookie set is not fresh; the
    /// reason of the last unusable set in `malformed`.
    ///
    /// Browsers send a request the cookie sets of every path that covers it, the longest path
    /// first, and CloudFront reads the first value of each name. So for the visible scope with
    /// the longest cookie path, the set judged is `read`, what CloudFront reads from the
    /// header's start ([`wire::cookie_credentials`]) — whatever else the client put there. A scope with a
    /// shorter path is judged on the first set that claims its resource, read from there on
    /// ([`wire::cookie_sets`]): for requests under its own path, the browser sends no set of
    /// the longer paths before it.
    pub(crate) fn due(
        &self,
        header: &[u8],
        read: &RawCredentials<'_>,
        scopes: &[Scope],
        request_path: &str,
        malformed: &mut Option<Cow<'static, str>>,
    ) -> Vec<usize> {
        let mut due = Vec::new();
        for (index, scope) in scopes.iter().enumerate() {
            // Elsewhere the browser does not send this scope's cookies: leave them alone.
            if !scope.visible_at(request_path) {
                continue;
            }
            let most_specific = !scopes
                .iter()
                .any(|s| s.visible_at(request_path) && s.cookie_path().len() > scope.cookie_path().len());
            let set = if most_specific {
                *read
            } else {
                wire::cookie_sets(header).find(|set| self.claims(set, scope)).unwrap_or_default()
            };
            match self.verdict(&set, scope) {
                Verdict::Fresh => {}
                Verdict::Due => due.push(index),
                Verdict::Unusable(why) => {
                    *malformed = Some(Cow::Borrowed(why));
                    due.push(index);
                }
            }
        }
        due
    }

    /// Whether a set says it is for `scope`: a custom policy naming its resource, or any canned
    /// set (its resource is only known by checking its signature).
    fn claims(&self, set: &RawCredentials<'_>, scope: &Scope) -> bool {
        match (set.get(P::Policy), set.get(P::Signature)) {
            (Some(policy), Some(signature)) => {
                if let Some((same, _)) = self.signer.vouched(signature, policy, scope.resource()) {
                    return same;
                }
                let policy = cfsign::encoding::decode_bytes(policy).ok();
                policy
                    .and_then(|p| CustomPolicy::parse(&p).ok())
                    .is_some_and(|p| p.resource() == Some(scope.resource()))
            }
            _ => set.get(P::Expires).is_some(),
        }
    }

    fn verdict(&self, set: &RawCredentials<'_>, scope: &Scope) -> Verdict {
        if set.is_empty() {
            return Verdict::Due;
        }
        let (Some(signature), Some(key_pair_id)) = (set.get(P::Signature), set.get(P::KeyPairId)) else {
            return Verdict::Unusable("a CloudFront cookie set without a signature or key-pair ID");
        };
        let (canned, carrier) = match set.policy() {
            Ok(CarriedPolicy::Canned { expires }) => (true, expires),
            Ok(CarriedPolicy::Custom { policy }) => (false, policy),
            Err(PolicyProblem::BothExpiresAndPolicy) => {
                return Verdict::Unusable("both CloudFront-Policy and CloudFront-Expires");
            }
            Err(PolicyProblem::MissingPolicy) => {
                return Verdict::Unusable(
                    "a CloudFront cookie set without CloudFront-Policy or CloudFront-Expires",
                );
            }
        };
        let Ok(hash) = set.hash_algorithm() else {
            return Verdict::Unusable("CloudFront-Hash-Algorithm is not SHA1 or SHA256");
        };
        let ours = key_pair_id == self.signer.key_pair_id().as_str().as_bytes()
            && hash == self.signer.hash_algorithm()
            && canned == (self.policy_kind == PolicyKind::Canned);

        // The steady state: a set this issuer made or checked before comes back unchanged.
        if ours
            && let Some((resource_matches, expires)) =
                self.signer.vouched(signature, &carrier, scope.resource())
        {
            return if resource_matches { self.window(expires) } else { Verdict::Due };
        }

        // Anything else: what does the set claim?
        let (expires, message) = if canned {
            let Some(expires) = wire::parse_epoch(&carrier) else {
                return Verdict::Unusable("CloudFront-Expires is not an epoch");
            };
            (expires, CannedPolicy::json_for(scope.resource(), expires).into_bytes())
        } else {
            let Ok(bytes) = cfsign::encoding::decode_bytes(&carrier) else {
                return Verdict::Unusable("CloudFront-Policy is not CloudFront base64");
            };
            let Ok(policy) = CustomPolicy::parse(&bytes) else {
                return Verdict::Unusable("CloudFront-Policy is not a valid policy");
            };
            // Only the policy this issuer writes for the scope, byte for byte: its resource and
            // `DateLessThan`, nothing the CDN might refuse the user for (a start, an IP range).
            let as_issued = policy.resource() == Some(scope.resource())
                && policy.date_greater_than().is_none()
                && policy.source_ip().is_none()
                && policy.written_as(&bytes);
            if !as_issued {
                return Verdict::Due;
            }
            (policy.date_less_than(), bytes)
        };
        if !ours {
            return Verdict::Due;
        }
        match self.window(expires) {
            Verdict::Fresh => {}
            other => return other,
        }
        match self.signer.check(&message, signature) {
            SignatureCheck::Verified => {}
            SignatureCheck::Refused => {
                return Verdict::Unusable("a CloudFront cookie set this issuer's key did not sign");
            }
            SignatureCheck::NotBase64 => {
                return Verdict::Unusable("CloudFront-Signature is not CloudFront base64");
            }
            // Perhaps its own, from before a restart: nothing wrong with it that can be told,
            // but nothing to vouch for either.
            SignatureCheck::CannotVerify => return Verdict::Due,
        }
        self.signer.vouch(signature, &carrier, scope.resource(), expires);
        Verdict::Fresh
    }

    /// Fresh when it expires after the refresh window and no later than a set issued now.
    fn window(&self, expires: EpochSeconds) -> Verdict {
        if expires.as_secs() <= self.refresh_after {
            Verdict::Due
        } else if expires.as_secs() > self.latest.as_secs() {
            Verdict::Unusable("a CloudFront cookie set expiring later than this issuer issues")
        } else {
            Verdict::Fresh
        }
    }
}
