//! `cfsign` — CloudFront signed URLs and signed cookies from the command line.
//!
//! Exit codes: 0 success (for `verify`: allowed), 1 `verify` denied, 2 usage or input error.
//! Errors are one line on stderr. A reader that closes the pipe early changes nothing: the
//! command ends quietly with the status it would have had (see [`output`]).

mod commands;
mod duration;
mod output;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// CloudFront signed URLs and signed cookies: create keys, sign, decode, verify — and a local
/// CloudFront to test against, without AWS.
///
/// A signed URL or signed cookies carry a policy (what may be fetched until when), a signature
/// made with your private key, and the ID of the public key you uploaded to CloudFront (the
/// key-pair ID, e.g. K2JCJMDEHXQW5F). CloudFront serves the file only if the public key is in
/// a key group the cache behaviour trusts and the signature and policy check out.
#[derive(Parser, Debug)]
#[command(name = "cfsign", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a key pair: the private key (written with mode 0600) and the public key to
    /// paste into CloudFront (Public keys → Create public key, then add it to a key group).
    Keygen(KeygenArgs),
    /// Sign a URL. Canned policy (just an expiry) unless --not-before, --ip or
    /// --policy-resource ask for a custom one.
    Url(UrlArgs),
    /// Make signed cookies for a URL or a URL pattern (`https://cdn.example.com/videos/*`).
    Cookies(CookiesArgs),
    /// Sign every URI of an HLS playlist or DASH MPD with one custom policy, for players that
    /// fetch the playlist with a signed URL: relative URIs do not inherit its query, so each one gets
    /// the signing parameters. Prints the signed playlist.
    Playlist(PlaylistArgs),
    /// Write a static HLS playlist or DASH MPD that takes the signing parameters from the URL
    /// it is fetched with (HLS EXT-X-DEFINE QUERYPARAM, DASH UrlQueryInfo): then sign only the
    /// top playlist's URL, with --policy-resource covering the stream. Needs no key. Players:
    /// hls.js (full build) and shaka-player for HLS, dash.js and shaka-player for DASH.
    Placeholders(PlaceholdersArgs),
    /// Explain a signed URL or a Cookie header: the policy, times in UTC and relative, the
    /// key-pair ID and hash, and warnings. Needs no key.
    Decode(DecodeArgs),
    /// Decide like CloudFront: allowed or denied, with CloudFront's error code and message and
    /// the precise reason. Exit code 0 allowed, 1 denied.
    Verify(VerifyArgs),
    /// Serve a directory like a CloudFront distribution with restricted viewer access.
    Serve(ServeArgs),
    /// Print the public key of an AWS KMS signing key as PEM, for CloudFront's "Create public
    /// key". Uses the usual AWS configuration (region, credentials, profiles, AWS_ENDPOINT_URL).
    #[cfg(feature = "kms")]
    KmsPublicKey(KmsPublicKeyArgs),
}

