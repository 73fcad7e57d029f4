/**
 * The contract every rotator keeps, as one shared test suite run against real targets (in the spirit of
 * Vault's sdk/database/dbplugin/v5/testing). A rotator's test file calls it once:
 *
 *   describeRotatorContract("postgres", { rotator: postgresRotator }, async () => {
 *     const { inputs } = await makeFreshUsers();                 // a fresh target for every test
 *     return {
 *       inputs,
 *       checkLogin: (credential) => cluster.checkLogin(credential), // proof independent of the rotator
 *       firstRotation: { username: inputs.username1 },
 *       withWrongManagingLogin: (i) => ({ ...i, managing: { ...i.managing, password: "wrong" } }),
 *     };
 *   });
 *
 * `setup` runs before EVERY test and `cleanup` after it (in afterEach, so a failed test cleans up too).
 *
 * A check never passes by doing nothing. A check that does not apply is declared in `skip` with the reason,
 * and vitest reports it as skipped ("abandon: … (skipped: …)"); a check that applies but lacks what it needs
 * from `setup` (no `checkLogin`, no `importedState`, no `withWrongManagingLogin`) fails and says what to give.
 * `noTarget` (password, passphrase) skips the checks that are about a target at once, with its reason.
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
 * - "abandon": (rotators with `abandon`; skipped for the others, which leave nothing to remove) a failed run
 *   given up with `abandon` leaves what it applied unusable, current (and previous, unless the run reported it
 *   retired) working, and the next rotation succeeds.
 * - "bad-managing-login": with a wrong managing login (`withWrongManagingLogin`), testConnection and a
 *   rotation (prepare → apply) fail with auth:managing-login-failed, not retryable, name no secret, and change
 *   nothing: current and previous still work.
 * - "fresh-secret": prepare generates a different secret on every call.
 * - "commit": commit is pure: pending becomes current, the old current becomes previous.
 * - "imported-state": existing credentials (`importedState`) are accepted as-is and the first rotation keeps
 *   the imported current valid as previous.
 * - Always, after every test: nothing passed to `context.log` contains a secret value.
 *
 * Also exported for rotator-specific tests: `rotateOnce` (prepare → checkpoint → apply → verify → commit, as
 * the engine does it), `expectNoSecrets(errorOrValue, secrets)` and `secretsOf(rotator, credential)`.
 */
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { isRotatorError, type RotatorError } from "@/lib/rotators/errors";
import { secretKeysOf } from "@/lib/rotators/meta";
import { getPath } from "@/lib/object-paths";
import type { Credential, Pending, RotatorContext, RotatorDefinition, RotatorState } from "@/lib/rotators/types";

export type ContractCheck =
  | "test-connection"
  | "first-rotation"
  | "second-rotation"
  | "third-rotation"
  | "verify-credential"
  | "idempotent-apply"
  | "abandoned-pending"
  | "abandon"
  | "bad-managing-login"
  | "fresh-secret"
  | "commit"
  | "imported-state";

export interface ContractOptions<I> {
  rotator: RotatorDefinition<I>;
  /** Checks that do not apply to this rotator, each with the reason (shown in the skipped test's name). */
  skip?: Partial<Record<ContractCheck, string>>;
  /** Why this rotator has no target (it only generates): skips the checks about a target with this reason,
   *  and the other checks assert what the rotator itself returns. */
  noTarget?: string;
}

/** The checks that are about a target: what works there, what stops working, its managing login. */
const TARGET_CHECKS: readonly ContractCheck[] = ["third-rotation", "abandoned-pending", "bad-managing-login"];

export interface ContractTarget<I> {
  /** Inputs pointing at a fresh target (already parsed by `rotator.inputsSchema`). */
  inputs: I;
  /**
   * Whether a credential works at the target, checked WITHOUT the rotator's code (own driver login, own STS
   * call). Required unless the rotator has no target (`noTarget`).
   */
  checkLogin?: (credential: Credential) => Promise<boolean>;
  /** A credential the target must refuse. Default: `valid` with every secret key's value changed. */
  wrongCredential?: (valid: Credential) => Credential;
  /** Fields the first rotation from empty state must produce, e.g. `{ username: inputs.username1 }`. */
  firstRotation?: Partial<Credential>;
  /** Existing, working credentials to import without a reset (for "imported-state"). */
  importedState?: RotatorState;
  /** The same inputs with a managing login the target refuses (a wrong password or secret key), for
   *  "bad-managing-login". */
  withWrongManagingLogin?: (inputs: I) => I;
  /** Extra context (databaseConnector, awsCredentials, sleep...). `checkpoint` and `log` are provided. */
  context?: Partial<RotatorContext>;
  cleanup?: () => Promise<void>;
}

