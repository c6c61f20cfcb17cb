//! A `#![no_std]` static library using cfsign: it only builds if nothing in cfsign's
//! dependency tree (with `default-features = false, features = ["rustcrypto"]`) links `std`.
#![no_std]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

use cfsign::{CustomPolicy, EpochSeconds, HashAlgorithm, SignedPolicy, SigningKey, Verifier};

// Never initialised: the library is only built, never run. Its presence satisfies the
// allocator requirement of a final artifact without any `unsafe`.
#[global_allocator]
static ALLOCATOR: linked_list_allocator::LockedHeap = linked_list_allocator::LockedHeap::empty();

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}

/// Exercises the whole signing and verification path of the core crate.
pub fn sign_and_verify(pem: &str, now: u64) -> Result<(String, Vec<u8>), cfsign::Error> {
    let key = SigningKey::from_pem(pem, "K2JCJMDEHXQW5F")?.with_hash(HashAlgorithm::Sha1);
    let policy = CustomPolicy::builder()
        .resource("https://cdn.example.com/*")
        .date_less_than(EpochSeconds::new(now + 3600))
        .ip_address("192.0.2.0/24")
        .build()?;
    let signed = SignedPolicy::new(policy, &key)?;
    let url = signed.url("https://cdn.example.com/a.jpg")?;
    let raw = cfsign::encoding::decode(signed.signature())?;
    key.public_key().verify(HashAlgorithm::Sha1, signed.policy_json().as_bytes(), &raw)?;
    let parsed = CustomPolicy::parse(signed.policy_json().as_bytes())?;
    Ok((url, parsed.to_json().into_bytes()))
}
