//! The demo's private video: an HLS stream given with `--video DIR` (its `master.m3u8` and
//! everything it names, e.g. made by ffmpeg), published in every demo user's folder on the
//! local CDN (`u/{user}/video/`), and the watch page that plays it with hls.js (`--hls-js
//! FILE`, served by the app at [`HLS_JS_PATH`]; taken from npm, never committed).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use axum::body::Bytes;

use crate::{CdnOrigin, DEMO_USERS};

/// Where the app serves hls.js.
pub const HLS_JS_PATH: &str = "/vendor/hls.min.js";

/// The stream's top playlist, in its folder.
pub const MASTER: &str = "master.m3u8";

/// A stream and the player: the files to publish, its playlists read once at start-up (the
/// app signs them per viewer), and hls.js.
pub struct Video {
    dir: std::path::PathBuf,
    /// Every `.m3u8` under the folder, by path relative to it (`720p/index.m3u8`).
    playlists: BTreeMap<String, Arc<str>>,
    hls_js: Bytes,
}

impl std::fmt::Debug for Video {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Video")
            .field("dir", &self.dir)
            .field("playlists", &self.playlists.keys())
            .finish_non_exhaustive()
    }
}

impl Video {
    /// The stream in `dir` (which must hold [`MASTER`]) and hls.js from `hls_js`.
    ///
    /// # Errors
    /// A message naming the file that cannot be read, or a folder without [`MASTER`].
    pub fn load(dir: &Path, hls_js: &Path) -> Result<Self, String> {
        let mut playlists = BTreeMap::new();
        read_playlists(dir, "", &mut playlists)?;
        if !playlists.contains_key(MASTER) {
            return Err(format!("{}: no {MASTER} (an HLS stream's top playlist)", dir.display()));
        }
        let hls_js = std::fs::read(hls_js).map_err(|e| format!("{}: {e}", hls_js.display()))?;
        Ok(Video { dir: dir.to_owned(), playlists, hls_js: hls_js.into() })
    }

    /// The playlist at `file` (relative to the stream's folder, exactly as listed: no other
    /// spelling reaches a file).
    #[must_use]
    pub fn playlist(&self, file: &str) -> Option<Arc<str>> {
        self.playlists.get(file).cloned()
    }

    /// hls.js, as read at start-up.
    #[must_use]
    pub fn hls_js(&self) -> Bytes {
        self.hls_js.clone()
    }

    /// Copies the stream into `u/{user}/video/` under `root` for every demo user.
    pub(crate) fn publish(&self, root: &Path) -> std::io::Result<()> {
        for (user, _) in DEMO_USERS {
            copy_tree(&self.dir, &root.join("u").join(user).join("video"))?;
        }
        Ok(())
    }
}

/// Reads every `.m3u8` under `dir` into `found`, keyed by `prefix` + its relative path.
/// Only regular files and folders count: the app never serves what a link points to.
fn read_playlists(dir: &Path, prefix: &str, found: &mut BTreeMap<String, Arc<str>>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let (path, kind) = (entry.path(), entry.file_type().map_err(|e| format!("{}: {e}", dir.display()))?);
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else { continue };
        if kind.is_dir() {
            read_playlists(&path, &format!("{prefix}{name}/"), found)?;
        } else if kind.is_file() && name.ends_with(".m3u8") {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            found.insert(format!("{prefix}{name}"), text.into());
        }
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

/// The CloudFront URL of `file` (relative to the stream's folder) in `user`'s copy of the
/// video, each segment percent-encoded (`ResourceBase::url`); `None` for a name that is not
/// one.
#[must_use]
pub fn video_url(cdn: &CdnOrigin, user: &str, file: &str) -> Option<String> {
    crate::user_file_url(cdn, user, std::iter::once("video").chain(file.split('/')))
}

/// How the watch page's player reaches the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The app serves the playlists, signed for the viewer (`/video/…`); segments come from
    /// the CDN with their own signed URLs, without cookies. What a native player, a TV or
    /// Chromecast needs.
    SignedUrls,
    /// The player fetches everything from the CDN with the viewer's CloudFront cookies:
    /// credentialed requests (hls.js `xhrSetup`: `withCredentials`), which the CDN answers
    /// with CORS for the app's origin.
    SignedCookies,
}

