import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** Seals and opens ESP secrets at rest. */
export type TokenCipher = {
  /** `v1:` + base64(iv ‖ ciphertext ‖ tag); a fresh IV each call, so equal inputs never look equal. */
  encrypt(plain: string): string;
  /** Opens a sealed string; throws, naming no secret, when the key is wrong or the text was changed. */
  decrypt(sealed: string): string;
};

const VERSION = "v1:";
// NIST SP 800-38D: a 96-bit IV is GCM's native size; the tag is the full 128 bits.
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Binds the ciphertext to this format: a v1 blob cannot be replayed as some later version's.
const AAD = Buffer.from("tailor-token-v1", "utf8");

/**
 * AES-256-GCM with a key of 32 bytes given as 64 hex digits (TOKEN_KEY). The version prefix
 * lets a later key rotation or algorithm change read old records and rewrite them.
 */
export function createTokenCipher(keyHex: string): TokenCipher {
  if (!/^[0-9a-f]{64}$/i.test(keyHex)) throw new Error("TOKEN_KEY must be 32 bytes of hex (64 hex digits)");
  const key = Buffer.from(keyHex, "hex");

  return {
    encrypt(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(AAD);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return VERSION + Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64");
    },

    decrypt(sealed) {
      if (!sealed.startsWith(VERSION)) throw new Error("stored credentials are in an unknown format (expected a v1: prefix)");
      const blob = Buffer.from(sealed.slice(VERSION.length), "base64");
      if (blob.length < IV_BYTES + TAG_BYTES) throw new Error("stored credentials are truncated");
      const iv = blob.subarray(0, IV_BYTES);
      const tag = blob.subarray(blob.length - TAG_BYTES);
      const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(AAD);
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(blob.subarray(IV_BYTES, blob.length - TAG_BYTES)), decipher.final()]).toString("utf8");
      } catch (error) {
        // OpenSSL's own message ("unable to authenticate data") says nothing a user can act on.
        throw new Error("cannot decrypt stored credentials: TOKEN_KEY is not the key they were saved with, or the data was changed", { cause: error });
      }
    },
  };
}
