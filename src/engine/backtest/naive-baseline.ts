/** The naive baseline a backtest is measured against: each customer repeats their past order rate. */
export type BaselinePrediction = {
  /** Orders expected in the horizon: the past rate times the horizon. */
  readonly expectedOrders: number;
  /** Probability of no order in the horizon, taking orders as Poisson at that rate: exp(-rate x horizon). */
  readonly churnRisk: number;
};

/**
 * Past rate = repeat orders per day since the first order (the first order is how the customer
 * arrived, not a repeat, as in BG/NBD's frequency). Days since the first order are at least 1,
 * so a customer who arrived on the cutoff day does not divide by zero.
 */
export function naiveBaseline(repeatOrders: number, daysSinceFirstOrder: number, horizonDays: number): BaselinePrediction {
  const rate = repeatOrders / Math.max(1, daysSinceFirstOrder);
  const expectedOrders = rate * horizonDays;
  return { expectedOrders, churnRisk: Math.exp(-expectedOrders) };
}
