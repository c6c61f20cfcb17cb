// End-to-end test in real headless Chromium (Debian's `chromium`, driven by playwright-core).
// Run by `cargo xtask e2e`, which starts a demo and passes its addresses:
//   APP_URL, CDN_URL, SCREENSHOT, CHROMIUM
// Steps: open the app, try a wrong password (refused, no cookies), sign in with the right one, check the private images from the local CDN really load
// (naturalWidth > 0) and a foreign one does not, check the CloudFront-* cookies in the
// browser's jar, take a screenshot, sign out, and see the images refused with 403.
import { chromium } from 'playwright-core';

const { APP_URL, CDN_URL, SCREENSHOT, CHROMIUM } = process.env;
const checks = [];
function check(name, ok, detail = '') {
  checks.push({ name, ok, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(APP_URL);
  check('the sign-in form is shown', await page.locator('#login').isVisible());

  check('the page lists the demo users', (await page.content()).includes('alice-demo'));

  await page.fill('#username', 'alice');
  await page.fill('#password', 'bob-demo');
  const [wrong] = await Promise.all([page.waitForNavigation(), page.click('#login')]);
  const jarAfterWrong = (await context.cookies()).filter((c) => c.name.startsWith('CloudFront-'));
  check('a wrong password is refused with 401 and no CloudFront cookies',
    wrong.status() === 401 && jarAfterWrong.length === 0 && await page.locator('#notice').isVisible(),
    `${wrong.status()}, ${jarAfterWrong.length} cookies`);

  await page.fill('#username', 'alice');
  await page.fill('#password', 'alice-demo');
  await Promise.all([page.waitForURL(APP_URL), page.click('#login')]);
  await page.waitForLoadState('networkidle');

  const images = await page.$$eval('img', (imgs) =>
    imgs.map((i) => ({ id: i.id, cls: i.className, src: i.src, complete: i.complete, width: i.naturalWidth })));
  const privates = images.filter((i) => i.cls === 'private');
  check('three private images on the page', privates.length === 3, `${privates.length}`);
  check('every private image loaded from the CDN (naturalWidth > 0)',
    privates.length === 3 && privates.every((i) => i.complete && i.width > 0 && i.src.startsWith(CDN_URL)),
    privates.map((i) => `${i.src.replace(CDN_URL, '')}=${i.width}`).join(' '));
  const foreign = images.find((i) => i.id === 'foreign');
  check("someone else's image is refused (naturalWidth 0)", foreign && foreign.width === 0, foreign && foreign.src);

  const cookies = await context.cookies();
  const cf = Object.fromEntries(cookies.filter((c) => c.name.startsWith('CloudFront-')).map((c) => [c.name, c]));
  const names = Object.keys(cf).sort();
  check('the CloudFront cookies are in the jar',
    ['CloudFront-Hash-Algorithm', 'CloudFront-Key-Pair-Id', 'CloudFront-Policy', 'CloudFront-Signature']
      .every((n) => names.includes(n)), names.join(', '));
  check('they are HttpOnly, SameSite=Lax, Path=/',
    names.length > 0 && Object.values(cf).every((c) => c.httpOnly && c.sameSite === 'Lax' && c.path === '/'));
  const policy = cf['CloudFront-Policy'] && JSON.parse(Buffer.from(
    cf['CloudFront-Policy'].value.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64').toString());
  check('the policy grants alice\'s folder', policy && policy.Statement[0].Resource === `${CDN_URL}/u/alice/*`,
    policy && policy.Statement[0].Resource);

  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  check('screenshot written', true, SCREENSHOT);

  await Promise.all([page.waitForURL(APP_URL), page.click('#logout')]);
  const after = (await context.cookies()).filter((c) => c.name.startsWith('CloudFront-'));
  check('sign-out removed the CloudFront cookies', after.length === 0, after.map((c) => c.name).join(', '));
  const refused = await page.goto(`${CDN_URL}/u/alice/photo-1.svg`);
  const body = await refused.text();
  check('the image is now refused with 403 and CloudFront\'s XML',
    refused.status() === 403 && body.includes('<Code>MissingKey</Code>'), `${refused.status()} ${body.slice(0, 80)}`);
} catch (e) {
  check('browser session', false, String(e));
} finally {
  await browser.close();
}
const failed = checks.filter((c) => !c.ok).length;
console.log(`e2e: ${checks.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
