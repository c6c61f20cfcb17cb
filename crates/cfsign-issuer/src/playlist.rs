//! Playlists signed for a session (feature `playlist`): an HLS playlist or DASH MPD with
//! every URI carrying the parameters of one custom policy over the session's scope, made once
//! per playlist, scope and expiry window however many viewers ask at once.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use cfsign::{AsyncSigner, CustomPolicy, EpochSeconds, HashAlgorithm, SignedPolicy};
use cfsign_playlist::{PlaylistError, PlaylistSigner};
use futures_util::future::{FutureExt, Shared};

use crate::counters::Event;
use crate::{Access, Issuer};

/// Why [`Issuer::signed_playlist`] gave no playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignedPlaylistError {
    /// No scope of the session's access covers the playlist's URL: the viewer may not watch
    /// this stream (answer 403, as CloudFront would).
    NotInScope,
    /// The policy could not be built or signed (a signer that failed or timed out).
    Signing(cfsign::Error),
    /// The playlist cannot be signed for the scope: a URI it does not cover, bad input.
    Playlist(PlaylistError),
}

impl fmt::Display for SignedPlaylistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignedPlaylistError::NotInScope => {
                f.write_str("no scope of the session's access covers the playlist's URL")
            }
            SignedPlaylistError::Signing(e) => write!(f, "cannot sign the playlist's policy: {e}"),
            SignedPlaylistError::Playlist(e) => write!(f, "cannot sign the playlist: {e}"),
        }
    }
}

impl std::error::Error for SignedPlaylistError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SignedPlaylistError::NotInScope => None,
            SignedPlaylistError::Signing(e) => Some(e),
            SignedPlaylistError::Playlist(e) => Some(e),
        }
    }
}

/// What makes two signed playlists the same bytes.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    resource: Box<str>,
    expires: u64,
    key_pair_id: Box<str>,
    hash: HashAlgorithm,
    url: Box<str>,
    playlist: Arc<str>,
}

/// One signing and rewrite of one playlist, shared by every request that needs it.
type Rewrite = Shared<Pin<Box<dyn Future<Output = Result<Arc<str>, SignedPlaylistError>> + Send>>>;

/// The signed playlists of the last windows, oldest out first.
pub(crate) struct Playlists {
    // The playlists come from the app's own origin, not from clients; a seeded fast hash
    // keeps hashing a long playlist cheap.
    entries: Mutex<(HashMap<Key, Rewrite, foldhash::fast::RandomState>, VecDeque<Key>)>,
    capacity: usize,
}

impl Playlists {
    pub(crate) fn new(capacity: usize) -> Self {
        Playlists { entries: Mutex::new((HashMap::default(), VecDeque::new())), capacity: capacity.max(1) }
    }

    /// The rewrite for `key`: the one made or being made, or `start`ed now.
    fn rewrite(&self, key: Key, start: impl FnOnce() -> Rewrite) -> Rewrite {
        let mut guard = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let (map, order) = &mut *guard;
        if let Some(rewrite) = map.get(&key) {
            return rewrite.clone();
        }
        while order.len() >= self.capacity {
            match order.pop_front() {
                Some(old) => {
                    map.remove(&old);
                }
                None => break,
            }
        }
        let rewrite = start();
        map.insert(key.clone(), rewrite.clone());
        order.push_back(key);
        rewrite
    }

    /// Drops a failed rewrite, so that the next request tries again (a signer may be back in
    /// a moment); requests already waiting on it share its failure.
    fn forget(&self, key: &Key, rewrite: &Rewrite) {
        let mut guard = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let (map, order) = &mut *guard;
        if map.get(key).is_some_and(|r| r.ptr_eq(rewrite)) {
            map.remove(key);
            order.retain(|k| k != key);
        }
    }
}

