import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type express from "express";
import { z } from "zod";

/**
 * Panel sessions and signed links, stateless: an HMAC over a small JSON payload with
 * SESSION_SECRET. A session names exactly one installation; nothing in it is secret, the MAC
 * only makes it unforgeable.
 */

export const SESSION_COOKIE = "tailor_session";
// A working day: long enough for an admin's afternoon, short enough that a lost laptop's session dies.
export const SESSION_MAX_AGE_MS = 12 * 3_600_000;
// A signed link is opened right after it is made (a redirect or a click); two minutes allows a slow click.
export const PANEL_LINK_MAX_AGE_MS = 2 * 60_000;
// Clocks of several app servers may disagree a little; anything issued further ahead is forged.
const CLOCK_SKEW_MS = 60_000;
const MIN_SECRET_CHARS = 16;

export type Session = {
  readonly installationId: string;
  /** Who, as settings versions record it. */
  readonly user: string;
  /** Random per sign-in: the CSRF token is bound to it. */
  readonly nonce: string;
  readonly expiresAt: number;
};

const SessionSchema = z.object({ i: z.string().min(1).max(256), u: z.string().min(1).max(200), n: z.string().min(8).max(64), e: z.number().int() });
const LinkSchema = z.object({ i: z.string().min(1).max(256), u: z.string().min(1).max(200), e: z.number().int() });

export type SessionSigner = {
  /** The cookie value for a new session. */
  readonly sign: (installationId: string, user: string, now: number) => { value: string; session: Session };
  /** The session in a cookie value, or null when it is forged, malformed or expired. */
  readonly read: (value: string | undefined, now: number) => Session | null;
  /** A one-click sign-in link's query value, valid PANEL_LINK_MAX_AGE_MS. */
  readonly signLink: (installationId: string, user: string, now: number) => string;
  /** The installation and user of a link value, or why it cannot be trusted. */
  readonly readLink: (value: string, now: number) => { ok: true; installationId: string; user: string } | { ok: false; reason: string };
};

/** Signs with `secret` (SESSION_SECRET); distinct purposes get distinct MAC prefixes, so a link is never a session. */
export function createSessionSigner(secret: string): SessionSigner {
  if (secret.length < MIN_SECRET_CHARS) throw new Error(`the session secret must be at least ${MIN_SECRET_CHARS} characters`);
  const seal = (purpose: string, payload: object): string => {
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return `${body}.${macOf(secret, purpose, body)}`;
  };
  const open = (purpose: string, value: string): unknown => {
    const [body, mac, extra] = value.split(".");
    if (body === undefined || mac === undefined || extra !== undefined || body.length > 2048) return null;
    if (!sameText(mac, macOf(secret, purpose, body))) return null;
    try {
      return JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    } catch {
      return null;
    }
  };
  return {
    sign: (installationId, user, now) => {
      const session: Session = { installationId, user, nonce: randomBytes(16).toString("base64url"), expiresAt: now + SESSION_MAX_AGE_MS };
      return { value: seal("session", { i: installationId, u: user, n: session.nonce, e: session.expiresAt }), session };
    },
    read: (value, now) => {
      if (value === undefined) return null;
      const parsed = SessionSchema.safeParse(open("session", value));
      if (!parsed.success) return null;
      const { i, u, n, e } = parsed.data;
      if (e <= now || e > now + SESSION_MAX_AGE_MS + CLOCK_SKEW_MS) return null;
      return { installationId: i, user: u, nonce: n, expiresAt: e };
    },
    signLink: (installationId, user, now) => seal("link", { i: installationId, u: user, e: now + PANEL_LINK_MAX_AGE_MS }),
    readLink: (value, now) => {
      const parsed = LinkSchema.safeParse(open("link", value));
      if (!parsed.success) return { ok: false, reason: "This sign-in link is not one Tailor made." };
      const { i, u, e } = parsed.data;
      if (e > now + PANEL_LINK_MAX_AGE_MS + CLOCK_SKEW_MS) return { ok: false, reason: "This sign-in link is not one Tailor made." };
      if (e <= now) return { ok: false, reason: "This sign-in link has expired (links last 2 minutes)." };
      return { ok: true, installationId: i, user: u };
    },
  };
}

function macOf(secret: string, purpose: string, body: string): string {
  return createHmac("sha256", secret).update(`tailor-${purpose}.${body}`).digest("base64url");
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Cookie attributes for the panel. Embedded in an ESP's page (an https deployment), a cookie must
 * be SameSite=None; Secure to be sent inside the frame, and Partitioned (CHIPS) so browsers that
 * block third-party cookies keep it, scoped to that ESP's site. On plain http (the localhost demo)
 * Lax is the strictest setting that still survives the redirect back from an ESP.
 */
export function panelCookieOptions(secure: boolean): express.CookieOptions {
  return secure
    ? { httpOnly: true, secure: true, sameSite: "none", partitioned: true, path: "/" }
    : { httpOnly: true, secure: false, sameSite: "lax", path: "/" };
}
