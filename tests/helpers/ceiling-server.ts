import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the handler answers for an accepted request; a non-string body is sent as JSON. */
export type CeilingReply = { status: number; body?: unknown; headers?: Record<string, string> };

export type CeilingServerOptions = {
  /** Requests accepted in any sliding window of `intervalMs`; the rest get HubSpot's 429. */
  max: number;
  intervalMs: number;
  handler: (req: IncomingMessage, body: string) => CeilingReply | Promise<CeilingReply>;
  /** Send X-HubSpot-RateLimit-Max / -Remaining / -Interval-Milliseconds on every answer (default true). */
  rateHeaders?: boolean;
  /** Clock in ms; defaults to performance.now(). */
  now?: () => number;
};

export type CeilingServer = {
  /** e.g. http://127.0.0.1:43121, usable as the SDK's basePath. */
  readonly url: string;
  /** accepted: passed to the handler; refused: answered 429. */
  stats(): { accepted: number; refused: number };
  close(): Promise<void>;
};

/**
 * A loopback HTTP server that behaves like HubSpot's 10-second rolling limit: a request arriving
 * when `max` requests were already accepted in the last `intervalMs` is refused with the 429 body
 * HubSpot documents (status, message, errorType RATE_LIMIT, correlationId, policyName); refused
 * requests do not count against the window. Everything else goes to `handler`.
 */
export async function startCeilingServer(options: CeilingServerOptions): Promise<CeilingServer> {
  const { max, intervalMs, handler, rateHeaders = true } = options;
  const now = options.now ?? (() => performance.now());
  const acceptedAt: number[] = [];
  let accepted = 0;
  let refused = 0;

  const admit = (): { ok: boolean; remaining: number } => {
    const t = now();
    while ((acceptedAt[0] ?? Infinity) <= t - intervalMs) acceptedAt.shift();
    if (acceptedAt.length >= max) return { ok: false, remaining: 0 };
    acceptedAt.push(t);
    return { ok: true, remaining: max - acceptedAt.length };
  };

  const send = (res: ServerResponse, reply: CeilingReply, remaining: number): void => {
    const body = reply.body === undefined ? "" : typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
    const headers: Record<string, string> = {
      ...(typeof reply.body === "string" || reply.body === undefined ? {} : { "content-type": "application/json;charset=utf-8" }),
      ...(rateHeaders
        ? {
            "x-hubspot-ratelimit-max": String(max),
            "x-hubspot-ratelimit-remaining": String(remaining),
            "x-hubspot-ratelimit-interval-milliseconds": String(intervalMs),
          }
        : {}),
      ...reply.headers,
    };
    res.writeHead(reply.status, headers).end(body);
  };

  const server = createServer((req, res) => {
    // Admission is decided on arrival, as a rate limiter in front of the API would.
    const gate = admit();
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (!gate.ok) {
        refused++;
        send(res, {
          status: 429,
          body: {
            status: "error",
            message: "You have reached your ten_secondly_rolling limit.",
            errorType: "RATE_LIMIT",
            correlationId: `ceiling-${refused}`,
            policyName: "TEN_SECONDLY_ROLLING",
          },
        }, gate.remaining);
        return;
      }
      accepted++;
      // A handler that throws, at once or later, answers 500 instead of leaving the request hanging.
      new Promise<CeilingReply>((resolve) => { resolve(handler(req, Buffer.concat(chunks).toString("utf8"))); })
        .then((reply) => { send(res, reply, gate.remaining); })
        .catch((error: unknown) => {
          send(res, { status: 500, body: { status: "error", message: `ceiling-server handler failed: ${String(error)}` } }, gate.remaining);
        });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ accepted, refused }),
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => { if (error) reject(error); else resolve(); });
    }),
  };
}
