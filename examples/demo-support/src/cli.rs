//! The demo's command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use cfsign::{KeyKind, SigningKey};
use cfsign_issuer::Issuer;
use cfsign_verify::{KeyGroup, TrustedKeyGroups};

use crate::CdnOrigin;
use crate::tls::{APP_HOST, CDN_HOST, PARENT_DOMAIN};
use crate::video::Video;

/// Usage text.
pub const USAGE: &str = "usage: [--app-addr ADDR] [--cdn-addr ADDR] [--key FILE --key-pair-id ID]
       [--https] [--secure-cookies] [--cookie-domain DOMAIN] [--cookie-ttl SECONDS]
       [--video DIR --hls-js FILE]

  --app-addr ADDR         where the app listens (default 127.0.0.1:3000)
  --cdn-addr ADDR         where the local CloudFront stand-in listens (default 127.0.0.1:3001)
  --key FILE              private key (PEM); default: a throwaway P-256 key generated at start
  --key-pair-id ID        its CloudFront key-pair ID (default KDEMO)
  --https                 serve the app as https://app.cfsign.test:PORT and the CDN as
                          https://cdn.cfsign.test:PORT with a certificate made at start-up;
                          the CloudFront cookies get Domain=cfsign.test, Secure, SameSite=Lax.
                          Map both names to 127.0.0.1 (/etc/hosts, or Chromium's
                          --host-resolver-rules) and trust the certificate (its SPKI hash is printed)
  --secure-cookies        mark the cookies Secure without --https (off by default: plain HTTP)
  --cookie-domain DOMAIN  the CloudFront cookies' Domain (default: cfsign.test with --https,
                          none otherwise); another parent shows what a wrong one does
  --cookie-ttl SECONDS    how long CloudFront cookies and signed playlists last (default 3600);
                          a few seconds shows what expiry does
  --video DIR             an HLS stream (DIR/master.m3u8 and the files it names), published in
                          every demo user's folder on the CDN; axum-app plays it at /watch
  --hls-js FILE           hls.js for the watch page (e.g. node_modules/hls.js/dist/hls.min.js)";

/// The parsed flags.
#[derive(Debug, Clone)]
pub struct Args {
    /// `--app-addr`.
    pub app_addr: SocketAddr,
    /// `--cdn-addr`.
    pub cdn_addr: SocketAddr,
    /// `--key`.
    pub key: Option<String>,
    /// `--key-pair-id`.
    pub key_pair_id: String,
    /// `--https`.
    pub https: bool,
    /// `--secure-cookies`.
    pub secure: bool,
    /// `--cookie-domain`.
    pub cookie_domain: Option<String>,
    /// `--cookie-ttl`, in seconds.
    pub cookie_ttl: u64,
    /// `--video`.
    pub video: Option<PathBuf>,
    /// `--hls-js`.
    pub hls_js: Option<PathBuf>,
}

