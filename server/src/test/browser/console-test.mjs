// Drives the Slipway web console in a real browser (Debian's Chromium through playwright-core), as a person
// would: run by ConsoleBrowserTest, which starts the server and checks what the clicks changed on its side.
//
// Environment: BASE_URL, DEPLOY_TOKEN, READ_TOKEN, CHROMIUM (the browser binary), SCREENSHOTS (a directory).
// Prints one line per step; exits 1 at the first step that does not hold, saying what was seen.
import { chromium } from 'playwright-core';

const base = process.env.BASE_URL;
const shots = process.env.SCREENSHOTS;
const env = '/apps/shop/environments/production';

function check(condition, what, seen) {
  if (!condition) {
    throw new Error(`${what}; saw: ${seen}`);
  }
  console.log(`ok: ${what}`);
}

async function login(browser, token) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(base + env);
  check(new URL(page.url()).pathname === '/login', 'a page needs a login first', page.url());
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForURL(base + env);
  return { context, page };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'],
});
try {
  // A person who may deploy: logs in, sees the rollout, a forged post is refused, aborts by the button.
  const { context, page } = await login(browser, process.env.DEPLOY_TOKEN);
  await page.screenshot({ path: `${shots}/rollout.png`, fullPage: true });
  const current = await page.locator('li[aria-current=step]').first().textContent();
  check(current === 'rps 100 for 1m', 'the current step is marked on the timeline', current);
  const cookies = await context.cookies();
  const session = cookies.find(c => c.name === 'slipway_session');
  check(session && session.httpOnly && session.sameSite === 'Strict', 'the session cookie is HttpOnly and SameSite=Strict',
    JSON.stringify(session));
  const noScript = await page.evaluate(() => document.cookie);
  check(!noScript.includes('slipway_session'), 'page scripts cannot read the session cookie', noScript);

  const forged = await page.evaluate(async path => {
    const r = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'reason=forged' });
    return r.status;
  }, env + '/rollout/abort');
  check(forged === 403, 'a post without the CSRF token is refused', forged);

  await page.fill('form[action$="/rollout/abort"] input[name=reason]', 'p99 looks off');
  await page.click('form[action$="/rollout/abort"] button');
  await page.waitForSelector('.flash.ok');
  const flash = await page.locator('.flash.ok').textContent();
  check(flash.includes('Rollout aborted'), 'the abort button aborts and says so', flash);
  const status = await page.locator('.cluster-rollout[data-cluster=east-1] h3 .state').textContent();
  check(status === 'aborted', 'the cluster shows aborted', status);
  await page.screenshot({ path: `${shots}/aborted.png`, fullPage: true });

  await page.goto(base + '/');
  await page.screenshot({ path: `${shots}/overview.png`, fullPage: true });
  check((await page.locator('h2').first().textContent()) === 'shop', 'the overview lists the app', await page.content());

  await page.click('text=Log out');
  await page.waitForURL(base + '/login');
  await page.goto(base + env);
  check(new URL(page.url()).pathname === '/login', 'after logging out the pages need a login again', page.url());
  await page.screenshot({ path: `${shots}/login.png`, fullPage: true });
  await context.close();

  // A read-only user: sees the rollout, no buttons; posting anyway is refused.
  const reader = await login(browser, process.env.READ_TOKEN);
  const buttons = await reader.page.locator('.actions button').count();
  check(buttons === 0, 'a read-only user sees no action buttons', buttons);
  const csrf = await reader.page.locator('input[name=_csrf]').first().getAttribute('value');
  const refused = await reader.page.evaluate(async ({ path, csrf }) => {
    const r = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '_csrf=' + encodeURIComponent(csrf) });
    return r.status;
  }, { path: env + '/rollout/retry', csrf });
  check(refused === 403, 'a read-only user posting anyway is refused', refused);
  await reader.page.screenshot({ path: `${shots}/read-only.png`, fullPage: true });
  await reader.context.close();
} catch (e) {
  console.log(`FAILED: ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
