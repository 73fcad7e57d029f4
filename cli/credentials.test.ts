import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { credentialsPath, isCleartextRemote, looseModeWarning, normalizeUrl, readCredentials, resolveTarget, writeCredentials } from "./credentials";

let home: string;
beforeEach(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-cli-home-"))));
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

const TOKEN = "rtr_storedtoken0123456789abcdefghijklmnopqrstu";

describe("credentials file", () => {
  it("lives in ~/.config/rotor, or under XDG_CONFIG_HOME when that is an absolute path", () => {
    expect(credentialsPath({ HOME: home })).toBe(path.join(home, ".config", "rotor", "credentials.json"));
    expect(credentialsPath({ HOME: home, XDG_CONFIG_HOME: "/etc/xdg-test" })).toBe("/etc/xdg-test/rotor/credentials.json");
    expect(credentialsPath({ HOME: home, XDG_CONFIG_HOME: "relative/dir" })).toBe(path.join(home, ".config", "rotor", "credentials.json"));
  });

  it("is written with mode 0600 in a 0700 directory, replacing the old file whole", () => {
    const file = credentialsPath({ HOME: home });
    writeCredentials({ default: "https://a.test", servers: { "https://a.test": { token: TOKEN, savedAt: "now" } } }, file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    fs.chmodSync(file, 0o644);
    expect(looseModeWarning(file)).toMatch(/readable by other users \(mode 644\); run: chmod 600/);
    writeCredentials({ servers: {} }, file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(readCredentials(file)).toEqual({ default: undefined, servers: {} });
    expect(fs.readdirSync(path.dirname(file))).toEqual(["credentials.json"]);
  });

  it("ROTOR_URL and ROTOR_TOKEN override the file", () => {
    const file = credentialsPath({ HOME: home });
    writeCredentials({ default: "https://a.test", servers: { "https://a.test": { token: TOKEN, savedAt: "now" }, "https://b.test": { token: `${TOKEN}b`, savedAt: "now" } } }, file);
    expect(resolveTarget({ HOME: home }, file)).toEqual({ url: "https://a.test", token: TOKEN, tokenSource: "credentials file" });
    expect(resolveTarget({ HOME: home, ROTOR_URL: "https://b.test/" }, file)).toMatchObject({ url: "https://b.test", token: `${TOKEN}b` });
    expect(resolveTarget({ HOME: home, ROTOR_TOKEN: "rtr_fromenv" }, file)).toEqual({ url: "https://a.test", token: "rtr_fromenv", tokenSource: "ROTOR_TOKEN" });
    expect(resolveTarget({ HOME: home, ROTOR_URL: "https://c.test" }, file)).toEqual({ url: "https://c.test", token: undefined, tokenSource: "none" });
  });

  it("without a file or ROTOR_URL, says how to sign in (exit 3)", () => {
    expect(() => resolveTarget({ HOME: home }, credentialsPath({ HOME: home }))).toThrow(
      expect.objectContaining({ exitCode: 3, message: "Not signed in: run `rotor login <url>`, or set ROTOR_URL and ROTOR_TOKEN." }),
    );
  });

  it("a damaged file is named with what to do", () => {
    const file = credentialsPath({ HOME: home });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, "{not json");
    expect(() => readCredentials(file)).toThrow(`${file} is not valid JSON. Fix it, or delete it and run \`rotor login <url>\` again.`);
  });
});

describe("normalizeUrl", () => {
  it("keeps scheme, host, port and path prefix; drops the trailing slash", () => {
    expect(normalizeUrl("https://Rotor.Example.com/")).toBe("https://rotor.example.com");
    expect(normalizeUrl("http://localhost:3000")).toBe("http://localhost:3000");
    expect(normalizeUrl("https://tools.example.com/rotor/")).toBe("https://tools.example.com/rotor");
    expect(normalizeUrl("rotor.example.com")).toBe("https://rotor.example.com");
  });

  it("refuses what is not an http(s) address, and credentials in the URL", () => {
    expect(() => normalizeUrl("ftp://x")).toThrow(/not an http\(s\) URL/);
    expect(() => normalizeUrl("https://me:pw@x.test")).toThrow(/no user name or password/);
  });

  it("plain http is flagged only off this machine", () => {
    expect(isCleartextRemote("http://localhost:3000")).toBe(false);
    expect(isCleartextRemote("http://127.0.0.1:3000")).toBe(false);
    expect(isCleartextRemote("http://rotor.internal")).toBe(true);
    expect(isCleartextRemote("https://rotor.internal")).toBe(false);
  });
});