impl Mode {
    /// `signed` or `cookies` (the page's `?mode=`); signed URLs for anything else.
    #[must_use]
    pub fn from_query(query: Option<&str>) -> Self {
        let cookies = query.is_some_and(|q| q.split('&').any(|pair| pair == "mode=cookies"));
        if cookies { Mode::SignedCookies } else { Mode::SignedUrls }
    }
}

/// The watch page for a signed-in `user`, or a note that the demo runs without a video.
#[must_use]
pub fn watch_page(user: &str, cdn: &CdnOrigin, mode: Mode, video: bool) -> String {
    let body = if video {
        let (src, credentials, how) = match mode {
            Mode::SignedUrls => (
                "/video/master.m3u8".to_owned(),
                false,
                format!(
                    "The app signs the playlists for you; hls.js fetches every segment from the CDN at \
                     <code>{}</code> with the signed URL written in them, without cookies.",
                    cdn.0
                ),
            ),
            Mode::SignedCookies => (
                video_url(cdn, user, MASTER).unwrap_or_default(),
                true,
                format!(
                    "hls.js fetches the playlists and segments from the CDN at <code>{}</code> with \
                     credentials, so the browser sends your CloudFront cookies; the CDN answers with \
                     CORS for this page's origin.",
                    cdn.0
                ),
            ),
        };
        format!(
            r#"<h1>{user}'s video</h1>
<p><a id="signed-urls" href="/watch?mode=signed">Signed URLs</a> · <a id="signed-cookies" href="/watch?mode=cookies">Signed cookies</a></p>
<p id="how">{how}</p>
<video id="video" controls muted autoplay playsinline width="640" height="360" data-src="{src}" data-credentials="{credentials}"></video>
<pre id="log"></pre>
<p><a href="/">Back</a></p>
<form method="post" action="/logout"><button id="logout">Sign out</button></form>
<script src="{HLS_JS_PATH}"></script>
<script>{WATCH_JS}</script>"#,
            credentials = u8::from(credentials),
        )
    } else {
        r#"<h1>No video</h1>
<p>Start the demo with <code>--video DIR --hls-js FILE</code> (see its README) to watch one.</p>
<p><a href="/">Back</a></p>"#
            .to_owned()
    };
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>cfsign demo video</title></head><body>{body}</body></html>"
    )
}

/// The watch page's script: `watch(src, credentials)` plays `src` with hls.js, collecting the
/// player's errors in `window.playerErrors` (and on the page).
const WATCH_JS: &str = r#"
window.playerErrors = [];
const video = document.getElementById('video');
const log = (line) => { document.getElementById('log').textContent += line + '\n'; };
let hls = null;
window.watch = (src, credentials) => {
  if (hls) hls.destroy();
  window.playerErrors = [];
  // No retries: the first 403 ends playback, as it should for a forbidden stream.
  const config = { manifestLoadingMaxRetry: 0, levelLoadingMaxRetry: 0, fragLoadingMaxRetry: 0 };
  // Cookies cross-origin: only a credentialed request carries them.
  if (credentials) config.xhrSetup = (xhr) => { xhr.withCredentials = true; };
  hls = new Hls(config);
  hls.on(Hls.Events.ERROR, (_, data) => {
    const what = `${data.details}${data.response ? ` ${data.response.code}` : ''}${data.fatal ? ' (fatal)' : ''}`;
    window.playerErrors.push(what);
    log(what);
  });
  hls.loadSource(src);
  hls.attachMedia(video);
  video.play().catch(() => {});
};
watch(video.dataset.src, video.dataset.credentials === '1');
"#;
