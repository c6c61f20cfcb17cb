//! The subcommands. Each returns the exit code, or why it stopped ([`Stop`]: an error message,
//! exit code 2, or a reader that went away). Output goes through [`output`](crate::output).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use cfsign::{
    CannedPolicy, CookieAttributes, CustomPolicy, EpochSeconds, HashAlgorithm, KeyKind, Policy, PublicKey,
    SignedPolicy, SigningKey,
};
use cfsign_gate::{Gate, GateLayer, PathPattern, Server};
use cfsign_verify::{GrantedPolicy, KeyGroup, Reason, Request, TrustedKeyGroups};
use serde_json::json;

use crate::output::{self, Stop, print, print_json};
use crate::{
    CookieFormat, CookiesArgs, DecodeArgs, Hash, KeygenArgs, Kind, ServeArgs, SignArgs, UrlArgs, VerifyArgs,
};

/// The helpers' errors: a message.
type Result<T> = std::result::Result<T, String>;
/// A command's end: its exit code, or why it stopped.
type Outcome = std::result::Result<ExitCode, Stop>;

/// A key file's contents: text is PEM (and its errors are PEM's), anything else DER.
enum KeyFile {
    Pem(String),
    Der(Vec<u8>),
}

fn read_key(path: &Path) -> Result<KeyFile> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => KeyFile::Pem(text),
        Err(not_text) => KeyFile::Der(not_text.into_bytes()),
    })
}

fn http_date(t: EpochSeconds) -> String {
    let mut s = String::new();
    let _ = t.fmt_http_date(&mut s);
    s
}

// ---------------------------------------------------------------------------------- keygen

fn write_new(path: &Path, contents: &str, mode: u32) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => format!("{} already exists; not overwriting it", path.display()),
        _ => format!("cannot create {}: {e}", path.display()),
    })?;
    file.write_all(contents.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// `dir` and its missing parents, the new ones readable by the owner only (0700): the private
/// key goes there.
fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

pub(crate) fn keygen(args: &KeygenArgs) -> Outcome {
    let kind = match args.kind {
        Kind::Ecdsa => KeyKind::EcdsaP256,
        Kind::Rsa => KeyKind::Rsa,
    };
    let key = SigningKey::generate(kind, "KEYGEN").map_err(|e| e.to_string())?;
    create_private_dir(&args.out)?;
    let private = args.out.join("private_key.pem");
    let public = args.out.join("public_key.pem");
    if public.exists() {
        return Err(format!("{} already exists; not overwriting it", public.display()).into());
    }
    let pem = key.to_pkcs8_pem().map_err(|e| e.to_string())?;
    write_new(&private, &pem, 0o600)?;
    let public_pem = key.public_key().to_pem();
    write_new(&public, &public_pem, 0o644)?;
    if args.json {
        print_json(&json!({
            "kind": key.key_kind().to_string(),
            "private_key_file": private.display().to_string(),
            "public_key_file": public.display().to_string(),
            "public_key_pem": public_pem,
        }))?;
    } else {
        output::eprint(&format!(
            "wrote {} (mode 0600; keep it secret) and {}\n\
             Paste this public key into CloudFront (Public keys → Create public key), add it to a key\n\
             group, and use the ID CloudFront gives it as --key-pair-id:\n",
            output::field(&private.display().to_string()),
            output::field(&public.display().to_string())
        ));
        print(&public_pem)?;
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------- signing

/// Signs `policy` with the key file or the KMS key the arguments name.
fn sign(policy: Policy, args: &SignArgs) -> Result<SignedPolicy> {
    // The ID first: an error in it is not an error in the key.
    cfsign::KeyPairId::new(&args.key_pair_id).map_err(|e| format!("--key-pair-id: {e}"))?;
    #[cfg(feature = "kms")]
    if let Some(kms_key_id) = &args.kms_key_id {
        if args.hash == Some(Hash::Sha1) {
            return Err("AWS KMS signs with SHA-256 only: drop --hash sha1 (CloudFront accepts SHA-256 \
                        signatures, with the Hash-Algorithm=SHA256 parameter cfsign adds)"
                .to_owned());
        }
        return runtime()?.block_on(async {
            let signer = kms_signer(kms_key_id, &args.key_pair_id).await?;
            SignedPolicy::new_async(policy, &signer).await.map_err(|e| e.to_string())
        });
    }
    // `aws cloudfront sign --private-key file://key.pem`.
    let key = args.key.as_deref().ok_or("give --key FILE")?;
    let file = key.strip_prefix("file://").unwrap_or(key);
    let key = match read_key(Path::new(file))? {
        KeyFile::Pem(pem) => SigningKey::from_pem(&pem, &args.key_pair_id),
        KeyFile::Der(der) => SigningKey::from_der(&der, &args.key_pair_id),
    };
    let key = key.map_err(|e| format!("{file}: {e}"))?;
    let key = key.with_hash(match args.hash.unwrap_or(Hash::Sha256) {
        Hash::Sha256 => HashAlgorithm::Sha256,
        Hash::Sha1 => HashAlgorithm::Sha1,
    });
    SignedPolicy::new(policy, &key).map_err(|e| e.to_string())
}

#[cfg(feature = "kms")]
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())
}

/// A KMS client from the usual AWS configuration, and the signer for `key_id`.
#[cfg(feature = "kms")]
async fn kms_signer(key_id: &str, key_pair_id: &str) -> Result<cfsign_kms::KmsSigner> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_kms::Client::new(&config);
    cfsign_kms::KmsSigner::new(client, key_id, key_pair_id).await.map_err(|e| e.to_string())
}

