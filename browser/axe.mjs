// axe-core in the page: its violations, each as "id [impact] help at target, …".
import { readFileSync } from 'node:fs';

const axeSource = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

// `impacts`: which impacts count (all when not given).
export async function violations(page, impacts) {
  await page.addScriptTag({ content: axeSource });
  const found = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      impact: v.impact,
      text: `${v.id} [${v.impact}] ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`,
    }));
  });
  return found.filter((v) => !impacts || impacts.includes(v.impact)).map((v) => v.text);
}
