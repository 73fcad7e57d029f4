import "server-only";
/**
 * "Check rotation": the preflight checklist of a rotator (lib/rotators/preflight.ts), run the way its rotations
 * reach the target (login provider, connector). Three callers: the rotator page's button and
 * POST /api/v1/rotators/{id}/check (a saved rotator), the new-rotator form (inputs not saved yet), and the
 * engine's first step of every scheduled run. Nothing here changes the target or Rotor's records.
 */
import type { AppContext } from "../app-context";
import type { RotatorRow } from "../db/schema";
import { getRotatorById } from "../db/queries/rotators";
import { getEnvironmentById } from "../db/queries/environments";
import { AppError, scrubMessage, toAppError } from "../errors";
import { runPreflight, summarizeChecks } from "../rotators/preflight";
import { getRotatorDefinition } from "../rotators/registry";
import type { CheckLine, RotatorContext, RotatorState } from "../rotators/types";
import { decryptSecretInputs, loadInputs } from "./rotator-records";
import { loadState } from "../environments/rotator-state";
import { resolveRotatorContext } from "./rotator-context";
import { resolveUncheckedRotator, type UncheckedRotator } from "./rotator-service";
import { secretStrings } from "./secret-fields";

export interface CheckResult {
  checks: CheckLine[];
  /** No failed line (warnings and skipped lines do not stop a rotation). */
  ok: boolean;
  /** "7 ok, 1 failed, 1 warning". */
  summary: string;
}

/**
 * Runs a type's checklist and makes it safe to show: every line scrubbed of the secrets in play (rotators redact
 * their own messages; this is the second net) and bounded. A check that breaks unexpectedly is an AppError.
 */
export async function checklistOf(
  type: RotatorRow["type"],
  request: { inputs: unknown; state: RotatorState; context: RotatorContext; secrets: string[] },
): Promise<CheckResult> {
  let checks: CheckLine[];
  try {
    ({ checks } = await runPreflight(getRotatorDefinition(type), { inputs: request.inputs, state: request.state, context: request.context }));
  } catch (error) {
    throw toAppError(error, { secrets: request.secrets, prefix: "Check rotation failed" });
  }
  const scrub = (text: string) => scrubMessage(text, request.secrets);
  const safe = checks.map((line) => ({ ...line, check: scrub(line.check), detail: scrub(line.detail), ...(line.fix ? { fix: scrub(line.fix) } : {}) }));
  return { checks: safe, ok: !safe.some((line) => line.status === "failed"), summary: summarizeChecks(safe) };
}

/** The rotator's stored inputs, state and binding, as its next rotation would use them. */
export async function loadCheckRequest(app: AppContext, rotator: RotatorRow, environmentName: string) {
  const state = loadState(app.keyring, rotator);
  const resolved = await resolveRotatorContext(app, {
    type: rotator.type,
    loginProviderId: rotator.loginProviderId,
    connectorId: rotator.connectorId,
    environmentName,
    rotatorName: rotator.name,
  });
  const secrets = [...secretStrings(decryptSecretInputs(app.keyring, rotator)), ...secretStrings(state.current, state.previous), ...resolved.secrets];
  return { inputs: loadInputs(app.keyring, rotator), state, secrets, context: resolved.context };
}

/** Check rotation of a saved rotator (button, API). */
export async function checkRotator(app: AppContext, request: { rotatorId: string }): Promise<CheckResult> {
  const rotator = await getRotatorById({ db: app.db, id: request.rotatorId });
  if (!rotator) throw new AppError("not-found", "That rotator no longer exists.");
  const environment = await getEnvironmentById({ db: app.db, id: rotator.environmentId });
  const loaded = await loadCheckRequest(app, rotator, environment?.name ?? "");
  return checklistOf(rotator.type, { ...loaded, context: { ...loaded.context, checkpoint: async () => undefined, rotatorId: rotator.id } });
}

/** Check rotation of inputs not saved yet (the new-rotator form), with the state it would be created with. */
export async function checkUnsavedRotator(app: AppContext, request: UncheckedRotator & { importState?: Partial<RotatorState> }): Promise<CheckResult> {
  const { inputs, context, secrets } = await resolveUncheckedRotator(app, request);
  const state: RotatorState = { current: request.importState?.current ?? null, previous: request.importState?.previous ?? null };
  return checklistOf(request.type, { inputs, state, context, secrets: [...secrets, ...secretStrings(state.current, state.previous)] });
}
