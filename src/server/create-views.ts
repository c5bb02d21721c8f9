import { readFileSync } from "node:fs";
import Handlebars from "handlebars";

/** The pages the server renders; each is `./views/<name>.hbs`, wrapped in the layout partial. */
export type ViewName = "installation" | "not-found";

/** Renders a page to HTML; every value is escaped, since records come from outside. */
export type Views = { readonly render: (name: ViewName, model: object) => string };

// en-US pins the separator to a comma whatever locale the host runs in; 2 decimals suit money.
const thousands = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

const read = (name: string): string => readFileSync(new URL(`./views/${name}.hbs`, import.meta.url), "utf8");

/** Reads and compiles the views once, in a handlebars environment of their own (no global helpers). */
export function createViews(): Views {
  const hbs = Handlebars.create();
  hbs.registerHelper("number", (value: unknown) => (typeof value === "number" ? thousands.format(value) : String(value)));
  hbs.registerPartial("layout", read("layout"));
  // strict: a misspelt field in a template throws in tests instead of rendering blank.
  const compile = (name: ViewName) => hbs.compile(read(name), { strict: true });
  const pages: Record<ViewName, Handlebars.TemplateDelegate> = {
    installation: compile("installation"),
    "not-found": compile("not-found"),
  };
  return { render: (name, model) => pages[name](model) };
}
