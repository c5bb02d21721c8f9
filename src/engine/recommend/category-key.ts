const SEPARATOR = /[/>]/;
const GT = ">".charCodeAt(0);

/**
 * The comparable form of a category path: segments split on "/" or ">", trimmed and
 * lowercased, joined by ">". Ingest writes "Home > Kitchen" while a marketer may type
 * "home/kitchen" in the settings; both mean the same category, as in ingest's taxonomy.
 */
export function categoryKey(path: string): string {
  const segments: string[] = [];
  for (const part of path.split(SEPARATOR)) {
    const segment = part.trim().toLowerCase();
    if (segment !== "") segments.push(segment);
  }
  return segments.join(">");
}

/** True when `key` is the category `under` or below it: "home" is under "home", "home>kitchen" is too, "homeware" is not. */
export const isUnder = (key: string, under: string): boolean =>
  key === under || (key.length > under.length && key.startsWith(under) && key.charCodeAt(under.length) === GT && under !== "");
