/** The category with the most units, ties broken by name so a rerun gives the same answer; "" when there is none. */
export function topCategory(units: ReadonlyMap<string, number>): string {
  let best = "";
  let bestUnits = 0;
  for (const [category, count] of units) {
    if (count > bestUnits || (count === bestUnits && count > 0 && category < best)) {
      best = category;
      bestUnits = count;
    }
  }
  return best;
}
