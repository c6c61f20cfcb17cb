// End-to-end test in real headless Chromium (Debian's `chromium`, driven by playwright-core).
// Run by `cargo xtask e2e`, which starts a demo and passes, in the environment:
//   APP_URL, CDN_URL   where the demo's app and CDN are
//   SCREENSHOT         where to save the signed-in page
//   CHROMIUM           the browser
//   COOKIE_DOMAIN      the Domain the CloudFront cookies must carry ('' = host-only)
//   SECURE             '1' when they must be Secure
//   EXPECT             'served': the images load; 'refused': the configuration is wrong on
//                      purpose and the browser must never send the cookies to the CDN
//   HOST_RULES, SPKI   HTTPS mode: Chromium's --host-resolver-rules mapping the demo's names to
//                      127.0.0.1, and the demo certificate's SPKI hash, trusted for this run
// Steps: open the app, try a wrong password (refused, no cookies), sign in with the right one,
// check the private images from the CDN (loaded: naturalWidth > 0; or refused), a foreign one
// refused, the CloudFront-* cookies in the browser's own cookie store with their attributes,
// take a screenshot, sign out, and see the images refused with 403.
import { chromium } from 'playwright-core';

const { APP_URL, CDN_URL, SCREENSHOT, CHROMIUM, COOKIE_DOMAIN = '', SECURE = '', EXPECT = 'served',
  HOST_RULES, SPKI } = process.env;
const checks = [];
function check(name, ok, detail = '') {
  checks.push({ name, ok, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
}

const args = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
if (HOST_RULES) args.push(`--host-resolver-rules=${HOST_RULES}`);
// Trusts exactly the demo's key (whatever name it is presented for), not every certificate.
if (SPKI) args.push(`--ignore-certificate-errors-spki-list=${SPKI}`);
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
const cloudfrontCookies = async (context) =>
  (await context.cookies()).filter((c) => c.name.startsWith('CloudFront-'));
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const first = await page.goto(APP_URL);
  check('the sign-in form is shown', first.ok() && await page.locator('#login').isVisible(),
    `${first.status()} ${APP_URL}`);
  check('the page lists the demo users', (await page.content()).includes('alice-demo'));

  await page.fill('#username', 'alice');
  await page.fill('#password', 'bob-demo');
  const [wrong] = await Promise.all([page.waitForNavigation(), page.click('#login')]);
  const jarAfterWrong = await cloudfrontCookies(context);
  check('a wrong password is refused with 401 and no CloudFront cookies',
    wrong.status() === 401 && jarAfterWrong.length === 0 && await page.locator('#notice').isVisible(),
    `${wrong.status()}, ${jarAfterWrong.length} cookies`);

  await page.fill('#username', 'alice');
  await page.fill('#password', 'alice-demo');
  await Promise.all([page.waitForURL(APP_URL), page.click('#login')]);
  await page.waitForLoadState('networkidle');
  check('signed in', (await page.locator('h1').textContent()) === 'Hello, alice');

  const images = await page.$$eval('img', (imgs) =>
    imgs.map((i) => ({ id: i.id, cls: i.className, src: i.src, complete: i.complete, width: i.naturalWidth })));
  const privates = images.filter((i) => i.cls === 'private');
  const widths = privates.map((i) => `${i.src.replace(CDN_URL, '')}=${i.width}`).join(' ');
  check('three private images on the page, from the CDN',
    privates.length === 3 && privates.every((i) => i.src.startsWith(`${CDN_URL}/`)), `${privates.length}`);
  const foreign = images.find((i) => i.id === 'foreign');
  check("someone else's image is refused (naturalWidth 0)", foreign && foreign.width === 0, foreign && foreign.src);

  const cf = Object.fromEntries((await cloudfrontCookies(context)).map((c) => [c.name, c]));
  const names = Object.keys(cf).sort();
  if (EXPECT === 'served') {
    check('every private image loaded (naturalWidth > 0)',
      privates.length === 3 && privates.every((i) => i.complete && i.width > 0), widths);
    check('the CloudFront cookies are in the browser\'s cookie store',
      ['CloudFront-Hash-Algorithm', 'CloudFront-Key-Pair-Id', 'CloudFront-Policy', 'CloudFront-Signature']
        .every((n) => names.includes(n)), names.join(', '));
    // The store keeps a Domain cookie as `.domain`, a host-only one as the host that set it.
    const appHost = new URL(APP_URL).hostname;
    const domain = COOKIE_DOMAIN ? `.${COOKIE_DOMAIN}` : appHost;
    const want = `Domain ${domain}, Path=/, ${SECURE ? 'Secure' : 'not Secure'}, HttpOnly, SameSite=Lax`;
    check(`they carry ${want}`,
      names.length > 0 && Object.values(cf).every((c) => c.domain === domain && c.path === '/'
        && c.secure === Boolean(SECURE) && c.httpOnly && c.sameSite === 'Lax'),
      Object.values(cf).map((c) => `${c.name}: ${c.domain} ${c.path} secure=${c.secure} httpOnly=${c.httpOnly} ${c.sameSite}`).join('; '));
    const session = (await context.cookies()).find((c) => c.name === 'session');
    check('the app\'s own session cookie stays on the app\'s host',
      session && session.domain === appHost && session.httpOnly && session.secure === Boolean(SECURE),
      session && `${session.domain} secure=${session.secure}`);
    const policy = cf['CloudFront-Policy'] && JSON.parse(Buffer.from(
      cf['CloudFront-Policy'].value.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64').toString());
    check('the policy grants alice\'s folder', policy && policy.Statement[0].Resource === `${CDN_URL}/u/alice/*`,
      policy && policy.Statement[0].Resource);
  } else {
    check('no private image loaded (naturalWidth 0), as in production with this configuration',
      privates.length === 3 && privates.every((i) => i.width === 0), widths);
    check('the browser kept none of the CloudFront cookies', names.length === 0, names.join(', '));
  }

  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  check('screenshot written', true, SCREENSHOT);

  if (EXPECT === 'refused') {
    const direct = await page.goto(`${CDN_URL}/u/alice/photo-1.svg`);
    const body = await direct.text();
    check('opened directly, the CDN answers 403 MissingKey',
      direct.status() === 403 && body.includes('<Code>MissingKey</Code>'), `${direct.status()}`);
    await page.goto(APP_URL);
  }
  await Promise.all([page.waitForURL(APP_URL), page.click('#logout')]);
  const after = await cloudfrontCookies(context);
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
