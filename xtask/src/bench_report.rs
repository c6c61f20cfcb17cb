//! `cargo xtask bench-report`: the performance figures of `docs/performance.md`, side by side
//! in one run on one core (CPU 0 via `taskset` when available): the criterion benches, the
//! middleware beside its peers (`benches/benches/peers.rs`: tower-cookies, axum-extra's
//! `CookieJar`, tower-sessions; written to `target/peer-bench.md`), `openssl speed rsa2048
//! ecdsap256`, and botocore and `@aws-sdk/cloudfront-signer` where Python and Node exist
//! (installed into `target/bench/`, never committed) — for cookies, and for a 10,000-segment
//! playlist (`benches/benches/playlist.rs` beside `xtask/bench/js_playlist.mjs`). Writes
//! `target/bench-report.md`.

use std::path::Path;
use std::process::Command;

use crate::cmd::command_exists;
use crate::cmd::{cargo, pinned, root};

/// `(id, mean nanoseconds)` of every criterion bench under `target/criterion`.
fn criterion_means() -> Vec<(String, f64)> {
    fn walk(dir: &Path, out: &mut Vec<(String, f64)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.ends_with("new") {
                    let mean = read_json(&path.join("estimates.json"))
                        .and_then(|e| e["mean"]["point_estimate"].as_f64());
                    // The directory name is sanitised; the real id is in benchmark.json.
                    let id = read_json(&path.join("benchmark.json"))
                        .and_then(|b| b["full_id"].as_str().map(str::to_owned));
                    if let (Some(id), Some(mean)) = (id, mean) {
                        out.push((id, mean));
                    }
                } else if !path.ends_with("base") && !path.ends_with("change") {
                    walk(&path, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("target/criterion"), &mut out);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn read_json(path: &Path) -> Option<serde_json::Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

pub fn bench_report() -> Result<(), String> {
    let cargo_bin = cargo();
    // 1. The Rust benches, on core 0.
    eprintln!("\n==> cargo bench -p cfsign-benches (pinned to CPU 0)");
    let status = pinned(&cargo_bin)
        .args(["bench", "-p", "cfsign-benches", "--bench", "cfsign", "--locked", "--"])
        .args(["--warm-up-time", "1", "--measurement-time", "3"])
        .current_dir(root())
        .status()
        .map_err(|e| format!("cargo bench: {e}"))?;
    if !status.success() {
        return Err("cargo bench failed".into());
    }
    eprintln!("\n==> cargo bench -p cfsign-benches --bench playlist (pinned to CPU 0)");
    let status = pinned(&cargo_bin)
        .args(["bench", "-p", "cfsign-benches", "--bench", "playlist", "--locked", "--"])
        .args(["--warm-up-time", "1", "--measurement-time", "3"])
        .current_dir(root())
        .status()
        .map_err(|e| format!("cargo bench --bench playlist: {e}"))?;
    if !status.success() {
        return Err("the playlist bench failed".into());
    }
    let means = criterion_means();
    let ops = |id: &str| means.iter().find(|(i, _)| i == id).map(|(_, ns)| 1e9 / ns);

    // 1b. The middleware beside its peers (tower-cookies, axum-extra, tower-sessions), same core.
    eprintln!("\n==> cargo bench -p cfsign-benches --bench peers (pinned to CPU 0)");
    let peers_path = root().join("target/peer-bench.md");
    let status = pinned(&cargo_bin)
        .args(["bench", "-p", "cfsign-benches", "--bench", "peers", "--locked"])
        .env("PEER_BENCH_OUT", &peers_path)
        .current_dir(root())
        .status()
        .map_err(|e| format!("cargo bench --bench peers: {e}"))?;
    if !status.success() {
        return Err("the peer bench failed".into());
    }
    let peers = std::fs::read_to_string(&peers_path).map_err(|e| format!("{}: {e}", peers_path.display()))?;

    // 2. openssl speed, same core, right after.
    eprintln!("\n==> openssl speed -seconds 5 rsa2048 ecdsap256 (pinned to CPU 0)");
    let out = pinned("openssl")
        .args(["speed", "-seconds", "5", "rsa2048", "ecdsap256"])
        .output()
        .map_err(|e| format!("openssl: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let numbers = |prefix: &str| -> Option<(f64, f64)> {
        let line = text.lines().find(|l| l.trim_start().starts_with(prefix))?;
        let nums: Vec<f64> = line.split_whitespace().filter_map(|w| w.parse().ok()).collect();
        let n = nums.len();
        (n >= 2).then(|| (nums[n - 2], nums[n - 1]))
    };
    let rsa = numbers("rsa 2048 bits").ok_or_else(|| format!("cannot read openssl speed output:\n{text}"))?;
    let ec = numbers("256 bits ecdsa").ok_or_else(|| format!("cannot read openssl speed output:\n{text}"))?;

    // 3. The AWS SDKs, where their runtimes exist.
    let key = root().join("crates/cfsign/tests/data/rsa-2048-pkcs1.pem");
    let key = key.to_string_lossy().into_owned();
    let bench_dir = root().join("target/bench");
    let _ = std::fs::create_dir_all(&bench_dir);
    let botocore = (|| -> Option<f64> {
        command_exists("python3", "--version").then_some(())?;
        let venv = bench_dir.join("venv");
        if !venv.join("bin/python").exists() {
            Command::new("python3").args(["-m", "venv"]).arg(&venv).status().ok()?.success().then_some(())?;
            let pip = Command::new(venv.join("bin/pip"))
                .args(["install", "-q", "botocore", "rsa"])
                .status()
                .ok()?;
            pip.success().then_some(())?;
        }
        let script = root().join("xtask/bench/botocore_cookies.py");
        let out = pinned(&venv.join("bin/python").to_string_lossy())
            .arg(script)
            .args([&key, "10"])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    })();
    let js_dir = (|| -> Option<std::path::PathBuf> {
        command_exists("node", "--version").then_some(())?;
        let dir = bench_dir.join("js");
        std::fs::create_dir_all(&dir).ok()?;
        std::fs::write(dir.join("package.json"), r#"{"private": true, "type": "module"}"#).ok()?;
        for script in ["js_cookies.mjs", "js_playlist.mjs"] {
            std::fs::copy(root().join("xtask/bench").join(script), dir.join(script)).ok()?;
        }
        if !dir.join("node_modules/@aws-sdk/cloudfront-signer").exists() {
            let s = Command::new("npm")
                .args([
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    "@aws-sdk/cloudfront-signer@3",
                ])
                .current_dir(&dir)
                .status()
                .ok()?;
            s.success().then_some(())?;
        }
        Some(dir)
    })();
    let js = js_dir.as_ref().and_then(|dir| {
        let out = pinned("node").arg("js_cookies.mjs").args([&key, "10"]).current_dir(dir).output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse::<f64>().ok()
    });
    // Milliseconds per 10,000-segment playlist: per-segment getSignedUrl, one-query rewrite.
    let js_playlist = js_dir.as_ref().and_then(|dir| {
        eprintln!("\n==> node js_playlist.mjs (pinned to CPU 0; per-segment signing takes ~10 s a playlist)");
        let out = pinned("node").arg("js_playlist.mjs").args([&key, "5"]).current_dir(dir).output().ok()?;
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        Some((v["per_segment_ms"].as_f64()?, v["one_query_ms"].as_f64()?))
    });

    // 4. The report.
    let f = |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.0}"));
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
        _ => "n/a".to_owned(),
    };
    let mut md = String::from("# cfsign bench report\n\n");
    md.push_str("All figures from one run on one core (CPU 0 via taskset when available); ops/s = 1 / criterion mean.\n\n");
    md.push_str("## Signing and verification vs `openssl speed` (native limit)\n\n");
    md.push_str("| operation | openssl ops/s | aws-lc ops/s | aws-lc / openssl | rustcrypto ops/s | rustcrypto / openssl |\n|---|---|---|---|---|---|\n");
    for (label, group, kind, native) in [
        ("RSA-2048 sign (SHA-256)", "sign", "rsa2048/sha256", rsa.0),
        ("RSA-2048 verify (SHA-256)", "verify", "rsa2048/sha256", rsa.1),
        ("ECDSA P-256 sign (SHA-256)", "sign", "p256/sha256", ec.0),
        ("ECDSA P-256 verify (SHA-256)", "verify", "p256/sha256", ec.1),
        ("RSA-2048 sign (SHA-1)", "sign", "rsa2048/sha1", rsa.0),
        ("ECDSA P-256 sign (SHA-1)", "sign", "p256/sha1", ec.0),
    ] {
        let a = ops(&format!("{group}/aws-lc/{kind}"));
        let r = ops(&format!("{group}/rustcrypto/{kind}"));
        md.push_str(&format!(
            "| {label} | {native:.0} | {} | {} | {} | {} |\n",
            f(a),
            ratio(a, Some(native)),
            f(r),
            ratio(r, Some(native))
        ));
    }
    md.push_str("\n## A custom-policy cookie set (RSA-2048, SHA-1) vs the AWS SDKs\n\n| signer | cookie sets/s | cfsign aws-lc / it |\n|---|---|---|\n");
    let ours = ops("cookie_set_custom/aws-lc/rsa2048/sha1");
    let ours_rc = ops("cookie_set_custom/rustcrypto/rsa2048/sha1");
    md.push_str(&format!("| cfsign aws-lc | {} | 1.00 |\n", f(ours)));
    md.push_str(&format!("| cfsign rustcrypto | {} | {} |\n", f(ours_rc), ratio(ours, ours_rc)));
    md.push_str(&format!(
        "| botocore CloudFrontSigner (+ rsa) | {} | {} |\n",
        f(botocore),
        ratio(ours, botocore)
    ));
    md.push_str(&format!(
        "| @aws-sdk/cloudfront-signer getSignedCookies | {} | {} |\n",
        f(js),
        ratio(ours, js)
    ));
    md.push_str(&playlist_table(&means, js_playlist));
    md.push_str("\n## Middleware\n\n| measure | value |\n|---|---|\n");
    let ns = |id: &str| means.iter().find(|(i, _)| i == id).map(|(_, ns)| *ns);
    for id in ["issuer/no_refresh_due", "issuer/anonymous", "issuer/refresh_due_cached"] {
        md.push_str(&format!(
            "| {id} | {} ns |\n",
            ns(id).map_or_else(|| "n/a".into(), |v| format!("{v:.0}"))
        ));
    }
    // The peer bench's own report, one heading level down.
    md.push_str(&format!("\n#{peers}"));
    md.push_str("\n## Every bench\n\n| bench | mean | ops/s |\n|---|---|---|\n");
    for (id, mean) in &means {
        md.push_str(&format!("| {id} | {mean:.0} ns | {:.0} |\n", 1e9 / mean));
    }
    let path = root().join("target/bench-report.md");
    std::fs::write(&path, &md).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("{md}");
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// The playlist section: cfsign against the JavaScript ways and a copy of the bytes.
fn playlist_table(means: &[(String, f64)], js: Option<(f64, f64)>) -> String {
    let ms = |id: &str| means.iter().find(|(i, _)| i == id).map(|(_, ns)| ns / 1e6);
    let cell = |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.2} ms"));
    let times = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.1}×", a / b),
        _ => "n/a".to_owned(),
    };
    let mut md = String::from(
        "\n## A 10,000-segment playlist\n\n| format | way | per playlist | cfsign (sign + rewrite) is faster by | vs a copy of the bytes |\n|---|---|---|---|---|\n",
    );
    for (format, group, copy) in [
        ("HLS", "hls_10000_segments", "memcpy of the signed playlist's bytes"),
        ("DASH SegmentList", "dash_10000_segment_urls", "memcpy of the signed MPD's bytes"),
    ] {
        let ours = ms(&format!("{group}/cfsign: sign once (RSA-2048, aws-lc) and rewrite"));
        let rewrite = ms(&format!("{group}/cfsign: rewrite only (signature made)"));
        let copy = ms(&format!("{group}/{copy}"));
        md.push_str(&format!(
            "| {format} | cfsign: one signature, then the rewrite | {} | 1.0× | {} |\n",
            cell(ours),
            times(ours, copy)
        ));
        md.push_str(&format!(
            "| {format} | cfsign: the rewrite alone | {} | | {} |\n",
            cell(rewrite),
            times(rewrite, copy)
        ));
        md.push_str(&format!("| {format} | a copy of the signed bytes | {} | | 1.0× |\n", cell(copy)));
        if format == "HLS" {
            let (per_segment, one_query) = (js.map(|j| j.0), js.map(|j| j.1));
            md.push_str(&format!(
                "| HLS | JS `getSignedUrl` per segment (canned) | {} | {} | |\n",
                cell(per_segment),
                times(per_segment, ours)
            ));
            md.push_str(&format!(
                "| HLS | JS one-query rewrite (Lambda@Edge samples; no check) | {} | {} | |\n",
                cell(one_query),
                times(one_query, ours)
            ));
        }
    }
    md
}
