// @aws-sdk/cloudfront-signer's getSignedCookies for the same custom-policy cookie set as the
// Rust benches (RSA-2048). Prints operations per second. Usage: node js_cookies.mjs KEY_PEM SECONDS
import { readFileSync } from 'node:fs';
import { getSignedCookies } from '@aws-sdk/cloudfront-signer';

const privateKey = readFileSync(process.argv[2], 'utf8');
const seconds = Number(process.argv[3]);
const policy = JSON.stringify({
  Statement: [{ Resource: 'https://cdn.example.com/u/alice/*', Condition: { DateLessThan: { 'AWS:EpochTime': 1767290400 } } }],
});
let n = 0;
const start = process.hrtime.bigint();
const limit = BigInt(Math.round(seconds * 1e9));
while (process.hrtime.bigint() - start < limit) {
  getSignedCookies({ keyPairId: 'KBENCH', privateKey, policy });
  n += 1;
}
console.log((n / (Number(process.hrtime.bigint() - start) / 1e9)).toFixed(1));
