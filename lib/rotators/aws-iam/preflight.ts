/**
 * aws-iam preflight ("Check rotation"): everything a rotation needs, proven without changing anything —
 * AWS answers, the managing login, the IAM user, every IAM action a rotation calls, and a free key slot.
 *
 * The actions are proven by IAM's own policy evaluation (SimulatePrincipalPolicy on the managing identity, for
 * the rotated user's ARN) where the managing identity may simulate itself. Where it may not, read calls prove
 * what they can (GetUser, ListAccessKeys, ListUserTags) and the write actions are reported as not proven, with
 * the permission that would let Rotor prove them.
 */
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { isRotatorError, RotatorError } from "../errors";
import { blockedLine, failedLine, lineFromError, okLine, skippedLine, warningLine } from "../preflight";
import type { CheckLine, PreflightRequest, PreflightResponse } from "../types";
import { parseUserRef } from "./arn";
import { awsCall, BEST_EFFORT_IAM_ACTIONS, REQUIRED_IAM_ACTIONS } from "./aws-errors";
import { createStsClient, managingCredentials } from "./clients";
import { IamTarget } from "./iam-target";
import type { AwsIamInputs } from "./inputs";
import { limitExceededError, MAX_KEYS_PER_USER, planKeyChanges, type IamKey } from "./key-plan";
import { keysMarkedBy, rotorTaggedKeys, type KeyMark } from "./key-tags";

const WHY: Record<string, string> = {
  "iam:GetUser": "find the IAM user",
  "iam:ListAccessKeys": "see the user's access keys",
  "iam:CreateAccessKey": "create the new key",
  "iam:UpdateAccessKey": "deactivate the retiring key",
  "iam:DeleteAccessKey": "delete the retiring key",
  "iam:ListUserTags": "recognise the keys Rotor issued",
  "iam:TagUser": "mark the keys Rotor issues",
  "iam:UntagUser": "drop marks of deleted keys",
};

/** Read calls that prove their own action when SimulatePrincipalPolicy is not allowed. */
const PROVEN_BY_READING = new Set(["iam:GetUser", "iam:ListAccessKeys", "iam:ListUserTags"]);

/**
 * The identity whose policies apply to the managing login, as SimulatePrincipalPolicy takes it: an IAM user's
 * ARN as is; an assumed-role session's role (at path "/": the session ARN does not carry the role's path, and a
 * role on another path answers NoSuchEntity, which falls back to read calls). null for root and federated users.
 */
export function policySourceOf(callerArn: string): string | null {
  const parts = callerArn.split(":");
  if (parts.length !== 6) return null;
  const [, partition, service, , account, resource] = parts;
  if (service === "iam" && resource!.startsWith("user/")) return callerArn;
  if (service === "sts" && resource!.startsWith("assumed-role/")) {
    const role = resource!.split("/")[1];
    return role ? `arn:${partition}:iam::${account}:role/${role}` : null;
  }
  return null;
}

const actionCheck = (action: string) => `The managing identity may call ${action} (${WHY[action] ?? "a rotation calls it"})`;

