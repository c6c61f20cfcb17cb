//! `cfsign url`: a signed URL.

use std::process::ExitCode;

use serde_json::json;

use super::{Outcome, policy, sign};
use crate::UrlArgs;
use crate::output::{print, print_json};

pub(crate) fn url(args: &UrlArgs) -> Outcome {
    let target = args.url.as_deref().or(args.url_flag.as_deref()).unwrap_or_default();
    let policy = policy(target, args.policy_resource.as_deref(), &args.sign)?;
    let signed = sign(policy, &args.sign)?;
    let url = signed.url(target).map_err(|e| e.to_string())?;
    if args.json {
        print_json(&json!({
            "url": url,
            "policy": signed.policy_json(),
            "signature": signed.signature(),
            "key_pair_id": signed.key_pair_id().as_str(),
            "hash_algorithm": signed.hash_algorithm().as_str(),
        }))?;
    } else {
        print(&format!("{url}\n"))?;
    }
    Ok(ExitCode::SUCCESS)
}
