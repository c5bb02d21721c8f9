// BTYD bench: generates customers from a known BG/NBD + Gamma-Gamma process (seeded), fits both models
// with fitBtyd and scores everyone with predictContact. Prints generation / fit / score times, peak RSS,
// and the recovered vs true parameters. BENCH_CUSTOMERS overrides the 1,000,000 default.
import { PredictionSettingsSchema } from "../src/domain/prediction-settings.js";
import { fitBtyd, type CustomerHistory } from "../src/engine/btyd/fit-btyd.js";
import { predictContact } from "../src/engine/btyd/predict-contact.js";
import { rftOf } from "../src/engine/btyd/rft.js";
import { createRng, type Rng } from "../src/engine/rng.js";
import { DAY_MS } from "../src/engine/utc-day.js";

const customers = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const NOW = new Date("2026-11-01T00:00:00Z");
// Two years of acquisition; purchase rate ~ Gamma(0.6, 22 days) (one order per ~37 days on average),
// dropout ~ Beta(0.8, 3); order value ~ Gamma(6, nu), nu ~ Gamma(4, 20): mean order value 6*20/3 = 40.
const TRUE = { r: 0.6, alpha: 22, a: 0.8, b: 3, p: 6, q: 4, gamma: 20 };
const ACQUISITION_DAYS = 730;
const settings = PredictionSettingsSchema.parse({});
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

// Box-Muller standard normal.
const normal = (rng: Rng): number => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
// Marsaglia & Tsang (2000) gamma(shape, 1); shape < 1 boosted by U^(1/shape).
function gamma(rng: Rng, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * Math.pow(1 - rng(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do { x = normal(rng); v = 1 + c * x; } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

const rng = createRng(20240601);
let started = performance.now();
const histories: CustomerHistory[] = [];
let orders = 0;
const nowMs = NOW.getTime();
const times: number[] = [];
for (let i = 0; i < customers; i++) {
  const lambda = gamma(rng, TRUE.r) / TRUE.alpha;
  const g1 = gamma(rng, TRUE.a);
  const dropout = g1 / (g1 + gamma(rng, TRUE.b));
  const nu = gamma(rng, TRUE.q) / TRUE.gamma;
  // Orders carry dates only, as most exports do: whole days, so identical (x, t_x, T) rows fold together.
  const firstDay = Math.floor((nowMs - rng() * ACQUISITION_DAYS * DAY_MS) / DAY_MS);
  times.length = 0;
  let t = firstDay * DAY_MS;
  let repeatValue = 0;
  let firstValue = 0;
  for (;;) {
    times.push(Math.floor(t / DAY_MS) * DAY_MS);
    const value = gamma(rng, TRUE.p) / nu;
    if (times.length === 1) firstValue = value;
    else repeatValue += value;
    // BG/NBD: a customer can drop out after each repeat purchase, never straight after the first.
    if (times.length > 1 && rng() < dropout) break;
    t += (-Math.log(1 - rng()) / lambda) * DAY_MS;
    if (t >= nowMs) break;
  }
  orders += times.length;
  const rft = rftOf(times, NOW);
  if (rft === null) continue;
  histories.push({ rft, meanValue: times.length > 1 ? repeatValue / (times.length - 1) : firstValue });
}
const generateMs = performance.now() - started;

started = performance.now();
const model = fitBtyd(histories, settings);
const fitMs = performance.now() - started;
const rows = new Set(histories.map((h) => `${h.rft.frequency}|${h.rft.recency}|${h.rft.T}`)).size;

started = performance.now();
let clvTotal = 0;
let expected90 = 0;
for (const h of histories) {
  const p = predictContact(model, h, NOW, settings);
  clvTotal += p.clv12m.value ?? 0;
  expected90 += p.expectedOrders90.value ?? 0;
}
const scoreMs = performance.now() - started;

const { bgNbd, gammaGamma } = model;
const row = (name: string, truth: number, fitted: number): string =>
  `  ${name.padEnd(6)} true ${truth.toFixed(3).padStart(8)}  fitted ${fitted.toFixed(3).padStart(8)}  (${(((fitted / truth) - 1) * 100).toFixed(1)} %)`;
console.log(`customers ${histories.length.toLocaleString("en")}, orders ${orders.toLocaleString("en")}, repeat customers ${model.repeatCustomers.toLocaleString("en")}`);
console.log(`distinct (x, t_x, T) rows in the likelihood: ${rows.toLocaleString("en")}`);
console.log(`generate ${seconds(generateMs)}   fit ${seconds(fitMs)}   score ${seconds(scoreMs)} (${Math.round(histories.length / (scoreMs / 1000)).toLocaleString("en")} contacts/s)`);
console.log(`peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`);
console.log(`model: ${model.source}, ${model.confidence} confidence, ${model.why}`);
console.log(row("r", TRUE.r, bgNbd.r));
console.log(row("alpha", TRUE.alpha, bgNbd.alpha));
console.log(row("a", TRUE.a, bgNbd.a));
console.log(row("b", TRUE.b, bgNbd.b));
console.log(row("p", TRUE.p, gammaGamma.p));
console.log(row("q", TRUE.q, gammaGamma.q));
console.log(row("gamma", TRUE.gamma, gammaGamma.gamma));
console.log(`expected orders in the next 90 days: ${Math.round(expected90).toLocaleString("en")}; 12-month CLV total ${Math.round(clvTotal).toLocaleString("en")}`);
