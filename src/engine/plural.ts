/** "1 order", "3 orders": counts in reasons a marketer reads. */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
