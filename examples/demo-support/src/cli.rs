//! The demo's command line.

use std::net::SocketAddr;
use std::sync::Arc;

use cfsign::{KeyKind, SigningKey};
use cfsign_issuer::Issuer;
use cfsign_verify::{KeyGroup, TrustedKeyGroups};

use crate::CdnOrigin;
use crate::tls::{APP_HOST, CDN_HOST, PARENT_DOMAIN};

/// Usage text.
pub const USAGE: &str = "usage: [--app-addr ADDR] [--cdn-addr ADDR] [--key FILE --key-pair-id ID]
       [--https] [--secure-cookies] [--cookie-domain DOMAIN]

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
                          none otherwise); another parent shows what a wrong one does";

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
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
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
        let mut issuer = Issuer::builder(Arc::new(key)).secure(self.secure_cookies());
        if let Some(domain) = self.cookie_domain() {
            issuer = issuer.domain(domain);
        }
        issuer.build().map_err(|e| format!("cannot build the issuer: {e}"))
    }

    /// Prints where the app and the CDN listen, and how the cookies are set.
    pub fn announce(&self, app_url: &str, cdn: &CdnOrigin, spki_sha256: Option<&str>) {
        println!("app: {app_url}");
        println!("cdn: {}/  (local CloudFront stand-in, key-pair ID {})", cdn.0, self.key_pair_id);
        if let Some(spki) = spki_sha256 {
            println!("tls: certificate for {APP_HOST} and {CDN_HOST} made at start-up, SPKI SHA-256 {spki}");
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