/// Parses the process arguments; `--help` prints the usage and exits.
///
/// # Errors
/// A message for an unknown flag or a bad value.
pub fn parse() -> Result<Args, String> {
    let mut args = Args {
        app_addr: ([127, 0, 0, 1], 3000).into(),
        cdn_addr: ([127, 0, 0, 1], 3001).into(),
        key: None,
        key_pair_id: "KDEMO".to_owned(),
        https: false,
        secure: false,
        cookie_domain: None,
        cookie_ttl: 3600,
        video: None,
        hls_js: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--app-addr" => args.app_addr = value()?.parse().map_err(|e| format!("--app-addr: {e}"))?,
            "--cdn-addr" => args.cdn_addr = value()?.parse().map_err(|e| format!("--cdn-addr: {e}"))?,
            "--key" => args.key = Some(value()?),
            "--key-pair-id" => args.key_pair_id = value()?,
            "--https" => args.https = true,
            "--secure-cookies" => args.secure = true,
            "--cookie-domain" => args.cookie_domain = Some(value()?),
            "--cookie-ttl" => {
                args.cookie_ttl = match value()?.parse() {
                    Ok(seconds) if seconds > 0 => seconds,
                    _ => return Err("--cookie-ttl: a whole number of seconds, at least 1".to_owned()),
                }
            }
            "--video" => args.video = Some(value()?.into()),
            "--hls-js" => args.hls_js = Some(value()?.into()),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if args.video.is_some() != args.hls_js.is_some() {
        return Err("--video and --hls-js go together: the stream, and the player that plays it".to_owned());
    }
    Ok(args)
}

impl Args {
    /// Whether the cookies (CloudFront's and the session's) are marked `Secure`.
    #[must_use]
    pub fn secure_cookies(&self) -> bool {
        self.https || self.secure
    }

    /// The CloudFront cookies' `Domain`, if any.
    #[must_use]
    pub fn cookie_domain(&self) -> Option<&str> {
        self.cookie_domain.as_deref().or(self.https.then_some(PARENT_DOMAIN))
    }

    /// The app's URL and the CDN's origin for servers listening on `app` and `cdn`.
    #[must_use]
    pub fn origins(&self, app: SocketAddr, cdn: SocketAddr) -> (String, CdnOrigin) {
        if self.https {
            (
                format!("https://{APP_HOST}:{}/", app.port()),
                CdnOrigin(format!("https://{CDN_HOST}:{}", cdn.port())),
            )
        } else {
            (format!("http://{app}/"), CdnOrigin(format!("http://{cdn}")))
        }
    }

    /// The issuer for `key`, with these cookie settings (`SameSite=Lax`, the default).
    ///
    /// # Errors
    /// An invalid `--cookie-domain`, for one.
    pub fn issuer(&self, key: SigningKey) -> Result<Issuer, String> {
        let ttl = Duration::from_secs(self.cookie_ttl);
        // Refreshed in the last quarter of their life; expiries rounded to the minute, or to
        // the second for cookies that last less than one.
        let mut issuer = Issuer::builder(Arc::new(key))
            .secure(self.secure_cookies())
            .ttl(ttl)
            .refresh_before(ttl / 4)
            .granularity(Duration::from_secs(self.cookie_ttl.min(60)));
        if let Some(domain) = self.cookie_domain() {
            issuer = issuer.domain(domain);
        }
        issuer.build().map_err(|e| format!("cannot build the issuer: {e}"))
    }

    /// The stream and hls.js from `--video` and `--hls-js`, if given.
    ///
    /// # Errors
    /// A file that cannot be read, or a folder without `master.m3u8`.
    pub fn video(&self) -> Result<Option<Video>, String> {
        match (&self.video, &self.hls_js) {
            (Some(dir), Some(hls_js)) => Video::load(dir, hls_js).map(Some),
            _ => Ok(None),
        }
    }

    /// Prints where the app and the CDN listen, and how the cookies are set.
    pub fn announce(&self, app_url: &str, cdn: &CdnOrigin, spki_sha256: Option<&str>) {
        println!("app: {app_url}");
        println!("cdn: {}/  (local CloudFront stand-in, key-pair ID {})", cdn.0, self.key_pair_id);
        if let Some(spki) = spki_sha256 {
            println!("tls: certificate for {APP_HOST} and {CDN_HOST} made at start-up, SPKI SHA-256 {spki}");
        }
        if self.video.is_some() {
            println!("video: {app_url}watch  (HLS, signed URLs or signed cookies)");
        }
        if !self.secure_cookies() {
            println!("note: CloudFront cookies are not marked Secure because this demo serves plain HTTP");
        }
    }

    /// The signing key (from `--key`, or a throwaway P-256 key) and the key group the CDN
    /// trusts.
    ///
    /// # Errors
    /// An unreadable or invalid key file.
    pub fn keys(&self) -> Result<(SigningKey, TrustedKeyGroups), String> {
        // The ID first: an error in it is not an error in the key file.
        cfsign::KeyPairId::new(&self.key_pair_id).map_err(|e| format!("--key-pair-id: {e}"))?;
        let key = match &self.key {
            Some(file) => {
                let pem = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
                SigningKey::from_pem(&pem, &self.key_pair_id).map_err(|e| format!("{file}: {e}"))?
            }
            None => SigningKey::generate(KeyKind::EcdsaP256, &self.key_pair_id).map_err(|e| e.to_string())?,
        };
        let group =
            KeyGroup::new().with_key(&self.key_pair_id, key.public_key()).map_err(|e| e.to_string())?;
        Ok((key, TrustedKeyGroups::from(group)))
    }
}
