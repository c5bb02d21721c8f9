import { describe, expect, it } from "vitest";
import { cdnowToOrders } from "../../../scripts/cdnow-to-ndjson.js";

describe("cdnowToOrders", () => {
  it("makes one order per customer-day, summing dollars and CDs", () => {
    expect(cdnowToOrders(" 00004 0001 19970101  2   29.33\n 00004 0001 19970101  1   0.10\n")).toEqual([{
      id: "00004-19970101", type: "placed_order", contactId: "00004", at: "1997-01-01T00:00:00.000Z", orderId: "00004-19970101",
      value: 29.43, discount: 0, currency: "USD", items: [{ productId: "cd", quantity: 3, price: 9.81 }],
    }]);
  });

  it("skips the master file's header line and reads its four columns", () => {
    const orders = cdnowToOrders("customer_id date number_of_cds dollar_value\r\n 00001 19970101 1 11.77\r\n");
    expect(orders.map((o) => [o.contactId, o.at, o.value])).toEqual([["00001", "1997-01-01T00:00:00.000Z", 11.77]]);
  });
});
