//! `cfsign playlist`: an HLS playlist or a DASH MPD with every URI signed by one custom policy.

use std::io::Read as _;
use std::process::ExitCode;

use cfsign_playlist::PlaylistSigner;

use super::{Outcome, Result, policy, sign};
use crate::PlaylistArgs;
use crate::output::{field, write_file};

/// Playlists are text and small; a larger input is not one.
const MAX_PLAYLIST_BYTES: u64 = 64 * 1024 * 1024;

pub(crate) fn playlist(args: &PlaylistArgs) -> Outcome {
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
