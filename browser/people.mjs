// The people's journeys in a real browser (issue 12): a citizen on a phone, without JavaScript,
// applies, meets every problem of the form at once, mends it, and tracks the application; an
// editor writes an item with a phone number in it, the office director reads it as it will be
// published (the number marked), sends it back, and the editor finds it on the dashboard; a
// unit administrator adds an account. axe-core checks the apply and track pages and the back
// office's dashboard, queue, item review, case, accounts and review-chain pages: no critical or
// serious violation.
//
// Environment: BASE_URL (a running portal with the demo data), PASSWORD (the demo accounts'
// password), SHOTS (a directory for the final pages' screenshots), CHROMIUM.
// Prints what failed and exits 1 if anything did.

import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { violations } from './axe.mjs';

const base = process.env.BASE_URL;
const password = process.env.PASSWORD;
const shots = process.env.SHOTS || 'shots';
if (!base || !password) {
  console.error('BASE_URL and PASSWORD must be set');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const failures = [];
const check = (ok, msg) => {
  if (!ok) failures.push(msg);
};

// A resident ID number with its GB 11643 check character.
function residentId(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

// The answer to the apply form's question ("3 加 4 等于几？").
async function answer(page) {
  const q = await page.locator('label[for=answer]').innerText();
  const m = q.match(/(\d+)\s*加\s*(\d+)/);
  return m ? String(Number(m[1]) + Number(m[2])) : '';
}

async function axeCheck(page, label) {
  for (const v of await violations(page, ['critical', 'serious'])) failures.push(`axe ${label}: ${v}`);
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function signIn(browser, login, width = 1280) {
  const ctx = await browser.newContext({ viewport: { width, height: 900 }, bypassCSP: true, locale: 'zh-CN' });
  const page = await ctx.newPage();
  await page.goto(`${base}/admin/login`);
  await page.fill('#login', login);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/admin/login')), page.click('button[type=submit]')]);
  return { ctx, page };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
const deadline = setTimeout(() => {
  console.error('browser journeys took longer than 150 s');
  process.exit(1);
}, 150_000);

try {
  // 1. A citizen on a phone, without JavaScript.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false, locale: 'zh-CN' });
  const p = await phone.newPage();
  await p.goto(`${base}/units/tuoan/guide`);
  await Promise.all([p.waitForURL(/\/apply\?unit=tuoan/), p.click('a[href="/apply?unit=tuoan"]')]);
  check((await p.locator('#unit').inputValue()) === 'tuoan', 'the guide opens the form with 妥安乡 chosen');
  await p.fill('#name', '王五');
  await p.selectOption('#delivery', 'email');
  await p.fill('#description', '妥安乡2025年农村低保名单');
  await p.fill('#answer', '999');
  await Promise.all([p.waitForLoadState('load'), p.click('form.stack button[type=submit]')]);
  const summary = p.locator('#form-errors li');
  check((await summary.count()) >= 3, `every problem at once: ${await summary.count()} listed`);
  const summaryText = await p.locator('#form-errors').innerText();
  for (const said of ['请填写证件号码', '请填写电子邮箱', '验证题']) {
    check(summaryText.includes(said), `the summary says ${said}: ${summaryText}`);
  }
  check((await p.locator('#name').inputValue()) === '王五', 'the name typed is kept');
  const focused = await p.evaluate(() => document.activeElement && document.activeElement.id);
  check(focused === 'id_number', `the cursor starts in the first field to mend (it is in ${focused})`);
  check((await p.locator('#id_number').getAttribute('aria-describedby')) === 'err-id_number', 'the ID field is described by its error');
  await shot(p, 'apply-errors-phone');
  await p.fill('#id_number', residentId('53010219900101123'));
  await p.fill('#email', 'wangwu@example.com');
  await p.fill('#answer', await answer(p));
  await Promise.all([p.waitForURL(/\/apply\/receipt/), p.click('form.stack button[type=submit]')]);
  const cells = p.locator('table strong');
  const no = (await cells.nth(0).innerText()).trim();
  const code = (await cells.nth(1).innerText()).trim();
  check(no.length > 8 && code.length === 8, `a tracking number and code (${no}, ${code})`);
  await shot(p, 'apply-receipt-phone');
  await p.goto(`${base}/track`);
  await p.fill('#no', no);
  await p.fill('#code', code);
  await Promise.all([p.waitForLoadState('load'), p.click('main button[type=submit]')]);
  check((await p.locator('main').innerText()).includes('办理中'), 'the tracked case is being handled');
  await shot(p, 'track-phone');
  await phone.close();
  // The same pages for axe-core, which needs script in the page: with errors, and tracked.
  const a11y = await browser.newContext({ viewport: { width: 390, height: 844 }, bypassCSP: true, locale: 'zh-CN' });
  const q = await a11y.newPage();
  await q.goto(`${base}/apply?unit=tuoan`);
  await q.selectOption('#delivery', 'email');
  await q.fill('#answer', '999');
  await Promise.all([q.waitForLoadState('load'), q.click('form.stack button[type=submit]')]);
  check((await q.locator('#form-errors li').count()) >= 3, 'errors shown with script on too');
  await axeCheck(q, '/apply with errors (phone)');
  await q.goto(`${base}/track`);
  await q.fill('#no', no);
  await q.fill('#code', code);
  await Promise.all([q.waitForLoadState('load'), q.click('main button[type=submit]')]);
  await axeCheck(q, '/track (phone)');
  await a11y.close();

  // 2. An editor writes, the director reads and sends it back, the editor sees it returned.
  const ed = await signIn(browser, 'tuoan-editor');
  await ed.page.goto(`${base}/admin/units/tuoan/items/new`);
  await ed.page.selectOption('#column', 'notices');
  await ed.page.fill('#title', '关于村道维修的通知');
  await ed.page.check('input[name=body_format][value=text]');
  await ed.page.fill('#body_html', '一、维修范围\n全乡村道。\n联系人电话 13812345678。');
  await ed.page.fill('#pr_mode', '政府网站');
  await ed.page.fill('#pr_scope', '社会公众');
  await ed.page.fill('#pr_time_limit', '长期公开');
  await Promise.all([ed.page.waitForURL(/\/admin\/items\/\d+/), ed.page.click('form.stack button:has-text("保存")')]);
  const itemPath = new URL(ed.page.url()).pathname;
  check((await ed.page.locator('#body_html').inputValue()).startsWith('一、维修范围'), 'the author gets back the text typed');
  await Promise.all([ed.page.waitForLoadState('load'), ed.page.click('button:has-text("送审")')]);
  const dir = await signIn(browser, 'tuoan-director');
  await dir.page.goto(`${base}/admin/queue`);
  await Promise.all([dir.page.waitForURL((u) => u.pathname === itemPath), dir.page.click('a:has-text("关于村道维修的通知")')]);
  check((await dir.page.locator('h1').innerText()).includes('审核信息'), 'the reviewer reads, not edits');
  check((await dir.page.locator('.review-reading mark.finding').count()) >= 1, 'the phone number is marked in place');
  check(!(await dir.page.locator('#body_html').isVisible()), 'the edit form is folded away');
  await axeCheck(dir.page, 'item review');
  await shot(dir.page, 'review-reading');
  await dir.page.fill('#reject-comment', '请删去个人手机号码');
  await Promise.all([dir.page.waitForLoadState('load'), dir.page.click('button:has-text("退回修改")')]);
  await dir.page.goto(`${base}/admin/queue`);
  await axeCheck(dir.page, '/admin/queue');
  await ed.page.goto(`${base}/admin`);
  const dash = await ed.page.locator('main').innerText();
  check(dash.includes('已退回') && dash.includes('请删去个人手机号码'), `the editor's dashboard shows the item returned: ${dash}`);
  await axeCheck(ed.page, '/admin (editor)');
  await shot(ed.page, 'dashboard-returned');
  // The case the citizen filed, as its handler sees it.
  await dir.page.goto(`${base}/admin/units/tuoan/applications`);
  await Promise.all([dir.page.waitForURL(/\/admin\/applications\/\d+/), dir.page.click(`a:has-text("${no}")`)]);
  check((await dir.page.locator('main').innerText()).includes('王五'), 'the case page shows the applicant to its handler');
  await axeCheck(dir.page, 'case page');
  await shot(dir.page, 'case');
  await ed.ctx.close();
  await dir.ctx.close();

  // 3. The unit's administrator adds an account, on a phone.
  const ad = await signIn(browser, 'tuoan-admin', 390);
  await ad.page.goto(`${base}/admin/units/tuoan/users`);
  await ad.page.fill('#login', 'li.si');
  await ad.page.fill('#display_name', '李四');
  await ad.page.check('input[name=role_editor]');
  await Promise.all([ad.page.waitForLoadState('load'), ad.page.click('button:has-text("新建账号")')]);
  check((await ad.page.locator('.secret').count()) === 1, 'a one-time password is shown');
  await axeCheck(ad.page, '/admin/units/tuoan/users');
  await shot(ad.page, 'accounts-phone');
  await ad.page.goto(`${base}/admin/units/tuoan/review-policy`);
  await axeCheck(ad.page, '/admin/units/tuoan/review-policy');
  await ad.page.goto(`${base}/admin`);
  await axeCheck(ad.page, '/admin (administrator)');
  await ad.ctx.close();
} catch (e) {
  failures.push(`the browser run stopped: ${e && e.stack ? e.stack : e}`);
} finally {
  clearTimeout(deadline);
  await browser.close();
}

if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
console.log(`people's journeys passed; screenshots in ${shots}`);
