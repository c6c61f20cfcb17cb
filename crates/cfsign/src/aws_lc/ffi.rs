//! The one audited `unsafe` module of the workspace: signing and verification through AWS-LC's
//! EVP interface (`aws-lc-sys`, the exact version `aws-lc-rs` links, so AWS-LC is built once).
//! `aws-lc-rs`'s safe API cannot sign with SHA-1, which CloudFront still defaults to, nor with
//! the 1024-bit RSA keys of legacy key pairs; one path for every key and hash keeps the backend
//! to the arithmetic (`crate::key_file` has already read and checked the key).
//!
//! Invariants kept by this module:
//! - an [`EvpKey`] always owns exactly one reference to a valid, non-null `EVP_PKEY`, freed
//!   once in `Drop`;
//! - every `EVP_MD_CTX` is created and freed within one call ([`MdCtx`]);
//! - buffers handed to C are Rust slices whose pointer and length come from the same slice.
#![allow(unsafe_code)]

use alloc::vec::Vec;

use aws_lc_sys as sys;

use crate::HashAlgorithm;

/// AWS-LC's digest for `hash` (a static object).
fn digest(hash: HashAlgorithm) -> *const sys::EVP_MD {
    // SAFETY: EVP_sha1 and EVP_sha256 have no preconditions and return static objects.
    unsafe {
        match hash {
            HashAlgorithm::Sha1 => sys::EVP_sha1(),
            HashAlgorithm::Sha256 => sys::EVP_sha256(),
        }
    }
}

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

impl EvpKey {
    /// Parses a private key from PKCS#8 DER (AWS-LC also reads PKCS#1 and SEC1 here).
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

    /// The public half as SubjectPublicKeyInfo DER.
    pub(crate) fn public_key_der(&self) -> Option<Vec<u8>> {
        // SAFETY: `self.0` is valid; with a null output pointer i2d_PUBKEY only returns the
        // encoded length (negative on failure).
        let len = usize::try_from(unsafe { sys::i2d_PUBKEY(self.0.as_ptr(), core::ptr::null_mut()) }).ok()?;
        let mut der = alloc::vec![0u8; len];
        let mut out = der.as_mut_ptr();
        // SAFETY: `out` points to `len` writable bytes, the length the first call returned for
        // the same key; i2d_PUBKEY writes exactly that many and advances `out`.
        let written = unsafe { sys::i2d_PUBKEY(self.0.as_ptr(), &mut out) };
        (usize::try_from(written).ok() == Some(len)).then_some(der)
    }

    /// Signs `message` with `hash`: PKCS#1 v1.5 for RSA, DER ECDSA for EC keys.
    pub(crate) fn sign(&self, hash: HashAlgorithm, message: &[u8]) -> Option<Vec<u8>> {
        let ctx = MdCtx::new()?;
        // SAFETY: `ctx` and `self.0` are valid; the digest is a static object; the context
        // keeps its own reference to the key for the duration of the call sequence.
        let init = unsafe {
            sys::EVP_DigestSignInit(
                ctx.0.as_ptr(),
                core::ptr::null_mut(),
                digest(hash),
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

    /// Verifies a signature made with `hash` (PKCS#1 v1.5 for RSA, DER ECDSA for EC keys).
    pub(crate) fn verify(&self, hash: HashAlgorithm, message: &[u8], signature: &[u8]) -> bool {
        let Some(ctx) = MdCtx::new() else { return false };
        // SAFETY: as in `sign`.
        let init = unsafe {
            sys::EVP_DigestVerifyInit(
                ctx.0.as_ptr(),
                core::ptr::null_mut(),
                digest(hash),
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
