//! `cfsign decode`: what a signed URL or signed cookies say, and what is wrong with them — no
//! key needed.

use std::fmt::Write as _;
use std::process::ExitCode;

use cfsign::{CannedPolicy, CustomPolicy, EpochSeconds};
use cfsign_verify::{GrantedPolicy, Reason, Request};
use serde_json::json;

use super::{Outcome, http_date, when};
use crate::DecodeArgs;
use crate::output::{self, print, print_json};

/// The kind of policy the input carries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PolicyKind {
    Canned,
    Custom,
    None,
}

impl PolicyKind {
    /// Its name, as printed and in the JSON.
    fn as_str(self) -> &'static str {
        match self {
            Self::Canned => "canned",
            Self::Custom => "custom",
            Self::None => "none",
        }
    }
}

/// Cookies as one `Cookie` header value, from a header value, a `Cookie: …` line, or
/// `Set-Cookie: …` lines as `cfsign cookies` and browsers' tools show them (attributes are kept:
/// they read as pairs no CloudFront cookie is named after, and decode checks them).
fn cookie_header_of(input: &str) -> String {
    fn strip<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
        line.get(..prefix.len()).filter(|p| p.eq_ignore_ascii_case(prefix))?;
        line.get(prefix.len()..)
    }
    input
        .lines()
        .map(|line| {
            let line = line.trim();
            strip(line, "set-cookie:").or_else(|| strip(line, "cookie:")).unwrap_or(line).trim()
        })
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

