import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import express from "express";
import { z } from "zod";
import type { TemplateQaReport } from "../../engine/template-qa.js";
import { qaTemplateText } from "../../sync/qa-command.js";
import { sendPanelPage } from "../create-views.js";
import { panelOf, type PanelRouteDeps } from "../panel-context.js";

// Far above any email (Gmail clips messages past 102 KB), far below what would slow the check.
const MAX_TEMPLATE_BYTES = 200 * 1024;
/** The shipped template kits, relative to the repository root: HubL templates and Klaviyo blocks. */
const KIT_FOLDERS = [
  { folder: "extensions/hubspot/templates", esp: "HubSpot", suffix: ".hubl.html" },
  { folder: "extensions/klaviyo/blocks", esp: "Klaviyo", suffix: ".html" },
] as const;
const NOT_CHECKED = "(not checked)";

/** What the form posts; field names match the inputs. */
const QaFormSchema = z.object({
  template: z.string().default(""),
  file: z.string().default(""),
  segment: z.string().default(""),
});

/** A shipped template the "Pick a template" select offers; `id` is its path under the repository root. */
export type ShippedTemplate = { readonly id: string; readonly label: string };

/** One merge field's row in the coverage table. */
export type QaFieldRow = {
  readonly field: string;
  readonly references: number;
  /** Recipients it prints a value for; null when Tailor does not know the field. */
  readonly renders: number | null;
  readonly empty: number | null;
  readonly emptyShare: number | null;
  readonly missingProduct: number | null;
  readonly rendersWhenEmpty: string;
  readonly problem: string | null;
  readonly tone: "bad" | "muted" | "";
};

/** What template-qa.hbs renders. */
export type TemplateQaPage = {
  readonly form: {
    readonly template: string;
    readonly files: readonly (ShippedTemplate & { readonly selected: boolean })[];
    readonly segments: readonly { readonly value: string; readonly label: string; readonly selected: boolean }[];
  };
  readonly errors: { readonly template: string | null; readonly file: string | null; readonly segment: string | null };
  readonly hasErrors: boolean;
  readonly maxKb: number;
  readonly result: {
    readonly source: string;
    readonly audience: string;
    readonly recipients: number;
    readonly problems: readonly { readonly kind: string; readonly text: string }[];
    readonly fields: readonly QaFieldRow[];
  } | null;
};

type Form = z.infer<typeof QaFormSchema>;

/** Template QA: paste or pick a template, choose a segment, see how every merge field renders for it. */
export function templateQaRoutes({ store, views }: PanelRouteDeps): express.Router {
  const router = express.Router();
  const root = repositoryRoot();

  /** What the form offers: the shipped templates and the installation's segments. */
  const choices = async (installationId: string) => {
    const [files, settings] = await Promise.all([shippedTemplates(root), store.getSettings(installationId)]);
    return { files, segments: settings.segments.segments.map((s) => s.name) };
  };

  const render = (res: express.Response, offered: Awaited<ReturnType<typeof choices>>, form: Form, errors: TemplateQaPage["errors"], result: TemplateQaPage["result"]) => {
    const hasErrors = errors.template !== null || errors.file !== null || errors.segment !== null;
    const page: TemplateQaPage = {
      form: {
        template: form.template,
        files: offered.files.map((f) => ({ ...f, selected: f.id === form.file })),
        segments: [
          { value: "", label: "Everyone", selected: form.segment === "" },
          ...offered.segments.map((name) => ({ value: name, label: name, selected: name === form.segment })),
        ],
      },
      errors,
      hasErrors,
      maxKb: MAX_TEMPLATE_BYTES / 1024,
      result,
    };
    sendPanelPage(res, views, "template-qa", { title: "Template QA", active: "template-qa", status: hasErrors ? 400 : 200 }, page);
  };

  router.get("/installations/:installationId/template-qa", async (_req, res) => {
    const offered = await choices(panelOf(res).installation.id);
    render(res, offered, { template: "", file: "", segment: "" }, { template: null, file: null, segment: null }, null);
  });

  router.post("/installations/:installationId/template-qa", async (req, res) => {
    const installationId = panelOf(res).installation.id;
    const form = QaFormSchema.catch({ template: "", file: "", segment: "" }).parse(req.body);
    const offered = await choices(installationId);
    const picked = form.file === "" ? null : offered.files.find((f) => f.id === form.file) ?? null;
    const segmentKnown = form.segment === "" || offered.segments.includes(form.segment);
    const pasted = form.template.trim() !== "";
    const bytes = Buffer.byteLength(form.template, "utf8");
    const errors = {
      template: bytes > MAX_TEMPLATE_BYTES
        ? `The template is ${Math.ceil(bytes / 1024).toLocaleString("en-US")} KB; the limit is ${MAX_TEMPLATE_BYTES / 1024} KB. Check one section at a time.`
        : !pasted && form.file === "" ? "Paste a template, or pick one of the shipped templates." : null,
      file: form.file !== "" && picked === null ? "Pick a template from the list." : null,
      segment: segmentKnown ? null : "Pick a segment from the list.",
    };
    if (errors.template !== null || errors.file !== null || errors.segment !== null) {
      render(res, offered, form, errors, null);
      return;
    }
    const text = pasted || picked === null ? form.template : await readFile(join(root, picked.id), "utf8");
    const segment = form.segment === "" ? null : form.segment;
    const report = await qaTemplateText(store, installationId, text, segment);
    render(res, offered, form, errors, {
      source: pasted || picked === null ? "the pasted template" : picked.label,
      audience: segment ?? "Everyone",
      recipients: report.audience,
      problems: problemsOf(report),
      fields: report.fields.map((f) => toFieldRow(f, report)),
    });
  });

  return router;
}

