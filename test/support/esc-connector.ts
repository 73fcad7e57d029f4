/**
 * A Pulumi ESC-compatible rotation connector for tests, behaving like github.com/pulumi/esc-rotator-lambdas
 * (rotators/aws-lambda): one event `{ type, host, port, database, managingUser, rotateUser }`, the managing user
 * runs ALTER USER … PASSWORD with the new password (plaintext, driver-escaped), the answer is
 * `{ code: 200, message: "ok" }` or `{ code: 400, message }`, unknown types are 400 "unknown event type …".
 * Like the original it takes no TLS settings from the event; `tls` here is what the test's server needs.
 */
import pg from "pg";
import mysql from "mysql2/promise";

interface EscUser {
  username: string;
  password: string;
  newPassword?: string;
}

interface EscEvent {
  type?: string;
  host: string;
  port: number;
  database: string;
  managingUser: EscUser;
  rotateUser: EscUser;
}

export function createEscTestHandler(options: { pgSsl?: pg.ClientConfig["ssl"] } = {}) {
  const events: { type?: string; rotateUser?: string }[] = [];
  const handler = async (raw: unknown) => {
    const event = raw as EscEvent;
    events.push({ type: event?.type, rotateUser: event?.rotateUser?.username });
    const newPassword = event?.rotateUser?.newPassword;
    try {
      switch (event?.type) {
        case "postgres": {
          if (!newPassword) return { code: 400, message: "No new password provided" };
          const client = new pg.Client({
            host: event.host,
            port: event.port,
            database: event.database,
            user: event.managingUser.username,
            password: event.managingUser.password,
            ssl: options.pgSsl,
          });
          await client.connect();
          try {
            await client.query(`ALTER USER ${pg.escapeIdentifier(event.rotateUser.username)} WITH PASSWORD ${pg.escapeLiteral(newPassword)}`);
          } finally {
            await client.end();
          }
          return { code: 200, message: "ok" };
        }
        case "mysql": {
          if (!newPassword) return { code: 400, message: "No new password provided" };
          const connection = await mysql.createConnection({
            host: event.host,
            port: event.port,
            database: event.database || undefined,
            user: event.managingUser.username,
            password: event.managingUser.password,
          });
          try {
            await connection.query("ALTER USER ? IDENTIFIED BY ?", [event.rotateUser.username, newPassword]);
          } finally {
            await connection.end();
          }
          return { code: 200, message: "ok" };
        }
        default:
          return { code: 400, message: `unknown event type ${String(event?.type)}` };
      }
    } catch (error) {
      return { code: 400, message: `Error rotating user '${event?.rotateUser?.username}': ${String(error)}` };
    }
  };
  return { handler, events };
}
