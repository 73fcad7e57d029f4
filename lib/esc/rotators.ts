/**
 * How each Rotor rotator type is written in Pulumi ESC (providers/rotators/*.md): ESC inputs and state to
 * Rotor's and back. A Record over RotatorType, so a new type fails the build until it says whether (and how)
 * ESC knows it. Pure: no database, no Next.js.
 *
 * Settings ESC has no field for (TLS mode, password rules of the SQL rotators, …) are listed in `rotorOnly`;
 * the exporter writes them in a `# rotor: {…}` comment above the rotator (ESC ignores comments) and the
 * importer reads them back, so an export re-imports into Rotor unchanged and still opens in ESC.
 */
import type { Credential, RotatorType } from "../rotators/types";
import type { EscValue } from "./evaluate";
import type { EscReader } from "./reader";
import { passwordRulesSchema } from "../rotators/password/rules";
import { getPath } from "../object-paths";

export type LoginValue = EscValue & { kind: "login" };

export interface EscBinding {
  /** aws-iam: the managing login, when it is an aws-login (not static keys in the inputs). */
  login?: LoginValue;
  /** postgres/mysql: `database.connector.awsLambda`. */
  connector?: { lambdaArn: string; login: LoginValue };
}

/** What the exporter names the bindings with (`${…}` references it writes into the inputs). */
export interface EscRefs {
  login?: string;
  connector?: { lambdaArn: string; login: string };
}

/** A secret in ESC's form, or nothing when secrets are left out. */
export type SecretWriter = (value: unknown) => unknown;

export interface EscRotatorMapping {
  /** The name after `fn::rotate::`. */
  provider: string;
  fromEsc(read: EscReader): { inputs: Record<string, unknown>; binding: EscBinding };
  credentialFromEsc(read: EscReader, which: "current" | "previous"): Credential | null;
  toEsc(inputs: Record<string, unknown>, refs: EscRefs, secret: SecretWriter): Record<string, unknown>;
  credentialToEsc(credential: Credential, secret: SecretWriter): unknown;
  /** Rotor input paths that ESC has no field for (carried in the `# rotor:` comment). */
  rotorOnly: readonly string[];
  /** What the import preview notes about settings the file left to a default (Rotor's, or ESC's own). */
  importNotes?(imported: { inputs: Record<string, unknown>; extension: Record<string, unknown>; inputsGiven: boolean }): string[];
}

/** Drops undefined fields (and objects left empty) so schemas see only what the file said. */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map(compact) as T;
  if (!value || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const compacted = compact(child);
    if (compacted === undefined) continue;
    if (compacted && typeof compacted === "object" && !Array.isArray(compacted) && Object.keys(compacted).length === 0) continue;
    out[key] = compacted;
  }
  return out as T;
}

function loginAt(read: EscReader, path: string, required: boolean): LoginValue | undefined {
  const value = read.value(path);
  if (value?.kind === "login") return value;
  if (value || required) read.issues.push({ line: value?.source.line ?? read.fallbackLine, path: `${read.base}.${path}`, message: `${read.base}.${path} must be an fn::open::aws-login (directly or by reference)` });
  return undefined;
}

const get = (object: Record<string, unknown>, key: string) => object[key] as Record<string, unknown> | undefined;

