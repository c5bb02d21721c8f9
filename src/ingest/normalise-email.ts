const WHITESPACE = /\s/;

/**
 * The address as one person is keyed by: trimmed and lowercased, or null when it is not
 * a plausible address. Dots and +tags are kept: Gmail ignores them, but most mail servers
 * treat "ann.lee" and "annlee" (or "ann+shop") as different mailboxes, so folding them
 * would merge strangers.
 */
export function normaliseEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  const at = email.indexOf("@");
  if (at <= 0 || at !== email.lastIndexOf("@") || WHITESPACE.test(email)) return null;
  const domain = email.slice(at + 1);
  // Every label of the domain must be non-empty, and there must be at least two of them.
  if (!domain.includes(".") || domain.startsWith(".") || domain.endsWith(".") || domain.includes("..")) return null;
  return email;
}