impl Issuer {
    /// `playlist` — an HLS playlist or DASH MPD whose CloudFront URL is `playlist_url` — with
    /// every URI carrying the signing parameters of one custom policy over the first scope of
    /// `access` whose resource covers `playlist_url` (see `cfsign_playlist`), written as the
    /// absolute CloudFront URL it resolves to: the app can serve the playlist from its own
    /// origin and the player still fetches the stream from CloudFront. The URIs of a
    /// multivariant playlist that name other playlists are left as written, so that the player
    /// asks the app for those too: serve every playlist of the stream through this method,
    /// at the same relative places as on CloudFront. The policy
    /// expires as cookies issued now would (TTL, rounded up to the granularity), so every
    /// viewer of one stream in one window gets the same bytes: one signature and one rewrite
    /// per playlist, scope and window, shared by concurrent requests, kept for the last
    /// [`IssuerBuilder::playlist_cache`](crate::IssuerBuilder::playlist_cache) playlists.
    ///
    /// The playlist URLs expire with the policy: a player that fetches the playlist once (VOD)
    /// can play for the TTL (1 h by default) from then; a live player refetches it.
    ///
    /// ```
    /// # let pem = include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem");
    /// use std::sync::Arc;
    /// use cfsign_issuer::{Access, Issuer};
    ///
    /// let issuer = Issuer::builder(Arc::new(cfsign::SigningKey::from_pem(pem, "K2JCJMDEHXQW5F")?)).build()?;
    /// let alice = Access::single("https://cdn.example.com/videos/123/*", "/")?;
    /// let playlist: Arc<str> = "#EXTM3U\n#EXTINF:4,\nseg-0.ts\n".into();
    /// # futures_executor::block_on(async {
    /// let signed = issuer.signed_playlist(&alice, "https://cdn.example.com/videos/123/index.m3u8", playlist).await?;
    /// assert!(signed.contains("\nhttps://cdn.example.com/videos/123/seg-0.ts?Policy="));
    /// # Ok::<(), cfsign_issuer::SignedPlaylistError>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`SignedPlaylistError::NotInScope`] when no scope covers `playlist_url`;
    /// [`SignedPlaylistError::Signing`]; [`SignedPlaylistError::Playlist`] for a playlist
    /// that cannot be signed for the scope.
    pub fn signed_playlist(
        &self,
        access: &Access,
        playlist_url: &str,
        playlist: Arc<str>,
    ) -> impl Future<Output = Result<Arc<str>, SignedPlaylistError>> + Send + 'static {
        let i = &*self.inner;
        let scope = access.scopes().iter().find(|s| cfsign::resource_matches(s.resource(), playlist_url));
        let Some(scope) = scope else {
            return futures_util::future::ready(Err(SignedPlaylistError::NotInScope)).left_future();
        };
        let signer = i.signer.load_full();
        let expires = self.expiry_at(i.config.clock.now());
        let key = Key {
            resource: scope.resource().into(),
            expires: expires.as_secs(),
            key_pair_id: signer.key_pair_id().as_str().into(),
            hash: signer.hash_algorithm(),
            url: playlist_url.into(),
            playlist,
        };
        let counters = Arc::clone(&i.counters);
        let start = || {
            let key = key.clone();
            async move {
                let policy = CustomPolicy::builder()
                    .resource(&*key.resource)
                    .date_less_than(EpochSeconds::new(key.expires))
                    .build()
                    .map_err(SignedPlaylistError::Signing)?;
                let signed =
                    SignedPolicy::new_async(policy, &*signer).await.map_err(SignedPlaylistError::Signing)?;
                let out = PlaylistSigner::new(&signed)
                    .map(|s| s.absolute_uris().leave_playlist_uris())
                    .and_then(|s| s.sign(&key.playlist, &key.url))
                    .map_err(SignedPlaylistError::Playlist)?;
                counters.record(Event::PlaylistSigned);
                Ok(Arc::<str>::from(out))
            }
            .boxed()
            .shared()
        };
        let rewrite = i.playlists.rewrite(key.clone(), start);
        let issuer = self.clone();
        async move {
            let result = rewrite.clone().await;
            if result.is_err() {
                issuer.inner.playlists.forget(&key, &rewrite);
            }
            result
        }
        .right_future()
    }
}

/// What to answer a request for a playlist — status, headers, body — the same from every
/// framework: [`Issuer::playlist_response`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlaylistResponse {
    /// 200; 403 without access or for a playlist outside it; 503 (with `Retry-After`) when
    /// the signer failed; 500 for a playlist that cannot be signed for the scope.
    pub status: u16,
    /// `Content-Type`, `Cache-Control` (`private`: the playlist is the viewer's), and
    /// `Retry-After` on 503.
    pub headers: Vec<(&'static str, &'static str)>,
    /// The signed playlist, or a one-line reason.
    pub body: Arc<str>,
}

impl PlaylistResponse {
    /// The body as [`bytes::Bytes`] without a copy: a signed playlist is shared by every
    /// viewer of the window.
    #[must_use]
    pub fn body_bytes(&self) -> bytes::Bytes {
        struct Shared(Arc<str>);
        impl AsRef<[u8]> for Shared {
            fn as_ref(&self) -> &[u8] {
                self.0.as_bytes()
            }
        }
        bytes::Bytes::from_owner(Shared(Arc::clone(&self.body)))
    }

    fn refused(status: u16, why: &str) -> Self {
        let mut headers = vec![("content-type", "text/plain; charset=utf-8"), ("cache-control", "no-store")];
        if status == 503 {
            headers.push(("retry-after", "1"));
        }
        PlaylistResponse { status, headers, body: format!("{why}\n").into() }
    }
}

impl Issuer {
    /// The response to a request for a playlist route: [`Issuer::signed_playlist`] for the
    /// session's `access` (`None`: not signed in), with the media type of its format and
    /// `Cache-Control: private`. Errors become the status a viewer should see, and are logged.
    /// `cfsign_tower::signed_playlist` and `cfsign_actix::signed_playlist` turn it into their
    /// framework's response.
    pub fn playlist_response(
        &self,
        access: Option<&Access>,
        playlist_url: &str,
        playlist: Arc<str>,
    ) -> impl Future<Output = PlaylistResponse> + Send + 'static {
        // A playlist in neither format is refused by the signing below.
        let content_type =
            cfsign_playlist::Format::detect(&playlist).unwrap_or(cfsign_playlist::Format::Hls).media_type();
        let signed = access.map(|access| self.signed_playlist(access, playlist_url, playlist));
        let url: Box<str> = playlist_url.into();
        async move {
            let Some(signed) = signed else {
                return PlaylistResponse::refused(403, "403 Forbidden: sign in to watch");
            };
            match signed.await {
                Ok(body) => PlaylistResponse {
                    status: 200,
                    headers: vec![("content-type", content_type), ("cache-control", "private")],
                    body,
                },
                Err(SignedPlaylistError::NotInScope) => {
                    PlaylistResponse::refused(403, "403 Forbidden: this stream is not yours to watch")
                }
                Err(SignedPlaylistError::Signing(e)) => {
                    tracing::warn!(playlist = &*url, error = %e, "cfsign: could not sign a playlist");
                    PlaylistResponse::refused(503, "503 Service Unavailable: try again")
                }
                Err(SignedPlaylistError::Playlist(e)) => {
                    tracing::error!(playlist = &*url, error = %e, "cfsign: a playlist cannot be signed for its scope");
                    PlaylistResponse::refused(500, "500 Internal Server Error: the playlist cannot be served")
                }
            }
        }
    }
}