#[cfg(feature = "kms")]
#[derive(Args, Debug)]
struct KmsPublicKeyArgs {
    /// The KMS key: key ID, key ARN, alias name (alias/…) or alias ARN.
    key_id: String,
    /// Machine-readable output: {"key_id", "key_kind", "public_key_pem"}.
    #[arg(long)]
    json: bool,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum Kind {
    /// ECDSA P-256: short signatures, fast signing (recommended).
    Ecdsa,
    /// RSA-2048.
    Rsa,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
enum Hash {
    /// SHA-256 (adds Hash-Algorithm=SHA256).
    Sha256,
    /// SHA-1, CloudFront's default and the AWS SDKs' output.
    Sha1,
}

impl From<Hash> for cfsign::HashAlgorithm {
    fn from(hash: Hash) -> Self {
        match hash {
            Hash::Sha256 => cfsign::HashAlgorithm::Sha256,
            Hash::Sha1 => cfsign::HashAlgorithm::Sha1,
        }
    }
}

#[derive(Args, Debug)]
struct KeygenArgs {
    /// Key kind.
    #[arg(long, value_enum, default_value_t = Kind::Ecdsa)]
    kind: Kind,
    /// Directory for private_key.pem and public_key.pem, created (mode 0700) when missing;
    /// existing files are never overwritten.
    #[arg(long, default_value = ".")]
    out: std::path::PathBuf,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// How to sign: key, ID, lifetime and conditions. The flags of `aws cloudfront sign` work too
/// (`--private-key file://…`, `--date-less-than`, `--date-greater-than`, `--ip-address`).
#[derive(Args, Debug)]
struct SignArgs {
    /// Private key file (PKCS#1, PKCS#8 or SEC1; PEM or DER); a `file://` prefix is allowed.
    #[cfg_attr(feature = "kms", arg(required_unless_present = "kms_key_id", conflicts_with = "kms_key_id"))]
    #[cfg_attr(not(feature = "kms"), arg(required = true))]
    #[arg(long, visible_alias = "private-key", value_name = "FILE")]
    key: Option<String>,
    /// Sign with this AWS KMS key instead of a key file (key ID, ARN or alias; RSA_2048 or
    /// ECC_NIST_P256, SHA-256 only). Uses the usual AWS configuration (region, credentials,
    /// profiles, AWS_ENDPOINT_URL).
    #[cfg(feature = "kms")]
    #[arg(long, value_name = "KEY")]
    kms_key_id: Option<String>,
    /// The CloudFront public key ID of that key.
    #[arg(long, value_name = "ID")]
    key_pair_id: String,
    /// Expiry: seconds since 1970, YYYY-MM-DD (0:00 UTC), YYYY-MM-DDThh:mm:ss (UTC) or with an
    /// offset (+hh:mm).
    #[arg(long, visible_alias = "date-less-than", value_name = "TIME", value_parser = duration::parse_time,
          conflicts_with = "ttl", required_unless_present = "ttl")]
    expires: Option<u64>,
    /// Expiry relative to now: 90s, 15m, 1h, 1h30m, 2d.
    #[arg(long, value_name = "DURATION")]
    ttl: Option<String>,
    /// Not valid until after this time (same forms as --expires): needs a custom policy.
    #[arg(long, visible_alias = "date-greater-than", value_name = "TIME", value_parser = duration::parse_time)]
    not_before: Option<u64>,
    /// Only for viewers in this IPv4 range (e.g. 192.0.2.0/24): needs a custom policy.
    #[arg(long, visible_alias = "ip-address", value_name = "CIDR")]
    ip: Option<String>,
    /// Hash algorithm (default sha256).
    #[arg(long, value_enum)]
    hash: Option<Hash>,
}

#[derive(Args, Debug)]
struct UrlArgs {
    /// The URL to sign, exactly as viewers will request it (percent-encoded, ASCII); or
    /// `--url URL`, as `aws cloudfront sign` takes it.
    #[arg(required_unless_present = "url_flag", conflicts_with = "url_flag")]
    url: Option<String>,
    #[arg(long = "url", value_name = "URL", hide = true)]
    url_flag: Option<String>,
    #[command(flatten)]
    sign: SignArgs,
    /// Sign a pattern instead of the URL itself (custom policy), e.g. https://cdn.example.com/videos/*
    #[arg(long, value_name = "PATTERN")]
    policy_resource: Option<String>,
    /// Machine-readable output: {"url", "policy", "signature", "key_pair_id", "hash_algorithm"}.
    #[arg(long)]
    json: bool,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
enum CookieFormat {
    /// One Set-Cookie header per line.
    SetCookie,
    /// A Cookie request header (for curl -H).
    Header,
    /// JSON: {"cookies": {name: value}, "policy", "signature", "key_pair_id", "hash_algorithm", "expires"}.
    Json,
}

#[derive(Args, Debug)]
struct CookiesArgs {
    /// The URL or URL pattern the cookies grant (a `*` makes it a custom policy).
    resource: String,
    #[command(flatten)]
    sign: SignArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CookieFormat::SetCookie)]
    format: CookieFormat,
    /// Same as --format json.
    #[arg(long)]
    json: bool,
    /// Cookie Domain (the parent domain of the app and the CloudFront alternate domain).
    #[arg(long)]
    domain: Option<String>,
    /// Cookie Path, matched literally by browsers (/images/, not /images/*).
    #[arg(long, default_value = "/")]
    path: String,
}

#[derive(Args, Debug)]
struct PlaylistArgs {
    /// The HLS playlist or DASH MPD (`-`: standard input); the format is read from its first
    /// bytes.
    file: std::path::PathBuf,
    /// The URL the playlist is served under: its relative URIs are resolved against it.
    #[arg(long, value_name = "URL")]
    url: String,
    #[command(flatten)]
    sign: SignArgs,
    /// The policy's resource, covering every file of the stream. Default: the playlist's
    /// folder, e.g. https://cdn.example.com/videos/123/* for …/videos/123/master.m3u8.
    #[arg(long, value_name = "PATTERN")]
    policy_resource: Option<String>,
    /// Keep URIs the policy does not cover (or that are not http(s), such as skd:// keys)
    /// unsigned instead of refusing the playlist.
    #[arg(long)]
    leave_uncovered: bool,
}

#[derive(Args, Debug)]
struct PlaceholdersArgs {
    /// The HLS playlist or DASH MPD (`-`: standard input).
    file: std::path::PathBuf,
    /// The hash the top URL will be signed with (default sha256, as `cfsign url`): HLS
    /// playlists then also take Hash-Algorithm from the URL.
    #[arg(long, value_enum)]
    hash: Option<Hash>,
}

