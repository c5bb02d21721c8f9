import { describe, expect, it } from "vitest";
import type { Settings } from "../../../src/domain/index.js";
import { DEFAULT_SEGMENTS, defaultSettings, describeSettings, SettingsSchema } from "../../../src/domain/index.js";
import { changedKeys, parseSettingsForm, SETTINGS_FIELDS, SETTINGS_GROUPS, toSettingsForm, type SettingsField } from "../../../src/server/settings-form.js";

const fieldsOf = (settings: Settings, esp: "hubspot" | "klaviyo" | "files" = "klaviyo"): SettingsField[] => toSettingsForm(settings, esp).flatMap((g) => g.fields);
const field = (key: string, settings = defaultSettings()): SettingsField => {
  const found = fieldsOf(settings).find((f) => f.key === key);
  if (found === undefined) throw new Error(`no field ${key}`);
  return found;
};
/** The whole form as a browser posts it: a ticked checkbox sends its hidden "false" and then "true". */
const postedForm = (settings: Settings): Record<string, string | string[]> =>
  Object.fromEntries(fieldsOf(settings).map((f) => [f.key, f.control === "checkbox" ? (f.checked ? ["false", "true"] : "false") : f.value]));

const failed = (result: ReturnType<typeof parseSettingsForm>) => {
  if (result.ok) throw new Error("expected the form to fail");
  return result;
};

