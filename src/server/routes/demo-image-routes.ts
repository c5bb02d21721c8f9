import { createHash } from "node:crypto";
import express from "express";

// Product ids of the demo shop (p1, p2, …) and anything alike; the bound keeps the text on the tile.
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
// A tile depends on its name alone, so a browser may keep it for a year without asking again.
const IMAGE_CACHE_CONTROL = "public, max-age=31536000, immutable";
const SIZE = 400;

/**
 * Placeholder product images for the demo shop, so its recommendation cards show pictures offline:
 * `/demo/images/<name>.svg` is a tile coloured by a hash of the name, with the name on it. Public,
 * like /static: it holds no data, only what the URL already says.
 */
export function demoImageRoutes(): express.Router {
  const router = express.Router();
  router.get("/demo/images/:name.svg", (req, res) => {
    const name = req.params.name;
    if (!NAME.test(name)) {
      res.status(404).type("text/plain").send("Not found");
      return;
    }
    res.set("Cache-Control", IMAGE_CACHE_CONTROL).type("image/svg+xml").send(toDemoImage(name));
  });
  return router;
}

/** The SVG tile for one name: the same name always gives the same bytes. */
export function toDemoImage(name: string): string {
  const hash = createHash("sha256").update(name).digest();
  const hue = hash.readUInt16BE(0) % 360;
  // A light background and a darker shape of the same hue: the dark text reads on both.
  const background = `hsl(${hue} 55% 86%)`;
  const accent = `hsl(${hue} 45% 70%)`;
  const fontSize = Math.max(40, Math.min(120, Math.floor((SIZE * 1.4) / Math.max(name.length, 1))));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}" role="img" aria-label="Product ${name}">`,
    `<rect width="${SIZE}" height="${SIZE}" fill="${background}"/>`,
    shapeOf(hash[2] ?? 0, accent),
    `<text x="50%" y="50%" dominant-baseline="central" text-anchor="middle" font-family="system-ui, sans-serif" font-weight="700" font-size="${fontSize}" fill="#1f2933">${name}</text>`,
    "</svg>",
  ].join("");
}

/** One of three shapes behind the text, picked by the hash, so neighbouring cards look different. */
function shapeOf(pick: number, fill: string): string {
  const half = SIZE / 2;
  switch (pick % 3) {
    case 0:
      return `<circle cx="${half}" cy="${half}" r="${SIZE * 0.36}" fill="${fill}"/>`;
    case 1:
      return `<rect x="${SIZE * 0.16}" y="${SIZE * 0.16}" width="${SIZE * 0.68}" height="${SIZE * 0.68}" rx="${SIZE * 0.08}" fill="${fill}"/>`;
    default:
      return `<polygon points="${half},${SIZE * 0.12} ${SIZE * 0.88},${half} ${half},${SIZE * 0.88} ${SIZE * 0.12},${half}" fill="${fill}"/>`;
  }
}
