//! `cfsign verify`: CloudFront's decision on a request, as the exit status and in words.

use std::process::ExitCode;

use cfsign::EpochSeconds;
use cfsign_verify::Request;
use serde_json::json;

use super::{Outcome, http_date, trusted};
use crate::VerifyArgs;
use crate::output::{self, print, print_json};

pub(crate) fn verify(args: &VerifyArgs) -> Outcome {
    let trusted = trusted(&args.public_keys)?;
    let now = args.now.map_or_else(EpochSeconds::now, EpochSeconds::new);
    let mut request = Request::new(&args.url, args.ip, now);
    if let Some(c) = &args.cookie {
        request = request.cookie_header(c.strip_prefix("Cookie:").unwrap_or(c).trim());
    }
    // The decision is the exit status, whether or not anyone reads the words.
    let (code, written) = match trusted.verify(&request) {
        Ok(grant) => {
            let written = if args.json {
                print_json(&json!({ "allowed": true, "code": null, "message": null, "reason": null,
                    "key_pair_id": grant.key_pair_id().as_str(), "expires": grant.expires().as_secs() }))
            } else {
                print(&format!(
                    "allowed: signed {} with key {} ({}), valid until {}\n",
                    match grant.source() {
                        cfsign_verify::Source::Url => "URL",
                        cfsign_verify::Source::Cookies => "cookies",
                    },
                    output::field(grant.key_pair_id().as_str()),
                    grant.hash_algorithm(),
                    http_date(grant.expires())
                ))
            };
            (ExitCode::SUCCESS, written)
        }
        Err(denial) => {
            let written = if args.json {
                print_json(
                    &json!({ "allowed": false, "code": denial.code().as_str(), "message": denial.message(),
                    "reason": denial.reason().to_string(), "reason_kind": denial.reason().kind() }),
                )
            } else {
                let reason = denial.reason().to_string();
                print(&format!(
                    "denied: {} ({}): {}\n",
                    denial.code(),
                    denial.message(),
                    output::field(&reason)
                ))
            };
            (ExitCode::from(1), written)
        }
    };
    output::keeping(code, written)
}