export async function preflightAwsIam({ inputs, state, context }: PreflightRequest<AwsIamInputs>): Promise<PreflightResponse> {
  const checks: CheckLine[] = [];
  const reach = `Reach AWS IAM and STS (${inputs.region})`;
  const loginCheck = "Sign in with the managing login";
  const userCheck = `IAM user ${inputs.userName} exists`;
  const slotsCheck = "A key slot can be freed for the new key";
  const noSecrets = skippedLine("password-rules", "Password rules", "Not applicable: AWS generates the secret access key.");
  const blockRest = (by: string) => {
    checks.push(blockedLine("user", userCheck, by));
    for (const action of REQUIRED_IAM_ACTIONS) checks.push(blockedLine(action, actionCheck(action), by));
    checks.push(blockedLine("key-slots", slotsCheck, by), noSecrets);
  };

  const parsed = parseUserRef(inputs.userName);
  if (!parsed.ok) {
    checks.push(failedLine("user", userCheck, parsed.message, "Fix the IAM user name or ARN.", { code: "input:invalid", retryable: false }));
    return { checks };
  }
  const ref = parsed.ref;

  let credentials;
  try {
    credentials = await managingCredentials(inputs, context);
  } catch (error) {
    checks.push(skippedLine("reach", reach, "Not checked: there are no managing credentials to sign requests with."), lineFromError("managing-login", loginCheck, error));
    blockRest("the managing login");
    return { checks };
  }

  const target = new IamTarget(ref.userName, { region: inputs.region, credentials, signal: context.signal });
  try {
    // The login alone first, so that wrong keys read as such rather than as an IAM denial.
    let callerArn: string;
    const sts = createStsClient({ region: inputs.region, credentials });
    try {
      const me = await awsCall({ action: "sts:GetCallerIdentity", signedBy: "managing", signerKeyId: credentials.accessKeyId, secrets: target.secrets }, () =>
        sts.send(new GetCallerIdentityCommand({}), context.signal ? { abortSignal: context.signal } : {}),
      );
      callerArn = me.Arn ?? "";
      checks.push(okLine("reach", reach, "AWS answered."), okLine("managing-login", loginCheck, `Signed in as ${callerArn}.`));
    } catch (error) {
      if (isRotatorError(error) && error.code === "auth:managing-login-failed") checks.push(okLine("reach", reach, "AWS answered."), lineFromError("managing-login", loginCheck, error));
      else checks.push(lineFromError("reach", reach, error), blockedLine("managing-login", loginCheck, "reaching AWS"));
      blockRest("the managing login");
      return { checks };
    } finally {
      sts.destroy();
    }

    // Without GetUser, the ARN the inputs give (or the one IAM would give a user at path "/").
    const [, partition, , , account] = callerArn.split(":");
    let userArn = ref.arn?.value ?? `arn:${partition ?? "aws"}:iam::${account ?? ""}:user/${ref.userName}`;
    const user = await outcome(() => target.resolveUser(ref));
    if (user instanceof RotatorError) checks.push(lineFromError("user", userCheck, user));
    else {
      userArn = user.arn;
      checks.push(okLine("user", userCheck, `Found ${user.arn}.`));
    }

    const decisions = await simulated(target, callerArn, userArn, checks);
    const listed = await readCalls(target, decisions, user instanceof RotatorError ? user : true);
    for (const action of REQUIRED_IAM_ACTIONS) checks.push(actionLine(action, decisions, listed, callerArn, userArn));

    const keys = listed["iam:ListAccessKeys"];
    const marks = listed["iam:ListUserTags"];
    if (keys === undefined || keys instanceof RotatorError) checks.push(blockedLine("key-slots", slotsCheck, "listing the user's keys"));
    else checks.push(slotsLine(slotsCheck, ref.userName, keys, marks instanceof Map ? marks : new Map(), state, context.rotatorId));
    checks.push(noSecrets);
    return { checks };
  } finally {
    target.destroy();
  }
}

type Decisions = { how: "simulated"; map: Map<string, string> } | { how: "read calls"; why: string };

/** SimulatePrincipalPolicy for every action, or why it could not be used (then a warning line says so). */
async function simulated(target: IamTarget, callerArn: string, userArn: string, checks: CheckLine[]): Promise<Decisions> {
  const source = policySourceOf(callerArn);
  const check = "Prove the IAM actions with SimulatePrincipalPolicy";
  if (!source) {
    checks.push(skippedLine("simulate", check, `${callerArn} is not an IAM user or role session, so its policies cannot be simulated; checked with read calls instead.`));
    return { how: "read calls", why: "no policy source" };
  }
  try {
    return { how: "simulated", map: await target.simulate(source, REQUIRED_IAM_ACTIONS, userArn) };
  } catch (error) {
    if (!isRotatorError(error) || error.retryable) throw error;
    checks.push(
      warningLine(
        "simulate",
        check,
        `Could not simulate the policies of ${source} (${error.code}); read calls prove what they can, and the actions that change keys are not proven.`,
        `Allow iam:SimulatePrincipalPolicy on ${source}, so that a check proves every action a rotation calls.`,
      ),
    );
    return { how: "read calls", why: error.code };
  }
}