#[cfg(feature = "kms")]
pub(crate) fn kms_public_key(args: &crate::KmsPublicKeyArgs) -> Outcome {
    // The key-pair ID is CloudFront's and not known yet; any valid one will do here.
    let signer = runtime()?.block_on(kms_signer(&args.key_id, "KMS"))?;
    let pem = signer.public_key_pem();
    if args.json {
        print_json(&json!({
            "key_id": args.key_id,
            "key_kind": cfsign::AsyncSigner::key_kind(&signer).to_string(),
            "public_key_pem": pem,
        }))?;
    } else {
        print(&pem)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn expiry(args: &SignArgs) -> Result<EpochSeconds> {
    match (args.expires, &args.ttl) {
        (Some(t), _) => Ok(EpochSeconds::new(t)),
        (None, Some(ttl)) => EpochSeconds::now()
            .checked_add(crate::duration::parse(ttl)?)
            .ok_or_else(|| "--ttl is too large".to_owned()),
        (None, None) => Err("give --expires EPOCH or --ttl DURATION".to_owned()),
    }
}

/// Canned when nothing needs a custom policy; custom otherwise.
fn policy(resource: &str, pattern: Option<&str>, args: &SignArgs) -> Result<Policy> {
    let expires = expiry(args)?;
    let custom =
        pattern.is_some() || args.not_before.is_some() || args.ip.is_some() || resource.contains('*');
    if !custom {
        return CannedPolicy::new(resource, expires).map(Policy::from).map_err(|e| e.to_string());
    }
    let mut b = CustomPolicy::builder().resource(pattern.unwrap_or(resource)).date_less_than(expires);
    if let Some(t) = args.not_before {
        b = b.date_greater_than(EpochSeconds::new(t));
    }
    if let Some(ip) = &args.ip {
        b = b.ip_address(ip.as_str());
    }
    b.build().map(Policy::from).map_err(|e| e.to_string())
}

pub(crate) fn url(args: &UrlArgs) -> Outcome {
    let target = args.url.as_deref().or(args.url_flag.as_deref()).unwrap_or_default();
    let policy = policy(target, args.policy_resource.as_deref(), &args.sign)?;
    let signed = sign(policy, &args.sign)?;
    let url = signed.url(target).map_err(|e| e.to_string())?;
    if args.json {
        print_json(&json!({
            "url": url,
            "policy": signed.policy_json(),
            "signature": signed.signature(),
            "key_pair_id": signed.key_pair_id().as_str(),
            "hash_algorithm": signed.hash_algorithm().as_str(),
        }))?;
    } else {
        print(&format!("{url}\n"))?;
    }
    Ok(ExitCode::SUCCESS)
}

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

// ---------------------------------------------------------------------------------- decode

fn when(t: EpochSeconds, now: EpochSeconds, future: &str, past: &str) -> String {
    match t.duration_since(now) {
        Some(d) if d.as_secs() > 0 => format!("{future} {}", crate::duration::human(d.as_secs())),
        _ => {
            format!("{past} {} ago", crate::duration::human(now.duration_since(t).map_or(0, |d| d.as_secs())))
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
    let input = args.input.trim();
    let is_url = ["http://", "https://"]
        .iter()
        .any(|scheme| input.get(..scheme.len()).is_some_and(|p| p.eq_ignore_ascii_case(scheme)));
    let input = if is_url { input.to_owned() } else { cookie_header_of(input) };
    let input = input.as_str();
    let now = args.now.map_or_else(EpochSeconds::now, EpochSeconds::new);
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
            ("canned", CustomPolicy::builder().any_resource().date_less_than(*expires).build().ok())
        }
        Some(GrantedPolicy::Custom(p)) => ("custom", Some(p.clone())),
        None if seen.policy_text().is_some() => ("custom", None),
        None => ("none", None),
    };
    let policy_json = match (kind, &policy, &stripped) {
        ("canned", Some(p), None) => Some(CannedPolicy::json_for("<the requested URL>", p.date_less_than())),
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
        input.split([';', '\n']).find_map(|a| {
            let (k, v) = a.trim().split_once('=')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
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
    if input.split(';').any(|a| a.trim().strip_prefix("Path=").is_some_and(|p| p.contains('*'))) {
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
            "policy_kind": kind,
            "policy": policy_json,
            "resource": policy.as_ref().and_then(|p| p.resource().map(str::to_owned)).or_else(|| (kind == "canned").then(|| stripped.clone()).flatten()),
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
    let _ = writeln!(out, "policy:       {kind}");
    if let Some(p) = &policy {
        let _ = match (kind, p.resource(), &stripped) {
            ("canned", _, Some(url)) => writeln!(out, "resource:     {} (exactly)", field(url)),
            ("canned", _, None) => writeln!(out, "resource:     the requested URL (exactly)"),
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

// ---------------------------------------------------------------------------------- verify

fn trusted(specs: &[String]) -> Result<TrustedKeyGroups> {
    let mut group = KeyGroup::new();
    for spec in specs {
        let (id, file) =
            spec.split_once('=').ok_or_else(|| format!("--public-key {spec:?}: expected ID=FILE"))?;
        let key = match read_key(Path::new(file))? {
            KeyFile::Pem(pem) => PublicKey::from_pem(&pem),
            KeyFile::Der(der) => PublicKey::from_der(&der),
        };
        let key = key.map_err(|e| format!("{file}: {e}"))?;
        group.insert(id, key).map_err(|e| format!("--public-key {spec}: {e}"))?;
    }
    Ok(TrustedKeyGroups::from(group))
}

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

// ---------------------------------------------------------------------------------- serve

pub(crate) fn serve(args: &ServeArgs) -> Outcome {
    if !args.dir.is_dir() {
        return Err(format!("{} is not a directory", args.dir.display()).into());
    }
    let trusted = trusted(&args.public_keys)?;
    // Patterns and domain names are checked before anything listens: a typo must not leave
    // files unprotected.
    let gate = if args.protect.is_empty() {
        Gate::new().default_protected(trusted)
    } else {
        args.protect
            .iter()
            .try_fold(Gate::new(), |g, p| g.protect(p, trusted.clone()))
            .map_err(|e| format!("--protect: {e}"))?
    };
    let gate = gate.domain_names(&args.domain_names).map_err(|e| format!("--domain-name: {e}"))?;
    let protected: Vec<String> = if args.protect.is_empty() {
        vec!["*".to_owned()]
    } else {
        args.protect.iter().filter_map(|p| PathPattern::new(p).ok()).map(|p| p.to_string()).collect()
    };
    let app = axum::Router::new().fallback_service(GateLayer::new(gate).serve_dir(&args.dir));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server runtime: {e}"))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let url = format!("http://{addr}/");
        if args.json {
            output::print_json_line(
                &json!({ "url": url, "dir": args.dir.display().to_string(), "protected": protected }),
            )?;
        } else {
            print(&format!(
                "serving {} at {url} like CloudFront; signatures required for: {}\n",
                output::field(&args.dir.display().to_string()),
                protected.join(", ")
            ))?;
        }
        let server = Server::new().header_read_timeout(args.header_read_timeout);
        tokio::select! {
            () = server.serve(listener, app) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        Ok::<(), Stop>(())
    })?;
    Ok(ExitCode::SUCCESS)
}
