/**
 * The built CLI (one bundled file, run by Node in a directory with no node_modules) for what needs no Rotor
 * server: help, usage errors, not being signed in, an unreachable server — each with its documented exit
 * code. The commands against a real Rotor are tested in e2e/cli*.spec.ts.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../test/support/ports";
import { buildCli, type BuiltCli } from "../test/support/rotor-cli";

let cli: BuiltCli;
beforeAll(() => {
  cli = buildCli();
});
afterAll(() => cli?.cleanup());

describe("rotor (built bundle) without a server", () => {
  it("is one file that runs with nothing installed beside it", async () => {
    expect(fs.readdirSync(path.dirname(cli.file))).toEqual(["rotor.mjs"]);
    expect(fs.readFileSync(cli.file, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    const r = await cli.run(["--version"]);
    expect(r).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
  });

  it("--help on every command, with the exit codes at the top", async () => {
    const top = await cli.run(["--help"]);
    expect(top.code).toBe(0);
    for (const name of ["login", "logout", "whoami", "env", "rotator", "token", "run"]) expect(top.stdout).toMatch(new RegExp(`^  ${name} `, "m"));
    expect(top.stdout).toContain("3  not signed in, or the token is invalid, expired or revoked");
    for (const args of [["env", "rotate"], ["env", "get"], ["rotator", "create"], ["token", "create"], ["run"], ["login"]]) {
      const r = await cli.run([...args, "--help"]);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/^Usage: rotor /);
    }
  });

  it("usage errors exit 2 and say what is wrong", async () => {
    const unknown = await cli.run(["env", "lss"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown command 'lss'");
    const jitter = await cli.run(["run", "prod", "--watch", "--jitter", "soon", "--", "true"]);
    expect(jitter.code).toBe(2);
    expect(jitter.stderr).toContain('"soon" is not a duration: use e.g. 30s, 500ms, 2m or 1h.');
    const signal = await cli.run(["run", "prod", "--signal", "HUP", "--", "true"]);
    expect(signal.code).toBe(2);
    expect(signal.stderr).toContain("--signal is for --watch");
    const format = await cli.run(["env", "open", "prod", "--format", "toml"]);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/argument 'toml' is invalid. Allowed choices are json, dotenv, shell, yaml/);
  });

  it("not signed in: exit 3 with how to sign in", async () => {
    const r = await cli.run(["env", "ls"]);
    expect(r).toMatchObject({ code: 3, stdout: "" });
    expect(r.stderr).toBe("rotor: Not signed in: run `rotor login <url>`, or set ROTOR_URL and ROTOR_TOKEN.\n");
  });

  it("an unreachable Rotor: exit 7, naming the address and the reason, never the token", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const token = "rtr_neverprinted0123456789abcdefghijklmnopqrstuv";
    const r = await cli.run(["env", "ls"], { env: { ROTOR_URL: url, ROTOR_TOKEN: token } });
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(new RegExp(`^rotor: Cannot reach Rotor at ${url}: connect ECONNREFUSED`));
    expect(r.stdout + r.stderr).not.toContain("neverprinted");
  });

  it("rotor run never starts the command when the environment cannot be opened", async () => {
    const marker = path.join(cli.home, "started");
    const url = `http://127.0.0.1:${await freePort()}`;
    const r = await cli.run(["run", "prod", "--watch", "--", process.execPath, "-e", `require("fs").writeFileSync(${JSON.stringify(marker)}, "x")`], {
      env: { ROTOR_URL: url, ROTOR_TOKEN: "rtr_x0123456789abcdefghijklmnopqrstuvwxyz0123" },
    });
    expect(r.code).toBe(7);
    expect(fs.existsSync(marker)).toBe(false);
  });

  // A real terminal (util-linux `script` gives the CLI a pseudo-terminal): the password is not echoed.
  const hasScript = (() => {
    try {
      execFileSync("script", ["--version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!hasScript)("login on a terminal asks for email and password and does not echo the password", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const child = spawn("script", ["-qfec", `${process.execPath} ${cli.file} login ${url}`, "/dev/null"], {
      env: { PATH: process.env.PATH, HOME: cli.home, XDG_CONFIG_HOME: `${cli.home}/config`, TERM: "dumb" } as unknown as NodeJS.ProcessEnv,
      stdio: ["pipe", "pipe", "pipe"],
    });
    // Listen for the end now: the CLI may exit before waitFor's next look at the screen.
    const closed = new Promise((resolve) => child.on("close", resolve));
    let screen = "";
    child.stdout.on("data", (c) => (screen += c));
    const waitFor = async (text: string) => {
      const deadline = Date.now() + 10_000;
      while (!screen.includes(text)) {
        if (Date.now() > deadline) throw new Error(`no "${text}" on the terminal: ${JSON.stringify(screen)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await waitFor("Email: ");
    child.stdin.write("me@example.com\r");
    await waitFor("Password: ");
    child.stdin.write("hunter2-not-echoed\r");
    await waitFor("Cannot reach Rotor");
    child.stdin.end();
    await closed;
    expect(screen).toContain("me@example.com"); // typed text is echoed…
    expect(screen).not.toContain("hunter2"); // …except the password
    expect(fs.existsSync(cli.credentialsFile)).toBe(false);
  });
});
