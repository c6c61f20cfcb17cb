//! The middleware's playlist cache under a crowd: 1,000 viewers of one stream ask for its
//! 10,000-segment playlist at once through `Issuer::signed_playlist` (RSA-2048, aws-lc, a
//! two-thread Tokio runtime), then 1,000 more in the same window, then 1,000 of another
//! stream. Prints, per wave, the signatures and rewrites it cost (from the issuer's counters)
//! and the latency each viewer saw: p50, p99, max. Not a criterion bench: the figures are
//! distributions of one run (`cargo bench -p cfsign-benches --bench playlist_viewers`).
#![allow(missing_docs, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use cfsign::aws_lc;
use cfsign_issuer::{Access, Issuer};

const RSA: &str = include_str!("../../crates/cfsign/tests/data/rsa-2048-pkcs8.pem");

fn media_playlist(segments: usize) -> Arc<str> {
    let mut p = String::from("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n");
    for i in 0..segments {
        p.push_str(&format!("#EXTINF:4.000000,\nsegment-{i:05}.ts\n"));
    }
    p.push_str("#EXT-X-ENDLIST\n");
    p.into()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[at]
}

async fn wave(issuer: &Issuer, video: &str, playlist: &Arc<str>, viewers: usize) -> Vec<Duration> {
    let access = Access::single(format!("https://cdn.example.com/videos/{video}/*"), "/").unwrap();
    let url = format!("https://cdn.example.com/videos/{video}/720p/index.m3u8");
    let tasks: Vec<_> = (0..viewers)
        .map(|_| {
            let (issuer, access, url, playlist) =
                (issuer.clone(), access.clone(), url.clone(), Arc::clone(playlist));
            tokio::spawn(async move {
                let started = Instant::now();
                let signed = issuer.signed_playlist(&access, &url, playlist).await.unwrap();
                std::hint::black_box(signed);
                started.elapsed()
            })
        })
        .collect();
    let mut took = Vec::with_capacity(viewers);
    for task in tasks {
        took.push(task.await.unwrap());
    }
    took.sort();
    took
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let key = aws_lc::SigningKey::from_pem(RSA, "KBENCH").unwrap();
    let issuer = Issuer::builder(Arc::new(key)).build().unwrap();
    let playlist = media_playlist(10_000);
    println!("| wave | viewers | signatures | rewrites | p50 | p99 | max |\n|---|---|---|---|---|---|---|");
    runtime.block_on(async {
        for (name, video) in
            [("first, cold", "123"), ("same window, cached", "123"), ("another stream", "456")]
        {
            let before = issuer.counters();
            let took = wave(&issuer, video, &playlist, 1_000).await;
            let after = issuer.counters();
            println!(
                "| {name} | {} | {} | {} | {:.2} ms | {:.2} ms | {:.2} ms |",
                took.len(),
                after.signatures_made - before.signatures_made,
                after.playlists_signed - before.playlists_signed,
                percentile(&took, 0.50).as_secs_f64() * 1e3,
                percentile(&took, 0.99).as_secs_f64() * 1e3,
                took.last().unwrap().as_secs_f64() * 1e3,
            );
        }
    });
}