/** `rotorOnly`: the dialect's inputs that ESC has no field for (MySQL's account host, besides the shared ones). */
function sqlMapping(provider: "postgres" | "mysql", rotorOnly: readonly string[]): EscRotatorMapping {
  return {
    provider,
    fromEsc(read) {
      read.map("database");
      let connector: EscBinding["connector"];
      if (read.map("database.connector") && read.map("database.connector.awsLambda")) {
        const lambdaArn = read.text("database.connector.awsLambda.lambdaArn", { required: true });
        const login = loginAt(read, "database.connector.awsLambda.login", true);
        if (lambdaArn && login) connector = { lambdaArn, login };
      }
      read.map("database.managingUser");
      read.map("rotateUsers");
      const inputs = compact({
        host: read.text("database.host", { required: true }),
        port: read.number("database.port"),
        database: read.text("database.database"),
        managing: { username: read.text("database.managingUser.username", { required: true }), password: read.text("database.managingUser.password", { required: true }) },
        username1: read.text("rotateUsers.username1", { required: true }),
        username2: read.text("rotateUsers.username2", { required: true }),
      });
      return { inputs, binding: { connector } };
    },
    credentialFromEsc(read, which) {
      if (!read.map(which)) return null;
      return compact({ username: read.text(`${which}.username`, { required: true }), password: read.text(`${which}.password`, { required: true }) }) as Credential;
    },
    toEsc(inputs, refs, secret) {
      const managing = get(inputs, "managing") ?? {};
      return compact({
        database: {
          connector: refs.connector ? { awsLambda: { login: refs.connector.login, lambdaArn: refs.connector.lambdaArn } } : undefined,
          database: inputs.database,
          host: inputs.host,
          port: inputs.port,
          managingUser: { username: managing.username, password: secret(managing.password) },
        },
        rotateUsers: { username1: inputs.username1, username2: inputs.username2 },
      });
    },
    credentialToEsc: (credential, secret) => compact({ username: credential.username, password: secret(credential.password) }),
    rotorOnly: ["tls", "passwordRules", "timeoutMs", ...rotorOnly],
    importNotes: ({ inputs, extension }) =>
      getPath(extension, "tls")
        ? []
        : [`TLS to the database: ${String(getPath(inputs, "tls.mode"))} (ESC does not say; Rotor's default). Change it on the rotator if the server has no TLS`],
  };
}

/** ESC's password generator defaults (providers/rotators/password.md), applied where the file leaves a field out. */
export const ESC_PASSWORD_DEFAULTS = { length: 16, special: "!@#$%&*()-_=+[]{}<>:?" } as const;

/** A rotator whose ESC state is a bare string (`current: [secret]`), Rotor's a one-field credential. */
function singleFieldState(field: string) {
  return {
    credentialFromEsc(read: EscReader, which: "current" | "previous"): Credential | null {
      const value = read.text(which);
      return value === undefined ? null : { [field]: value };
    },
    credentialToEsc: (credential: Credential, secret: SecretWriter) => secret(credential[field]),
  };
}

