//! Sign a CloudFront URL and a cookie set with cfsign. See README.md.

use std::process::ExitCode;
use std::time::Duration;

use cfsign::{CookieAttributes, CustomPolicy, EpochSeconds, KeyKind, SignedPolicy, SigningKey, Verifier};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mut key_file, mut key_pair_id, mut url) = (None, None, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--key" => key_file = Some(args.next().ok_or("--key needs a file")?),
            "--key-pair-id" => key_pair_id = Some(args.next().ok_or("--key-pair-id needs an ID")?),
            "-h" | "--help" => {
                println!("usage: quickstart [--key FILE --key-pair-id ID] [URL]");
                return Ok(());
            }
            flag if flag.starts_with('-') => {
                return Err(format!(
                    "unknown option {flag}: usage: quickstart [--key FILE --key-pair-id ID] [URL]"
                )
                .into());
            }
            _ if url.is_some() => return Err(format!("one URL only (got a second: {arg})").into()),
            _ => url = Some(arg),
        }
    }
    let key_pair_id = key_pair_id.unwrap_or_else(|| "K2JCJMDEHXQW5F".to_owned());
    let key = match key_file {
        Some(file) => SigningKey::from_pem(&std::fs::read_to_string(&file)?, &key_pair_id)?,
        None => {
            let key = SigningKey::generate(KeyKind::EcdsaP256, &key_pair_id)?;
            println!("Throwaway P-256 key; its public key for CloudFront:\n{}", key.public_key().to_pem());
            key
        }
    };
    let url = url.unwrap_or_else(|| "https://d111111abcdef8.cloudfront.net/private/report.pdf".to_owned());
    let expires = EpochSeconds::now().checked_add(Duration::from_secs(3600)).ok_or("clock out of range")?;

    // One file: a canned policy.
    let signed_url = cfsign::sign_url_canned(&url, expires, &key)?;
    println!("Signed URL (valid 1 h):\n  {signed_url}\n");

    // A whole tree: a custom policy with a wildcard, sent as cookies.
    let origin = url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    let policy =
        CustomPolicy::builder().resource(format!("{origin}/private/*")).date_less_than(expires).build()?;
    let signed = SignedPolicy::new(policy, &key)?;
    println!("Policy signed for the cookies:\n  {}\n", signed.policy_json());
    println!("Set-Cookie headers:");
    for header in signed.cookies().set_cookie_headers(&CookieAttributes::new().path("/private/"))? {
        println!("  Set-Cookie: {header}");
    }
    println!("\nFor curl:\n  curl -H 'Cookie: {}' {url}", signed.cookies().cookie_header());

    // The signature checks out with the public key.
    let raw = cfsign::encoding::decode(signed.signature())?;
    key.public_key().verify(key.hash_algorithm(), signed.policy_json().as_bytes(), &raw)?;
    println!("\nSignature verified with the public key ({}, {}).", key.key_kind(), key.hash_algorithm());
    Ok(())
}
