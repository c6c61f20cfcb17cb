//! The one audited `unsafe` module of the workspace: SHA-1 signing and verification through
//! AWS-LC's EVP interface (`aws-lc-sys`, the exact version `aws-lc-rs` links, so AWS-LC is
//! built once). `aws-lc-rs`'s safe API cannot sign with SHA-1, which CloudFront still defaults
//! to.
//!
//! Invariants kept by this module:
//! - an [`EvpKey`] always owns exactly one reference to a valid, non-null `EVP_PKEY`, freed
//!   once in `Drop`;
//! - every `EVP_MD_CTX` is created and freed within one call ([`MdCtx`]);
//! - buffers handed to C are Rust slices whose pointer and length come from the same slice.
#![allow(unsafe_code)]

use alloc::vec::Vec;

use aws_lc_sys as sys;

/// An owned `EVP_PKEY`.
pub(crate) struct EvpKey(core::ptr::NonNull<sys::EVP_PKEY>);

// SAFETY: AWS-LC's EVP_PKEY is safe to use from several threads for read-only operations
// (signing and verifying do not mutate the key; AWS-LC documents EVP_PKEY as thread-safe once
// constructed, and its reference count is atomic). We never hand out mutable access.
unsafe impl Send for EvpKey {}
// SAFETY: see `Send`: all uses take `&self` and only read the key.
unsafe impl Sync for EvpKey {}

impl Drop for EvpKey {
    fn drop(&mut self) {
        // SAFETY: `self.0` is the only reference this value owns (see `parse_*`), non-null, and
        // dropped exactly once.
        unsafe { sys::EVP_PKEY_free(self.0.as_ptr()) }
    }
}

/// An `EVP_MD_CTX` freed when it goes out of scope.
struct MdCtx(core::ptr::NonNull<sys::EVP_MD_CTX>);

impl MdCtx {
    fn new() -> Option<Self> {
        // SAFETY: EVP_MD_CTX_new has no preconditions; a null result is handled.
        core::ptr::NonNull::new(unsafe { sys::EVP_MD_CTX_new() }).map(MdCtx)
    }
}

impl Drop for MdCtx {
    fn drop(&mut self) {
        // SAFETY: created by EVP_MD_CTX_new, non-null, freed exactly once.
        unsafe { sys::EVP_MD_CTX_free(self.0.as_ptr()) }
    }
}

/// The kind of key AWS-LC parsed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum EvpKind {
    Rsa,
    Ec,
    Other,
}

impl EvpKey {
    /// Parses a private key: PKCS#8, PKCS#1 (RSA) or SEC1 (EC) DER.
    pub(crate) fn parse_private(der: &[u8]) -> Option<Self> {
        let mut input = der.as_ptr();
        let len = core::ffi::c_long::try_from(der.len()).ok()?;
        // SAFETY: `input` points to `der.len()` readable bytes; d2i_AutoPrivateKey reads at
        // most `len` of them and advances `input`; the output is a new EVP_PKEY (or null) that
        // we take ownership of.
        let key = unsafe { sys::d2i_AutoPrivateKey(core::ptr::null_mut(), &mut input, len) };
        core::ptr::NonNull::new(key).map(EvpKey)
    }

    /// Parses a SubjectPublicKeyInfo DER public key.
    pub(crate) fn parse_public(der: &[u8]) -> Option<Self> {
        let mut cbs = sys::CBS { data: der.as_ptr(), len: der.len() };
        // SAFETY: `cbs` describes `der`, which outlives the call; the result is a new EVP_PKEY
        // (or null) that we take ownership of.
        let key = unsafe { sys::EVP_parse_public_key(&mut cbs) };
        if cbs.len != 0 {
            // Trailing bytes: not one SPKI structure.
            return core::ptr::NonNull::new(key).map(EvpKey).and(None);
        }
        core::ptr::NonNull::new(key).map(EvpKey)
    }

    pub(crate) fn kind(&self) -> EvpKind {
        // SAFETY: `self.0` is a valid EVP_PKEY.
        match unsafe { sys::EVP_PKEY_id(self.0.as_ptr()) } {
            sys::EVP_PKEY_RSA => EvpKind::Rsa,
            sys::EVP_PKEY_EC => EvpKind::Ec,
            _ => EvpKind::Other,
        }
    }

    /// Signs `message` with SHA-1: PKCS#1 v1.5 for RSA, DER ECDSA for EC keys.
    pub(crate) fn sign_sha1(&self, message: &[u8]) -> Option<Vec<u8>> {
        let ctx = MdCtx::new()?;
        // SAFETY: `ctx` and `self.0` are valid; EVP_sha1 returns a static digest; the context
        // keeps its own reference to the key for the duration of the call sequence.
        let init = unsafe {
            sys::EVP_DigestSignInit(
                ctx.0.as_ptr(),
                core::ptr::null_mut(),
                sys::EVP_sha1(),
                core::ptr::null_mut(),
                self.0.as_ptr(),
            )
        };
        if init != 1 {
            return None;
        }
        // SAFETY: `self.0` is valid; EVP_PKEY_size has no other precondition.
        let max = usize::try_from(unsafe { sys::EVP_PKEY_size(self.0.as_ptr()) }).ok()?;
        let mut signature = alloc::vec![0u8; max];
        let mut len = max;
        // SAFETY: `signature` has `max` writable bytes and `len` says so; `message` is a valid
        // slice; AWS-LC writes at most `len` bytes and stores the actual length in `len`.
        let ok = unsafe {
            sys::EVP_DigestSign(
                ctx.0.as_ptr(),
                signature.as_mut_ptr(),
                &mut len,
                message.as_ptr(),
                message.len(),
            )
        };
        if ok != 1 || len > max {
            return None;
        }
        signature.truncate(len);
        Some(signature)
    }

    /// Verifies a SHA-1 signature (PKCS#1 v1.5 for RSA, DER ECDSA for EC keys).
    pub(crate) fn verify_sha1(&self, message: &[u8], signature: &[u8]) -> bool {
        let Some(ctx) = MdCtx::new() else { return false };
        // SAFETY: as in `sign_sha1`.
        let init = unsafe {
            sys::EVP_DigestVerifyInit(
                ctx.0.as_ptr(),
                core::ptr::null_mut(),
                sys::EVP_sha1(),
                core::ptr::null_mut(),
                self.0.as_ptr(),
            )
        };
        // SAFETY: both slices are valid for their lengths; AWS-LC only reads them.
        init == 1
            && unsafe {
                sys::EVP_DigestVerify(
                    ctx.0.as_ptr(),
                    signature.as_ptr(),
                    signature.len(),
                    message.as_ptr(),
                    message.len(),
                )
            } == 1
    }
}