pub(crate) fn decode(args: &DecodeArgs) -> Outcome {
    let now = args.now.map_or_else(EpochSeconds::now, EpochSeconds::new);
    if let (Some(path), Some(url)) = (&args.playlist, &args.url) {
        return super::playlist::decode_playlist(path, url, now, args.json);
    }
    let input = args.input.as_deref().unwrap_or_default().trim();
    let is_url = ["http://", "https://"]
        .iter()
        .any(|scheme| input.get(..scheme.len()).is_some_and(|p| p.eq_ignore_ascii_case(scheme)));
    let input = if is_url { input.to_owned() } else { cookie_header_of(input) };
    let input = input.as_str();
    // The verifier's own checks, without a key: `decode` and `verify` cannot disagree. Cookies
    // on their own have no URL, so their resource is shown, not checked.
    let request = if is_url {
        Request::unknown_client(input, now)
    } else {
        Request::unknown_client("", now).cookie_header(input)
    };
    let seen = cfsign_verify::explain(&request);
    let source = match (seen.source(), seen.denial().map(cfsign_verify::Denial::reason)) {
        (Some(source), _) => source,
        // Refused before anything was read: say so, not that nothing was there.
        (None, Some(reason @ (Reason::TooLarge { .. } | Reason::DuplicateParameter { .. }))) => {
            return Err(format!("{reason}: CloudFront refuses it before reading any signature").into());
        }
        (None, _) if is_url => {
            return Err(
                "the URL carries no signing parameters (Expires/Policy, Signature, Key-Pair-Id)".into()
            );
        }
        (None, _) => return Err("no CloudFront-* cookies found in the input".into()),
    };
    let mut warnings: Vec<String> = Vec::new();
    if let Some(denial) = seen.denial() {
        warnings.push(match denial.reason() {
            Reason::Expired { at } => format!(
                "expired {} ago: CloudFront answers AccessDenied",
                crate::duration::human(now.duration_since(*at).map_or(0, |d| d.as_secs()))
            ),
            Reason::BothExpiresAndPolicy => {
                "both Expires and Policy are present: send exactly one (CloudFront answers MalformedPolicy)"
                    .into()
            }
            reason => format!("CloudFront answers {} ({}): {reason}", denial.code(), denial.message()),
        });
    }
    let stripped = is_url.then(|| cfsign_verify::strip_signing_parameters(input).into_owned());
    let (kind, policy) = match seen.policy() {
        Some(GrantedPolicy::Canned { expires, .. }) => {
            (PolicyKind::Canned, CustomPolicy::builder().any_resource().date_less_than(*expires).build().ok())
        }
        Some(GrantedPolicy::Custom(p)) => (PolicyKind::Custom, Some(p.clone())),
        None if seen.policy_text().is_some() => (PolicyKind::Custom, None),
        None => (PolicyKind::None, None),
    };
    let policy_json = match (kind, &policy, &stripped) {
        (PolicyKind::Canned, Some(p), None) => {
            Some(CannedPolicy::json_for("<the requested URL>", p.date_less_than()))
        }
        _ => seen.policy_text().map(str::to_owned),
    };
    if policy.as_ref().is_some_and(|p| p.source_ip().is_some()) {
        warnings.push("has an IP condition: viewers reaching CloudFront over IPv6 never match it".into());
    }
    if let Some(segment) =
        policy.as_ref().and_then(CustomPolicy::resource).and_then(cfsign::policy::wildcard_inside_segment)
    {
        warnings.push(format!(
            "the resource has a wildcard inside the path segment {segment:?}: usually user data put into a \
             pattern with format!, which widens it (a user named `a*` opens every folder starting with `a`); \
             build per-user resources with cfsign::ResourceBase or cfsign_issuer::Scope::prefix"
        ));
    }
    // Set-Cookie attributes pasted with the cookies: would a browser send them to the resource?
    let attribute = |name: &str| {
        cfsign::wire::cookie_pairs(input.as_bytes()).find_map(|(k, v)| {
            k.eq_ignore_ascii_case(name.as_bytes()).then(|| String::from_utf8_lossy(v).into_owned())
        })
    };
    if let Some(resource) = policy.as_ref().and_then(CustomPolicy::resource)
        && (attribute("Domain").is_some() || attribute("Path").is_some())
    {
        let mut attrs = cfsign::CookieAttributes::new();
        if let Some(domain) = attribute("Domain") {
            attrs = attrs.domain(domain);
        }
        if let Some(path) = attribute("Path").filter(|p| !p.contains('*')) {
            attrs = attrs.path(path);
        }
        if attribute("SameSite").is_some_and(|s| s.eq_ignore_ascii_case("Strict")) {
            attrs = attrs.same_site(cfsign::SameSite::Strict);
        }
        if let Some(why) = attrs.reaches(resource) {
            warnings.push(why);
        }
    }
    if cfsign::wire::cookie_pairs(input.as_bytes())
        .any(|(name, value)| name.eq_ignore_ascii_case(b"Path") && value.contains(&b'*'))
    {
        warnings.push(
            "a cookie Path contains `*`: browsers match paths literally; use /images/, not /images/*".into(),
        );
    }
    let hash = match seen.hash_algorithm() {
        Some(h) => h.as_str().to_owned(),
        None => "unsupported".to_owned(),
    };
    let key_pair_id = seen.key_pair_id().map(str::to_owned);

    let pretty = policy_json
        .as_deref()
        .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
        .map(|v| serde_json::to_string_pretty(&v).unwrap_or_default());
    let is_url_source = source == cfsign_verify::Source::Url;
    if args.json {
        print_json(&json!({
            "source": if is_url_source { "url" } else { "cookies" },
            "key_pair_id": key_pair_id,
            "hash_algorithm": hash,
            "policy_kind": kind.as_str(),
            "policy": policy_json,
            "resource": policy.as_ref().and_then(|p| p.resource().map(str::to_owned)).or_else(|| (kind == PolicyKind::Canned).then(|| stripped.clone()).flatten()),
            "expires": policy.as_ref().map(|p| p.date_less_than().as_secs()),
            "not_before": policy.as_ref().and_then(|p| p.date_greater_than().map(EpochSeconds::as_secs)),
            "source_ip": policy.as_ref().and_then(|p| p.source_ip().map(|ip| ip.to_string())),
            "denial": seen.denial().map(|d| json!({ "code": d.code().as_str(), "message": d.message(), "reason": d.reason().to_string(), "reason_kind": d.reason().kind() })),
            "warnings": warnings,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    // Every value from the input goes through `field`; whether any had to be escaped is told.
    let escaped = std::cell::Cell::new(false);
    let field = |value: &str| -> String {
        let shown = output::field(value);
        escaped.set(escaped.get() || matches!(shown, std::borrow::Cow::Owned(_)));
        shown.into_owned()
    };
    // Writing to a String cannot fail.
    let mut out = String::new();
    let _ = writeln!(out, "source:       {}", if is_url_source { "signed URL" } else { "signed cookies" });
    let _ =
        writeln!(out, "key-pair ID:  {}", key_pair_id.as_deref().map_or_else(|| "(missing)".into(), field));
    let _ = writeln!(out, "hash:         {hash}");
    let _ = writeln!(out, "policy:       {}", kind.as_str());
    if let Some(p) = &policy {
        let _ = match (kind, p.resource(), &stripped) {
            (PolicyKind::Canned, _, Some(url)) => writeln!(out, "resource:     {} (exactly)", field(url)),
            (PolicyKind::Canned, _, None) => writeln!(out, "resource:     the requested URL (exactly)"),
            (_, Some(r), _) => writeln!(out, "resource:     {}", field(r)),
            (_, None, _) => {
                writeln!(out, "resource:     (any: every file of every distribution trusting the key)")
            }
        };
        let _ = writeln!(
            out,
            "expires:      {} ({})",
            http_date(p.date_less_than()),
            when(p.date_less_than(), now, "expires in", "expired")
        );
        if let Some(t) = p.date_greater_than() {
            let _ =
                writeln!(out, "not before:   {} ({})", http_date(t), when(t, now, "starts in", "started"));
        }
        if let Some(ip) = p.source_ip() {
            let _ = writeln!(out, "viewer IP:    {ip}");
        }
    }
    // serde_json writes the line feeds of its strings as `\n`: the JSON's own line feeds are
    // its layout; the rest of it is checked on the way out.
    if let Some(json) = pretty {
        let _ = writeln!(out, "policy JSON:\n{json}");
    } else if let Some(raw) = &policy_json {
        let _ = writeln!(out, "policy bytes: {raw:?}");
    }
    let mut warnings: Vec<String> = warnings.iter().map(|w| field(w)).collect();
    if escaped.get() || output::escapes(&out) {
        warnings.push(
            "control characters from the input are shown escaped (\\u{1b} is ESC): printed as they are, \
             they would have steered the terminal"
                .into(),
        );
    }
    for w in &warnings {
        let _ = writeln!(out, "warning:      {w}");
    }
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}
