/**
 * Rounds to 2 decimals: cents for money, hundredths for probabilities and counts. Values the
 * sync writes are rounded so noise in the 5th decimal never rewrites a contact.
 */
export const round2 = (n: number): number => Math.round(n * 100) / 100;
