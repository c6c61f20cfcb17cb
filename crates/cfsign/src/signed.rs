//! Signing a policy once, then turning it into signed URLs and cookies
//! (docs/cloudfront-format.md §4, §5).

use alloc::string::String;

use crate::cookie::SignedCookies;
use crate::encoding;
use crate::policy::resource::{self, Use};
use crate::wire::SigningParameter;
use crate::{AsyncSigner, EpochSeconds, Error, HashAlgorithm, KeyPairId, Policy, Signer};

/// A policy with its signature: sign once, then produce any number of signed URLs (for a
/// wildcard custom policy) and cookie sets without signing again.
///
/// ```
/// # let pem = include_str!("../tests/data/ecdsa-p256-pkcs8.pem");
/// use cfsign::{CustomPolicy, EpochSeconds, SignedPolicy, SigningKey};
///
/// let key = SigningKey::from_pem(pem, "K2JCJMDEHXQW5F")?;
/// let policy = CustomPolicy::builder()
///     .resource("https://cdn.example.com/videos/*")
///     .date_less_than(EpochSeconds::new(1767290400))
///     .build()?;
/// let signed = SignedPolicy::new(policy, &key)?;
/// for n in 1..=3 {
///     let url = signed.url(&format!("https://cdn.example.com/videos/{n}.mp4"))?;
///     assert!(url.contains("?Policy=") && url.ends_with("&Key-Pair-Id=K2JCJMDEHXQW5F&Hash-Algorithm=SHA256"));
/// }
/// assert!(signed.url("https://cdn.example.com/images/1.jpg").is_err()); // not covered
/// # Ok::<(), cfsign::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedPolicy {
    policy: Policy,
    json: String,
    /// `Expires` value (canned) or base64 policy (custom).
    policy_value: String,
    signature: String,
    key_pair_id: KeyPairId,
    hash: HashAlgorithm,
}

impl SignedPolicy {
    /// Signs the policy's exact JSON bytes with `signer`.
    ///
    /// # Errors
    /// Whatever the signer reports.
    pub fn new<S: Signer + ?Sized>(policy: impl Into<Policy>, signer: &S) -> Result<Self, Error> {
        let policy = policy.into();
        let json = policy.to_json();
        let raw = signer.sign(json.as_bytes())?;
        Ok(Self::assemble(policy, json, &raw, signer.key_pair_id().clone(), signer.hash_algorithm()))
    }

    /// Signs the policy's exact JSON bytes with a signer that may have to wait (AWS KMS).
    ///
    /// ```
    /// # let pem = include_str!("../tests/data/ecdsa-p256-pkcs8.pem");
    /// # futures_executor::block_on(async {
    /// use cfsign::{CannedPolicy, EpochSeconds, SignedPolicy, SigningKey};
    ///
    /// let key = SigningKey::from_pem(pem, "K2JCJMDEHXQW5F")?; // or a cfsign_kms::KmsSigner
    /// let policy = CannedPolicy::new("https://cdn.example.com/a.jpg", EpochSeconds::new(1767290400))?;
    /// let signed = SignedPolicy::new_async(policy, &key).await?;
    /// assert!(signed.url("https://cdn.example.com/a.jpg")?.contains("&Signature="));
    /// # Ok::<(), cfsign::Error>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    /// Whatever the signer reports.
    pub async fn new_async<S: AsyncSigner + ?Sized>(
        policy: impl Into<Policy>,
        signer: &S,
    ) -> Result<Self, Error> {
        let policy = policy.into();
        let json = policy.to_json();
        let raw = signer.sign(json.as_bytes()).await?;
        Ok(Self::assemble(policy, json, &raw, signer.key_pair_id().clone(), signer.hash_algorithm()))
    }

    fn assemble(
        policy: Policy,
        json: String,
        raw: &[u8],
        key_pair_id: KeyPairId,
        hash: HashAlgorithm,
    ) -> Self {
        let policy_value = match &policy {
            Policy::Canned(c) => alloc::format!("{}", c.expires()),
            Policy::Custom(_) => encoding::encode(json.as_bytes()),
        };
        SignedPolicy { policy, json, policy_value, signature: encoding::encode(raw), key_pair_id, hash }
    }

    /// The policy.
    #[must_use]
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The exact bytes that were signed.
    #[must_use]
    pub fn policy_json(&self) -> &str {
        &self.json
    }

    /// The signature, CloudFront-base64 encoded (the `Signature` value).
    #[must_use]
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The key-pair ID of the signing key.
    #[must_use]
    pub fn key_pair_id(&self) -> &KeyPairId {
        &self.key_pair_id
    }

    /// The hash the signature was made with.
    #[must_use]
    pub fn hash_algorithm(&self) -> HashAlgorithm {
        self.hash
    }

    /// `DateLessThan` of the policy.
    #[must_use]
    pub fn expires(&self) -> EpochSeconds {
        self.policy.expires()
    }

