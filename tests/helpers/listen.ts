import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type express from "express";

/** A running app on an ephemeral loopback port: its base URL and a way to stop it. */
export type Listening = { readonly base: string; readonly close: () => Promise<void> };

export async function listen(app: express.Express): Promise<Listening> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => { resolve(s); });
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => { if (error) reject(error); else resolve(); });
    }),
  };
}
