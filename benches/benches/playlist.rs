//! A 10,000-segment HLS media playlist and a DASH MPD with a 10,000-entry `SegmentList`, each
//! signed with one custom policy (one signature, then the rewrite), beside a plain copy of the
//! same bytes: the physical limit of any rewrite. Throughput in bytes of the signed playlist,
//! so criterion reports MB/s. The JavaScript comparisons (`xtask/bench/js_playlist.mjs`) run in
//! `cargo xtask bench-report`.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use cfsign::{CustomPolicy, EpochSeconds, SignedPolicy, aws_lc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const RSA: &str = include_str!("../../crates/cfsign/tests/data/rsa-2048-pkcs8.pem");
const URL: &str = "https://cdn.example.com/videos/123/720p/index.m3u8";

fn media_playlist(segments: usize) -> String {
    let mut p = String::from("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n");
    for i in 0..segments {
        p.push_str(&format!("#EXTINF:4.000000,\nsegment-{i:05}.ts\n"));
    }
    p.push_str("#EXT-X-ENDLIST\n");
    p
}

fn segment_list_mpd(segments: usize) -> String {
    let mut p = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" \
         type=\"static\" mediaPresentationDuration=\"PT11H6M40S\">\n <Period>\n  \
         <AdaptationSet mimeType=\"video/mp4\">\n   <Representation id=\"720p\" bandwidth=\"2000000\">\n    \
         <SegmentList timescale=\"1000\" duration=\"4000\">\n     <Initialization sourceURL=\"init.mp4\"/>\n",
    );
    for i in 0..segments {
        p.push_str(&format!("     <SegmentURL media=\"segment-{i:05}.m4s\"/>\n"));
    }
    p.push_str("    </SegmentList>\n   </Representation>\n  </AdaptationSet>\n </Period>\n</MPD>\n");
    p
}

fn playlists(c: &mut Criterion) {
    let key = aws_lc::SigningKey::from_pem(RSA, "KBENCH").unwrap();
    let playlist = media_playlist(10_000);
    let policy = || {
        CustomPolicy::builder()
            .resource("https://cdn.example.com/videos/123/*")
            .date_less_than(EpochSeconds::new(1_767_290_400))
            .build()
            .unwrap()
    };
    let signed = SignedPolicy::new(policy(), &key).unwrap();
    let out_len = cfsign_playlist::sign_hls(&playlist, URL, &signed).unwrap().len();

    let mut g = c.benchmark_group("hls_10000_segments");
    g.throughput(Throughput::Bytes(out_len as u64));
    g.bench_function("cfsign: sign once (RSA-2048, aws-lc) and rewrite", |b| {
        b.iter(|| {
            let signed = SignedPolicy::new(policy(), &key).unwrap();
            cfsign_playlist::sign_hls(black_box(&playlist), URL, &signed).unwrap()
        })
    });
    g.bench_function("cfsign: rewrite only (signature made)", |b| {
        b.iter(|| cfsign_playlist::sign_hls(black_box(&playlist), URL, &signed).unwrap())
    });
    let signed_bytes = cfsign_playlist::sign_hls(&playlist, URL, &signed).unwrap();
    g.bench_function("memcpy of the signed playlist's bytes", |b| {
        b.iter(|| black_box(signed_bytes.as_bytes()).to_vec())
    });
    g.finish();

    let mpd = segment_list_mpd(10_000);
    let mpd_url = "https://cdn.example.com/videos/123/stream.mpd";
    let signed_mpd = cfsign_playlist::sign_dash(&mpd, mpd_url, &signed).unwrap();
    let mut g = c.benchmark_group("dash_10000_segment_urls");
    g.throughput(Throughput::Bytes(signed_mpd.len() as u64));
    g.bench_function("cfsign: sign once (RSA-2048, aws-lc) and rewrite", |b| {
        b.iter(|| {
            let signed = SignedPolicy::new(policy(), &key).unwrap();
            cfsign_playlist::sign_dash(black_box(&mpd), mpd_url, &signed).unwrap()
        })
    });
    g.bench_function("cfsign: rewrite only (signature made)", |b| {
        b.iter(|| cfsign_playlist::sign_dash(black_box(&mpd), mpd_url, &signed).unwrap())
    });
    g.bench_function("memcpy of the signed MPD's bytes", |b| {
        b.iter(|| black_box(signed_mpd.as_bytes()).to_vec())
    });
    g.finish();
}

criterion_group!(benches, playlists);
criterion_main!(benches);
