// The public portal in a real browser: a citizen on a phone searches from the header, opens
// the seed report and follows 上一条 / 下一条; a citizen filters the catalog by year; every
// reading page is checked with axe-core (zero violations of any impact) and for reflow at
// 320 px. Public pages must work without JavaScript, so the journeys run with it switched off.
//
// Environment: BASE_URL (a running portal with the demo data), SHOTS (a directory for the
// final pages' screenshots), CHROMIUM (default /usr/bin/chromium).
// Prints what failed and exits 1 if anything did.

import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { violations } from './axe.mjs';

const base = process.env.BASE_URL;
const shots = process.env.SHOTS || 'shots';
if (!base) {
  console.error('BASE_URL is not set');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const SEED = '妥安乡2017年政府信息公开工作年度报告';
const failures = [];
const check = (ok, msg) => {
  if (!ok) failures.push(msg);
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
const deadline = setTimeout(() => {
  console.error('browser checks took longer than 120 s');
  process.exit(1);
}, 120_000);

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

let seedPath = null;
try {
  // 1. A citizen on a phone, without JavaScript: search from the header, open the seed, and
  //    walk to the next item and back.
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 },
    javaScriptEnabled: false,
    locale: 'zh-CN',
  });
  const p = await phone.newPage();
  await p.goto(`${base}/`);
  await p.fill('#header-q', '保密审查');
  await Promise.all([p.waitForURL(/\/search\?/), p.press('#header-q', 'Enter')]);
  const hit = p.locator('.hits a', { hasText: SEED });
  check((await hit.count()) === 1, `search 保密审查 from the header: the seed is not among the results (${p.url()})`);
  if ((await hit.count()) === 1) {
    await Promise.all([p.waitForURL(/\/items\/\d+$/), hit.first().click()]);
    seedPath = new URL(p.url()).pathname;
    check((await p.locator('h1').first().innerText()).includes(SEED), 'the seed page shows the seed title');
    const next = p.locator('.neighbours a[rel=next]');
    const prev = p.locator('.neighbours a[rel=prev]');
    check((await next.count()) + (await prev.count()) > 0, 'the seed page links to a neighbour');
    if ((await next.count()) === 1) {
      const nextTitle = (await next.innerText()).trim();
      await Promise.all([p.waitForURL((u) => u.pathname !== seedPath), next.click()]);
      check((await p.locator('h1').first().innerText()).includes(nextTitle), `下一条 opens “${nextTitle}”`);
      const back = p.locator('.neighbours a[rel=prev]');
      check((await back.innerText()).includes(SEED), '上一条 of the next item is the seed');
      await Promise.all([p.waitForURL((u) => u.pathname === seedPath), back.click()]);
      check((await p.locator('h1').first().innerText()).includes(SEED), '上一条 leads back to the seed');
    } else {
      failures.push('the seed page has no 下一条');
    }
  }
  await shot(p, 'citizen-search-phone');
  await phone.close();

  // 2. A citizen filters the catalog by year, without JavaScript.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
  const d = await desk.newPage();
  await d.goto(`${base}/catalog`);
  await d.fill('#f-year', '2018');
  await Promise.all([d.waitForURL(/year=2018/), d.click('form.filters button[type=submit]')]);
  const rows = d.locator('table.catalog tbody tr');
  check((await rows.count()) === 1, `catalog filtered by 2018: ${await rows.count()} rows, expected the seed alone`);
  check((await d.locator('table.catalog').innerText()).includes(SEED), 'catalog filtered by 2018 lists the seed');
  check((await d.locator('.chips').innerText()).includes('年份：2018'), 'the year filter is shown as a chip');
  await shot(d, 'catalog-by-year');
  await desk.close();

  // 3. Accessibility: axe-core on every reading page, at desktop and phone widths; reflow at
  //    320 px (nothing wider than the screen but what scrolls in its own box).
  const pages = [
    '/',
    '/units/tuoan',
    '/units/tuoan/columns/annual-report',
    '/catalog',
    '/units/tuoan/catalog',
    seedPath || '/',
    '/search?q=保密审查',
    '/search?q=不存在的词语甲乙丙',
    '/search',
    '/units/tuoan/guide',
    '/topics',
  ];
  for (const [width, label] of [
    [1280, 'desktop'],
    [320, 'narrow'],
  ]) {
    const ctx = await browser.newContext({ viewport: { width, height: 900 }, bypassCSP: true });
    const page = await ctx.newPage();
    for (const path of pages) {
      await page.goto(`${base}${path}`);
      for (const v of await violations(page)) failures.push(`axe (${label}) ${path}: ${v}`);
      if (width === 320) {
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        check(wide <= 320, `${path} at 320 px is ${wide} px wide`);
      }
    }
    await ctx.close();
  }
  // The high-contrast and large-text modes pass too.
  const comfy = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const c = await comfy.newPage();
  await c.goto(`${base}/prefs?text=large&back=/`);
  await c.goto(`${base}/prefs?contrast=on&back=/`);
  const modes = await c.locator('html').getAttribute('class');
  const has = (modes || '').split(' ');
  check(has.includes('large') && has.includes('contrast'), `the preference links set both modes (the page's classes: ${modes})`);
  for (const path of ['/', '/units/tuoan', '/catalog', '/search?q=保密审查', seedPath || '/']) {
    await c.goto(`${base}${path}`);
    for (const v of await violations(c)) failures.push(`axe (large, high contrast) ${path}: ${v}`);
  }
  await shot(c, 'high-contrast-large');
  // Large text still fits a 320 px screen.
  await c.setViewportSize({ width: 320, height: 800 });
  for (const path of ['/', '/units/tuoan', '/catalog', '/units/tuoan/guide', seedPath || '/']) {
    await c.goto(`${base}${path}`);
    const wide = await c.evaluate(() => document.documentElement.scrollWidth);
    check(wide <= 320, `${path} with large text at 320 px is ${wide} px wide`);
  }
  await comfy.close();
  // The English locale passes too.
  const en = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true, extraHTTPHeaders: { 'Accept-Language': 'en' } });
  const e = await en.newPage();
  for (const path of ['/', '/units/tuoan', '/catalog', '/search?q=保密审查', seedPath || '/', '/units/tuoan/guide']) {
    await e.goto(`${base}${path}`);
    check((await e.locator('html').getAttribute('lang')) === 'en', `${path} in English says so`);
    for (const v of await violations(e)) failures.push(`axe (English) ${path}: ${v}`);
  }
  await shot(e, 'english-guide');
  await en.close();
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
console.log(`browser checks passed; screenshots in ${shots}`);
