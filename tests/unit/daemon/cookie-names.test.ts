/** cookieNames: the upgrade audit log names cookies and never carries their values. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cookieNames } from "../../../src/daemon/server/server.js";

describe("cookieNames", () => {
  it("keeps the names, drops the values", () => {
    const header = "jupyterhub-user-tester=secret1; _xsrf=2|abc=|x; jupyterhub-session-id=s3cr3t";
    const names = cookieNames(header);
    assert.deepEqual(names, ["jupyterhub-user-tester", "_xsrf", "jupyterhub-session-id"]);
    assert.ok(!JSON.stringify(names).includes("secret1") && !JSON.stringify(names).includes("s3cr3t"));
  });

  it("no header, empty parts", () => {
    assert.deepEqual(cookieNames(undefined), []);
    assert.deepEqual(cookieNames(" ; a=1;;"), ["a"]);
  });
});