/** Problems first, as `tailor qa template` lists them: errors, blank greetings, missing products, then fields. */
export function problemsOf(report: TemplateQaReport): { kind: string; text: string }[] {
  const contacts = (n: number): string => `${n.toLocaleString("en-US")} contact${n === 1 ? "" : "s"}`;
  const pct = (share: number): string => `${Math.round(share * 100)} %`;
  // Unknown tailor_* names are already among the errors; unchecked fields are nothing to fix.
  const fieldProblems = report.fields.filter((f) => f.problem !== null && !f.problem.endsWith(NOT_CHECKED) && !report.errors.some((e) => f.problem !== null && e.startsWith(f.problem)));
  return [
    ...report.errors.map((text) => ({ kind: "Error", text })),
    ...report.emptyGreetings.map((g) => ({ kind: "Empty greeting", text: `line ${g.line}: "${g.example}" for ${contacts(g.contacts)} (${pct(g.share)}); the template has ${g.text}` })),
    ...report.missingFromFeed.map((m) => ({ kind: "Missing product", text: `${m.field} names a product the feed lacks for ${contacts(m.contacts)} (e.g. ${m.productIds.join(", ")})` })),
    ...fieldProblems.map((f) => ({ kind: "Field", text: `${f.field}: ${f.problem ?? ""}` })),
  ];
}

function toFieldRow(f: TemplateQaReport["fields"][number], report: TemplateQaReport): QaFieldRow {
  const checked = !(f.problem?.endsWith(NOT_CHECKED) ?? false);
  const missing = report.missingFromFeed.find((m) => m.field === f.field)?.contacts ?? 0;
  return {
    field: f.field,
    references: f.references,
    renders: checked ? report.audience - f.empty - missing : null,
    empty: checked ? f.empty : null,
    emptyShare: checked ? f.emptyShare : null,
    missingProduct: checked ? missing : null,
    rendersWhenEmpty: f.rendersWhenEmpty,
    problem: f.problem,
    tone: !checked ? "muted" : f.problem !== null || missing > 0 ? "bad" : "",
  };
}

/**
 * The folder holding package.json, found from this module: src/server/routes under tsx and
 * dist/src/server/routes after a build both sit below it, and extensions/ is beside package.json.
 */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("package.json not found above the server's routes");
    dir = parent;
  }
  return dir;
}

/** The kit's templates present on disk, HubSpot first, by name; a deployment without extensions/ offers none. */
async function shippedTemplates(root: string): Promise<ShippedTemplate[]> {
  const found = await Promise.all(KIT_FOLDERS.map(async ({ folder, esp, suffix }) => {
    const names = await readdir(join(root, folder)).catch(() => [] as string[]);
    return names.filter((name) => name.endsWith(suffix)).sort().map((name) => ({ id: `${folder}/${name}`, label: `${esp}: ${name}` }));
  }));
  return found.flat();
}
