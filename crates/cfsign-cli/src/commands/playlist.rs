//! `cfsign playlist`: an HLS playlist or a DASH MPD with every URI signed by one custom policy.

use std::io::Read as _;
use std::process::ExitCode;

use std::fmt::Write as _;

use cfsign::EpochSeconds;
use cfsign_playlist::{Format, PlaylistSigner};
use cfsign_verify::{GrantedPolicy, Request};
use serde_json::json;

use super::{Outcome, Result, http_date, policy, sign, when};
use crate::output::{field, print, print_json, write_file};
use crate::{Hash, PlaceholdersArgs, PlaylistArgs};

/// Playlists are text and small; a larger input is not one.
const MAX_PLAYLIST_BYTES: u64 = 64 * 1024 * 1024;

pub(crate) fn playlist(args: &PlaylistArgs) -> Outcome {
    if args.url.contains('*') {
        return Err(format!(
            "--url {}: the URL the playlist is served under has no '*'; give a pattern with --policy-resource",
            field(&args.url)
        )
        .into());
    }
    let resource = match &args.policy_resource {
        Some(pattern) => pattern.clone(),
        None => folder_of(&args.url)?,
    };
    let text = read(&args.file)?;
    // Given the resource as the pattern, `policy` makes the custom policy a playlist needs.
    let policy = policy(&resource, Some(&resource), &args.sign)?;
    let signed = sign(policy, &args.sign)?;
    let mut signer = PlaylistSigner::new(&signed).map_err(|e| e.to_string())?;
    if args.leave_uncovered {
        signer = signer.leave_uncovered_unsigned();
    }
    let out = signer
        .sign(&text, &args.url)
        .map_err(|e| format!("{}: {}", args.file.display(), field(&e.to_string())))?;
    write_file(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// `cfsign placeholders`: the static playlist, for a top URL signed with `args.hash`.
pub(crate) fn placeholders(args: &PlaceholdersArgs) -> Outcome {
    let text = read(&args.file)?;
    let out = cfsign_playlist::with_placeholders(&text, args.hash.unwrap_or(Hash::Sha256).into())
        .map_err(|e| format!("{}: {}", args.file.display(), field(&e.to_string())))?;
    write_file(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// One distinct signature among a playlist's URIs.
struct Signature {
    key_pair_id: String,
    hash: String,
    /// The policy JSON: with the key-pair ID and hash, what tells signatures apart.
    policy: String,
    expires: Option<u64>,
    resource: Option<String>,
}

/// `cfsign decode --playlist`: every URI of a signed playlist, and what it grants — the
/// verifier's own keyless checks (expiry, resource), as `decode` makes them for one URL.
pub(crate) fn decode_playlist(
    path: &std::path::Path,
    url: &str,
    now: EpochSeconds,
    as_json: bool,
) -> Outcome {
    let text = read(path)?;
    let format = match Format::detect(&text) {
        Some(Format::Hls) => "HLS",
        Some(Format::Dash) => "DASH",
        None => "",
    };
    let uris = cfsign_playlist::uris(&text, url)
        .map_err(|e| format!("{}: {}", path.display(), field(&e.to_string())))?;
    let mut signatures: Vec<Signature> = Vec::new();
    let mut rows = Vec::new();
    for uri in &uris {
        let seen = cfsign_verify::explain(&Request::unknown_client(&uri.url, now));
        let signature = seen.source().map(|_| {
            let policy = seen.policy_text().unwrap_or_default().to_owned();
            let key_pair_id = seen.key_pair_id().unwrap_or_default().to_owned();
            let hash = seen.hash_algorithm().map_or("unsupported", |h| h.as_str()).to_owned();
            let position = signatures
                .iter()
                .position(|s| (&s.key_pair_id, &s.hash, &s.policy) == (&key_pair_id, &hash, &policy));
            position.unwrap_or_else(|| {
                let (expires, resource) = match seen.policy() {
                    Some(GrantedPolicy::Custom(p)) => {
                        (Some(p.date_less_than().as_secs()), p.resource().map(str::to_owned))
                    }
                    Some(GrantedPolicy::Canned { expires, .. }) => (Some(expires.as_secs()), None),
                    None => (None, None),
                };
                signatures.push(Signature { key_pair_id, hash, policy, expires, resource });
                signatures.len() - 1
            })
        });
        let denial = match (signature, seen.denial()) {
            (None, _) => Some(("MissingKey".to_owned(), "no signing parameters".to_owned())),
            (Some(_), Some(d)) => Some((d.code().as_str().to_owned(), d.reason().to_string())),
            (Some(_), None) => None,
        };
        let shown = cfsign_verify::strip_signing_parameters(&uri.uri).into_owned();
        rows.push((uri.line, shown, uri.url.clone(), signature, denial));
    }
    if as_json {
        print_json(&json!({
            "format": format.to_ascii_lowercase(),
            "signatures": signatures.iter().map(|s| json!({
                "key_pair_id": s.key_pair_id, "hash_algorithm": s.hash, "policy": s.policy,
                "expires": s.expires, "resource": s.resource,
            })).collect::<Vec<_>>(),
            "uris": rows.iter().map(|(line, uri, url, signature, denial)| json!({
                "line": line, "uri": uri, "url": url, "signature": signature,
                "grants": denial.is_none(),
                "denial": denial.as_ref().map(|(code, reason)| json!({ "code": code, "reason": reason })),
            })).collect::<Vec<_>>(),
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let granted = rows.iter().filter(|r| r.4.is_none()).count();
    // Writing to a String cannot fail.
    let mut out = String::new();
    let _ = writeln!(
        out,
        "playlist:     {format}, {} URIs: {granted} granted, {} not; {} signature{}",
        rows.len(),
        rows.len() - granted,
        signatures.len(),
        if signatures.len() == 1 { "" } else { "s" }
    );
    for (n, s) in signatures.iter().enumerate() {
        let _ = writeln!(out, "signature {}:  key-pair ID {}, {}", n + 1, field(&s.key_pair_id), s.hash);
        let _ =
            writeln!(out, "  resource:   {}", s.resource.as_deref().map_or_else(|| "(none)".into(), field));
        if let Some(expires) = s.expires.map(EpochSeconds::new) {
            let when = when(expires, now, "expires in", "expired");
            let _ = writeln!(out, "  expires:    {} ({when})", http_date(expires));
        }
    }
    let width = rows.iter().map(|r| field(&r.1).chars().count()).max().unwrap_or(0).min(60);
    for (line, uri, _, signature, denial) in &rows {
        let verdict = match (signature, denial) {
            (Some(n), None) => format!("granted by signature {}", n + 1),
            (None, _) => "unsigned: CloudFront answers MissingKey".to_owned(),
            (Some(n), Some((code, reason))) => {
                format!(
                    "signature {} does not grant it: CloudFront answers {code} ({})",
                    n + 1,
                    field(reason)
                )
            }
        };
        let _ = writeln!(out, "line {line:<6} {:<width$}  {verdict}", field(uri));
    }
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// The playlist from its file or standard input, as UTF-8 (RFC 8216 section 4.1; MPDs are
/// read as UTF-8 too).
fn read(path: &std::path::Path) -> Result<String> {
    let mut bytes = Vec::new();
    let shown = path.display();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().take(MAX_PLAYLIST_BYTES + 1).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_PLAYLIST_BYTES + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.len() as u64 > MAX_PLAYLIST_BYTES {
        return Err(format!("{shown}: over {} MiB, not a playlist", MAX_PLAYLIST_BYTES >> 20));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!("{shown}: not UTF-8 at byte {} (playlists are UTF-8 text)", e.utf8_error().valid_up_to())
    })
}

/// `https://cdn.example.com/videos/123/*` for `https://cdn.example.com/videos/123/master.m3u8`.
fn folder_of(url: &str) -> Result<String> {
    let path_start = url.find("://").map(|i| i + 3).and_then(|i| url[i..].find('/').map(|j| i + j));
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    match path_start {
        Some(start) if start < without_query.len() => {
            let last = without_query.rfind('/').unwrap_or(start);
            Ok(format!("{}*", &without_query[..=last]))
        }
        _ => Err(format!("--url {}: expected https://host/path/playlist.m3u8 or .mpd", field(url))),
    }
}

#[cfg(test)]
mod tests {
    use super::folder_of;

    #[test]
    fn the_default_resource_is_the_playlists_folder() {
        assert_eq!(
            folder_of("https://cdn.example.com/videos/123/master.m3u8").unwrap(),
            "https://cdn.example.com/videos/123/*"
        );
        assert_eq!(folder_of("https://cdn.example.com/a.m3u8?x=1").unwrap(), "https://cdn.example.com/*");
        assert!(folder_of("https://cdn.example.com").is_err());
        assert!(folder_of("cdn.example.com/a.m3u8").is_err());
    }
}
