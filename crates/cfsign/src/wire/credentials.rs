//! The signing parameters a request carries, and CloudFront's rules for reading them: which
//! policy (exactly one of `Expires` and `Policy`) and which hash (SHA-1 unless
//! `Hash-Algorithm` says otherwise).

use alloc::borrow::Cow;
use core::fmt;

use super::{ParameterSet, SigningParameter, percent_decode};

/// The values of the signing parameters as a request carries them: raw bytes, not decoded or
/// checked (query values are still percent-encoded; [`value`](Self::value) decodes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RawCredentials<'a> {
    values: [Option<&'a [u8]>; 5],
    names: ParameterSet,
    /// Read from a query string: values are percent-decoded before use.
    from_query: bool,
}

impl<'a> RawCredentials<'a> {
    /// None yet, read from a query string: values are percent-encoded.
    pub(super) fn from_query() -> Self {
        RawCredentials { from_query: true, ..RawCredentials::default() }
    }

    /// The value of `p` as sent, if present (possibly empty).
    #[must_use]
    pub fn get(&self, p: SigningParameter) -> Option<&'a [u8]> {
        self.values.get(p.index()).copied().flatten()
    }

    /// The value of `p` as CloudFront reads it: a query value percent-decoded
    /// ([`percent_decode`]), a cookie value as sent.
    #[must_use]
    pub fn value(&self, p: SigningParameter) -> Option<Cow<'a, [u8]>> {
        let raw = self.get(p)?;
        Some(if self.from_query { percent_decode(raw) } else { Cow::Borrowed(raw) })
    }

    /// Which parameters are present.
    #[must_use]
    pub fn names(&self) -> ParameterSet {
        self.names
    }

    /// Whether no parameter is present.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.names().is_empty()
    }

    /// The policy the set carries, as CloudFront decides it: exactly one of `Expires` (a canned
    /// policy) and `Policy` (a custom one). Values as [`value`](Self::value) reads them.
    ///
    /// # Errors
    /// [`PolicyProblem`] when the set carries both or neither.
    pub fn policy(&self) -> Result<CarriedPolicy<'a>, PolicyProblem> {
        match (self.value(SigningParameter::Expires), self.value(SigningParameter::Policy)) {
            (Some(expires), None) => Ok(CarriedPolicy::Canned { expires }),
            (None, Some(policy)) => Ok(CarriedPolicy::Custom { policy }),
            (Some(_), Some(_)) => Err(PolicyProblem::BothExpiresAndPolicy),
            (None, None) => Err(PolicyProblem::MissingPolicy),
        }
    }

    /// The hash the signature is checked with, as CloudFront decides it: SHA-1 when
    /// `Hash-Algorithm` is absent, else the one it names.
    ///
    /// # Errors
    /// [`UnsupportedHashAlgorithm`] when it names one CloudFront does not take (anything but
    /// `SHA1` and `SHA256`, case-sensitive).
    pub fn hash_algorithm(&self) -> Result<crate::HashAlgorithm, UnsupportedHashAlgorithm> {
        match self.value(SigningParameter::HashAlgorithm) {
            None => Ok(crate::HashAlgorithm::Sha1),
            Some(name) => crate::HashAlgorithm::from_wire(&name).ok_or(UnsupportedHashAlgorithm),
        }
    }

    pub(super) fn set_first(&mut self, p: SigningParameter, value: &'a [u8]) {
        if let Some(slot @ None) = self.values.get_mut(p.index()) {
            *slot = Some(value);
            self.names = self.names.with(p);
        }
    }
}

/// The policy a set of signing parameters carries ([`RawCredentials::policy`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CarriedPolicy<'a> {
    /// `Expires`: a canned policy, rebuilt from the URL; the value is not yet checked.
    Canned {
        /// The `Expires` value ([`parse_epoch`](super::parse_epoch) reads it).
        expires: Cow<'a, [u8]>,
    },
    /// `Policy`: a custom policy, CloudFront base64; not yet decoded.
    Custom {
        /// The `Policy` value.
        policy: Cow<'a, [u8]>,
    },
}

/// Why a set of signing parameters carries no policy CloudFront reads (it answers
/// `MalformedPolicy` for both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyProblem {
    /// Both `Expires` and `Policy`: which one is meant is a guess.
    BothExpiresAndPolicy,
    /// Neither `Expires` nor `Policy`.
    MissingPolicy,
}

impl fmt::Display for PolicyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PolicyProblem::BothExpiresAndPolicy => "both Expires and Policy are present",
            PolicyProblem::MissingPolicy => "neither Expires nor Policy is present",
        })
    }
}

impl core::error::Error for PolicyProblem {}

/// `Hash-Algorithm` names a hash CloudFront does not take ([`RawCredentials::hash_algorithm`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsupportedHashAlgorithm;

impl fmt::Display for UnsupportedHashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Hash-Algorithm is not SHA1 or SHA256")
    }
}

impl core::error::Error for UnsupportedHashAlgorithm {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{cookie_credentials, query_credentials};

    #[test]
    fn policy_and_hash_are_decided_once() {
        let read = |q: &'static str| query_credentials(q).unwrap();
        assert_eq!(read("Expires=1").policy(), Ok(CarriedPolicy::Canned { expires: Cow::Borrowed(b"1") }));
        assert_eq!(
            read("Policy=e%79J").policy(),
            Ok(CarriedPolicy::Custom { policy: Cow::Borrowed(b"eyJ") })
        );
        assert_eq!(read("Policy=p&Expires=1").policy(), Err(PolicyProblem::BothExpiresAndPolicy));
        assert_eq!(read("Signature=s").policy(), Err(PolicyProblem::MissingPolicy));
        assert_eq!(read("Expires=1").hash_algorithm(), Ok(crate::HashAlgorithm::Sha1));
        assert_eq!(read("Hash-Algorithm=SHA%32%35%36").hash_algorithm(), Ok(crate::HashAlgorithm::Sha256));
        assert_eq!(read("Hash-Algorithm=sha256").hash_algorithm(), Err(UnsupportedHashAlgorithm));
        assert_eq!(read("Hash-Algorithm=").hash_algorithm(), Err(UnsupportedHashAlgorithm));
        // Cookie values are taken as sent: no percent-decoding.
        let cookies = cookie_credentials(b"CloudFront-Hash-Algorithm=SHA%32%35%36; CloudFront-Expires=%31");
        assert_eq!(cookies.hash_algorithm(), Err(UnsupportedHashAlgorithm));
        assert_eq!(cookies.policy(), Ok(CarriedPolicy::Canned { expires: Cow::Borrowed(b"%31") }));
    }
}