export const ESC_ROTATORS: Record<RotatorType, EscRotatorMapping | null> = {
  postgres: sqlMapping("postgres", []),
  mysql: sqlMapping("mysql", ["userHost"]),
  "aws-iam": {
    provider: "aws-iam",
    fromEsc(read) {
      const raw = read.root?.kind === "map" ? read.root.entries.get("login") : undefined;
      let login: LoginValue | undefined;
      let inline: Record<string, unknown> | undefined;
      if (raw?.kind === "map") {
        read.map("login");
        inline = { kind: "static", accessKeyId: read.text("login.accessKeyId", { required: true }), secretAccessKey: read.text("login.secretAccessKey", { required: true }), sessionToken: read.text("login.sessionToken") };
      } else login = loginAt(read, "login", true);
      const inputs = compact({ region: read.text("region"), userName: read.text("userArn", { required: true }), login: inline });
      return { inputs, binding: { login } };
    },
    credentialFromEsc(read, which) {
      if (!read.map(which)) return null;
      read.value(`${which}.createdAt`); // ESC's bookkeeping; Rotor keeps its own times
      return compact({ accessKeyId: read.text(`${which}.accessKeyId`, { required: true }), secretAccessKey: read.text(`${which}.secretAccessKey`, { required: true }) }) as Credential;
    },
    toEsc(inputs, refs, secret) {
      const inline = get(inputs, "login");
      return compact({
        region: inputs.region,
        login: refs.login ?? (inline ? { accessKeyId: inline.accessKeyId, secretAccessKey: secret(inline.secretAccessKey), sessionToken: inline.sessionToken === undefined ? undefined : secret(inline.sessionToken) } : undefined),
        userArn: inputs.userName,
      });
    },
    credentialToEsc: (credential, secret) => compact({ accessKeyId: credential.accessKeyId, secretAccessKey: secret(credential.secretAccessKey) }),
    rotorOnly: ["verifyTimeoutSeconds", "backoff"],
  },
  password: {
    provider: "password",
    fromEsc(read) {
      const passwordRules = {
        length: read.number("length") ?? ESC_PASSWORD_DEFAULTS.length,
        lowercase: read.boolean("lower") ?? true,
        uppercase: read.boolean("upper") ?? true,
        symbols: read.boolean("special") ?? true,
        digits: true,
        minLowercase: read.number("minLower") ?? 0,
        minUppercase: read.number("minUpper") ?? 0,
        minSymbols: read.number("minSpecial") ?? 0,
        minDigits: 0,
        specials: read.text("overrideSpecial") ?? ESC_PASSWORD_DEFAULTS.special,
      };
      return { inputs: { passwordRules }, binding: {} };
    },
    ...singleFieldState("password"),
    toEsc(inputs) {
      // Written out in full: ESC's defaults (16 characters, its specials) are not Rotor's.
      const rules = passwordRulesSchema.parse(get(inputs, "passwordRules") ?? {}) as Record<string, unknown>;
      return compact({
        length: rules.length,
        lower: rules.lowercase,
        upper: rules.uppercase,
        special: rules.symbols,
        minLower: rules.minLowercase,
        minUpper: rules.minUppercase,
        minSpecial: rules.minSymbols,
        overrideSpecial: rules.specials,
      });
    },
    rotorOnly: ["passwordRules.digits", "passwordRules.minDigits"],
    importNotes: ({ inputsGiven }) => (inputsGiven ? [] : [`no inputs: ESC's password defaults apply (${ESC_PASSWORD_DEFAULTS.length} characters)`]),
  },
  passphrase: {
    provider: "passphrase",
    fromEsc(read) {
      return { inputs: compact({ length: read.number("length"), separator: read.text("separator"), capitalize: read.boolean("capitalize") }), binding: {} };
    },
    ...singleFieldState("passphrase"),
    toEsc: (inputs) => compact({ length: inputs.length, separator: inputs.separator, capitalize: inputs.capitalize }),
    rotorOnly: ["digits"],
  },
  // Pulumi ESC has no Redis rotator: such a rotator is listed as not exported.
  redis: null,
  external: {
    provider: "external",
    fromEsc(read) {
      const request = read.json("request", { noSecrets: "Rotor stores the request in clear (ESC sends it as is too): keep secrets in the adapter" });
      return { inputs: compact({ url: read.text("url", { required: true }), request }), binding: {} };
    },
    credentialFromEsc(read, which) {
      // ESC's state is the adapter's last answer, whatever its fields: every one is read, and must be text.
      const value = read.value(which);
      if (!value) return null;
      if (value.kind !== "map") {
        read.issues.push({ line: value.source.line, path: `${read.base}.${which}`, message: `${read.base}.${which} must be a map (the adapter's answer)` });
        return null;
      }
      const credential: Credential = {};
      for (const [key, child] of value.entries) {
        if (child.kind === "scalar" && typeof child.value === "string") credential[key] = child.value;
        else if (child.kind === "scalar" && (typeof child.value === "number" || typeof child.value === "boolean")) credential[key] = String(child.value);
        else read.issues.push({ line: child.source.line, path: `${read.base}.${which}.${key}`, message: `${read.base}.${which}.${key} must be text: Rotor stores an external credential as text fields` });
      }
      return credential;
    },
    toEsc: (inputs) => compact({ url: inputs.url, request: inputs.request }),
    credentialToEsc: (credential, secret) => compact(Object.fromEntries(Object.entries(credential).map(([key, value]) => [key, secret(value)]))),
    rotorOnly: ["verifyUrl", "allowInsecureHttp", "ca", "timeoutMs", "requiredKeys"],
  },
};

export function mappingForProvider(provider: string): { type: RotatorType; mapping: EscRotatorMapping } | undefined {
  for (const [type, mapping] of Object.entries(ESC_ROTATORS) as [RotatorType, EscRotatorMapping | null][]) {
    if (mapping?.provider === provider) return { type, mapping };
  }
  return undefined;
}

export const ESC_PROVIDERS = Object.values(ESC_ROTATORS).flatMap((m) => (m ? [m.provider] : []));