describe("the settings form's fields", () => {
  it("has one field for every documented setting, so nothing is left uneditable", () => {
    const keys = fieldsOf(defaultSettings()).map((f) => f.key);
    expect(keys.toSorted()).toEqual(describeSettings().map((d) => d.key).toSorted());
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("groups every settings group once, in the order a marketer thinks of them", () => {
    expect(SETTINGS_GROUPS.map((g) => g.key).toSorted()).toEqual(Object.keys(SettingsSchema.shape).toSorted());
    expect(toSettingsForm(defaultSettings(), "klaviyo").map((g) => g.title).slice(0, 6)).toEqual([
      "Email frequency caps", "Suppressions and quiet hours", "Holdouts and staged rollout", "Lifecycle stages", "Named segments", "Recommendations: slots and business rules",
    ]);
  });

  it("shows the Klaviyo group to Klaviyo installations only", () => {
    expect(toSettingsForm(defaultSettings(), "klaviyo").map((g) => g.key)).toContain("klaviyo");
    expect(toSettingsForm(defaultSettings(), "hubspot").map((g) => g.key)).not.toContain("klaviyo");
    expect(toSettingsForm(defaultSettings(), "files").map((g) => g.key)).not.toContain("klaviyo");
  });

  it("gives each field its doc, default and an id made of its key", () => {
    expect(field("frequency.maxPer7Days")).toMatchObject({
      id: "field-frequency-maxPer7Days", group: "frequency", kind: "number", control: "input", inputType: "number",
      doc: "Marketing emails per rolling 7 days for most contacts (the seed's 3).", defaultText: "3", value: "3", min: 1, max: 20, step: "1", error: null,
      describedBy: "field-frequency-maxPer7Days-doc field-frequency-maxPer7Days-default",
    });
  });

  it.each([
    ["suppressions.quietHoursSuppress", "boolean", "checkbox"],
    ["recommendations.priceReference", "enum", "select"],
    ["experiments.salt", "text", "input"],
    ["sendTime.priorStrength", "number-or-literal", "input"],
    ["recommendations.blocklist", "lines", "textarea"],
    ["klaviyo.metrics.placed_order", "lines", "textarea"],
    ["segments.segments", "json", "textarea"],
    ["recommendations.slots", "json", "textarea"],
    ["experiments.features", "json", "textarea"],
  ])("edits %s as %s in a %s", (key, kind, control) => {
    expect([field(key).kind, field(key).control]).toEqual([kind, control]);
  });

  it("reads only inclusive bounds from the schema, and any step for fractions", () => {
    expect(field("recommendations.marginFloor")).toMatchObject({ min: 0, max: 1, step: "any" });
    // positive(): greater than 0, which an HTML min cannot say.
    expect(field("predictions.priorR")).toMatchObject({ min: null, max: null, step: "any" });
  });

  it("shows lists one per line, structures as pretty JSON, and a long default as a block", () => {
    expect(field("klaviyo.metrics.placed_order").value).toBe("Placed Order\nOrder Placed");
    expect(field("suppressions.quietHours").value).toBe(JSON.stringify([{ from: 21, to: 8 }], null, 2));
    expect(field("suppressions.quietHours").defaultText).toBe('[{"from":21,"to":8}]');
    expect(field("segments.segments")).toMatchObject({ defaultText: "the JSON below", defaultBlock: JSON.stringify(DEFAULT_SEGMENTS, null, 2) });
    expect(field("recommendations.priceReference").options).toEqual([{ value: "aov", selected: true }, { value: "item_price", selected: false }]);
  });

  it("ticks a checkbox that is on", () => {
    const settings = defaultSettings();
    expect(field("suppressions.quietHoursSuppress", settings).checked).toBe(true);
    expect(field("suppressions.quietHoursSuppress", { ...settings, suppressions: { ...settings.suppressions, quietHoursSuppress: false } }).checked).toBe(false);
  });
});

describe("parseSettingsForm", () => {
  it("reads back every field of an untouched form as the same settings", () => {
    const result = parseSettingsForm(postedForm(defaultSettings()), defaultSettings());
    expect(result).toEqual({ ok: true, settings: defaultSettings() });
  });

  it("reads back changed settings of every kind", () => {
    const form = {
      ...postedForm(defaultSettings()),
      "frequency.maxPer7Days": "2",
      "suppressions.quietHoursSuppress": "false",
      "recommendations.priceReference": "item_price",
      "sendTime.priorStrength": "25",
      "recommendations.blocklist": " p1 \r\n\r\np2\n",
      "suppressions.quietHours": '[{"from": 22, "to": 7}]',
      "experiments.salt": "spring",
    };
    const result = parseSettingsForm(form, defaultSettings());
    if (!result.ok) throw new Error([...result.errors].join("\n"));
    expect(result.settings.frequency.maxPer7Days).toBe(2);
    expect(result.settings.suppressions.quietHoursSuppress).toBe(false);
    expect(result.settings.recommendations.priceReference).toBe("item_price");
    expect(result.settings.sendTime.priorStrength).toBe(25);
    expect(result.settings.recommendations.blocklist).toEqual(["p1", "p2"]);
    expect(result.settings.suppressions.quietHours).toEqual([{ from: 22, to: 7 }]);
    expect(result.settings.experiments.salt).toBe("spring");
    expect(changedKeys(defaultSettings(), result.settings)).toEqual([
      "frequency.maxPer7Days", "suppressions.quietHours", "suppressions.quietHoursSuppress", "experiments.salt", "recommendations.priceReference", "recommendations.blocklist", "sendTime.priorStrength",
    ]);
  });

  it("keeps 'auto' as a literal, and a ticked checkbox's last value wins", () => {
    const result = parseSettingsForm({ "sendTime.priorStrength": "auto", "klaviyo.webFeed": ["false", "true"] }, defaultSettings());
    expect(result.ok && [result.settings.sendTime.priorStrength, result.settings.klaviyo.webFeed]).toEqual(["auto", true]);
  });

  it("keeps the current value of a field the form did not send (a group hidden for this ESP)", () => {
    const current = defaultSettings();
    const settings: Settings = { ...current, klaviyo: { ...current.klaviyo, historyDays: 90 } };
    const result = parseSettingsForm({ "frequency.maxPer7Days": "2" }, settings);
    expect(result.ok && result.settings.klaviyo.historyDays).toBe(90);
  });

  it("puts a value out of range next to its field, keeping what was typed", () => {
    const result = failed(parseSettingsForm({ ...postedForm(defaultSettings()), "frequency.maxPer7Days": "0" }, defaultSettings()));
    expect(result.errors.get("frequency.maxPer7Days")).toBe("must be at least 1");
    expect(result.values.get("frequency.maxPer7Days")).toBe("0");
    expect(result.summary).toEqual([{ fieldKey: "frequency.maxPer7Days", label: "frequency.maxPer7Days", message: "must be at least 1" }]);
  });

  it("leaves out rules that compare against a value already wrong on its own", () => {
    // maxPerDay and fatiguedMaxPer7Days "exceed" a weekly cap of 0 only because the cap is wrong.
    expect([...failed(parseSettingsForm({ "frequency.maxPer7Days": "0" }, defaultSettings())).errors.keys()]).toEqual(["frequency.maxPer7Days"]);
    expect([...failed(parseSettingsForm({ "lifecycle.activeDays": "0" }, defaultSettings())).errors]).toEqual([["lifecycle.activeDays", "must be at least 1"]]);
    expect([...failed(parseSettingsForm({ "lifecycle.activeDays": "" }, defaultSettings())).errors]).toEqual([["lifecycle.activeDays", "enter a number"]]);
  });

  it("still shows a cross-field rule at its own field when the values are valid one by one", () => {
    const result = failed(parseSettingsForm({ "frequency.maxPerDay": "5", "frequency.maxPer7Days": "3" }, defaultSettings()));
    expect([...result.errors]).toEqual([["frequency.maxPerDay", "must not exceed maxPer7Days"]]);
  });

  it.each([
    ["frequency.maxPer7Days", "", "enter a number"],
    ["frequency.maxPer7Days", "three", "enter a number"],
    ["frequency.maxPer7Days", "2.5", "must be a whole number"],
    ["sendTime.priorStrength", "lots", "enter auto or a number"],
    ["recommendations.priceReference", "cheapest", 'must be one of "aov", "item_price"'],
    ["sendTime.timezone", "Mars/Olympus", "not a known IANA time zone (e.g. Europe/London)"],
  ])("says what is wrong with %s = %j", (key, text, message) => {
    expect(failed(parseSettingsForm({ [key]: text }, defaultSettings())).errors.get(key)).toBe(message);
  });

  it("says when JSON does not parse", () => {
    const result = failed(parseSettingsForm({ "segments.segments": "[{" }, defaultSettings()));
    expect(result.errors.get("segments.segments")).toMatch(/^not valid JSON: /);
  });

  it("names where inside a JSON field the problem is: a segment without the consent guard", () => {
    const segments = DEFAULT_SEGMENTS.map((s, i) => (i === 2 ? { ...s, guards: s.guards.filter((g) => g.fact !== "consent") } : s));
    const result = failed(parseSettingsForm({ "segments.segments": JSON.stringify(segments) }, defaultSettings()));
    expect(result.errors.get("segments.segments")).toBe('[2].guards: every segment must include the guard consent == "subscribed"');
  });

  it("shows a rule across the lifecycle thresholds at each threshold, and once in the summary", () => {
    const result = failed(parseSettingsForm({ "lifecycle.activeDays": "20" }, defaultSettings()));
    const message = "thresholds must satisfy newCustomerDays <= activeDays < lapsingDays";
    expect([result.errors.get("lifecycle.newCustomerDays"), result.errors.get("lifecycle.activeDays"), result.errors.get("lifecycle.lapsingDays")]).toEqual([message, message, message]);
    expect(result.summary).toEqual([{ fieldKey: "lifecycle.newCustomerDays", label: "lifecycle", message }]);
  });

  it("lists every problem in the summary in form order", () => {
    const result = failed(parseSettingsForm({ "sync.intervalMinutes": "1", "frequency.maxPer7Days": "", "lifecycle.activeDays": "20" }, defaultSettings()));
    expect(result.summary.map((s) => s.fieldKey)).toEqual(["frequency.maxPer7Days", "lifecycle.newCustomerDays", "sync.intervalMinutes"]);
  });

  it("renders the errors next to their fields, described by them", () => {
    const result = failed(parseSettingsForm({ "frequency.maxPer7Days": "0" }, defaultSettings()));
    const f = toSettingsForm(defaultSettings(), "hubspot", result).flatMap((g) => g.fields).find((x) => x.key === "frequency.maxPer7Days");
    expect(f).toMatchObject({ value: "0", error: "must be at least 1", describedBy: "field-frequency-maxPer7Days-doc field-frequency-maxPer7Days-default field-frequency-maxPer7Days-error" });
  });
});

describe("changedKeys", () => {
  it("is empty for equal settings, whatever the key order", () => {
    const a = defaultSettings();
    const b = SettingsSchema.parse(JSON.parse(JSON.stringify({ klaviyo: a.klaviyo, sync: a.sync })));
    expect(changedKeys(a, b)).toEqual([]);
  });

  it("names a nested Klaviyo metric by its own key", () => {
    const a = defaultSettings();
    const b: Settings = { ...a, klaviyo: { ...a.klaviyo, metrics: { ...a.klaviyo.metrics, placed_order: ["Order Placed"] } } };
    expect(changedKeys(a, b)).toEqual(["klaviyo.metrics.placed_order"]);
  });

  it("covers every field the form edits", () => {
    expect(SETTINGS_FIELDS.map((f) => f.key).toSorted()).toEqual(describeSettings().map((d) => d.key).toSorted());
  });
});
