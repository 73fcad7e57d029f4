/**
 * The engine running `external` rotators: an adapter that answers late or wrongly fails the run clearly with
 * `current` untouched in the store; a timeout is retried with the same request id; a run resumed after a crash
 * sends the request id recorded (write-ahead) before the crash, and the reference adapter answers it
 * idempotently.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_ACTOR } from "@/test/support/app-context";
import { startExternalTestBed, scriptedAdapter, json, type ExternalTestBed, type ReferenceAdapter, type ScriptedAdapter } from "@/test/support/external-adapter";
import { createEnvironment } from "../environments/service";
import { getRotatorById } from "../db/queries/rotators";
import { getRunById, listStepsByRun } from "../db/queries/runs";
import { externalInputsSchema, type ExternalInputs } from "../rotators/external/inputs";
import { bodyHash } from "../rotators/external/http";
import type { RotatorState } from "../rotators/types";
import { createRotator } from "./rotator-service";
import { rotateNow, startRotation, SimulatedCrash } from "./engine";
import { decryptPending } from "./rotator-records";
import { loadState } from "../environments/rotator-state";

let bed: ExternalTestBed;
let adapter: ReferenceAdapter;
let scripted: ScriptedAdapter;
let environmentId: string;
const fast = { sleep: async () => undefined };

beforeAll(async () => {
  bed = await startExternalTestBed();
  adapter = bed.adapter;
  scripted = await scriptedAdapter();
  environmentId = (await createEnvironment(bed.app, { actor: TEST_ACTOR, name: "prod", description: "" })).id;
}, 120_000);

afterAll(async () => {
  await scripted?.stop();
  await bed?.stop();
});

async function stateOf(id: string): Promise<RotatorState> {
  return loadState(bed.app.keyring, (await getRotatorById({ db: bed.app.db, id }))!);
}

function referenceInputs(username: string): ExternalInputs {
  return externalInputsSchema.parse({ url: `${adapter.url}/rotate`, verifyUrl: `${adapter.url}/verify`, request: { username }, ca: adapter.ca, timeoutMs: 5_000, requiredKeys: "username, password" });
}

describe("external rotator with a misbehaving adapter (through the engine: current untouched)", () => {
  let n = 0;
  async function rotatorWithCurrent() {
    scripted.behave((_req, res) => json(res, 200, { username: "svc", password: `pw-${crypto.randomUUID()}` }));
    const rotator = await createRotator(bed.app, {
      actor: TEST_ACTOR,
      environmentId,
      name: `ext${++n}`,
      type: "external",
      inputs: { url: scripted.url, request: { service: "billing" }, timeoutMs: 1_000, requiredKeys: ["password"] },
    });
    const first = await rotateNow(bed.app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR }, { rotatorContext: fast });
    expect(first.status).toBe("succeeded");
    return { rotator, before: await stateOf(rotator.id) };
  }

  const cases: [string, Parameters<typeof scripted.behave>[0], RegExp][] = [
    ["answers late", (_req, res) => setTimeout(() => json(res, 200, { password: "too-late-password" }), 2_500), /did not answer within 1s\. Nothing was promoted/],
    ["answers with something that is not JSON", (_req, res) => json(res, 200, "<html>hello</html>", "text/html"), /answered HTTP 200 but not with JSON \(Content-Type: text\/html\)/],
    ["answers a JSON array", (_req, res) => json(res, 200, [1, 2]), /but with a JSON array, not a JSON object/],
    ["answers without a required field", (_req, res) => json(res, 200, { username: "svc", token: "secret-token-value" }), /without the field password, which "Fields the answer must have" requires \(its fields: username, token\)/],
    ["answers a field that is not text", (_req, res) => json(res, 200, { password: "p4ssword-value", expires: 3600 }), /fields that are not text \("expires" is a number\)/],
    ["answers more than 64 KiB", (_req, res) => json(res, 200, { password: "x".repeat(70_000) }), /more than 64 KiB/],
    ["redirects", (_req, res) => { res.writeHead(302, { location: "https://elsewhere.example/rotate?key=abc" }); res.end(); }, /redirect to https:\/\/elsewhere\.example\/rotate \(HTTP 302\)\. Rotor does not follow redirects/],
    ["fails, echoing the request (with the current credential) in its error", (_req, res, body) => json(res, 500, { error: `cannot rotate: ${body.toString()}` }), /failed \(HTTP 500: cannot rotate: .*\[redacted\]/],
  ];

  it.each(cases)("an adapter that %s fails the rotation clearly, current untouched", async (_name, behaviour, message) => {
    const { rotator, before } = await rotatorWithCurrent();
    scripted.behave(behaviour);
    const outcome = await rotateNow(bed.app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR }, { rotatorContext: fast });
    expect(outcome.status).toBe("failed");
    expect(outcome.errorMessage).toMatch(message);
    expect(await stateOf(rotator.id)).toEqual(before);
    expect(outcome.errorMessage).not.toContain(before.current!.password);
    for (const leaked of ["too-late-password", "secret-token-value", "p4ssword-value"]) expect(outcome.errorMessage).not.toContain(leaked);
  });

  it("a timeout is retried once with the same request id and body, and a fresh token", async () => {
    const { rotator, before } = await rotatorWithCurrent();
    const start = scripted.seen.length;
    scripted.behave((_req, res, _body, count) => {
      if (count === start + 1) setTimeout(() => json(res, 200, { password: "answer-lost-in-timeout" }), 2_500);
      else json(res, 200, { password: "answered-on-retry-1" });
    });
    const outcome = await rotateNow(bed.app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR }, { rotatorContext: fast });
    expect(outcome.status).toBe("succeeded");
    const [first, retry] = scripted.seen.slice(start);
    expect(retry.headers["idempotency-key"]).toBe(first.headers["idempotency-key"]);
    expect(retry.claims.rotor_request_id).toBe(first.headers["idempotency-key"]);
    expect(retry.body).toBe(first.body);
    expect(JSON.parse(first.body)).toEqual({ request: { service: "billing" }, state: before.current });
    expect(retry.claims.jti).not.toBe(first.claims.jti);
    expect(retry.claims.aud).toBe(scripted.url);
    expect(retry.claims.body_hash).toBe(bodyHash(Buffer.from(first.body)));
    expect(Number(retry.claims.exp) - Number(retry.claims.iat)).toBe(bed.policy.tokenTtlSeconds);
    expect(await stateOf(rotator.id)).toEqual({ current: { password: "answered-on-retry-1" }, previous: before.current });
  });
});

describe("external rotator: a resumed run", () => {
  it("re-sends the request id recorded before the crash, so the reference adapter can answer idempotently", async () => {
    const username = "resumed-user";
    adapter.seed(username, `initial-${username}-password`);
    const rotator = await createRotator(bed.app, {
      actor: TEST_ACTOR,
      environmentId,
      name: `resumed-${username}`,
      type: "external",
      inputs: referenceInputs(username),
      // Verified at the adapter's verify URL before it is accepted.
      importState: { current: { username, password: `initial-${username}-password` } },
    });
    const { runId, completion } = await startRotation(
      bed.app,
      { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR },
      { leaseTtlMs: 1_500, rotatorContext: fast, hooks: { afterStep: (step) => { if (step === "persist pending") throw new SimulatedCrash(step); } } },
    );
    await expect(completion).rejects.toBeInstanceOf(SimulatedCrash);
    const run = (await getRunById({ db: bed.app.db, id: runId }))!;
    const recorded = decryptPending(bed.app.keyring, runId, run.pendingCiphertext!).data.requestId as string;
    expect(recorded).toMatch(/^[0-9a-f-]{36}$/);

    await new Promise((r) => setTimeout(r, 1_700));
    const resumed = await rotateNow(bed.app, { rotatorId: rotator.id, trigger: "user", actor: TEST_ACTOR }, { rotatorContext: fast });
    expect(resumed).toMatchObject({ runId, status: "succeeded" });
    const file = adapter.read();
    expect(file.answers[recorded]).toEqual(expect.objectContaining({ username }));
    const state = await stateOf(rotator.id);
    expect(state.current).toEqual(file.answers[recorded]);
    expect(state.previous).toEqual({ username, password: `initial-${username}-password` });
    expect(adapter.accepts(state.previous!)).toBe(true);
    // The dead process's apply (started with the write-ahead record) shows as interrupted; the resumed one answers.
    const applies = (await listStepsByRun({ db: bed.app.db, runId })).filter((step) => step.name === "apply");
    expect(applies.map((step) => step.status)).toEqual(["interrupted", "succeeded"]);
    expect(applies[1].message).toContain(`Adapter request ${recorded} (sent again after the interruption).`);
  });
});
