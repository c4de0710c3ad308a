/**
 * How a resilient stream opens its WebSocket: with ws, a bound on each frame, and through the
 * client's proxy (a CONNECT tunnel, read at each connection as the HTTP transports read NO_PROXY);
 * and why one failed, in words that hold no URI, token or proxy credential.
 */
import { isProxyConnectFailure, type ProxySetting, proxyFor } from '@switchboard/core';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { WebSocket } from 'ws';

/** A frame's data as ws hands it over (its `RawData`, spelled out so that no user needs ws's types). */
export type FrameData = Buffer | ArrayBuffer | Buffer[];

/** What a stream needs of a socket: ws's WebSocket has it; a test's fake socket can too. */
export interface StreamSocket {
  /** 0 connecting, 1 open, 2 closing, 3 closed (ws's and the WHATWG constants). */
  readonly readyState: number;
  /** The socket opened. */
  on(event: 'open', listener: () => void): unknown;
  /** A frame came: text unless `isBinary`. */
  on(event: 'message', listener: (data: FrameData, isBinary: boolean) => void): unknown;
  /** The socket failed (a 'close' follows). */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** The peer answered a ping. */
  on(event: 'pong', listener: () => void): unknown;
  /** The socket closed, with its close code (1006: without a close frame). */
  on(event: 'close', listener: (code: number) => void): unknown;
  /** The socket closed (once). */
  once(event: 'close', listener: () => void): unknown;
  /** Sends a text frame. */
  send(data: string): void;
  /** Sends a WebSocket ping (the peer answers with a pong). */
  ping(): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** Destroys the socket at once, without a close frame. */
  terminate(): void;
}

/** The readyState of an open socket. */
export const SOCKET_OPEN = 1;
/** The readyState of a closed socket. */
export const SOCKET_CLOSED = 3;

/** What a stream asks of each connection it opens. */
export interface SocketRequest {
  /** The socket's URI; it may hold a credential, so it is never in an error or a reason. */
  readonly uri: string;
  /** The client's proxy setting (see core's `proxyFor`); undefined reads the environment's variables. */
  readonly proxy?: ProxySetting;
  /** The largest frame taken, in bytes: a larger one closes the socket (1009) before it is read. */
  readonly maxFrameBytes: number;
  /** Aborted when the attempt is abandoned before it opened: closes its socket to the proxy. */
  readonly signal: AbortSignal;
}

/** An opened socket, and the proxy it goes through (to name it in reasons). */
export interface OpenedSocket {
  /** The socket, connecting. */
  readonly socket: StreamSocket;
  /** The proxy it tunnels through, if any: named (by its origin) in reasons. */
  readonly proxy: URL | undefined;
}

/** Opens a socket for one connection attempt; throws a ConfigurationError for a proxy variable that is no URL, another error for a URI that is none. */
export type SocketOpener = (request: SocketRequest) => OpenedSocket;

/** Opens a WebSocket with ws, through the proxy when one applies. */
export const openWebSocket: SocketOpener = ({ uri, proxy: setting, maxFrameBytes, signal }) => {
  const proxy = proxyFor(uri, setting);
  // The agent's socket to the proxy is its own until CONNECT succeeds: ws.terminate() cannot reach
  // it (the agent does not watch the request it serves), so an attempt abandoned before then would
  // leave it open. Aborting the signal closes it (net and tls sockets take the signal).
  const agent = proxy ? { agent: new HttpsProxyAgent(proxy, { signal }) } : {};
  // No handshakeTimeout: the stream's connect timer covers the whole attempt, the wait for a socket included.
  return { socket: new WebSocket(uri, { maxPayload: maxFrameBytes, ...agent }), proxy };
};

/** Why a connection failed: in words that hold no URI or token, and the status that refused its handshake, if one did. */
export interface SocketFailure {
  /** Why, in words: `HTTP 401`, `ECONNREFUSED at the proxy http://proxy:3128`, `frame too large`, … */
  readonly reason: string;
  /** The HTTP status that refused the handshake, when the server (or the proxy) answered one. */
  readonly status?: number;
  /** The status is the proxy's (a 407 through a proxy: it wants credentials, which no reconnect can change). */
  readonly byProxy?: boolean;
}

/**
 * Why a connection failed. Through a proxy, a failure to connect is the proxy's (its origin is
 * named, never its credentials), and a 407 can only be its.
 */
export function socketFailure(error: Error, proxy: URL | undefined): SocketFailure {
  // ws says "Unexpected server response: 401" for a refused handshake: the status alone is kept.
  const statusText = /server response: (\d{3})/.exec(error.message)?.[1];
  if (statusText) {
    const status = Number(statusText);
    if (status === 407 && proxy) return { reason: `the proxy refused the tunnel (HTTP 407 from ${proxy.origin})`, status, byProxy: true };
    return { reason: `HTTP ${status}`, status };
  }
  const code = (error as { code?: unknown }).code;
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return { reason: 'frame too large' };
  if (typeof code !== 'string') return { reason: 'socket error' };
  return { reason: proxy && isProxyConnectFailure(code) ? `${code} at the proxy ${proxy.origin}` : code };
}

/** A frame's bytes: ws hands a frame over as a Buffer (or its fragments). */
export function bufferOf(data: FrameData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
