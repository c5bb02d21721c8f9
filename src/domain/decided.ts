/** How sure the engine is of a value; later issues derive it from data volume. */
export type Confidence = "high" | "medium" | "low";

/** A value the engine decided, with the reason a marketer can read. */
export type Decided<T> = {
  readonly value: T;
  readonly why: string;
  readonly confidence?: Confidence;
};

export const decided = <T>(value: T, why: string, confidence?: Confidence): Decided<T> =>
  confidence === undefined ? { value, why } : { value, why, confidence };
