/**
 * The deployment pack, checked with the tools that will read it (no container engine or cluster runs here):
 *   - Prometheus rules: `promtool check rules` and their unit tests (`promtool test rules`);
 *   - every metric the alert rules and the Grafana dashboard name is one Rotor's real /api/metrics exports;
 *   - Kubernetes: `kubectl kustomize` renders both overlays, with the shape each promises;
 *   - compose.yaml and the Dockerfile: they parse, and reference only files that exist (or that
 *     deploy/compose/init-secrets.sh creates), and only settings Rotor knows.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { promtoolTestRules, promtool } from "@/test/support/promtool";
import { SETTING_NAMES } from "@/lib/env";
import { startScriptNodeFlags } from "@/e2e/support/rotor-server";

const root = path.resolve(__dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");

// --- metric names ---------------------------------------------------------------------------------------------

const PROMQL_WORDS = new Set([
  ...["sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values", "group"],
  ...["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset"],
  ...["rate", "irate", "increase", "delta", "idelta", "deriv", "histogram_quantile", "time", "absent", "absent_over_time", "abs"],
  ...["clamp_min", "clamp_max", "round", "scalar", "vector", "label_replace", "label_join", "sort", "sort_desc", "timestamp"],
  ...["max_over_time", "min_over_time", "avg_over_time", "sum_over_time", "count_over_time", "changes", "resets", "inf", "nan"],
]);

/** The metric names an expression selects: identifiers left once strings, matchers, ranges and groupings go. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, "")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\$\w+/g, " ");
  return [...new Set([...bare.matchAll(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\b/g)].map((m) => m[0]).filter((name) => !PROMQL_WORDS.has(name)))];
}

/** Prometheus's own series, not Rotor's. */
const PROMETHEUS_SERIES = new Set(["up"]);

const exported = new Set<string>();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-deploy-metrics-"));
const saved = { ...process.env };

beforeAll(async () => {
  // The real route, on a fresh embedded store, with the bearer token.
  vi.resetModules();
  for (const key of Object.keys(process.env)) if (key.startsWith("ROTOR_") || key === "DATABASE_URL") delete process.env[key];
  Object.assign(process.env, { ROTOR_DATA_DIR: dataDir, ROTOR_METRICS_TOKEN: "deploy-test-token-0123456789" });
  const { GET } = await import("@/app/api/metrics/route");
  const response = await GET(new Request("http://rotor.test/api/metrics", { headers: { authorization: "Bearer deploy-test-token-0123456789" } }));
  expect(response.status).toBe(200);
  const text = await response.text();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    exported.add(name);
    if (type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) exported.add(`${name}${suffix}`);
  }
  for (const [, name] of text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm)) exported.add(name);
  expect(exported).toContain("rotor_rotations_total");
  expect(exported).toContain("rotor_rotation_duration_seconds_bucket");
});

afterAll(async () => {
  const { getStore } = await import("@/lib/db/client");
  await (await getStore()).close();
  process.env = saved;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("metric name extraction", () => {
  it("finds the metrics of an expression and nothing else", () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le, type) (rate(rotor_rotation_duration_seconds_bucket{job="$job", status=~"a|b"}[5m])))')).toEqual(["rotor_rotation_duration_seconds_bucket"]);
    expect(metricNames("time() - max by (rotator) (rotor_rotator_last_success_timestamp_seconds) > 1.5 * max(foo_bar)")).toEqual(["rotor_rotator_last_success_timestamp_seconds", "foo_bar"]);
  });
});

describe("Prometheus alert rules", () => {
  it("pass promtool's check and their unit tests", () => {
    const check = promtool(["check", "rules", path.join(root, "deploy/prometheus/rotor-alerts.yml")]);
    expect(check.status, check.output).toBe(0);
    const tests = promtoolTestRules([path.join(root, "deploy/prometheus/rotor-alerts.test.yml")]);
    expect(tests.status, tests.output).toBe(0);
    expect(tests.output).toMatch(/SUCCESS/);
  });

  it("name only metrics Rotor exports", () => {
    const rules = parse(read("deploy/prometheus/rotor-alerts.yml")) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const alerts = rules.groups.flatMap((g) => g.rules);
    expect(alerts.map((r) => r.alert)).toEqual(
      expect.arrayContaining(["RotorRotatorFailing", "RotorRotatorOverdue", "RotorRotatorHeld", "RotorNoSuccessfulRotation", "RotorSchedulerNotRunning", "RotorMetricsScrapeDown"]),
    );
    for (const rule of alerts) {
      for (const name of metricNames(rule.expr)) if (!PROMETHEUS_SERIES.has(name)) expect(exported, `${rule.alert}: ${name}`).toContain(name);
    }
  });
});

