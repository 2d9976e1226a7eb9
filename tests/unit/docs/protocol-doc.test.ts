/** docs/protocol.md must list every error code (with its close code), message type and control op. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ERROR_CODES, protocolTable } from "../../../src/protocol/index.js";

const doc = readFileSync(new URL("../../../docs/protocol.md", import.meta.url), "utf8");

test("every error code is documented with its close code", () => {
  for (const [code, { close }] of Object.entries(ERROR_CODES)) {
    const row = doc.split("\n").find((l) => l.startsWith(`| \`${code}\` |`));
    assert.ok(row, `docs/protocol.md has no row for ${code}`);
    assert.equal(row.split("|")[2]!.trim(), close === null ? "-" : String(close), `close code of ${code}`);
  }
});

test("every message type and control op is documented", () => {
  const t = protocolTable();
  for (const name of [...t.stream_client_types, ...t.stream_server_types, ...t.control_ops]) {
    assert.ok(doc.includes(`| \`${name}\` |`), `docs/protocol.md has no row for ${name}`);
  }
  assert.ok(doc.includes(`(version ${t.protocol_version})`), "doc names the protocol version");
});
