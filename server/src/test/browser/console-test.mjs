// Drives the Slipway web console in a real browser (Debian's Chromium through playwright-core), as a person
// would: run by ConsoleBrowserTest, which starts the server and checks what the clicks changed on its side.
//
// Environment: BASE_URL, DEPLOY_TOKEN, READ_TOKEN (and READ_TOKEN_ID), ADMIN_TOKEN, DEPLOY_ID, CHROMIUM (the
// browser binary), SCREENSHOTS (a directory). Prints one line per step; exits 1 at the first step that does not
// hold, saying what was seen. "waiting: a third window" asks the test to keep one more judged window.
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
  // A person who may deploy: logs in, watches a deploy finish live, sees the rollout, a forged post is
  // refused, aborts by the button, extends a lab.
  const { context, page } = await login(browser, process.env.DEPLOY_TOKEN);

  await page.goto(`${base}/deploys/${process.env.DEPLOY_ID}`);
  let navigations = 0;
  page.on('framenavigated', () => navigations++);
  const before = await page.locator('#state').textContent();
  check(before === 'running' || before === 'queued', 'the deploy is under way when its page opens', before);
  await page.waitForFunction(
    () => !['running', 'queued'].includes(document.getElementById('state').textContent), null, { timeout: 90000 });
  const after = await page.locator('#state').textContent();
  check(after === 'failed', 'the page shows the deploy end as it happens', after);
  check(navigations === 0, 'without a reload', navigations);
  const live = await page.locator('#log').textContent();
  const fresh = await context.newPage();
  await fresh.goto(`${base}/deploys/${process.env.DEPLOY_ID}`);
  const stored = await fresh.locator('#log').textContent();
  await fresh.close();
  check(live.includes('not healthy after') && live === stored,
    'the live log has every line once, as the finished deploy shows it', `${live} <> ${stored}`);
  check((await page.locator('#live').textContent()) === 'Finished.', 'and says it finished', 'no');
  await page.screenshot({ path: `${shots}/deploy.png`, fullPage: true });

  await page.goto(base + '/labs');
  const row = page.locator('tr[data-lab]').first();
  const expiresBefore = await row.locator('time.expiry').getAttribute('datetime');
  await row.locator('select[name=by]').selectOption('4h');
  await row.locator('form[action$="/extend"] button').click();
  await page.waitForSelector('.flash.ok');
  const extended = await page.locator('.flash.ok').textContent();
  check(extended.includes('extended: expires at'), 'the extend button extends the lab and says until when', extended);
  const expiresAfter = await page.locator('tr[data-lab]').first().locator('time.expiry').getAttribute('datetime');
  check(Date.parse(expiresAfter) - Date.parse(expiresBefore) >= 4 * 3600 * 1000 - 1000, 'by 4 hours',
    `${expiresBefore} -> ${expiresAfter}`);
  await page.screenshot({ path: `${shots}/labs.png`, fullPage: true });

  await page.goto(base + env);
  let reloads = 0;
  page.on('framenavigated', () => reloads++);
  const drawn = await page.locator('.charts').getAttribute('data-checks');
  check(drawn === '2', 'the rollout page charts the windows judged so far', drawn);
  check(await page.locator('figure.chart polyline.canary').count() === 2, 'error rate and p99, canary and stable',
    await page.locator('figure.chart').count());
  console.log('waiting: a third window');
  await page.waitForFunction(() => {
    const charts = document.querySelector('.charts');
    return charts && charts.dataset.checks === '3';
  }, null, { timeout: 60000 });
  check(reloads === 0 && await page.locator('circle.breach').count() === 2,
    "the rollout's charts show the new window without a reload", `${reloads} reloads`);
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

  // Its token revoked, the page it has open ends up at the login at its next refresh.
  const revoked = await fetch(`${base}/api/tokens/${process.env.READ_TOKEN_ID}`,
    { method: 'DELETE', headers: { Authorization: `Bearer ${process.env.ADMIN_TOKEN}` } });
  check(revoked.ok, 'the admin revokes the reader\'s token', revoked.status);
  await reader.page.waitForURL(url => new URL(url).pathname === '/login', { timeout: 60000 });
  const next = new URL(reader.page.url()).searchParams.get('next');
  check(next === env, "a revoked token's open page goes to the login", reader.page.url());
  await reader.context.close();
} catch (e) {
  console.log(`FAILED: ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