/** The read calls a check makes (by IAM action), each kept with its outcome: a value, or the refusal. */
interface Listed {
  "iam:GetUser": true | RotatorError;
  "iam:ListAccessKeys"?: IamKey[] | RotatorError;
  "iam:ListUserTags"?: Map<string, KeyMark> | RotatorError;
}

async function outcome<T>(run: () => Promise<T>): Promise<T | RotatorError> {
  try {
    return await run();
  } catch (error) {
    // A refusal is a finding; a target that did not answer stops the check (it is retryable).
    if (isRotatorError(error) && !error.retryable) return error;
    throw error;
  }
}

/** The key list and the ownership marks (for the key slots), where the simulation did not already refuse them. */
async function readCalls(target: IamTarget, decisions: Decisions, user: true | RotatorError): Promise<Listed> {
  const allowed = (action: string) => decisions.how === "read calls" || decisions.map.get(action) === "allowed";
  return {
    "iam:GetUser": user,
    "iam:ListAccessKeys": allowed("iam:ListAccessKeys") ? await outcome(() => target.listKeys()) : undefined,
    "iam:ListUserTags": allowed("iam:ListUserTags") ? await outcome(async () => rotorTaggedKeys(await target.listTags())) : undefined,
  };
}

function actionLine(action: string, decisions: Decisions, listed: Listed, callerArn: string, userArn: string): CheckLine {
  const check = actionCheck(action);
  const bestEffort = BEST_EFFORT_IAM_ACTIONS.has(action);
  const grant = `Allow ${action} on ${userArn} in a policy of ${callerArn}.`;
  const denied = (detail: string, fix: string) =>
    bestEffort
      ? warningLine(action, check, `${detail} A rotation works without it, but Rotor cannot mark the keys it issues, so it cannot clean up its own leftovers.`, fix)
      : failedLine(action, check, detail, fix, { code: "auth:permission-denied", retryable: false });
  if (decisions.how === "simulated") {
    const decision = decisions.map.get(action);
    if (decision === "allowed") return okLine(action, check, "Allowed (SimulatePrincipalPolicy).");
    if (decision === "explicitDeny") return denied(`An explicit Deny refuses it (SimulatePrincipalPolicy: explicitDeny).`, `Remove or narrow the Deny statement for ${action} that applies to ${callerArn}.`);
    return denied(`No policy allows it (SimulatePrincipalPolicy: ${decision ?? "no answer"}).`, grant);
  }
  if (!PROVEN_BY_READING.has(action)) return skippedLine(action, check, "Not proven: only SimulatePrincipalPolicy can show it without changing a key.");
  const result = listed[action as keyof Listed];
  if (!(result instanceof RotatorError)) return okLine(action, check, "Allowed (the call worked).");
  return result.code === "auth:permission-denied" ? denied(`AWS refused it: ${result.message}`, grant) : lineFromError(action, check, result);
}

/** Whether the next rotation finds a slot: the same plan `prepare` makes (key-plan.ts), changing nothing. */
function slotsLine(check: string, userName: string, keys: IamKey[], marks: Map<string, KeyMark>, state: PreflightRequest<AwsIamInputs>["state"], rotatorId?: string): CheckLine {
  const plan = planKeyChanges({ keys, state, markedByThisRotator: keysMarkedBy(marks, rotatorId) });
  if (plan.remaining.length >= MAX_KEYS_PER_USER) {
    const error = limitExceededError({ userName, remaining: plan.remaining, state, rotorTagged: marks });
    return failedLine("key-slots", check, error.message, "Delete a key Rotor does not manage once nothing uses it, or import it as this rotator's previous credential.", { code: error.code, retryable: false });
  }
  const freed = plan.deletePrevious ? ` after removing the previous key ${plan.deletePrevious.accessKeyId}` : "";
  return okLine("key-slots", check, `${keys.length} of ${MAX_KEYS_PER_USER} keys in use; the new key fits${freed}.`);
}
