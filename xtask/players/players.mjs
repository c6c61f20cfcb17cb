// The players test (cargo xtask players): opens PAGE (player.html#kind=…&src=…) in real
// headless Chromium (CHROMIUM, driven by playwright-core), with COOKIES (a JSON array for
// playwright's addCookies) in its cookie store, records every response from the
// local CloudFront for the stream (status, and CloudFront's error code from a 403 body), and
// waits up to 20 s for the video to play past 2 s. Prints one JSON line:
// {"played", "currentTime", "errors", "responses": [{"url", "status", "code"}]}.
import { chromium } from 'playwright-core';

const { PAGE, CHROMIUM, SCREENSHOT, COOKIES } = process.env;
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--autoplay-policy=no-user-gesture-required',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const responses = [];
try {
  const context = await browser.newContext();
  // Signed cookies for the stream's host, as the app would have set them.
  if (COOKIES) await context.addCookies(JSON.parse(COOKIES));
  const page = await context.newPage();
  page.on('response', async (response) => {
    const url = response.url();
    if (!url.includes('/videos/')) return;
    const entry = { url, status: response.status(), code: null };
    responses.push(entry);
    if (response.status() === 403) {
      const body = await response.text().catch(() => '');
      entry.code = (body.match(/<Code>([^<]*)<\/Code>/) || [])[1] || null;
    }
  });
  await page.goto(PAGE);
  let currentTime = 0;
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    currentTime = await page.evaluate(() => document.getElementById('video').currentTime);
    const errors = await page.evaluate(() => window.playerErrors.length);
    if (currentTime > 2 || errors > 0 && responses.some((r) => r.status === 403)) break;
    await page.waitForTimeout(250);
  }
  // Let requests in flight finish, so that every response is counted.
  await page.waitForTimeout(500);
  const errors = await page.evaluate(() => window.playerErrors);
  if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT });
  console.log(JSON.stringify({ played: currentTime > 2, currentTime, errors, responses }));
} finally {
  await browser.close();
}
