/**
 * The contract every rotator keeps, as one shared test suite run against real targets (in the spirit of
 * Vault's sdk/database/dbplugin/v5/testing). A rotator's test file calls it once:
 *
 *   describeRotatorContract("postgres", async () => {
 *     const { inputs, cleanup } = await makeFreshUsers();       // a fresh target for every test
 *     return {
 *       rotator: postgresRotator,
 *       inputs,
 *       checkLogin: (credential) => cluster.checkLogin(credential), // proof independent of the rotator
 *       firstRotation: { username: inputs.username1 },
 *       cleanup,
 *     };
 *   });
 *
 * `setup` runs before EVERY test and `cleanup` after it, so tests never see each other's state.
 *
 * What is checked (names usable in `skip`):
 * - "test-connection": testConnection resolves { ok: true, details: string[] }.
 * - "first-rotation": from empty state, current is the new credential (matches `firstRotation`), previous is
 *   null, and it logs in.
 * - "second-rotation": the old current becomes previous; both log in and both pass verifyCredential.
 * - "third-rotation": only two credentials are valid at a time — the one from the first rotation stops working.
 * - "verify-credential": a wrong credential is refused with a RotatorError whose message, cause and stack do
 *   not contain the wrong secret.
 * - "idempotent-apply": apply twice with the same pending (the last one `checkpoint`ed, as a resumed run
 *   would) converges to the same credential, which verifies and logs in.
 * - "abandoned-pending": a run that applied but never committed leaves current working, and a fresh
 *   rotation afterwards succeeds with both current and previous working.
 * - "fresh-secret": prepare generates a different secret on every call (when prepare generates one).
 * - "commit": commit is pure: pending becomes current, the old current becomes previous.
 * - "imported-state": (when `importedState` is given) existing credentials are accepted as-is and the first
 *   rotation keeps the imported current valid as previous.
 * - Always, after every test: nothing passed to `context.log` contains a secret value.
 *
 * Also exported for rotator-specific tests: `rotateOnce` (prepare → checkpoint → apply → verify → commit, as
 * the engine does it), `expectNoSecrets(errorOrValue, secrets)` and `secretsOf(rotator, credential)`.
 */
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { isRotatorError } from "@/lib/rotators/errors";
import type { Credential, Pending, RotatorContext, RotatorDefinition, RotatorState } from "@/lib/rotators/types";

export type ContractCheck =
  | "test-connection"
  | "first-rotation"
  | "second-rotation"
  | "third-rotation"
  | "verify-credential"
  | "idempotent-apply"
  | "abandoned-pending"
  | "fresh-secret"
  | "commit"
  | "imported-state";

export interface ContractTarget<I> {
  rotator: RotatorDefinition<I>;
  /** Inputs pointing at a fresh target (already parsed by `rotator.inputsSchema`). */
  inputs: I;
  /**
   * Whether a credential works at the target, checked WITHOUT the rotator's code (own driver login, own STS
   * call). Omit only for rotators that have no target (`password`): the login checks are then skipped.
   */
  checkLogin?: (credential: Credential) => Promise<boolean>;
  /** A credential the target must refuse. Default: `valid` with every secret key's value changed. */
  wrongCredential?: (valid: Credential) => Credential;
  /** Fields the first rotation from empty state must produce, e.g. `{ username: inputs.username1 }`. */
  firstRotation?: Partial<Credential>;
  /** Existing, working credentials to import without a reset (enables "imported-state"). */
  importedState?: RotatorState;
  /** Extra context (databaseConnector, awsCredentials, sleep...). `checkpoint` and `log` are provided. */
  context?: Partial<RotatorContext>;
  /** Checks that do not apply to this rotator; say why next to the list. */
  skip?: ContractCheck[];
  cleanup?: () => Promise<void>;
}

export interface Harness<I> {
  target: ContractTarget<I>;
  context: RotatorContext;
  /** Every pending passed to `checkpoint`, in order. */
  checkpoints: Pending[];
  logs: string[];
}

/** Every string in `value` (deep), for "does this contain a secret" checks. */
function textOf(value: unknown): string {
  return inspect(value, { depth: 20, showHidden: false, breakLength: Infinity, maxStringLength: Infinity });
}

/** Assert that an error (message, cause chain, stack, own properties) contains none of the secrets. */
export function expectNoSecrets(value: unknown, secrets: readonly (string | undefined | null)[]): void {
  const parts = [textOf(value)];
  for (let e: unknown = value, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    parts.push(e.message, e.stack ?? "");
  }
  const text = parts.join("\n");
  for (const secret of secrets) {
    if (secret && secret.length >= 4) {
      expect(text.includes(secret), "a secret value leaked into an error or log").toBe(false);
    }
  }
}

