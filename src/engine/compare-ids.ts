/** Code-unit order, not localeCompare: rankings must not depend on the machine's locale. */
export const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
