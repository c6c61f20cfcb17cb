//! `cfsign kms-public-key`: the public key of an AWS KMS signing key, for CloudFront.

use std::process::ExitCode;

use serde_json::json;

use super::{Outcome, kms_signer, runtime};
use crate::output::{print, print_json};

pub(crate) fn kms_public_key(args: &crate::KmsPublicKeyArgs) -> Outcome {
    // The key-pair ID is CloudFront's and not known yet; any valid one will do here.
    let signer = runtime()?.block_on(kms_signer(&args.key_id, "KMS"))?;
    let pem = signer.public_key_pem();
    if args.json {
        print_json(&json!({
            "key_id": args.key_id,
            "key_kind": cfsign::AsyncSigner::key_kind(&signer).to_string(),
            "public_key_pem": pem,
        }))?;
    } else {
        print(&pem)?;
    }
    Ok(ExitCode::SUCCESS)
}
