// tsc compiles .ts only; the server's handlebars views and static assets ship beside the compiled code.
import { cpSync } from "node:fs";

cpSync("src/server/views", "dist/src/server/views", { recursive: true });
cpSync("src/server/static", "dist/src/server/static", { recursive: true });
