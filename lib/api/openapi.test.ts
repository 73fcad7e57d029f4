/**
 * The OpenAPI document is valid OpenAPI 3.1 (checked by a validator library), and it describes exactly the
 * operations the app serves: every method exported by a route file under app/api/v1 is an operation in the
 * document with the same path, and every operation in the document is served.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Validator } from "@seriousme/openapi-schema-validator";
import { buildOpenApiDocument } from "./openapi";
import { API_ROUTES } from "./routes";
import { openApiRoute } from "./routes/meta";
import { handleApiRequest } from "./route";
import type { AppContext } from "../app-context";

const ROOT = path.resolve(__dirname, "../..");
const API_DIR = path.join(ROOT, "app/api/v1");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

const document = buildOpenApiDocument([...API_ROUTES, openApiRoute], "https://rotor.example.com") as unknown as {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; security: unknown[]; responses: Record<string, { content?: Record<string, unknown> }> }>>;
};

/** Route files and the methods they export, as OpenAPI paths ("[name]" → "{name}"). */
async function servedOperations(): Promise<string[]> {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === "route.ts") out.push(full);
    }
  };
  walk(API_DIR);
  const operations: string[] = [];
  for (const file of out) {
    const relative = path.relative(API_DIR, path.dirname(file)).split(path.sep);
    if (relative[0] === "[...path]") continue; // the problem+json 404 for everything else
    const apiPath = `/${relative.map((s) => s.replace(/^\[(\w+)\]$/, "{$1}")).join("/")}`;
    const source = fs.readFileSync(file, "utf8");
    for (const method of METHODS) if (new RegExp(`export const ${method} = nextRoute\\(`).test(source)) operations.push(`${method} ${apiPath}`);
  }
  return operations.sort();
}

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    expect(document.openapi).toBe("3.1.0");
    const result = await new Validator().validate(structuredClone(document) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("describes every operation the app serves, and only those", async () => {
    const documented = Object.entries(document.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    expect(documented).toEqual(await servedOperations());
    expect(documented.length).toBeGreaterThanOrEqual(28);
  });

  it("gives every protected operation its bearer security and the problem+json refusals", () => {
    for (const [p, ops] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (p === "/openapi.json" || p === "/auth/token") continue;
        expect(op.security, `${method} ${p}`).toEqual([{ bearer: [] }]);
        expect(Object.keys(op.responses[401].content!), `${method} ${p}`).toEqual(["application/problem+json"]);
        expect(op.responses[403], `${method} ${p}`).toBeDefined();
      }
    }
  });

  it("states what each operation needs as data (x-rotor-access), the same rule the door applies", () => {
    const ops = Object.values(document.paths).flatMap((o) => Object.values(o)) as unknown as { operationId: string; "x-rotor-access": unknown }[];
    const open = ops.find((o) => o.operationId === "openEnvironment")!;
    expect(open["x-rotor-access"]).toEqual({ capability: "environment.open", role: "operator", scopes: ["read", "rotate", "admin"] });
    expect(ops.find((o) => o.operationId === "getOpenApiDocument")!["x-rotor-access"]).toBeNull();
    // Roll back needs what a rotation needs: an operator, or a rotate/admin token.
    expect(ops.find((o) => o.operationId === "rollbackRotator")!["x-rotor-access"]).toEqual({ capability: "rotation.start", role: "operator", scopes: ["rotate", "admin"] });
    expect(Object.keys(document.paths["/rotators/{id}/rollback"].post.responses)).toEqual(expect.arrayContaining(["200", "401", "403", "409"]));
    for (const route of API_ROUTES) {
      const op = ops.find((o) => o.operationId === route.operationId)!;
      expect(op["x-rotor-access"], route.operationId).toEqual(route.auth === "none" ? null : expect.objectContaining({ capability: route.auth }));
    }
  });

  it("is served by the route that builds it", async () => {
    // A public operation: the door needs no store for it.
    const response = await handleApiRequest(openApiRoute, {} as AppContext, new Request("http://rotor.test/api/v1/openapi.json"), {});
    expect(response.status).toBe(200);
    expect((await response.json()).paths["/environments/{name}/open"].get.operationId).toBe("openEnvironment");
  });
});