    /// The signing query parameters in CloudFront's documented order:
    /// `Expires` (canned) or `Policy` (custom), `Signature`, `Key-Pair-Id`, and
    /// `Hash-Algorithm=SHA256` when the hash is SHA-256. Values need no further escaping.
    pub fn query_parameters(&self) -> impl Iterator<Item = (&'static str, &str)> {
        let canned = matches!(self.policy, Policy::Canned(_));
        SigningParameter::carried(canned, self.hash).map(move |p| {
            let value = match p {
                SigningParameter::Policy | SigningParameter::Expires => self.policy_value.as_str(),
                SigningParameter::Signature => self.signature.as_str(),
                SigningParameter::KeyPairId => self.key_pair_id.as_str(),
                SigningParameter::HashAlgorithm => self.hash.as_str(),
            };
            (p.query_name(), value)
        })
    }

    /// A signed URL for `url`: the URL as given (its own query kept verbatim) plus the
    /// signing parameters, joined with `&` when it has a query and `?` otherwise.
    ///
    /// # Errors
    /// [`Error::UrlNotCovered`] when a canned policy is applied to any URL but its own, or a
    /// custom policy's resource does not match `url`; a resource error when `url` is not an
    /// `http(s)` URL of printable ASCII without signing parameters or fragment.
    pub fn url(&self, url: &str) -> Result<String, Error> {
        self.check_url(url)?;
        let query = self.query();
        let separator = if url.contains('?') { '&' } else { '?' };
        let mut out = String::with_capacity(url.len() + 1 + query.len());
        out.push_str(url);
        out.push(separator);
        out.push_str(&query);
        Ok(out)
    }

    /// The signing parameters as a query string, without `?`:
    /// `Policy=…&Signature=…&Key-Pair-Id=…[&Hash-Algorithm=SHA256]` (or `Expires=…` first for a
    /// canned policy): what [`url`](Self::url) appends, for callers that append it themselves.
    #[must_use]
    pub fn query(&self) -> String {
        let mut out = String::with_capacity(self.policy_value.len() + self.signature.len() + 80);
        for (name, value) in self.query_parameters() {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(name);
            out.push('=');
            out.push_str(value);
        }
        out
    }

    /// Whether [`url`](Self::url) would sign `url`, without building the signed URL: for
    /// callers that write the parameters themselves, such as a playlist rewriter that appends
    /// them to each URI as written.
    ///
    /// # Errors
    /// As [`url`](Self::url).
    pub fn check_url(&self, url: &str) -> Result<(), Error> {
        resource::validate(url, Use::Url)?;
        match &self.policy {
            Policy::Canned(c) if c.url() != url => Err(Error::UrlNotCovered {
                reason: "a canned policy signs exactly its own URL; use a custom policy with a wildcard for many URLs",
            }),
            Policy::Custom(c) if !c.covers(url) => {
                Err(Error::UrlNotCovered { reason: "the policy's resource pattern does not match this URL" })
            }
            _ => Ok(()),
        }
    }

    /// The signed cookie values for this policy.
    #[must_use]
    pub fn cookies(&self) -> SignedCookies {
        SignedCookies::new(
            matches!(self.policy, Policy::Canned(_)),
            self.policy_value.clone(),
            self.signature.clone(),
            self.key_pair_id.clone(),
            self.hash,
            self.policy.expires(),
        )
    }
}

/// Signs `url` with `policy`: `SignedPolicy::new(policy, signer)?.url(url)`.
///
/// # Errors
/// As [`SignedPolicy::new`] and [`SignedPolicy::url`].
pub fn sign_url<S: Signer + ?Sized>(
    url: &str,
    policy: impl Into<Policy>,
    signer: &S,
) -> Result<String, Error> {
    SignedPolicy::new(policy, signer)?.url(url)
}

/// Signs `url` with a canned policy expiring at `expires`.
///
/// ```
/// # let pem = include_str!("../tests/data/rsa-2048-pkcs1.pem");
/// let key = cfsign::SigningKey::from_pem(pem, "K2JCJMDEHXQW5F")?;
/// let url = cfsign::sign_url_canned("https://cdn.example.com/a.jpg?w=200", cfsign::EpochSeconds::new(1767290400), &key)?;
/// assert!(url.starts_with("https://cdn.example.com/a.jpg?w=200&Expires=1767290400&Signature="));
/// # Ok::<(), cfsign::Error>(())
/// ```
///
/// # Errors
/// As [`CannedPolicy::new`](crate::CannedPolicy::new) and [`SignedPolicy::new`].
pub fn sign_url_canned<S: Signer + ?Sized>(
    url: &str,
    expires: EpochSeconds,
    signer: &S,
) -> Result<String, Error> {
    sign_url(url, crate::CannedPolicy::new(url, expires)?, signer)
}

/// Signed cookies for `policy`: `SignedPolicy::new(policy, signer)?.cookies()`.
///
/// # Errors
/// As [`SignedPolicy::new`].
pub fn sign_cookies<S: Signer + ?Sized>(
    policy: impl Into<Policy>,
    signer: &S,
) -> Result<SignedCookies, Error> {
    Ok(SignedPolicy::new(policy, signer)?.cookies())
}
