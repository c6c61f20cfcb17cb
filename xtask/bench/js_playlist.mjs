// What users do today to sign a 10,000-segment HLS media playlist, timed the same way as the
// Rust bench's playlist (same segment names, same stream folder, RSA-2048):
// - per_segment: @aws-sdk/cloudfront-signer's getSignedUrl for every segment, canned (as most
//   samples do) — one RSA signature per segment;
// - one_query: the Lambda@Edge samples' rewrite — the query of the playlist's own signed URL
//   appended to every line that is not a tag (no check of what it covers).
// Prints JSON: milliseconds per playlist for each. Usage: node js_playlist.mjs KEY_PEM SECONDS
import { readFileSync } from 'node:fs';
import { getSignedUrl } from '@aws-sdk/cloudfront-signer';

const privateKey = readFileSync(process.argv[2], 'utf8');
const seconds = Number(process.argv[3]);
const base = 'https://cdn.example.com/videos/123/720p/';
let playlist = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n';
for (let i = 0; i < 10000; i++) {
  playlist += `#EXTINF:4.000000,\nsegment-${String(i).padStart(5, '0')}.ts\n`;
}
playlist += '#EXT-X-ENDLIST\n';

/** Mean milliseconds of `f` over at least `budget` seconds (and 3 runs). */
function time(f, budget) {
  f();
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(Math.round(budget * 1e9));
  while (n < 3 || process.hrtime.bigint() - start < limit) {
    f();
    n += 1;
  }
  return Number(process.hrtime.bigint() - start) / 1e6 / n;
}

const dateLessThan = '2026-01-01T18:00:00Z';
const perSegment = () =>
  playlist
    .split('\n')
    .map((line) =>
      line === '' || line.startsWith('#')
        ? line
        : getSignedUrl({ url: base + line, keyPairId: 'KBENCH', privateKey, dateLessThan }),
    )
    .join('\n');

// The query of the playlist's own signed URL (a custom policy over the folder), made once.
const signedPlaylistUrl = getSignedUrl({
  url: base + 'index.m3u8',
  keyPairId: 'KBENCH',
  privateKey,
  policy: JSON.stringify({
    Statement: [{ Resource: 'https://cdn.example.com/videos/123/*', Condition: { DateLessThan: { 'AWS:EpochTime': 1767290400 } } }],
  }),
});
const query = signedPlaylistUrl.split('?')[1];
const oneQuery = () =>
  playlist
    .split('\n')
    .map((line) => (line === '' || line.startsWith('#') ? line : `${line}?${query}`))
    .join('\n');

console.log(JSON.stringify({ per_segment_ms: time(perSegment, seconds), one_query_ms: time(oneQuery, seconds), output_bytes: oneQuery().length }));
