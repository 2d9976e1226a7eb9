/**
 * When the comm transport's texts leave the page: at the end of the run of code that sent them (one
 * message for all of them), never behind a later task. Acks are the daemon's window, and a timer task
 * waits behind the page's other tasks (decoder output, frames coming in, JupyterLab).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CommRelays, type RelayMessage } from "../../../src/widget/stream/comm-socket.js";

function openSocket(sent: RelayMessage[]) {
  const relays = new CommRelays((m) => sent.push(m));
  const socket = relays.open();
  relays.handle({ type: "relay_opened", relay: socket.id }, []);
  return { relays, socket };
}

test("texts sent in one run of code leave together, before any task queued earlier", async () => {
  const sent: RelayMessage[] = [];
  const { relays, socket } = openSocket(sent);
  let seenByTimer = -1;
  // A task already queued (an incoming frame, a decoder output) runs after the send went out.
  setTimeout(() => (seenByTimer = sent.length), 0);
  socket.send("ack");
  socket.send("state");
  assert.equal(sent.length, 1, "nothing leaves while the code that sends is still running");
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(seenByTimer, 2);
  assert.deepEqual(sent[1], { type: "relay_send", relay: socket.id, texts: ["ack", "state"] });
  relays.dispose();
});

test("a socket closed before its queued flush sends nothing more, and a close flushes first", async () => {
  const sent: RelayMessage[] = [];
  const { relays, socket } = openSocket(sent);
  socket.send("last");
  socket.close();
  await Promise.resolve();
  assert.deepEqual(
    sent.slice(1).map((m) => [m.type, m.texts]),
    [
      ["relay_send", ["last"]],
      ["relay_close", undefined],
    ],
  );
  const ended = openSocket(sent);
  ended.socket.send("lost");
  ended.relays.handle({ type: "relay_closed", relay: ended.socket.id, code: 1000, reason: "" }, []);
  const before = sent.length;
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(sent.length, before, "texts of a socket the kernel closed are dropped, as on a WebSocket");
  relays.dispose();
  ended.relays.dispose();
});
