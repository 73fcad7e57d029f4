/**
 * AWS Lambda's Invoke API for the fake (restJson1, API version 2015-03-31), running registered in-process
 * handlers — e.g. Rotor's real connector handler — so the connector is tested through @aws-sdk/client-lambda's
 * real serialization, SigV4 signing ('lambda') and error parsing:
 *
 *   POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=…]
 *   FunctionName: a name, a full ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]) or a
 *   partial ARN (<account>:function:<name>); functions are per region (the one in the signature's scope).
 *
 * As AWS documents it:
 * - X-Amz-Invocation-Type RequestResponse (default, 200 with the function's result as the payload), Event
 *   (202, runs in the background) or DryRun (204, only the checks).
 * - The caller needs lambda:InvokeFunction (AccessDeniedException 403); unknown function or qualifier other
 *   than $LATEST → ResourceNotFoundException 404; a body that is not JSON → InvalidRequestContentException 400.
 * - A handler that throws or runs past its timeout is still HTTP 200, with X-Amz-Function-Error: Unhandled and
 *   `{ errorType, errorMessage, trace }` as the payload.
 * - The handler gets the parsed payload as its event and a context with awsRequestId, functionName,
 *   invokedFunctionArn and getRemainingTimeInMillis().
 * - GetFunctionConfiguration / UpdateFunctionConfiguration (GET / PUT /2015-03-31/functions/{name}/configuration,
 *   lambda:GetFunctionConfiguration / lambda:UpdateFunctionConfiguration): a new `Environment.Variables` map
 *   replaces the old one and, as on AWS, takes effect in fresh instances: a function registered with
 *   `createHandler(environment)` gets a new handler built from it (e.g. the connector's secret).
 */
import connectorRuntime from "../../../connector/runtime.json";
import { FakeAwsError } from "./errors";
import type { FakeAws } from "./api";
import { parseAuthorization } from "./sigv4";
import { policyAllows, type FakePrincipal } from "./store";
import type { SignedRequest } from "./sigv4";

export interface FakeLambdaContext {
  awsRequestId: string;
  functionName: string;
  invokedFunctionArn: string;
  getRemainingTimeInMillis(): number;
}

export type FakeLambdaHandler = (event: unknown, context: FakeLambdaContext) => unknown | Promise<unknown>;

export interface FakeLambdaFunction {
  name: string;
  region: string;
  arn: string;
  timeoutSeconds: number;
  handler: FakeLambdaHandler;
  /** The function's environment variables (Environment.Variables). */
  environment: Record<string, string>;
  /** Builds the handler from the environment (re-run when the configuration changes). */
  createHandler?: (environment: Record<string, string>) => FakeLambdaHandler;
  lastModified: Date;
}

export interface FakeLambdaInvocation {
  functionArn: string;
  invocationType: string;
  status: number;
  functionError?: string;
}

export type RegisterFunctionOptions = { name: string; region?: string; timeoutSeconds?: number; environment?: Record<string, string> } & (
  | { handler: FakeLambdaHandler }
  | { createHandler: (environment: Record<string, string>) => FakeLambdaHandler }
);

export interface LambdaAdmin {
  /** Default region us-east-1, timeout 30 s (AWS's default is 3 s; connectors are deployed with more). */
  registerFunction(options: RegisterFunctionOptions): FakeLambdaFunction;
  removeFunction(name: string, region?: string): void;
  invocations(): readonly FakeLambdaInvocation[];
}

const PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const CONFIG_PATH = /^\/2015-03-31\/functions\/([^/]+)\/configuration$/;
const FULL_ARN = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::([$A-Za-z0-9_-]+))?$/;
const PARTIAL_ARN = /^(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::([$A-Za-z0-9_-]+))?$/;
const NAME = /^([A-Za-z0-9_-]{1,64})(?::([$A-Za-z0-9_-]+))?$/;

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function installLambda(fake: FakeAws): LambdaAdmin {
  const accountId = fake.accountId;
  const functions = new Map<string, FakeLambdaFunction>(); // key: region/name
  const log: FakeLambdaInvocation[] = [];


  /** The function a request names (name, ARN or partial ARN, in the signature's region), after authorizing. */
  function resolve(request: SignedRequest, encodedName: string, permission: string, caller: FakePrincipal | null): FakeLambdaFunction {
    const region = parseAuthorization(header(request.headers.authorization))!.region;
    const raw = decodeURIComponent(encodedName);
    const url = new URL(request.url, "http://fake.invalid");
    let name: string | undefined;
    let account = accountId;
    let qualifier = url.searchParams.get("Qualifier") ?? undefined;
    let arnRegion = region;
    const full = FULL_ARN.exec(raw);
    const partial = PARTIAL_ARN.exec(raw);
    const plain = NAME.exec(raw);
    if (full) {
      arnRegion = full[1]!;
      account = full[2]!;
      name = full[3]!;
      qualifier = full[4] ?? qualifier;
    } else if (partial) {
      account = partial[1]!;
      name = partial[2]!;
      qualifier = partial[3] ?? qualifier;
    } else if (plain) {
      name = plain[1]!;
      qualifier = plain[2] ?? qualifier;
    } else {
      throw new FakeAwsError(
        "ValidationException",
        `1 validation error detected: Value '${raw}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`,
        400,
      );
    }
    const arn = `arn:aws:lambda:${arnRegion}:${account}:function:${name}`;
    if (caller && !policyAllows(caller.policy, permission)) {
      throw new FakeAwsError(
        "AccessDeniedException",
        `User: ${caller.arn} is not authorized to perform: ${permission} on resource: ${arn} because no identity-based policy allows the ${permission} action`,
        403,
      );
    }
    const fn = account === accountId && arnRegion === region ? functions.get(`${region}/${name}`) : undefined;
    if (!fn || (qualifier !== undefined && qualifier !== "$LATEST")) {
      throw new FakeAwsError("ResourceNotFoundException", `Function not found: ${arn}${qualifier ? `:${qualifier}` : ""}`, 404);
    }
    return fn;
  }

  const configuration = (fn: FakeLambdaFunction) =>
    JSON.stringify({
      FunctionName: fn.name,
      FunctionArn: fn.arn,
      Runtime: connectorRuntime.lambdaRuntime,
      Handler: "index.handler",
      Timeout: fn.timeoutSeconds,
      MemorySize: 256,
      LastModified: fn.lastModified.toISOString().replace("Z", "+0000"),
      Version: "$LATEST",
      Environment: { Variables: fn.environment },
      State: "Active",
      LastUpdateStatus: "Successful",
    });

  fake.registerRoute({
    method: "GET",
    path: CONFIG_PATH,
    signingName: "lambda",
    handler({ request, match, caller }) {
      const fn = resolve(request, match[1]!, "lambda:GetFunctionConfiguration", caller);
      return { status: 200, headers: { "content-type": "application/json" }, body: configuration(fn) };
    },
  });

  fake.registerRoute({
    method: "PUT",
    path: CONFIG_PATH,
    signingName: "lambda",
    handler({ request, match, caller }) {
      const fn = resolve(request, match[1]!, "lambda:UpdateFunctionConfiguration", caller);
      let body: { Environment?: { Variables?: Record<string, string> }; Timeout?: number };
      try {
        body = JSON.parse(request.body.toString("utf8") || "{}");
      } catch {
        throw new FakeAwsError("InvalidRequestContentException", "Could not parse request body into json", 400);
      }
      if (body.Timeout !== undefined) {
        if (!Number.isInteger(body.Timeout) || body.Timeout < 1 || body.Timeout > 900) {
          throw new FakeAwsError("InvalidParameterValueException", "Timeout must be between 1 and 900 seconds.", 400);
        }
        fn.timeoutSeconds = body.Timeout;
      }
      if (body.Environment) {
        fn.environment = { ...(body.Environment.Variables ?? {}) };
        // New configuration, new instances: the handler (and its in-memory state) starts afresh.
        if (fn.createHandler) fn.handler = fn.createHandler(fn.environment);
      }
      fn.lastModified = new Date();
      return { status: 200, headers: { "content-type": "application/json" }, body: configuration(fn) };
    },
  });

  fake.registerRoute({
    method: "POST",
    path: PATH,
    signingName: "lambda",
    async handler({ request, match, caller, requestId }) {
      const fn = resolve(request, match[1]!, "lambda:InvokeFunction", caller);
      const raw = decodeURIComponent(match[1]!);
      const invocationType = header(request.headers["x-amz-invocation-type"]) ?? "RequestResponse";
      if (!["RequestResponse", "Event", "DryRun"].includes(invocationType)) {
        throw new FakeAwsError("InvalidParameterValueException", `Unsupported invocation type ${invocationType}`, 400);
      }
      let event: unknown = {};
      const text = request.body.toString("utf8");
      if (text.trim() !== "") {
        try {
          event = JSON.parse(text);
        } catch (error) {
          throw new FakeAwsError("InvalidRequestContentException", `Could not parse request body into json: ${(error as Error).message}`, 400);
        }
      }
      if (invocationType === "DryRun") {
        log.push({ functionArn: fn.arn, invocationType, status: 204 });
        return { status: 204, body: "" };
      }

      const deadline = Date.now() + fn.timeoutSeconds * 1000;
      const context: FakeLambdaContext = {
        awsRequestId: requestId,
        functionName: fn.name,
        invokedFunctionArn: raw.startsWith("arn:") ? raw : fn.arn,
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      };
      const run = async (): Promise<{ ok: true; value: unknown } | { ok: false; error: { errorType: string; errorMessage: string; trace: string[] } }> => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(Object.assign(new Error(`${new Date().toISOString()} ${requestId} Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`), { name: "Sandbox.Timedout" })),
            fn.timeoutSeconds * 1000,
          );
        });
        try {
          return { ok: true, value: await Promise.race([Promise.resolve().then(() => fn.handler(event, context)), timeout]) };
        } catch (error) {
          const e = error instanceof Error ? error : new Error(String(error));
          return { ok: false, error: { errorType: e.name || "Error", errorMessage: e.message, trace: (e.stack ?? "").split("\n").slice(1, 6).map((l) => l.trim()) } };
        } finally {
          clearTimeout(timer);
        }
      };

      if (invocationType === "Event") {
        void run();
        log.push({ functionArn: fn.arn, invocationType, status: 202 });
        return { status: 202, body: "" };
      }
      const outcome = await run();
      const headers: Record<string, string> = { "content-type": "application/json", "x-amz-executed-version": "$LATEST" };
      if (!outcome.ok) headers["x-amz-function-error"] = "Unhandled";
      log.push({ functionArn: fn.arn, invocationType, status: 200, ...(outcome.ok ? {} : { functionError: "Unhandled" }) });
      return { status: 200, headers, body: JSON.stringify(outcome.ok ? (outcome.value ?? null) : outcome.error) };
    },
  });

  return {
    registerFunction(options) {
      const { name, region = "us-east-1", timeoutSeconds = 30 } = options;
      const environment = { ...(options.environment ?? {}) };
      const createHandler = "createHandler" in options ? options.createHandler : undefined;
      const handler = "handler" in options ? options.handler : options.createHandler(environment);
      const fn: FakeLambdaFunction = {
        name,
        region,
        arn: `arn:aws:lambda:${region}:${accountId}:function:${name}`,
        timeoutSeconds,
        handler,
        environment,
        createHandler,
        lastModified: new Date(),
      };
      functions.set(`${region}/${name}`, fn);
      return fn;
    },
    removeFunction(name, region = "us-east-1") {
      functions.delete(`${region}/${name}`);
    },
    invocations: () => log,
  };
}
