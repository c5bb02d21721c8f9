import type { Generators } from "./candidate.js";
import { abandonedCartSource } from "./abandoned-cart-source.js";
import { bestsellersSource } from "./bestsellers.js";
import { complementarySource } from "./complementary-source.js";
import { newArrivalsSource } from "./new-arrivals.js";
import { personalSource } from "./personal-source.js";
import { recentViewsSource } from "./recent-views-source.js";
import { replenishmentSource } from "./replenishment-source.js";
import { similarSource } from "./similar-source.js";
import { trendingSource } from "./trending.js";

/** One generator per source a slot may name. */
export const GENERATORS: Generators = {
  personal: personalSource,
  complementary: complementarySource,
  similar: similarSource,
  trending: trendingSource,
  new_arrivals: newArrivalsSource,
  bestsellers: bestsellersSource,
  replenishment: replenishmentSource,
  recent_views: recentViewsSource,
  abandoned_cart: abandonedCartSource,
};
