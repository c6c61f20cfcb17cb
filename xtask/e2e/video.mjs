// The private video end to end in real headless Chromium (Debian's `chromium`, driven by
// playwright-core), against axum-app started by `cargo xtask e2e` with --https and --video.
// In the environment:
//   APP_URL, CDN_URL   where the demo's app and CDN are
//   CHROMIUM           the browser
//   HOST_RULES, SPKI   Chromium's --host-resolver-rules for the demo's names, and the demo
//                      certificate's SPKI hash, trusted for this run
//   SCREENSHOTS        the folder for e2e-video-<case>.png
//   CASE               'watch': alice plays her video with signed URLs (the app signs the
//                      playlists) and with signed cookies (hls.js fetches from the CDN with
//                      credentials); bob's stream with her cookies, her signed playlist edited
//                      to name bob's segments, and both modes after sign-out are refused by the
//                      right party with the right code.
//                      'expired': the demo runs with --cookie-ttl 3; a signed playlist and the
//                      cookies are refused once their policy expired.
// Every response from the CDN (and from the app's /video/ route) is recorded with its status,
// CloudFront's error code, whether its URL was signed and its request carried the cookies.
import { chromium } from 'playwright-core';

const { APP_URL, CDN_URL, CHROMIUM, HOST_RULES, SPKI, SCREENSHOTS, CASE } = process.env;
const app = APP_URL.replace(/\/$/, '');
const checks = [];
function check(name, ok, detail = '') {
  checks.push({ name, ok, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
}

const args = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--autoplay-policy=no-user-gesture-required',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
if (HOST_RULES) args.push(`--host-resolver-rules=${HOST_RULES}`);
if (SPKI) args.push(`--ignore-certificate-errors-spki-list=${SPKI}`);
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
const context = await browser.newContext();
const page = await context.newPage();

const responses = [];
page.on('response', async (response) => {
  const url = response.url();
  const fromCdn = url.startsWith(`${CDN_URL}/u/`);
  if (!fromCdn && !url.startsWith(`${app}/video/`)) return;
  const entry = {
    url, path: new URL(url).pathname, status: response.status(), fromCdn, code: null,
    signed: url.includes('Signature='), cookies: false, allowOrigin: null,
  };
  responses.push(entry);
  const sent = await response.request().allHeaders().catch(() => ({}));
  entry.cookies = (sent.cookie || '').includes('CloudFront-Signature=');
  entry.allowOrigin = (await response.allHeaders().catch(() => ({})))['access-control-allow-origin'] || null;
  if (entry.status === 403 && fromCdn) {
    const body = await response.text().catch(() => '');
    entry.code = (body.match(/<Code>([^<]*)<\/Code>/) || [])[1] || null;
  }
});
const isSegment = (r) => r.path.endsWith('.ts');
const shown = (rs) => rs.map((r) => `${r.status} ${r.fromCdn ? 'cdn' : 'app'}${r.path}${r.signed ? ' (signed)' : ''}${r.cookies ? ' (cookies)' : ''}${r.code ? ` ${r.code}` : ''}`).join(', ');
const currentTime = () => page.evaluate(() => document.getElementById('video').currentTime);

// Waits until the video played past 2 s, or the player reported an error after a 403; lets
// requests in flight finish. What the player did since `since` (an index into `responses`).
async function playback(since) {
  const deadline = Date.now() + 20000;
  let time = 0;
  while (Date.now() < deadline) {
    time = await currentTime();
    const errors = await page.evaluate(() => window.playerErrors.length);
    if (time > 2 || (errors > 0 && responses.slice(since).some((r) => r.status === 403))) break;
    await page.waitForTimeout(250);
  }
  await page.waitForTimeout(500);
  const seen = responses.slice(since);
  console.log(`     currentTime ${time}; responses: ${shown(seen)}`);
  console.log(`     player errors: ${JSON.stringify(await page.evaluate(() => window.playerErrors))}`);
  return { time, seen };
}

// Plays `src` with the watch page's own player (hls.js), from where it is now.
async function watch(src, credentials) {
  const since = responses.length;
  await page.evaluate(([s, c]) => window.watch(s, c), [src, credentials]);
  return playback(since);
}

const screenshot = (name) => page.screenshot({ path: `${SCREENSHOTS}/e2e-video-${name}.png` });
const cloudfrontCookies = async () => (await context.cookies()).filter((c) => c.name.startsWith('CloudFront-'));
const aliceMaster = `${CDN_URL}/u/alice/video/master.m3u8`;
// The playlist as a blob: URL the page's player can load (its segment URLs are absolute).
const blobOf = (text) => page.evaluate((t) =>
  URL.createObjectURL(new Blob([t], { type: 'application/vnd.apple.mpegurl' })), text);

async function signIn() {
  await page.goto(APP_URL);
  await page.fill('#username', 'alice');
  await page.fill('#password', 'alice-demo');
  await Promise.all([page.waitForURL(APP_URL), page.click('#login')]);
  check('signed in as alice', (await page.locator('h1').textContent()) === 'Hello, alice');
}

try {
  await signIn();
  if (CASE === 'watch') {
    // Signed URLs: the app signs the playlists for alice; the segments come from the CDN.
    let since = responses.length;
    await page.goto(`${app}/watch?mode=signed`);
    let { time, seen } = await playback(since);
    let segments = seen.filter(isSegment);
    check('signed URLs: the video plays past 2 s', time > 2, `currentTime ${time}`);
    check('signed URLs: every response 200/206', seen.length > 0 && seen.every((r) => [200, 206].includes(r.status)), shown(seen));
    check('signed URLs: the playlists came from the app, signed for alice',
      ['/video/master.m3u8', '/video/720p/index.m3u8'].every((p) => seen.some((r) => !r.fromCdn && r.path === p && r.status === 200)));
    check('signed URLs: 3+ segments from the CDN, each by its signed URL, no cookies sent, CORS for the app',
      segments.length >= 3 && segments.every((r) => r.fromCdn && r.signed && !r.cookies && r.allowOrigin === app),
      `${segments.length} segments`);
    await screenshot('signed-urls');

    // Signed cookies: everything from the CDN, the cookies sent by credentialed requests.
    since = responses.length;
    await page.goto(`${app}/watch?mode=cookies`);
    ({ time, seen } = await playback(since));
    segments = seen.filter(isSegment);
    check('signed cookies: the video plays past 2 s', time > 2, `currentTime ${time}`);
    check('signed cookies: every response 200/206', seen.length > 0 && seen.every((r) => [200, 206].includes(r.status)), shown(seen));
    check('signed cookies: playlists and 3+ segments from the CDN, unsigned URLs, the cookies sent, CORS for the app',
      segments.length >= 3 && seen.every((r) => r.fromCdn && !r.signed && r.cookies && r.allowOrigin === app),
      `${segments.length} segments`);
    await screenshot('signed-cookies');

    // Another user's stream with alice's cookies: the CDN reads them and refuses.
    ({ time, seen } = await watch(`${CDN_URL}/u/bob/video/master.m3u8`, true));
    const bobs = seen.filter((r) => r.path.startsWith('/u/bob/'));
    check("bob's stream with alice's cookies: 403 AccessDenied from the CDN, nothing of bob's served",
      bobs.some((r) => r.status === 403 && r.code === 'AccessDenied') && !bobs.some((r) => r.status < 400) && time <= 2,
      shown(bobs));
    await screenshot('other-user');

    // Alice's signed playlist edited to name bob's segments: her signature is no key to them.
    const media = await page.evaluate(async () => (await fetch('/video/720p/index.m3u8')).text());
    const forged = media.replaceAll('/u/alice/', '/u/bob/');
    check("alice's signed media playlist names her own segments", media !== forged && !media.includes('/u/bob/'));
    ({ time, seen } = await watch(await blobOf(forged), false));
    const forgedSegments = seen.filter((r) => r.path.startsWith('/u/bob/'));
    check("her signed URLs edited to bob's segments: 403 AccessDenied, nothing played",
      forgedSegments.some((r) => r.status === 403 && r.code === 'AccessDenied')
        && !forgedSegments.some((r) => r.status < 400) && time <= 2,
      shown(forgedSegments));

    // Signed out (the session ends while the page is open).
    await page.evaluate(() => fetch('/logout', { method: 'POST' }));
    const left = await cloudfrontCookies();
    check('sign-out removed the CloudFront cookies', left.length === 0, left.map((c) => c.name).join(', '));
    ({ time, seen } = await watch('/video/master.m3u8', false));
    check('signed out, signed URLs: the app refuses the playlist with 403 (no signature made)',
      seen.some((r) => !r.fromCdn && r.path === '/video/master.m3u8' && r.status === 403)
        && !seen.some((r) => r.status < 400) && time <= 2, shown(seen));
    ({ time, seen } = await watch(aliceMaster, true));
    check('signed out, signed cookies: 403 MissingKey from the CDN',
      seen.some((r) => r.fromCdn && r.status === 403 && r.code === 'MissingKey')
        && !seen.some((r) => r.status < 400) && time <= 2, shown(seen));
    await screenshot('signed-out');
  } else if (CASE === 'expired') {
    // A viewer who opened the page, then paused past the policy's expiry. The page's own
    // start is held back (its first request aborted), so that the browser's cache holds none
    // of the URLs played after the expiry.
    await page.route(`${app}/video/master.m3u8`, (route) => route.abort());
    await page.goto(`${app}/watch?mode=signed`);
    await page.unroute(`${app}/video/master.m3u8`);
    const media = await page.evaluate(async () => (await fetch('/video/720p/index.m3u8')).text());
    const signedUrls = media.split('\n').filter((l) => l.startsWith('https://'));
    const policy = new URL(signedUrls[0]).searchParams.get('Policy');
    const statement = JSON.parse(Buffer.from(policy.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64').toString()).Statement[0];
    const expires = statement.Condition.DateLessThan['AWS:EpochTime'];
    const cookies = await cloudfrontCookies();
    // Chromium moves a cookie's Expires by the skew between the response's Date (whole
    // seconds) and its own clock: up to a second later than the policy's.
    check('the signed playlist expires with the cookies (one policy, one signature)',
      cookies.length === 4 && cookies.every((c) => c.expires >= expires - 0.01 && c.expires < expires + 1.01)
        && statement.Resource === `${CDN_URL}/u/alice/*`,
      `playlist ${expires}, cookies ${cookies.map((c) => c.expires.toFixed(2)).join(' ')}`);
    const wait = Math.max(0, expires * 1000 + 2500 - Date.now());
    check('the policy lasts a few seconds (--cookie-ttl 3)', wait < 10000, `${wait} ms to wait`);
    await page.waitForTimeout(wait);
    const kept = await cloudfrontCookies();
    check('the browser dropped the expired cookies (Expires = the policy\'s)', kept.length === 0, kept.map((c) => c.name).join(', '));

    let { time, seen } = await watch(await blobOf(media), false);
    const old = seen.filter((r) => signedUrls.includes(r.url));
    check('expired signed URLs: 403 AccessDenied from the CDN, nothing played',
      old.some((r) => r.status === 403 && r.code === 'AccessDenied') && !old.some((r) => r.status < 400) && time <= 2,
      shown(old));
    ({ time, seen } = await watch(aliceMaster, true));
    check('expired cookies: the browser sends none, 403 MissingKey from the CDN',
      seen.some((r) => r.fromCdn && r.status === 403 && r.code === 'MissingKey' && !r.cookies)
        && !seen.some((r) => r.status < 400) && time <= 2, shown(seen));
    await screenshot('expired');
  } else {
    check(`a known CASE (${CASE})`, false);
  }
} catch (e) {
  check('browser session', false, String(e));
} finally {
  await browser.close();
}
const failed = checks.filter((c) => !c.ok).length;
console.log(`video ${CASE}: ${checks.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