/** The secret values of a credential, by the rotator's `secretCredentialKeys`. */
export function secretsOf(rotator: RotatorDefinition<unknown>, credential: Credential | null | undefined): string[] {
  if (!credential) return [];
  return rotator.secretCredentialKeys.map((k) => credential[k]).filter((v): v is string => typeof v === "string");
}

/** Run one full rotation the way the engine does: prepare → checkpoint → apply → verify → commit. */
export async function rotateOnce<I>(
  rotator: RotatorDefinition<I>,
  inputs: I,
  state: RotatorState,
  context: RotatorContext,
): Promise<{ state: RotatorState; credential: Credential }> {
  const { pending } = await rotator.prepare({ inputs, state, context });
  await context.checkpoint(pending);
  const applied = await rotator.apply({ inputs, state, pending, context });
  await context.checkpoint(applied.pending);
  await rotator.verify({ inputs, credential: applied.pending.credential, context });
  const committed = rotator.commit({ state, pending: applied.pending });
  return { state: committed.state, credential: applied.pending.credential };
}

function defaultWrong(rotator: RotatorDefinition<unknown>, valid: Credential): Credential {
  const wrong = { ...valid };
  for (const key of rotator.secretCredentialKeys) {
    if (typeof wrong[key] === "string") wrong[key] = `${wrong[key]}-wrong`;
  }
  return wrong;
}

