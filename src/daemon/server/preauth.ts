/**
 * Limits on connections that have not proved a token yet, and the gate that counts them.
 *
 * /control authenticates at the upgrade (Bearer header), so only /stream sockets wait unauthenticated:
 * from the upgrade until their hello succeeds. They are few and small: at most
 * PREAUTH_MAX_SOCKETS at once and PREAUTH_MAX_MESSAGE_BYTES per message before hello.
 */
import type { Duplex } from "node:stream";

/** Unauthenticated sockets at once (all channels); beyond, an idle one is dropped or the upgrade is refused (503). */
export const PREAUTH_MAX_SOCKETS = 64;
/**
 * When the gate is full, the oldest unauthenticated socket at least this old is dropped to admit a new one.
 * 0 (always the oldest): a flood opening R sockets a second then leaves each socket 64/R s to send its
 * hello (a real view sends it one round trip after the upgrade), whereas any minimum age lets a flood
 * faster than 64/age lock every newcomer out. Tests pass a larger age to check the order.
 */
export const PREAUTH_IDLE_MS = 0;
/** Largest message before hello on /stream (a hello is a few KiB); larger ones close with 1009. */
export const PREAUTH_MAX_MESSAGE_BYTES = 64 * 1024;
/**
 * A refused upgrade's socket stays open this long after the answer, reading nothing more: closing at
 * once with unread data would reset the connection, and the client could lose the answer (401, 403,
 * 503) before reading it. What it still sends waits in the kernel's bounded receive buffer.
 */
export const REJECT_LINGER_MS = 1000;
/** HTTP request headers (upgrades included) must arrive within this time (Node's default is 60 s). */
export const HEADERS_TIMEOUT_MS = 10_000;

interface Entry {
  readonly socket: Duplex;
  readonly since: number;
}

/** One admitted unauthenticated socket; `authenticated()` or the socket's close releases it (idempotent). */
export interface PreauthTicket {
  authenticated(): void;
}

export class PreauthGate {
  private readonly waiting = new Set<Entry>();

  constructor(
    readonly max: number = PREAUTH_MAX_SOCKETS,
    readonly idleMs: number = PREAUTH_IDLE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Unauthenticated sockets admitted and not yet released. */
  get size(): number {
    return this.waiting.size;
  }

  /**
   * Admit `socket` (the raw upgrade socket) or return null (answer 503). When full, the oldest socket
   * idle for `idleMs` or more is destroyed to make room; fresh ones are never dropped.
   */
  admit(socket: Duplex): PreauthTicket | null {
    if (this.waiting.size >= this.max && !this.evictIdle()) return null;
    const entry: Entry = { socket, since: this.now() };
    this.waiting.add(entry);
    const release = (): void => {
      this.waiting.delete(entry);
    };
    socket.once("close", release);
    return {
      authenticated: () => {
        socket.off("close", release);
        release();
      },
    };
  }

  private evictIdle(): boolean {
    const oldest = this.waiting.values().next();
    if (oldest.done || this.now() - oldest.value.since < this.idleMs) return false;
    // Sets iterate in insertion order: the first entry is the oldest.
    this.waiting.delete(oldest.value);
    oldest.value.socket.destroy();
    return true;
  }
}
