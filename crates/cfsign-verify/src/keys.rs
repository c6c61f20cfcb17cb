//! Trusted keys: key groups as configured on a CloudFront cache behaviour.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use cfsign::{KeyPairId, Verifier};

/// A key usable in a [`KeyGroup`]: any [`Verifier`] that can be shared across threads.
pub type SharedVerifier = Arc<dyn Verifier + Send + Sync>;

/// Why a key group configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyConfigError {
    /// More than [`KeyGroup::MAX_KEYS`] keys in one group.
    TooManyKeys,
    /// More than [`TrustedKeyGroups::MAX_GROUPS`] groups on one behaviour.
    TooManyGroups,
    /// The same key-pair ID twice in a group.
    DuplicateKeyPairId(KeyPairId),
    /// The key-pair ID or the key itself is invalid.
    Key(cfsign::Error),
}

impl fmt::Display for KeyConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyConfigError::TooManyKeys => {
                write!(f, "a key group holds at most {} public keys, like CloudFront's", KeyGroup::MAX_KEYS)
            }
            KeyConfigError::TooManyGroups => write!(
                f,
                "a cache behaviour trusts at most {} key groups, like CloudFront's",
                TrustedKeyGroups::MAX_GROUPS
            ),
            KeyConfigError::DuplicateKeyPairId(id) => write!(f, "key-pair ID {id} is already in the group"),
            KeyConfigError::Key(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for KeyConfigError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            KeyConfigError::Key(e) => Some(e),
            _ => None,
        }
    }
}

impl From<cfsign::Error> for KeyConfigError {
    fn from(e: cfsign::Error) -> Self {
        KeyConfigError::Key(e)
    }
}

/// A CloudFront key group: up to five public keys, each under its key-pair ID.
///
/// ```
/// # let pem = include_str!("../../cfsign/tests/data/ecdsa-p256-public.pem");
/// use cfsign_verify::KeyGroup;
/// let group = KeyGroup::new().with_pem("K2JCJMDEHXQW5F", pem)?;
/// assert!(group.get(b"K2JCJMDEHXQW5F").is_some());
/// # Ok::<(), cfsign_verify::KeyConfigError>(())
/// ```
#[derive(Clone, Default)]
pub struct KeyGroup {
    keys: Vec<(KeyPairId, SharedVerifier)>,
}

impl KeyGroup {
    /// CloudFront's limit of public keys per key group.
    pub const MAX_KEYS: usize = 5;

    /// An empty group.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key.
    ///
    /// # Errors
    /// [`KeyConfigError::TooManyKeys`], [`KeyConfigError::DuplicateKeyPairId`], or an invalid ID.
    pub fn insert(
        &mut self,
        key_pair_id: &str,
        key: impl Verifier + Send + Sync + 'static,
    ) -> Result<(), KeyConfigError> {
        self.insert_shared(key_pair_id, Arc::new(key))
    }

    /// Adds an already shared key.
    ///
    /// # Errors
    /// As [`insert`](Self::insert).
    pub fn insert_shared(&mut self, key_pair_id: &str, key: SharedVerifier) -> Result<(), KeyConfigError> {
        let id = KeyPairId::new(key_pair_id)?;
        if self.keys.iter().any(|(k, _)| *k == id) {
            return Err(KeyConfigError::DuplicateKeyPairId(id));
        }
        if self.keys.len() == Self::MAX_KEYS {
            return Err(KeyConfigError::TooManyKeys);
        }
        self.keys.push((id, key));
        Ok(())
    }

    /// Builder form of [`insert`](Self::insert).
    ///
    /// # Errors
    /// As [`insert`](Self::insert).
    pub fn with_key(
        mut self,
        key_pair_id: &str,
        key: impl Verifier + Send + Sync + 'static,
    ) -> Result<Self, KeyConfigError> {
        self.insert(key_pair_id, key)?;
        Ok(self)
    }

    /// Adds a public key from SubjectPublicKeyInfo PEM (what is pasted into CloudFront).
    ///
    /// # Errors
    /// As [`insert`](Self::insert), or the PEM is not an RSA or P-256 public key.
    #[cfg(feature = "rustcrypto")]
    pub fn with_pem(self, key_pair_id: &str, pem: &str) -> Result<Self, KeyConfigError> {
        self.with_key(key_pair_id, cfsign::PublicKey::from_pem(pem)?)
    }

    /// Removes a key (rotation: after the last signatures made with it have expired).
    pub fn remove(&mut self, key_pair_id: &str) -> bool {
        let before = self.keys.len();
        self.keys.retain(|(k, _)| k.as_str() != key_pair_id);
        self.keys.len() != before
    }

    /// The key for an ID as sent in a request.
    #[must_use]
    pub fn get(&self, key_pair_id: &[u8]) -> Option<(&KeyPairId, &(dyn Verifier + Send + Sync))> {
        self.keys.iter().find(|(k, _)| k.as_str().as_bytes() == key_pair_id).map(|(k, v)| (k, &**v))
    }

    /// The key-pair IDs in the group.
    pub fn key_pair_ids(&self) -> impl Iterator<Item = &KeyPairId> {
        self.keys.iter().map(|(k, _)| k)
    }

    /// Number of keys.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the group has no keys.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl fmt::Debug for KeyGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.keys.iter().map(|(k, v)| (k, v.key_kind()))).finish()
    }
}

/// The key groups a cache behaviour trusts (up to four), and the entry point for
/// verification: [`TrustedKeyGroups::verify`].
#[derive(Debug, Clone, Default)]
pub struct TrustedKeyGroups {
    groups: Vec<KeyGroup>,
}

impl TrustedKeyGroups {
    /// CloudFront's limit of trusted key groups per cache behaviour.
    pub const MAX_GROUPS: usize = 4;

    /// No groups (every signed request is then refused with `InvalidKey`).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts one more key group.
    ///
    /// # Errors
    /// [`KeyConfigError::TooManyGroups`].
    pub fn with_group(mut self, group: KeyGroup) -> Result<Self, KeyConfigError> {
        if self.groups.len() == Self::MAX_GROUPS {
            return Err(KeyConfigError::TooManyGroups);
        }
        self.groups.push(group);
        Ok(self)
    }

    /// The trusted groups, mutably (to rotate keys in place).
    pub fn groups_mut(&mut self) -> &mut [KeyGroup] {
        &mut self.groups
    }

    /// The key for an ID as sent in a request, from any trusted group.
    #[must_use]
    pub fn get(&self, key_pair_id: &[u8]) -> Option<(&KeyPairId, &(dyn Verifier + Send + Sync))> {
        self.groups.iter().find_map(|g| g.get(key_pair_id))
    }
}

impl From<KeyGroup> for TrustedKeyGroups {
    fn from(group: KeyGroup) -> Self {
        TrustedKeyGroups { groups: alloc::vec![group] }
    }
}
