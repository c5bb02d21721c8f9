import { z } from "zod";

// `.default()` before `.describe()`: in zod 4 the description stays on the outer schema only in that order.
// The priors are Fader, Hardie & Lee's (2005) CDNOW estimates, the one public anchor for these models:
// BG/NBD r = 0.243, alpha = 4.414 weeks (x 7 = 30.898 days), a = 0.793, b = 2.426; Gamma-Gamma p = 6.25,
// q = 3.74, gamma = 15.44 (1997 US dollars, fitted on calibration-period repeat orders). They describe a
// 1997 CD shop, not this store: they only steady small stores until the store's own history speaks.

/** How the BTYD predictions (P(alive), churn risk, expected orders, spend, CLV, next order) are fitted and reported. */
export const PredictionSettingsSchema = z.object({
  minRepeatCustomers: z.number().int().min(1).default(200)
    .describe("Repeat customers needed before the store's own fit is used as is; below it the fit is blended toward the priors in proportion (a 4-parameter model on fewer repeat buyers wanders)."),
  priorOnlyBelow: z.number().int().min(0).default(20)
    .describe("With fewer repeat customers than this no fit is attempted and the priors are used outright."),
  priorR: z.number().positive().default(0.243)
    .describe("Prior BG/NBD r, shape of the purchase-rate distribution (CDNOW, Fader, Hardie & Lee 2005)."),
  priorAlphaDays: z.number().positive().default(30.898)
    .describe("Prior BG/NBD alpha in days, scale of the purchase-rate distribution (CDNOW 4.414 weeks x 7)."),
  priorA: z.number().positive().default(0.793)
    .describe("Prior BG/NBD a, first shape of the dropout-probability distribution (CDNOW)."),
  priorB: z.number().positive().default(2.426)
    .describe("Prior BG/NBD b, second shape of the dropout-probability distribution (CDNOW)."),
  priorP: z.number().positive().default(6.25)
    .describe("Prior Gamma-Gamma p, shape of one order's value (CDNOW, Fader, Hardie & Lee 2005b)."),
  priorQ: z.number().gt(1).default(3.74)
    .describe("Prior Gamma-Gamma q, shape of customers' spend rates (CDNOW); above 1 so mean spend is finite."),
  priorGamma: z.number().positive().default(15.44)
    .describe("Prior Gamma-Gamma gamma in the store's currency (CDNOW dollars); rescaled to the store's mean order value when it has any."),
  annualDiscountRate: z.number().min(0).max(1).default(0.1)
    .describe("Yearly discount rate for CLV, applied monthly as (1 + rate)^(1/12) - 1."),
  churnHorizonDays: z.number().int().min(1).max(730).default(90)
    .describe("Churn risk is the chance of no order within this many days."),
  clvMonths: z.number().int().min(1).max(60).default(12)
    .describe("Months of future orders summed into the predicted CLV."),
  nextOrderMaxDays: z.number().int().min(1).max(1825).default(365)
    .describe("An expected next order date further away than this is left empty (the contact is unlikely to order soon)."),
});
/** Prediction settings with every default filled in. */
export type PredictionSettings = z.infer<typeof PredictionSettingsSchema>;