export function describeRotatorContract<I>(name: string, setup: () => Promise<ContractTarget<I>>): void {
  describe(`rotator contract: ${name}`, () => {
    let current: Harness<I> | undefined;
    const seenSecrets = new Set<string>();

    afterEach(async () => {
      const h = current;
      current = undefined;
      try {
        if (h) {
          // Logs are read by operators and shipped to log stores: no secret, ever.
          expectNoSecrets(h.logs, [...seenSecrets]);
        }
      } finally {
        seenSecrets.clear();
        await h?.target.cleanup?.();
      }
    });

    async function harness(): Promise<Harness<I>> {
      const target = await setup();
      const checkpoints: Pending[] = [];
      const logs: string[] = [];
      const context: RotatorContext = {
        ...target.context,
        checkpoint: async (pending) => {
          checkpoints.push(structuredClone(pending));
          for (const s of secretsOf(target.rotator as RotatorDefinition<unknown>, pending.credential)) seenSecrets.add(s);
        },
        log: (message, fields) => logs.push(`${message} ${textOf(fields ?? {})}`),
      };
      current = { target, context, checkpoints, logs };
      return current;
    }

    const check = (id: ContractCheck, title: string, body: (h: Harness<I>) => Promise<void>) =>
      it(`${id}: ${title}`, async (ctx) => {
        const h = await harness();
        if (h.target.skip?.includes(id)) {
          ctx.skip();
          return;
        }
        await body(h);
      });

    const works = async (h: Harness<I>, credential: Credential | null) => {
      if (!h.target.checkLogin) return;
      expect(credential).not.toBeNull();
      expect(await h.target.checkLogin(credential!), `credential should work: ${JSON.stringify(Object.keys(credential!))}`).toBe(true);
    };
    const fails = async (h: Harness<I>, credential: Credential) => {
      if (!h.target.checkLogin) return;
      expect(await h.target.checkLogin(credential)).toBe(false);
    };
    const empty: RotatorState = { current: null, previous: null };

    check("test-connection", "testConnection succeeds with details", async ({ target, context }) => {
      const result = await target.rotator.testConnection({ inputs: target.inputs, context });
      expect(result.ok).toBe(true);
      expect(Array.isArray(result.details)).toBe(true);
      expectNoSecrets(result, secretsOf(target.rotator as RotatorDefinition<unknown>, target.importedState?.current));
    });

    check("first-rotation", "the first rotation from empty state makes a working current", async (h) => {
      const { target, context } = h;
      const { state } = await rotateOnce(target.rotator, target.inputs, empty, context);
      expect(state.previous).toBeNull();
      expect(state.current).not.toBeNull();
      if (target.firstRotation) expect(state.current).toMatchObject(target.firstRotation);
      // What the engine stores must pass the schema it validates imported state with.
      expect(target.rotator.credentialSchema.safeParse(state.current).success).toBe(true);
      for (const key of target.rotator.secretCredentialKeys) expect(typeof state.current![key]).toBe("string");
      await works(h, state.current);
    });

    check("second-rotation", "the second rotation keeps the old current valid as previous", async (h) => {
      const { target, context } = h;
      const first = await rotateOnce(target.rotator, target.inputs, empty, context);
      const second = await rotateOnce(target.rotator, target.inputs, first.state, context);
      expect(second.state.previous).toEqual(first.state.current);
      expect(second.state.current).not.toEqual(first.state.current);
      await works(h, second.state.current);
      await works(h, second.state.previous);
      for (const credential of [second.state.current!, second.state.previous!]) {
        await expect(target.rotator.verifyCredential({ inputs: target.inputs, credential, context })).resolves.toEqual({ ok: true });
      }
    });

    check("third-rotation", "only the last two credentials stay valid", async (h) => {
      const { target, context } = h;
      const first = await rotateOnce(target.rotator, target.inputs, empty, context);
      const second = await rotateOnce(target.rotator, target.inputs, first.state, context);
      const third = await rotateOnce(target.rotator, target.inputs, second.state, context);
      expect(third.state.previous).toEqual(second.state.current);
      await works(h, third.state.current);
      await works(h, third.state.previous);
      await fails(h, first.state.current!);
    });

    check("verify-credential", "verifyCredential refuses a wrong credential without leaking it", async (h) => {
      const { target, context } = h;
      const { state } = await rotateOnce(target.rotator, target.inputs, empty, context);
      await expect(target.rotator.verifyCredential({ inputs: target.inputs, credential: state.current!, context })).resolves.toEqual({ ok: true });
      const wrong = (target.wrongCredential ?? ((v) => defaultWrong(target.rotator as RotatorDefinition<unknown>, v)))(state.current!);
      const error = await target.rotator.verifyCredential({ inputs: target.inputs, credential: wrong, context }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isRotatorError(error), `expected a RotatorError, got ${inspect(error)}`).toBe(true);
      expect((error as Error).message.length).toBeGreaterThan(10);
      expectNoSecrets(error, [...secretsOf(target.rotator as RotatorDefinition<unknown>, wrong), ...secretsOf(target.rotator as RotatorDefinition<unknown>, state.current)]);
      await works(h, state.current);
    });

    check("idempotent-apply", "apply twice with the same pending converges", async (h) => {
      const { target, context, checkpoints } = h;
      const { pending } = await target.rotator.prepare({ inputs: target.inputs, state: empty, context });
      await context.checkpoint(pending);
      const once = await target.rotator.apply({ inputs: target.inputs, state: empty, pending, context });
      // A crash here loses `once`; a resumed run starts from the last checkpoint.
      const resumeFrom = checkpoints.at(-1)!;
      const twice = await target.rotator.apply({ inputs: target.inputs, state: empty, pending: resumeFrom, context, resumed: true });
      expect(twice.pending.credential).toEqual(once.pending.credential);
      await target.rotator.verify({ inputs: target.inputs, credential: twice.pending.credential, context });
      const { state } = target.rotator.commit({ state: empty, pending: twice.pending });
      await works(h, state.current);
    });

    check("abandoned-pending", "an applied but uncommitted run leaves current working; the next rotation succeeds", async (h) => {
      const { target, context } = h;
      const first = await rotateOnce(target.rotator, target.inputs, empty, context);
      const { pending } = await target.rotator.prepare({ inputs: target.inputs, state: first.state, context });
      await context.checkpoint(pending);
      await target.rotator.apply({ inputs: target.inputs, state: first.state, pending, context });
      // Crash: never verified, never committed.
      await works(h, first.state.current);
      const next = await rotateOnce(target.rotator, target.inputs, first.state, context);
      expect(next.state.previous).toEqual(first.state.current);
      await works(h, next.state.current);
      await works(h, next.state.previous);
    });

    check("fresh-secret", "prepare generates a different secret on every call", async ({ target, context }) => {
      const a = await target.rotator.prepare({ inputs: target.inputs, state: empty, context });
      const b = await target.rotator.prepare({ inputs: target.inputs, state: empty, context });
      const rotator = target.rotator as RotatorDefinition<unknown>;
      const sa = secretsOf(rotator, a.pending.credential);
      const sb = secretsOf(rotator, b.pending.credential);
      for (let i = 0; i < Math.min(sa.length, sb.length); i++) expect(sa[i]).not.toEqual(sb[i]);
    });

    check("commit", "commit moves current to previous and pending to current", async ({ target }) => {
      const old: Credential = { marker: "old" };
      const older: Credential = { marker: "older" };
      const next: Credential = { marker: "next" };
      const result = target.rotator.commit({ state: { current: old, previous: older }, pending: { credential: next, data: {} } });
      expect(result.state).toEqual({ current: next, previous: old });
      const fromEmpty = target.rotator.commit({ state: empty, pending: { credential: next, data: {} } });
      expect(fromEmpty.state).toEqual({ current: next, previous: null });
    });

    check("imported-state", "imported credentials stay valid through the first rotation", async (h) => {
      const { target, context } = h;
      if (!target.importedState) return;
      const imported = target.importedState;
      for (const c of [imported.current, imported.previous]) {
        if (c) await expect(target.rotator.verifyCredential({ inputs: target.inputs, credential: c, context })).resolves.toEqual({ ok: true });
      }
      const { state } = await rotateOnce(target.rotator, target.inputs, imported, context);
      expect(state.previous).toEqual(imported.current);
      await works(h, state.current);
      await works(h, state.previous);
    });
  });
}
