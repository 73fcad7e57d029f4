/**
 * Compatibility mode: drive an existing Pulumi ESC rotation-connector Lambda (github.com/pulumi/esc-rotator-lambdas)
 * as a `DatabaseConnector`. Its whole API is one event:
 *
 *   { type: "postgres"|"mysql", host, port, database,
 *     managingUser: { username, password }, rotateUser: { username, password, newPassword } }
 *   → { code: 200, message: "ok" } | { code: 400, message }
 *
 * What that means for a rotation, and what Rotor does about it:
 * - It cannot log in as a user, so nothing can be verified: `verifyLogin` answers `{ ok: true, skipped }` and
 *   the run's verify step is recorded as "skipped" with the reason (the two-user rotator still sets the
 *   password on every attempt, which is idempotent).
 * - It has no read-only operation. `ping` invokes it with an event type it does not know (it answers 400
 *   "unknown event type" without touching the database), which proves only that the function is there and may
 *   be invoked. Never a postgres event without `newPassword`: one known implementation would run
 *   `ALTER USER … WITH PASSWORD NULL` and lock the user out.
 * - It does not authenticate requests beyond IAM and chooses TLS itself: `verify-full` cannot be honoured and is
 *   refused; other modes get a warning.
 * - MySQL: it alters `'user'` (host '%'), so accounts with another host part are refused rather than rotating a
 *   different account.
 * - `rotateUser.password` (the user's current password) is not used by the connector; Rotor sends "".
 */
import { RotatorError, redactSecrets } from "../rotators/errors";
import type { DatabaseConnection, PingResponse } from "../rotators/sql/connector";
import { invokeLambda, type LambdaTarget } from "./lambda";
import type { LambdaDatabaseConnector } from "./lambda-connector";

export const ESC_VERIFY_SKIPPED =
  "the connector is Pulumi ESC-compatible and cannot log in as the user, so Rotor could not prove that the new password works";

/** An event type no ESC connector handles: the probe that changes nothing. */
const PROBE_EVENT = { type: "rotor-connection-probe" };

interface EscAnswer {
  code: number;
  message: string;
}

function parseAnswer(fn: string, raw: unknown): EscAnswer {
  const a = raw as Partial<EscAnswer> | null;
  if (!a || typeof a !== "object" || typeof a.code !== "number") {
    throw new RotatorError(
      "connector:failed",
      `The function ${fn} did not answer like a Pulumi ESC connector ({ code, message }). Is the connector's mode right?`,
    );
  }
  return { code: a.code, message: typeof a.message === "string" ? a.message : "" };
}

function checkTls(connection: DatabaseConnection) {
  if (connection.tls.mode === "verify-full") {
    throw new RotatorError(
      "input:invalid",
      'A Pulumi ESC-compatible connector cannot verify the database certificate (TLS mode "verify-full"). Use Rotor\'s connector, or TLS mode "require".',
    );
  }
}

export function createEscLambdaConnector(options: LambdaTarget): LambdaDatabaseConnector {
  const fn = options.functionName;

  async function probe(): Promise<EscAnswer> {
    return parseAnswer(fn, await invokeLambda(options, PROBE_EVENT));
  }

  return {
    async ping({ connection, managing, users = [] }): Promise<PingResponse> {
      checkTls(connection);
      await probe();
      return {
        ok: true,
        serverVersion: `unknown (the Pulumi ESC-compatible connector ${fn} cannot inspect the database)`,
        authenticatedAs: `${managing.username} (not checked)`,
        privilege: null,
        users: users.map((u) => ({ ...u, exists: null, canLogin: null, changeable: null })),
        notInspected: `the Pulumi ESC-compatible connector ${fn} cannot log in without changing a password; the first rotation checks this`,
        warnings: [
          `Only checked that ${fn} can be invoked: an ESC connector cannot log in without changing a password, so the managing login and the users are checked by the first rotation.`,
          "New passwords cannot be verified through an ESC connector: every rotation's verify step will be skipped.",
          "An ESC connector does not authenticate Rotor's requests beyond IAM and chooses TLS to the database itself; Rotor's own connector does both.",
        ],
      };
    },

    async setPassword({ connection, managing, user, newPassword }) {
      checkTls(connection);
      // Only MySQL accounts have a host; ESC's connector rotates by user name alone, i.e. the host '%'.
      if ((user.host ?? "%") !== "%") {
        throw new RotatorError(
          "input:invalid",
          `A Pulumi ESC-compatible connector can only rotate accounts with host '%', not '${user.username}'@'${user.host}'.`,
        );
      }
      const answer = parseAnswer(
        fn,
        await invokeLambda(options, {
          type: connection.dialect,
          host: connection.host,
          port: connection.port,
          database: connection.database ?? "",
          managingUser: { username: managing.username, password: managing.password },
          rotateUser: { username: user.username, password: "", newPassword },
        }),
      );
      if (answer.code === 200) return { ok: true };
      const message = redactSecrets(answer.message, [managing.password, newPassword]).slice(0, 300);
      throw new RotatorError("target:rejected", `The ESC connector ${fn} could not change the password of "${user.username}" (code ${answer.code}: ${message}).`);
    },

    async verifyLogin() {
      return { ok: true, skipped: ESC_VERIFY_SKIPPED };
    },

    async probe() {
      const answer = await probe();
      return {
        details: [
          `Invoked ${fn}: it answered like a Pulumi ESC rotation connector (code ${answer.code}${answer.message ? `: ${answer.message.slice(0, 120)}` : ""}).`,
          "An ESC connector can only change passwords: it cannot check the database, and Rotor cannot verify new passwords through it (verification is skipped).",
        ],
      };
    },
  };
}