describe("Grafana dashboard", () => {
  it("queries only metrics Rotor exports, in every panel", () => {
    const dashboard = JSON.parse(read("deploy/grafana/rotor-dashboard.json")) as { panels: { title: string; targets?: { expr: string }[] }[]; templating: { list: { query?: unknown }[] } };
    const titles = dashboard.panels.map((p) => p.title);
    expect(titles).toEqual(expect.arrayContaining(["Rotations by status", "Rotation duration (p50, p95) by type", "Rotators needing attention", "Next rotations"]));
    const expressions = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
    expect(expressions.length).toBeGreaterThanOrEqual(dashboard.panels.length);
    for (const { panel, expr } of expressions) {
      const names = metricNames(expr);
      expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) expect(exported, `${panel}: ${name}`).toContain(name);
    }
  });
});

// --- Kubernetes ---------------------------------------------------------------------------------------------

interface K8sObject {
  kind: string;
  metadata: { name: string };
  spec?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const rendered = new Map<string, K8sObject[]>();

function render(overlay: string): K8sObject[] {
  if (rendered.has(overlay)) return rendered.get(overlay)!;
  // Newer kustomize notes the v2-compatible fields on stderr (deploy/kubernetes/base/kustomization.yaml).
  const out = execFileSync("kubectl", ["kustomize", path.join(root, "deploy/kubernetes/overlays", overlay)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  rendered.set(overlay, parseAllDocuments(out).map((d) => d.toJSON() as K8sObject));
  return rendered.get(overlay)!;
}

const deployment = (objects: K8sObject[], name: string) => objects.find((o) => o.kind === "Deployment" && o.metadata.name === name)!;
const container = (d: K8sObject) => d.spec!.template.spec.containers[0];
const envOf = (d: K8sObject) => Object.fromEntries((container(d).env ?? []).map((e: { name: string; value: string }) => [e.name, e.value]));

function expectProbes(d: K8sObject) {
  const c = container(d);
  expect(c.livenessProbe.httpGet.path).toBe("/api/health");
  expect(c.readinessProbe.httpGet.path).toBe("/api/health?probe=ready");
  expect(d.spec!.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
}

describe("Kubernetes manifests", () => {
  it("embedded: one replica on a PersistentVolumeClaim, recreated (never two processes on one PGlite directory)", () => {
    const objects = render("embedded");
    const rotor = deployment(objects, "rotor");
    expect(rotor.spec!.replicas).toBe(1);
    expect(rotor.spec!.strategy).toEqual({ type: "Recreate" });
    expectProbes(rotor);
    const claim = objects.find((o) => o.kind === "PersistentVolumeClaim")!;
    const volume = rotor.spec!.template.spec.volumes.find((v: { persistentVolumeClaim?: { claimName: string } }) => v.persistentVolumeClaim);
    expect(volume.persistentVolumeClaim.claimName).toBe(claim.metadata.name);
    expect(container(rotor).volumeMounts).toContainEqual({ name: volume.name, mountPath: "/data" });
    expect(envOf(rotor).ROTOR_DATA_DIR).toBe("/data");
    expect(objects.some((o) => o.kind === "Deployment" && o.metadata.name === "rotor-worker")).toBe(false);
  });

  it("postgres: several replicas and a worker, DATABASE_URL and the master key from a Secret", () => {
    const objects = render("postgres");
    const rotor = deployment(objects, "rotor");
    const worker = deployment(objects, "rotor-worker");
    expect(rotor.spec!.replicas).toBeGreaterThanOrEqual(2);
    expectProbes(rotor);
    expect(container(worker).command).toEqual(["node", "worker.js"]);
    for (const d of [rotor, worker]) {
      const env = envOf(d);
      expect(env).toMatchObject({ DATABASE_URL_FILE: "/run/secrets/rotor/database-url", ROTOR_MASTER_KEY_FILE: "/run/secrets/rotor/master-key" });
      expect(env.DATABASE_URL).toBeUndefined();
      expect(env.ROTOR_MASTER_KEY).toBeUndefined();
      const secret = d.spec!.template.spec.volumes.find((v: { secret?: { secretName: string } }) => v.secret?.secretName === "rotor");
      expect(container(d).volumeMounts).toContainEqual({ name: secret.name, mountPath: "/run/secrets/rotor", readOnly: true });
    }
    // No secret values in the manifests themselves.
    expect(objects.some((o) => o.kind === "Secret")).toBe(false);
  });

  it("set only settings Rotor parses", () => {
    for (const overlay of ["embedded", "postgres"]) {
      for (const d of render(overlay).filter((o) => o.kind === "Deployment")) {
        for (const name of Object.keys(envOf(d))) expect(isSetting(name), `${overlay}/${d.metadata.name}: ${name}`).toBe(true);
      }
    }
  });
});

// --- compose and Dockerfile ---------------------------------------------------------------------------------

function isSetting(name: string): boolean {
  const base = name.replace(/_FILE$/, "");
  return SETTING_NAMES.includes(base);
}

describe("compose.yaml", () => {
  interface Service {
    build?: { context: string };
    image: string;
    command?: string[];
    environment?: Record<string, string>;
    secrets?: string[];
  }
  const compose = parse(read("compose.yaml"), { merge: true }) as { services: Record<string, Service>; secrets: Record<string, { file: string }> };

  it("runs Rotor, PostgreSQL and one worker from the image this repository builds", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["postgres", "rotor", "worker"]);
    const { rotor, worker } = compose.services;
    expect(rotor.build!.context).toBe(".");
    expect(fs.existsSync(path.join(root, rotor.build!.context, "Dockerfile"))).toBe(true);
    expect(worker.image).toBe(rotor.image);
    expect(worker.command).toEqual(["node", "worker.js"]);
    // The image's worker.js is the bundle scripts/build.mjs puts beside server.js.
    expect(read("scripts/build.mjs")).toContain('path.join(standalone, "worker.js")');
  });

  it("reads every secret from a file that init-secrets.sh creates, and sets only settings Rotor parses", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-compose-secrets-"));
    try {
      execFileSync("sh", [path.join(root, "deploy/compose/init-secrets.sh"), dir], { encoding: "utf8" });
      const created = fs.readdirSync(dir).sort();
      for (const [name, secret] of Object.entries(compose.secrets)) {
        expect(path.dirname(path.normalize(secret.file)), name).toBe(path.normalize("deploy/compose/secrets"));
        expect(created, name).toContain(path.basename(secret.file));
      }
      expect(fs.readFileSync(path.join(dir, "master-key"), "utf8").trim()).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(fs.readFileSync(path.join(dir, "database-url"), "utf8")).toContain(`:${fs.readFileSync(path.join(dir, "postgres-password"), "utf8").trim()}@postgres:5432/`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(read(".gitignore") + read("deploy/compose/.gitignore")).toMatch(/^secrets\/$/m);
    for (const service of ["rotor", "worker"]) {
      const { environment = {}, secrets = [] } = compose.services[service];
      for (const [name, value] of Object.entries(environment)) {
        expect(isSetting(name), `${service}: ${name}`).toBe(true);
        // Secrets come as files only, and each file is a secret the service mounts.
        expect(name, `${service}: ${name} holds a secret; use ${name}_FILE`).not.toMatch(/^(DATABASE_URL|ROTOR_MASTER_KEY|ROTOR_METRICS_TOKEN|ROTOR_ADMIN_PASSWORD|AUTH_SECRET)$/);
        if (name.endsWith("_FILE")) expect(secrets.map((s) => `/run/secrets/${s}`), `${service}: ${name}`).toContain(value);
      }
    }
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");

  it("copies only sources that exist, builds with npm run build, runs unprivileged with a health check", () => {
    const ignored = read(".dockerignore").split("\n").filter((l) => l && !l.startsWith("#") && !l.startsWith("!"));
    for (const [, sources] of dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)) {
      for (const source of sources.split(/\s+/)) {
        expect(fs.existsSync(path.join(root, source)), `COPY ${source}`).toBe(true);
        if (source !== ".") expect(ignored, `COPY ${source} is excluded by .dockerignore`).not.toContain(source);
      }
    }
    // What the runtime stage copies from the build stage is what `npm run build` writes.
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    for (const [, source] of dockerfile.matchAll(/^COPY --from=build (?:--\S+ )*(\S+) \S+$/gm)) expect(source).toBe("/src/.next/standalone");
    expect(dockerfile).toMatch(/^FROM node:\d+|^ARG NODE_IMAGE=node:(2[4-9]|[3-9]\d)-\S*slim$/m);
    expect(dockerfile).toMatch(/^USER rotor$/m);
    expect(dockerfile).toMatch(/^VOLUME \["\/data"\]$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/api\/health/m);
    expect(dockerfile).toMatch(/org\.opencontainers\.image\.revision=/);
    // The server runs with the Node flags `npm start` gives it (package.json's start script).
    expect(JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? "null")).toEqual(["node", ...startScriptNodeFlags(root), "server.js"]);
    // Secrets and local state stay out of the build context.
    expect(ignored).toEqual(expect.arrayContaining([".env", "data", "node_modules", ".next", "deploy/compose/secrets"]));
  });
});
