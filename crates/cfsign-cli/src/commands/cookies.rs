//! `cfsign cookies`: signed cookies, as `Set-Cookie` headers, a `Cookie` header or JSON.

use std::process::ExitCode;

use cfsign::CookieAttributes;
use serde_json::json;

use super::{Outcome, policy, sign};
use crate::output::{print, print_json};
use crate::{CookieFormat, CookiesArgs};

pub(crate) fn cookies(args: &CookiesArgs) -> Outcome {
    let mut attrs = CookieAttributes::new().path(args.path.as_str());
    if let Some(d) = &args.domain {
        attrs = attrs.domain(d.as_str());
    }
    attrs.validate().map_err(|e| e.to_string())?;
    let policy = policy(&args.resource, None, &args.sign)?;
    let signed = sign(policy, &args.sign)?;
    let cookies = signed.cookies();
    let format = if args.json { CookieFormat::Json } else { args.format };
    match format {
        CookieFormat::SetCookie => {
            let headers = cookies.set_cookie_headers(&attrs).map_err(|e| e.to_string())?;
            print(&headers.iter().map(|h| format!("Set-Cookie: {h}\n")).collect::<String>())?;
        }
        CookieFormat::Header => print(&format!("{}\n", cookies.cookie_header()))?,
        CookieFormat::Json => {
            let map: serde_json::Map<String, serde_json::Value> =
                cookies.iter().map(|(n, v)| (n.to_owned(), json!(v))).collect();
            print_json(&json!({
                "cookies": map,
                "policy": signed.policy_json(),
                "signature": signed.signature(),
                "key_pair_id": signed.key_pair_id().as_str(),
                "hash_algorithm": signed.hash_algorithm().as_str(),
                "expires": signed.expires().as_secs(),
            }))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
