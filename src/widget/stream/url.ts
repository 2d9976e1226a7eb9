/**
 * Stream URL candidates: through jupyter-server-proxy first, then direct loopback for local pages,
 * then the kernel's comm relay (works wherever ipywidgets work: no proxy route, Voilà, VS Code).
 */

/**
 * The host jupyter-server-proxy dials. Named explicitly: its plain `proxy/<port>` route dials
 * "localhost", which may resolve to ::1 first, where another local user could listen on the same
 * port and receive the page's cookies and the view token. Allowed by the proxy's default
 * host_allowlist (["localhost", "127.0.0.1"]) since jupyter-server-proxy 3.x; the daemon binds it.
 */
export const PROXY_TARGET_HOST = "127.0.0.1";

/** The parts of `window.location` the URL builder needs. */
export interface PageLocation {
  protocol: string;
  host: string;
  hostname: string;
  href: string;
}

/** How the view reaches the daemon's /stream. */
export type Transport = "proxy" | "direct" | "comm";
/** NAPARI_CUDA_TRANSPORT: a transport, or "auto" (the fastest that opens). */
export type TransportMode = "auto" | Transport;

export interface StreamUrl {
  url: string;
  transport: Transport;
}

/** The comm candidate's pseudo-URL: the socket factory hands it to the kernel's relay. */
export const COMM_URL = "comm:kernel-relay";

const LOCAL_HOSTNAMES = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

/** Is the page served from this machine (so a direct loopback connection reaches the daemon)? */
export function isLocalHostname(hostname: string): boolean {
  return LOCAL_HOSTNAMES.has(hostname.toLowerCase());
}

/**
 * Path part of Jupyter's base URL, with leading and trailing slash.
 * PageConfig.getBaseUrl() returns an absolute URL in the browser ("http://h/user/a/") and a path
 * elsewhere ("/user/a/"); both resolve against the page.
 */
export function basePath(baseUrl: string, pageHref: string): string {
  let path: string;
  try {
    path = new URL(baseUrl || "/", pageHref).pathname;
  } catch {
    path = baseUrl || "/";
  }
  if (!path.startsWith("/")) path = `/${path}`;
  return path.endsWith("/") ? path : `${path}/`;
}

/** URLs to try in order for the daemon's stream endpoint on `port`. */
export function streamUrls(
  loc: PageLocation,
  baseUrl: string,
  port: number,
  mode: TransportMode = "auto",
): StreamUrl[] {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new RangeError(`invalid daemon port ${port}`);
  const scheme = loc.protocol === "https:" ? "wss" : "ws";
  const proxy: StreamUrl = {
    url: `${scheme}://${loc.host}${basePath(baseUrl, loc.href)}proxy/${PROXY_TARGET_HOST}:${port}/stream`,
    transport: "proxy",
  };
  const direct: StreamUrl = { url: `ws://127.0.0.1:${port}/stream`, transport: "direct" };
  const comm: StreamUrl = { url: COMM_URL, transport: "comm" };
  if (mode === "proxy") return [proxy];
  // Asked for explicitly (NAPARI_CUDA_TRANSPORT=direct): the user knows the browser runs on this machine.
  if (mode === "direct") return [direct];
  if (mode === "comm") return [comm];
  // The comm relay is last: every frame crosses the kernel, so it is the slowest (but always there).
  return isLocalHostname(loc.hostname) ? [proxy, direct, comm] : [proxy, comm];
}