#[derive(Args, Debug)]
struct DecodeArgs {
    /// A signed URL, or a Cookie header (with or without the `Cookie:` prefix).
    #[arg(required_unless_present = "playlist")]
    input: Option<String>,
    /// Instead: a signed HLS playlist or DASH MPD (`-`: standard input), listing what each
    /// URI grants. Needs --url.
    #[arg(long, value_name = "FILE", conflicts_with = "input", requires = "url")]
    playlist: Option<std::path::PathBuf>,
    /// The URL the playlist is served under: its relative URIs are resolved against it.
    #[arg(long, value_name = "URL", requires = "playlist")]
    url: Option<String>,
    /// Judge times against this instant (seconds since 1970) instead of now.
    #[arg(long, value_name = "EPOCH")]
    now: Option<u64>,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct VerifyArgs {
    /// The request URL as sent (for cookies: the URL being fetched).
    url: String,
    /// The request's Cookie header.
    #[arg(long, value_name = "HEADER")]
    cookie: Option<String>,
    /// A trusted public key: ID=FILE (SubjectPublicKeyInfo, PEM or DER). Repeat for several keys (at most 5).
    #[arg(long = "public-key", value_name = "ID=FILE", required = true)]
    public_keys: Vec<String>,
    /// The viewer's IP address.
    #[arg(long, default_value = "127.0.0.1")]
    ip: std::net::IpAddr,
    /// Judge the time as this instant (seconds since 1970) instead of now.
    #[arg(long, value_name = "EPOCH")]
    now: Option<u64>,
    /// Machine-readable output: {"allowed", "code", "message", "reason"}.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// The directory to serve.
    dir: std::path::PathBuf,
    /// A trusted public key: ID=FILE (SubjectPublicKeyInfo, PEM or DER). Repeat for several keys (at most 5).
    #[arg(long = "public-key", value_name = "ID=FILE", required = true)]
    public_keys: Vec<String>,
    /// Path pattern needing a signature, like a cache behaviour (e.g. /private/*; the leading
    /// / is optional). Repeatable. Without any, every path needs one.
    #[arg(long, value_name = "PATTERN")]
    protect: Vec<String>,
    /// A domain name of the distribution (e.g. cdn.example.com, *.example.com, 127.0.0.1).
    /// Repeatable. Requests for any other host are refused with 403, as at CloudFront.
    /// Without any, every valid host is served.
    #[arg(long = "domain-name", value_name = "NAME")]
    domain_names: Vec<String>,
    /// A web page's origin allowed to fetch with credentials (cookies), as a CloudFront
    /// response headers policy with Access-Control-Allow-Credentials answers it: the exact
    /// origin echoed (e.g. https://app.example.com). Repeatable.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    cors_origins: Vec<String>,
    /// Listen address.
    #[arg(long, default_value = "127.0.0.1:8787")]
    addr: std::net::SocketAddr,
    /// How long a client may take to send a request's head (and a connection may sit idle
    /// between requests) before it is disconnected: 5s, 1m, ...
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = duration::parse_timeout)]
    header_read_timeout: std::time::Duration,
    /// Machine-readable startup line.
    #[arg(long)]
    json: bool,
}

/// Whether a command-line argument carries a PEM private key (PKCS#8, PKCS#1, SEC1, or an
/// encrypted one): `-----BEGIN … PRIVATE KEY-----`.
fn holds_private_key(arg: &str) -> bool {
    arg.split("-----BEGIN ")
        .skip(1)
        .any(|rest| rest.split("-----").next().is_some_and(|l| l.ends_with("PRIVATE KEY")))
}

fn main() -> ExitCode {
    // A bug must still end as one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| output::error(&format!("internal error: {info}"))));
    // A key pasted where a path or URL belongs would be echoed by the error message (clap's
    // "unexpected argument", or "cannot read <path>") into terminals and CI logs: refuse it
    // before anything can print it.
    if let Some(n) = std::env::args_os().skip(1).position(|a| holds_private_key(&a.to_string_lossy())) {
        output::error(&format!(
            "argument {} holds a private key; pass key files by path (--key FILE), never their contents \
             (the argument is not shown)",
            n + 1
        ));
        return ExitCode::from(2);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Usage errors go to stderr, `--help` and `--version` to stdout, where a reader that
        // closes early is no error either.
        Err(e) if e.use_stderr() => {
            output::eprint(&usage_error(&e));
            return ExitCode::from(2);
        }
        Err(e) => return output::finish(output::print(&e.render().to_string()).map(|()| ExitCode::SUCCESS)),
    };
    output::finish(match cli.command {
        Command::Keygen(a) => commands::keygen(&a),
        Command::Url(a) => commands::url(&a),
        Command::Cookies(a) => commands::cookies(&a),
        Command::Playlist(a) => commands::playlist(&a),
        Command::Placeholders(a) => commands::placeholders(&a),
        Command::Decode(a) => commands::decode(&a),
        Command::Verify(a) => commands::verify(&a),
        Command::Serve(a) => commands::serve(&a),
        #[cfg(feature = "kms")]
        Command::KmsPublicKey(a) => commands::kms_public_key(&a),
    })
}

/// clap's message for a usage error, with the arguments it quotes shown as [`output::field`]s:
/// its own lines stay lines, a line feed inside an argument does not start one.
fn usage_error(error: &clap::Error) -> String {
    let mut text = error.render().to_string();
    for (_, value) in error.context() {
        let values = match value {
            clap::error::ContextValue::String(one) => std::slice::from_ref(one),
            clap::error::ContextValue::Strings(many) => many.as_slice(),
            _ => &[],
        };
        for value in values {
            if let std::borrow::Cow::Owned(shown) = output::field(value) {
                text = text.replace(value.as_str(), &shown);
            }
        }
    }
    text
}
