// Regenerates the README's panel screenshots (docs/panel-*.png) from the e2e demo shop in Debian's
// Chromium: `npx tsx scripts/screenshot-panel.ts`. Viewport-sized, so they read at README width.
import { openDemoPanel } from "../tests/e2e/demo-panel.js";

const demo = await openDemoPanel();
try {
  const { context, page } = await demo.signedIn();
  await page.goto(`${demo.base}/installations/demo/settings`);
  await page.getByLabel("lifecycle.activeDays", { exact: true }).fill("45");
  await page.getByRole("button", { name: "Dry run" }).click();
  await page.locator("#dry-run").waitFor();
  await page.mouse.wheel(0, -10_000);
  await page.screenshot({ path: "docs/panel-settings.png" });
  await page.goto(`${demo.base}/installations/demo/contacts?q=${encodeURIComponent("@example")}`);
  await page.locator("table a").first().click();
  await page.getByRole("heading", { name: "Recommendations" }).waitFor();
  await page.screenshot({ path: "docs/panel-contact.png" });
  await page.goto(`${demo.base}/installations/demo/lift`);
  await page.locator("canvas[data-chart-ready]").waitFor();
  await page.screenshot({ path: "docs/panel-lift.png" });
  await context.close();
} finally {
  await demo.close();
}
