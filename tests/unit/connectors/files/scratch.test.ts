import { it } from "vitest";
import { writeFileSync } from "node:fs";
import { readCsv, readCsvHeader } from "../../../../src/connectors/files/read-csv.js";
it("scratch", async () => {
  writeFileSync("/tmp/fc/a.csv", 'a,b\r\n1,"x,y"\r\n2,"bad"q\r\n3,z,extra\r\n4,é\r\n5,w');
  const h = await readCsvHeader("/tmp/fc/a.csv");
  console.log(h);
  for await (const r of readCsv("/tmp/fc/a.csv", h!.columns, h!.end)) console.log(JSON.stringify(r));
  for await (const r of readCsv("/tmp/fc/a.csv", h!.columns, {offset: 24, line: 3})) console.log(JSON.stringify(r));
});
