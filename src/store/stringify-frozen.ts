/**
 * JSON.stringify that remembers the text of frozen objects and arrays. ingest's state is
 * made of frozen chunks that later snapshots share, so after the first page only the chunks
 * a page touched are serialised again: a commit costs what changed, not the whole state.
 * Only frozen values are cached, and a frozen value's JSON cannot change.
 */
export function createFrozenStringifier(): (value: unknown) => string {
  const cache = new WeakMap<object, string>();
  const stringify = (value: unknown): string => {
    // Only inside arrays can these appear in JSON, and there they are null (objects drop them before recursing).
    if (value === undefined || typeof value === "function" || typeof value === "symbol") return "null";
    if (typeof value !== "object" || value === null || typeof (value as { toJSON?: unknown }).toJSON === "function") return JSON.stringify(value);
    const frozen = Object.isFrozen(value);
    if (frozen) {
      const hit = cache.get(value);
      if (hit !== undefined) return hit;
    }
    const json = Array.isArray(value)
      ? `[${value.map(stringify).join(",")}]`
      : `{${Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== "function" && typeof v !== "symbol").map(([k, v]) => `${JSON.stringify(k)}:${stringify(v)}`).join(",")}}`;
    if (frozen) cache.set(value, json);
    return json;
  };
  return stringify;
}