export interface Harness<I> {
  rotator: RotatorDefinition<I>;
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

/** The secret values of a credential, by the rotator's secret keys (`secretKeysOf`). */
export function secretsOf(rotator: RotatorDefinition<unknown>, credential: Credential | null | undefined): string[] {
  if (!credential) return [];
  return secretKeysOf(rotator, credential).map((k) => credential[k]).filter((v): v is string => typeof v === "string");
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
  for (const key of secretKeysOf(rotator, valid)) {
    if (typeof wrong[key] === "string") wrong[key] = `${wrong[key]}-wrong`;
  }
  return wrong;
}

/** Secret values in inputs, by the rotator's `secretInputPaths` (the managing password, a secret key). */
function secretInputsOf(rotator: RotatorDefinition<unknown>, inputs: unknown): string[] {
  return rotator.secretInputPaths.map((p) => getPath(inputs, p)).filter((v): v is string => typeof v === "string");
}

/** The RotatorError a promise rejects with (fails the test when it resolves or rejects with anything else). */
export async function rejection(promise: Promise<unknown>): Promise<RotatorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRotatorError(error), `expected a RotatorError, got ${inspect(error)}`).toBe(true);
  return error as RotatorError;
}

export function describeRotatorContract<I>(name: string, options: ContractOptions<I>, setup: () => Promise<ContractTarget<I>>): void {
  const { rotator } = options;
  const anyRotator = rotator as RotatorDefinition<unknown>;
  const skipped: Partial<Record<ContractCheck, string>> = {
    ...(options.noTarget ? Object.fromEntries(TARGET_CHECKS.map((id) => [id, options.noTarget])) : {}),
    ...(rotator.abandon ? {} : { abandon: `${name} has no abandon: a failed run leaves nothing at the target to remove` }),
    ...options.skip,
  };

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
          for (const s of secretsOf(anyRotator, pending.credential)) seenSecrets.add(s);
        },
        log: (message, fields) => logs.push(`${message} ${textOf(fields ?? {})}`),
      };
      current = { rotator, target, context, checkpoints, logs };
      return current;
    }

    /** One check: reported as skipped (with why) where it does not apply, never passed without asserting. */
    const check = (id: ContractCheck, title: string, body: (h: Harness<I>) => Promise<void>) => {
      const reason = skipped[id];
      if (reason) it.skip(`${id}: ${title} (skipped: ${reason})`, () => {});
      else it(`${id}: ${title}`, async () => body(await harness()));
    };

    /** What `setup` must give for a check that applies. */
    function needs<T>(value: T | undefined, what: string, needer: string): T {
      if (value === undefined) throw new Error(`${name}: ${needer} needs ${what} from setup; give it, or skip the check with the reason.`);
      return value;
    }
    const checkLoginOf = (h: Harness<I>) =>
      options.noTarget ? null : needs(h.target.checkLogin, "checkLogin (a login at the target, without the rotator's code)", "a check that logs in");

    const works = async (h: Harness<I>, credential: Credential | null) => {
      expect(credential).not.toBeNull();
      const checkLogin = checkLoginOf(h);
      if (checkLogin) expect(await checkLogin(credential!), `credential should work: ${JSON.stringify(Object.keys(credential!))}`).toBe(true);
    };
    const fails = async (h: Harness<I>, credential: Credential) => {
      const checkLogin = needs(h.target.checkLogin, "checkLogin", "a check that a credential stopped working");
      expect(await checkLogin(credential), `credential should no longer work: ${JSON.stringify(Object.keys(credential))}`).toBe(false);
    };
    const empty: RotatorState = { current: null, previous: null };

    check("test-connection", "testConnection succeeds with details", async ({ target, context }) => {
      const result = await rotator.testConnection({ inputs: target.inputs, context });
      expect(result.ok).toBe(true);
      expect(Array.isArray(result.details)).toBe(true);
      expectNoSecrets(result, [...secretsOf(anyRotator, target.importedState?.current), ...secretInputsOf(anyRotator, target.inputs)]);
    });

    check("first-rotation", "the first rotation from empty state makes a working current", async (h) => {
      const { target, context } = h;
      const { state } = await rotateOnce(rotator, target.inputs, empty, context);
      expect(state.previous).toBeNull();
      expect(state.current).not.toBeNull();
      if (target.firstRotation) expect(state.current).toMatchObject(target.firstRotation);
      // What the engine stores must pass the schema it validates imported state with.
      expect(rotator.credentialSchema.safeParse(state.current).success).toBe(true);
      for (const key of secretKeysOf(rotator, state.current)) expect(typeof state.current![key]).toBe("string");
      await works(h, state.current);
    });

    check("second-rotation", "the second rotation keeps the old current valid as previous", async (h) => {
      const { target, context } = h;
      const first = await rotateOnce(rotator, target.inputs, empty, context);
      const second = await rotateOnce(rotator, target.inputs, first.state, context);
      expect(second.state.previous).toEqual(first.state.current);
      expect(second.state.current).not.toEqual(first.state.current);
      await works(h, second.state.current);
      await works(h, second.state.previous);
      for (const credential of [second.state.current!, second.state.previous!]) {
        await expect(rotator.verifyCredential({ inputs: target.inputs, credential, context })).resolves.toEqual({ ok: true });
      }
    });

    check("third-rotation", "only the last two credentials stay valid", async (h) => {
      const { target, context } = h;
      const first = await rotateOnce(rotator, target.inputs, empty, context);
      const second = await rotateOnce(rotator, target.inputs, first.state, context);
      const third = await rotateOnce(rotator, target.inputs, second.state, context);
      expect(third.state.previous).toEqual(second.state.current);
      await works(h, third.state.current);
      await works(h, third.state.previous);
      await fails(h, first.state.current!);
    });

    check("verify-credential", "verifyCredential refuses a wrong credential without leaking it", async (h) => {
      const { target, context } = h;
      const { state } = await rotateOnce(rotator, target.inputs, empty, context);
      await expect(rotator.verifyCredential({ inputs: target.inputs, credential: state.current!, context })).resolves.toEqual({ ok: true });
      const wrong = (target.wrongCredential ?? ((v) => defaultWrong(anyRotator, v)))(state.current!);
      const error = await rejection(rotator.verifyCredential({ inputs: target.inputs, credential: wrong, context }));
      expect(error.message.length).toBeGreaterThan(10);
      expectNoSecrets(error, [...secretsOf(anyRotator, wrong), ...secretsOf(anyRotator, state.current)]);
      await works(h, state.current);
    });

    check("idempotent-apply", "apply twice with the same pending converges", async (h) => {
      const { target, context, checkpoints } = h;
      const { pending } = await rotator.prepare({ inputs: target.inputs, state: empty, context });
      await context.checkpoint(pending);
      const once = await rotator.apply({ inputs: target.inputs, state: empty, pending, context });
      // A crash here loses `once`; a resumed run starts from the last checkpoint.
      const resumeFrom = checkpoints.at(-1)!;
      const twice = await rotator.apply({ inputs: target.inputs, state: empty, pending: resumeFrom, context, resumed: true });
      expect(twice.pending.credential).toEqual(once.pending.credential);
      await rotator.verify({ inputs: target.inputs, credential: twice.pending.credential, context });
      const { state } = rotator.commit({ state: empty, pending: twice.pending });
      await works(h, state.current);
    });

    check("abandoned-pending", "an applied but uncommitted run leaves current working; the next rotation succeeds", async (h) => {
      const { target, context } = h;
      const first = await rotateOnce(rotator, target.inputs, empty, context);
      const { pending } = await rotator.prepare({ inputs: target.inputs, state: first.state, context });
      await context.checkpoint(pending);
      await rotator.apply({ inputs: target.inputs, state: first.state, pending, context });
      // Crash: never verified, never committed.
      await works(h, first.state.current);
      const next = await rotateOnce(rotator, target.inputs, first.state, context);
      expect(next.state.previous).toEqual(first.state.current);
      await works(h, next.state.current);
      await works(h, next.state.previous);
    });

    check("abandon", "abandon removes what a failed run applied and keeps current (and previous) working", async (h) => {
      const { target } = h;
      const abandon = rotator.abandon!.bind(rotator);
      const first = await rotateOnce(rotator, target.inputs, empty, h.context);
      const second = await rotateOnce(rotator, target.inputs, first.state, h.context);
      let retired = false;
      const context: RotatorContext = { ...h.context, previousRetired: async () => void (retired = true) };
      const { pending } = await rotator.prepare({ inputs: target.inputs, state: second.state, context });
      await context.checkpoint(pending);
      const applied = await rotator.apply({ inputs: target.inputs, state: second.state, pending, context });
      // The run fails here (say verify gives up); the engine abandons it instead of resuming.
      await abandon({ inputs: target.inputs, state: second.state, pending: applied.pending, context });
      await works(h, second.state.current);
      if (!retired) await works(h, second.state.previous);
      const given = applied.pending.credential;
      const inState = [second.state.current, second.state.previous].some((c) => JSON.stringify(c) === JSON.stringify(given));
      if (given && !inState) await fails(h, given);
      // As the engine continues: a run that retired previous leaves a state without it.
      const state = retired ? { current: second.state.current, previous: null } : second.state;
      const next = await rotateOnce(rotator, target.inputs, state, h.context);
      expect(next.state.previous).toEqual(second.state.current);
      await works(h, next.state.current);
      await works(h, next.state.previous);
    });

    check("bad-managing-login", "a wrong managing login fails clearly, leaks nothing and changes nothing", async (h) => {
      const { target, context } = h;
      const wrongLogin = needs(target.withWrongManagingLogin, "withWrongManagingLogin", '"bad-managing-login"');
      const first = await rotateOnce(rotator, target.inputs, empty, context);
      const { state } = await rotateOnce(rotator, target.inputs, first.state, context);
      const inputs = wrongLogin(target.inputs);
      const secrets = [...secretInputsOf(anyRotator, inputs), ...secretInputsOf(anyRotator, target.inputs), ...secretsOf(anyRotator, state.current), ...secretsOf(anyRotator, state.previous)];
      expect(secretInputsOf(anyRotator, inputs), "the wrong login differs in a secret input").not.toEqual(secretInputsOf(anyRotator, target.inputs));
      const tested = await rejection(rotator.testConnection({ inputs, context }));
      expect(tested.code).toBe("auth:managing-login-failed");
      expectNoSecrets(tested, secrets);
      // The rotation fails where the rotator first reaches the target: in prepare (aws-iam) or in apply.
      let pending: Pending | undefined;
      const rotation = await rejection(
        (async () => {
          ({ pending } = await rotator.prepare({ inputs, state, context }));
          await context.checkpoint(pending);
          await rotator.apply({ inputs, state, pending, context });
        })(),
      );
      expect(rotation.code).toBe("auth:managing-login-failed");
      expect(rotation.retryable, "a wrong login is not retried").toBe(false);
      expectNoSecrets(rotation, [...secrets, ...secretsOf(anyRotator, pending?.credential)]);
      await works(h, state.current);
      await works(h, state.previous);
    });

    check("fresh-secret", "prepare generates a different secret on every call", async ({ target, context }) => {
      const a = await rotator.prepare({ inputs: target.inputs, state: empty, context });
      const b = await rotator.prepare({ inputs: target.inputs, state: empty, context });
      const sa = secretsOf(anyRotator, a.pending.credential);
      const sb = secretsOf(anyRotator, b.pending.credential);
      expect(sa.length, "prepare generated no secret").toBeGreaterThan(0);
      expect(sb.length).toBe(sa.length);
      for (let i = 0; i < sa.length; i++) expect(sa[i]).not.toEqual(sb[i]);
    });

    check("commit", "commit moves current to previous and pending to current", async () => {
      const old: Credential = { marker: "old" };
      const older: Credential = { marker: "older" };
      const next: Credential = { marker: "next" };
      const result = rotator.commit({ state: { current: old, previous: older }, pending: { credential: next, data: {} } });
      expect(result.state).toEqual({ current: next, previous: old });
      const fromEmpty = rotator.commit({ state: empty, pending: { credential: next, data: {} } });
      expect(fromEmpty.state).toEqual({ current: next, previous: null });
    });

    check("imported-state", "imported credentials stay valid through the first rotation", async (h) => {
      const { target, context } = h;
      const imported = needs(target.importedState, "importedState (working credentials to import)", '"imported-state"');
      expect(imported.current, "importedState has a current credential").not.toBeNull();
      for (const c of [imported.current, imported.previous]) {
        if (c) await expect(rotator.verifyCredential({ inputs: target.inputs, credential: c, context })).resolves.toEqual({ ok: true });
      }
      const { state } = await rotateOnce(rotator, target.inputs, imported, context);
      expect(state.previous).toEqual(imported.current);
      await works(h, state.current);
      await works(h, state.previous);
    });
  });
}
