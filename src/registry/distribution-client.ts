/* eslint-disable max-lines -- the OCI distribution API client, one operation per method with its retries, auth rounds and digest checks; auth, timeouts and retry policy already live in files of their own */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Readable, type Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Agent, Dispatcher } from 'undici';
import { ExitCode, ShipbenchError } from '../core/errors.ts';
import { OciMediaType } from '../image/oci-media-types.ts';
import { type ClientCounters, emptyClientCounters, noteAnswer, noteNoAnswer } from '../metrics/registry-strain.ts';
import { PlainHttpTransport } from './plain-http-transport.ts';
import { RegistryAuth, type RegistryCredentials } from './registry-auth.ts';
import { DEFAULT_REGISTRY_TIMEOUTS, describeTimeout, type RegistryTimeouts, timeoutPhaseOf } from './registry-timeouts.ts';
import { createStreamHash, type StreamHash } from '../core/stream-hash.ts';
import { DEFAULT_RETRY_POLICY, isRetryableError, isRetryableStatus, networkErrorCode, retryDelayMs, type RetryPolicy } from './retry-policy.ts';

/**
 * A client of the OCI distribution API (distribution-spec v1.1) for one registry: the pull and push side
 * of "code in the image". Each instance owns its connection pool, so a virtual node is one client.
 * Every blob byte is streamed and hashed on the way: no blob is ever held whole in memory.
 */

export interface DistributionClientOptions {
  /** `http://host:port` or `https://host:port`; the API lives at /v2/ under its origin. */
  readonly baseUrl: string;
  readonly auth?: RegistryCredentials;
  /** Connections per origin for this client (its own pool). Default 8. */
  readonly connections?: number;
  readonly retry?: RetryPolicy;
  /** Verify the registry's TLS certificate (https only). Default true. */
  readonly rejectUnauthorized?: boolean;
  /** Longest waits to connect, and for response headers or the next body chunk (DEFAULT_REGISTRY_TIMEOUTS). */
  readonly timeouts?: RegistryTimeouts;
  /**
   * Blob downloads from http:// origins go over the plain-HTTP transport (it costs less CPU per byte than
   * undici); false keeps them on undici, as https always is. Default true.
   */
  readonly plainHttpDownloads?: boolean;
}

/** What this client has done so far: runs report retries next to their timings. */
export interface DistributionClientStats {
  requests: number;
  retries: number;
  /** Response body bytes received (re-downloaded bytes of a resumed blob included). */
  bytesDown: number;
  /** Request body bytes sent (bytes of a restarted upload included). */
  bytesUp: number;
  /** The registry as this client saw it (latency to the answer's headers, 429s, 5xx, no answer): registry strain. */
  readonly seen: ClientCounters;
}

/** Where blob bytes go: a stream (written with backpressure, not ended) or a function awaited per chunk. */
export type BlobSink = Writable | ((chunk: Buffer) => void | Promise<void>);

export interface FetchBlobOptions {
  readonly signal?: AbortSignal;
  /** Called with the size of every chunk handed to the sink. */
  readonly onBytes?: (bytes: number) => void;
  /** The size the manifest gives; a blob of another size fails. */
  readonly size?: number;
  /**
   * The sink digests the bytes and checks them itself (a content store that verifies at commit, as
   * containerd's does): the client then does not hash them a second time.
   */
  readonly digestedBySink?: boolean;
}

export interface PushBlobOptions {
  /** Upload in PATCH chunks of this many bytes; a single PUT when undefined. */
  readonly chunkBytes?: number;
  readonly signal?: AbortSignal;
}

export interface FetchedManifest {
  readonly bytes: Buffer;
  readonly mediaType: string;
  readonly digest: string;
}

export const DockerMediaType = {
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  manifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

export const DEFAULT_MANIFEST_ACCEPT: readonly string[] = [OciMediaType.manifest, OciMediaType.index, DockerMediaType.manifest, DockerMediaType.manifestList];

// The distribution spec asks registries to accept manifests of at least 4 MiB; refuse to buffer more.
const MAX_MANIFEST_BYTES = 4 * 2 ** 20;
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const MAX_REDIRECTS = 5;

const REPOSITORY_RE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DIGEST_RE = /^(sha256|sha512):([0-9a-f]+)$/;

type Body = Buffer | Readable;

/** What the client reads of an answer: undici's, or the plain-HTTP transport's for blob downloads. */
interface Response {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: AsyncIterable<unknown> & { readonly destroyed: boolean; destroy(): void; dump(): Promise<unknown> };
}

interface Call {
  readonly method: Dispatcher.HttpMethod;
  readonly url: URL;
  /** The token scope this request needs: `repository:NAME:pull` or `...:pull,push`; '' for /v2/. */
  readonly scope: string;
  /** For messages: `GET manifest app:initial`. */
  readonly what: string;
  readonly headers?: Record<string, string>;
  /** Called once per request sent, so a re-authenticated request gets a fresh body. */
  readonly body?: () => Body;
  readonly followRedirects?: boolean;
  readonly signal?: AbortSignal | undefined;
  /** A bodiless GET whose answer may be big (a blob): over http it goes through the plain-HTTP transport. */
  readonly download?: boolean;
}

/** A failure worth retrying: the operation that hit it starts again (or resumes) after a backoff. */
class TransientFailure extends Error {
  constructor(
    readonly what: string,
    readonly url: URL,
    readonly status: number | undefined,
    readonly retryAfterSeconds: number | undefined,
    cause?: unknown,
  ) {
    super(`${what}: ${status === undefined ? (networkErrorCode(cause) ?? 'network error') : `HTTP ${status}`}`, { cause });
  }
}

export class DistributionClient {
  readonly stats: DistributionClientStats = { requests: 0, retries: 0, bytesDown: 0, bytesUp: 0, seen: emptyClientCounters() };
  readonly baseUrl: string;
  private readonly origin: URL;
  private readonly agentOptions: Agent.Options;
  private agentPromise: Promise<Agent> | undefined;
  private readonly plainHttp: PlainHttpTransport | undefined;
  private readonly retry: RetryPolicy;
  private readonly auth: RegistryAuth;
  private readonly timeouts: RegistryTimeouts;

  constructor(options: DistributionClientOptions) {
    this.origin = parseBaseUrl(options.baseUrl);
    this.baseUrl = this.origin.origin;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    const timeouts = (this.timeouts = options.timeouts ?? DEFAULT_REGISTRY_TIMEOUTS);
    this.agentOptions = {
      connections: options.connections ?? 8,
      headersTimeout: timeouts.idleMs,
      bodyTimeout: timeouts.idleMs,
      connect: { timeout: timeouts.connectMs, rejectUnauthorized: options.rejectUnauthorized ?? true },
    };
    this.plainHttp =
      options.plainHttpDownloads === false
        ? undefined
        : new PlainHttpTransport({ maxIdlePerOrigin: options.connections ?? 8, connectTimeoutMs: timeouts.connectMs, idleTimeoutMs: timeouts.idleMs });
    this.auth = new RegistryAuth(this.baseUrl, options.auth, (url, headers) => this.fetchToken(url, headers));
  }

  /** Closes this client's connections. */
  async close(): Promise<void> {
    this.plainHttp?.close();
    await (await this.agentPromise)?.close();
  }

  /** undici, loaded with the first request: commands that never reach a registry do not pay its start-up. */
  private agent(): Promise<Agent> {
    this.agentPromise ??= import('undici').then(({ Agent }) => new Agent(this.agentOptions));
    return this.agentPromise;
  }

  /** `GET /v2/`, authenticating as needed: proves the registry is there and takes our credentials. */
  /**
   * The Authorization header this client sends to pull `repo` (Basic, or a bearer token it fetched), for a
   * peer that must pull with the same credentials without seeing them on its command line (ctr).
   * Undefined when the registry asked for none.
   */
  async pullAuthorization(repo: string): Promise<string | undefined> {
    checkRepository(repo);
    return this.auth.authorization(pullScope(repo));
  }

  async ping(): Promise<{ apiVersion: string | undefined }> {
    return this.retrying(undefined, async () => {
      const call: Call = { method: 'GET', url: this.url('/v2/'), scope: '', what: 'GET /v2/' };
      const res = await this.send(call);
      if (res.statusCode !== 200) throw await this.failure(res, call);
      await res.body.dump();
      return { apiVersion: header(res, 'docker-distribution-api-version') };
    });
  }

  async blobExists(repo: string, digest: string, signal?: AbortSignal): Promise<boolean> {
    checkRepository(repo);
    checkDigest(digest);
    return this.retrying(signal, async () => {
      const call: Call = { method: 'HEAD', url: this.url(`/v2/${repo}/blobs/${digest}`), scope: pullScope(repo), what: `HEAD blob ${repo}@${digest}`, followRedirects: true, signal };
      const res = await this.send(call);
      await res.body.dump();
      if (res.statusCode === 200) return true;
      if (res.statusCode === 404) return false;
      throw await this.failure(res, call);
    });
  }

  /**
   * Uploads one blob unless the repository has it already. `openStream` is called again when a failed
   * upload restarts: a half-sent upload session cannot be trusted, a fresh one can.
   */
  async pushBlob(repo: string, digest: string, size: number, openStream: () => Readable, options: PushBlobOptions = {}): Promise<{ skipped: boolean }> {
    checkDigest(digest);
    const { chunkBytes, signal } = options;
    if (chunkBytes !== undefined && (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1)) {
      throw new ShipbenchError('registry-chunk-invalid', `upload chunk size must be a positive whole number of bytes, not ${chunkBytes}`);
    }
    if (await this.blobExists(repo, digest, signal)) return { skipped: true };
    await this.retrying(signal, async () => {
      let location = await this.startUpload(repo, signal);
      const what = `upload blob ${repo}@${digest}`;
      if (chunkBytes === undefined) {
        const url = withDigest(location, digest);
        const call: Call = {
          method: 'PUT',
          url,
          scope: pushScope(repo),
          what,
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
          body: () => {
            const source = openStream();
            // Closing our wrapper (done or failed) must close the file too, even if nothing was read yet.
            return Readable.from(exactBytes(source, size, digest)).once('close', () => source.destroy());
          },
          signal,
        };
        await this.expectCreated(await this.send(call), call, digest);
        return;
      }
      const stream = openStream();
      try {
        let offset = 0;
        for await (const chunk of fixedChunks(exactBytes(stream, size, digest), chunkBytes)) {
          const call: Call = {
            method: 'PATCH',
            url: location,
            scope: pushScope(repo),
            what: `${what} (bytes ${offset}-${offset + chunk.length - 1})`,
            headers: {
              'content-type': 'application/octet-stream',
              'content-length': String(chunk.length),
              'content-range': `${offset}-${offset + chunk.length - 1}`,
            },
            body: () => chunk,
            signal,
          };
          const res = await this.send(call);
          if (res.statusCode !== 202) throw await this.failure(res, call);
          await res.body.dump();
          location = this.nextLocation(res, location, call);
          offset += chunk.length;
        }
      } finally {
        stream.destroy();
      }
      const call: Call = { method: 'PUT', url: withDigest(location, digest), scope: pushScope(repo), what, headers: { 'content-length': '0' }, signal };
      await this.expectCreated(await this.send(call), call, digest);
    });
    return { skipped: false };
  }

  /** Puts a manifest under a tag or digest; returns its digest (the registry's, checked against ours). */
  async pushManifest(repo: string, reference: string, bytes: Buffer, mediaType: string, signal?: AbortSignal): Promise<string> {
    checkRepository(repo);
    checkReference(reference);
    const ours = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    return this.retrying(signal, async () => {
      const call: Call = {
        method: 'PUT',
        url: this.url(`/v2/${repo}/manifests/${reference}`),
        scope: pushScope(repo),
        what: `PUT manifest ${repo}:${reference}`,
        headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
        body: () => bytes,
        signal,
      };
      const res = await this.send(call);
      if (res.statusCode !== 201) throw await this.failure(res, call);
      await res.body.dump();
      const theirs = header(res, 'docker-content-digest');
      if (theirs !== undefined && theirs !== ours) {
        throw digestMismatch(`manifest ${repo}:${reference}`, theirs, ours, 'the registry stored the manifest under another digest than its bytes hash to');
      }
      return ours;
    });
  }

  /** Fetches a manifest whole (it is small), checking its digest against the reference and the registry's header. */
  async getManifest(repo: string, reference: string, accept: readonly string[] = DEFAULT_MANIFEST_ACCEPT, signal?: AbortSignal): Promise<FetchedManifest> {
    checkRepository(repo);
    checkReference(reference);
    return this.retrying(signal, async () => {
      const call: Call = {
        method: 'GET',
        url: this.url(`/v2/${repo}/manifests/${reference}`),
        scope: pullScope(repo),
        what: `GET manifest ${repo}:${reference}`,
        headers: { accept: accept.join(', ') },
        signal,
      };
      const res = await this.send(call);
      if (res.statusCode === 404) {
        await res.body.dump();
        throw new ShipbenchError('registry-manifest-not-found', `${repo}:${reference} is not in the registry at ${this.baseUrl}`, {
          hint: 'check the repository and tag, or push the image first',
        });
      }
      if (res.statusCode !== 200) throw await this.failure(res, call);
      const bytes = await this.readSmallBody(res, call, MAX_MANIFEST_BYTES);
      const byReference = DIGEST_RE.exec(reference);
      const algorithm = byReference?.[1] ?? 'sha256';
      const digest = `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
      if (byReference !== null && digest !== reference) throw digestMismatch(`manifest ${repo}@${reference}`, reference, digest);
      const announced = header(res, 'docker-content-digest');
      const announcedAlgorithm = announced === undefined ? undefined : DIGEST_RE.exec(announced)?.[1];
      if (announced !== undefined && announcedAlgorithm !== undefined) {
        const recomputed = `${announcedAlgorithm}:${createHash(announcedAlgorithm).update(bytes).digest('hex')}`;
        if (recomputed !== announced) throw digestMismatch(`manifest ${repo}:${reference}`, announced, recomputed, 'the Docker-Content-Digest header disagrees with the bytes');
      }
      return { bytes, mediaType: manifestMediaType(res, bytes), digest };
    });
  }

  /**
   * Streams one blob into `sink`, hashing every byte. A download broken by a transient failure resumes
   * where it stopped (a Range request; bytes the server sends again are skipped, not re-delivered), so
   * the sink sees each byte exactly once and the digest covers all of them.
   */
  async fetchBlob(repo: string, digest: string, sink: BlobSink, options: FetchBlobOptions = {}): Promise<{ bytes: number }> {
    checkRepository(repo);
    const algorithm = digestAlgorithm(digest);
    const { signal, onBytes, size, digestedBySink = false } = options;
    let hash: StreamHash | undefined;
    let delivered = 0;
    const deliver = sinkWriter(sink);
    try {
      await this.retrying(signal, async () => {
        const call: Call = {
          method: 'GET',
          url: this.url(`/v2/${repo}/blobs/${digest}`),
          scope: pullScope(repo),
          what: `GET blob ${repo}@${digest}`,
          headers: delivered > 0 ? { range: `bytes=${delivered}-` } : {},
          followRedirects: true,
          signal,
          download: true,
        };
        const res = await this.send(call);
        let skip = 0;
        if (res.statusCode === 200) {
          skip = delivered;
        } else if (res.statusCode === 206 && delivered > 0) {
          const start = Number(/^bytes (\d+)-/.exec(header(res, 'content-range') ?? '')?.[1] ?? NaN);
          if (!(start <= delivered)) {
            await res.body.dump();
            throw new ShipbenchError('registry-bad-range', `${call.what}: asked for bytes from ${delivered}, the registry sent a range starting at ${start}`);
          }
          skip = delivered - start;
        } else if (res.statusCode === 404) {
          await res.body.dump();
          throw new ShipbenchError('registry-blob-not-found', `blob ${digest} is not in ${repo} at ${this.baseUrl}`, {
            hint: 'the manifest names a blob the registry does not hold: push the image again',
          });
        } else {
          throw await this.failure(res, call);
        }
        if (!digestedBySink) hash ??= createStreamHash(algorithm, size ?? Number(header(res, 'content-length') ?? NaN));
        const iterator = res.body[Symbol.asyncIterator]();
        try {
          for (;;) {
            let next: IteratorResult<Buffer>;
            try {
              next = (await iterator.next()) as IteratorResult<Buffer>;
            } catch (error) {
              throw this.classifyNetworkError(error, call, call.url);
            }
            if (next.done === true) break;
            let chunk = next.value;
            this.stats.bytesDown += chunk.length;
            if (skip > 0) {
              const dropped = Math.min(skip, chunk.length);
              skip -= dropped;
              chunk = chunk.subarray(dropped);
              if (chunk.length === 0) continue;
            }
            if (size !== undefined && delivered + chunk.length > size) throw sizeMismatch(digest, repo, size, `more than ${size}`);
            delivered += chunk.length;
            // The hash copies the chunk for its worker while the sink writes it.
            await Promise.all([hash?.update(chunk), deliver(chunk)]);
            onBytes?.(chunk.length);
          }
        } finally {
          if (!res.body.destroyed) res.body.destroy();
        }
      });
    } catch (error) {
      hash?.abort();
      throw error;
    }
    if (size !== undefined && delivered !== size) {
      hash?.abort();
      throw sizeMismatch(digest, repo, size, String(delivered));
    }
    if (digestedBySink) return { bytes: delivered };
    const actual = `${algorithm}:${hash === undefined ? createHash(algorithm).digest('hex') : await hash.digest()}`;
    if (actual !== digest) throw blobDigestMismatch(repo, digest, actual);
    return { bytes: delivered };
  }

  private async startUpload(repo: string, signal: AbortSignal | undefined): Promise<URL> {
    const call: Call = {
      method: 'POST',
      url: this.url(`/v2/${repo}/blobs/uploads/`),
      scope: pushScope(repo),
      what: `POST blob upload ${repo}`,
      headers: { 'content-length': '0' },
      signal,
    };
    const res = await this.send(call);
    if (res.statusCode !== 202) throw await this.failure(res, call);
    await res.body.dump();
    return this.nextLocation(res, call.url, call);
  }

  private nextLocation(res: Response, current: URL, call: Call): URL {
    const location = header(res, 'location');
    if (location === undefined) {
      throw new ShipbenchError('registry-protocol', `${call.what}: the registry answered ${res.statusCode} without a Location header`);
    }
    return new URL(location, current);
  }

  private async expectCreated(res: Response, call: Call, digest: string): Promise<void> {
    if (res.statusCode !== 201) throw await this.failure(res, call);
    await res.body.dump();
    const theirs = header(res, 'docker-content-digest');
    if (theirs !== undefined && theirs !== digest) throw digestMismatch(`uploaded blob ${digest}`, digest, theirs, 'the registry stored the upload under another digest');
  }

  /** Runs `operation`, again after a backoff when it fails transiently; counts every retry. */
  private async retrying<T>(signal: AbortSignal | undefined, operation: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (!(error instanceof TransientFailure)) throw error;
        const timedOut = timeoutPhaseOf(error.cause) !== undefined;
        const maxAttempts = timedOut ? Math.min(this.retry.maxAttempts, this.retry.maxTimeoutAttempts ?? 2) : this.retry.maxAttempts;
        if (attempt >= maxAttempts || signal?.aborted === true) throw this.exhausted(error, attempt);
        this.stats.retries++;
        await sleep(retryDelayMs(this.retry, attempt, error.retryAfterSeconds), undefined, signal === undefined ? undefined : { signal });
      }
    }
  }

  /**
   * Sends one request: answers 401 challenges (at most twice), follows redirects when asked, and turns
   * retryable statuses and network errors into TransientFailure. The caller consumes the body.
   */
  private async send(call: Call): Promise<Response> {
    let url = call.url;
    let authRounds = 0;
    for (let redirects = 0; ; ) {
      const sameOrigin = url.origin === this.origin.origin;
      // Credentials go to the registry only, never to a redirect target such as a storage bucket.
      const authorization = sameOrigin ? await this.auth.authorization(call.scope) : undefined;
      const headers: Record<string, string> = { ...call.headers };
      if (authorization !== undefined) headers.authorization = authorization;
      const body = call.body?.();
      // undici streams any async iterable, but its types only admit Readable.
      const sent = body === undefined || Buffer.isBuffer(body) ? body : Readable.from(this.countUp(body));
      this.stats.requests++;
      let res: Response;
      const sentAt = performance.now();
      try {
        res = await this.request(call, url, headers, sent);
        noteAnswer(this.stats.seen, res.statusCode, (performance.now() - sentAt) / 1000);
      } catch (error) {
        if (call.signal?.aborted !== true) noteNoAnswer(this.stats.seen);
        throw this.classifyNetworkError(error, call, url);
      } finally {
        if (sent instanceof Readable) sent.destroy();
        if (body instanceof Readable) body.destroy();
      }
      if (Buffer.isBuffer(body)) this.stats.bytesUp += body.length;
      const status = res.statusCode;
      if (status === 401 && sameOrigin) {
        await res.body.dump();
        if (authRounds >= 2) throw this.auth.refused(`${call.what}: the registry at ${this.baseUrl} still answers 401 Unauthorized after authenticating`);
        await this.auth.onUnauthorized(header(res, 'www-authenticate'), call.scope, authorization);
        authRounds++;
        continue;
      }
      if (call.followRedirects === true && status >= 300 && status < 400 && status !== 304) {
        const location = header(res, 'location');
        await res.body.dump();
        if (location === undefined || ++redirects > MAX_REDIRECTS) {
          throw new ShipbenchError('registry-protocol', `${call.what}: ${location === undefined ? `redirect ${status} without a Location` : 'too many redirects'}`);
        }
        url = new URL(location, url);
        continue;
      }
      if (isRetryableStatus(status)) {
        await res.body.dump().catch(() => undefined);
        throw new TransientFailure(call.what, url, status, parseRetryAfter(header(res, 'retry-after')));
      }
      return res;
    }
  }

  private async request(call: Call, url: URL, headers: Record<string, string>, body: Buffer | Readable | undefined): Promise<Response> {
    if (this.plainHttp !== undefined && call.download === true && call.method === 'GET' && body === undefined && url.protocol === 'http:') {
      return this.plainHttp.get(url, headers, call.signal);
    }
    return (await this.agent()).request({ origin: url.origin, path: url.pathname + url.search, method: call.method, headers, body, signal: call.signal });
  }

  private async *countUp(source: Readable): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      this.stats.bytesUp += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  }

  private async fetchToken(url: URL, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    const call: Call = { method: 'GET', url, scope: '', what: `GET token ${url.origin}${url.pathname}`, headers };
    this.stats.requests++;
    let res: Dispatcher.ResponseData;
    try {
      res = await (await this.agent()).request({ origin: url.origin, path: url.pathname + url.search, method: 'GET', headers });
    } catch (error) {
      throw this.classifyNetworkError(error, call, url);
    }
    if (isRetryableStatus(res.statusCode)) {
      await res.body.dump();
      throw new TransientFailure(call.what, url, res.statusCode, parseRetryAfter(header(res, 'retry-after')));
    }
    return { status: res.statusCode, body: (await this.readSmallBody(res, call, MAX_ERROR_BODY_BYTES)).toString('utf8') };
  }

  private classifyNetworkError(error: unknown, call: Call, url: URL): Error {
    if (error instanceof ShipbenchError || error instanceof TransientFailure) return error;
    if (call.signal?.aborted === true || (error instanceof Error && error.name === 'AbortError')) return error as Error;
    const inner = error instanceof Error && error.cause instanceof ShipbenchError ? error.cause : undefined;
    if (inner !== undefined) return inner;
    if (isRetryableError(error)) return new TransientFailure(call.what, url, undefined, undefined, error);
    const code = networkErrorCode(error) ?? (error instanceof Error ? error.message : String(error));
    if (/CERT|TLS|SSL|SELF_SIGNED/i.test(code)) {
      return new ShipbenchError('registry-tls-failed', `cannot talk TLS to the registry at ${url.origin}: ${code}`, {
        hint: 'for a test registry with a self-signed certificate, turn TLS verification off; otherwise trust its CA (NODE_EXTRA_CA_CERTS=ca.pem)',
        cause: error,
      });
    }
    return unreachable(url, code, 1, error);
  }

  private exhausted(failure: TransientFailure, attempts: number): ShipbenchError {
    const phase = timeoutPhaseOf(failure.cause);
    if (phase !== undefined) {
      const { what, seconds, setting } = describeTimeout(phase, this.timeouts);
      return new ShipbenchError('registry-timeout', `${failure.what}: the registry at ${failure.url.origin} timed out ${what} (${formatLimit(seconds)}${attempts > 1 ? `, ${attempts} attempts` : ''})`, {
        hint: `${phase === 'connect' ? 'nothing answered the connection (a wrong address or port, or a firewall that drops packets): check the registry URL' : 'a registry that accepts connections but does not answer is stuck or overloaded: look at it'}; a slow one needs a longer limit: registry.timeouts.${setting} in the scenario, or \`check --${setting}-timeout\``,
        exitCode: ExitCode.internal,
        cause: failure.cause,
      });
    }
    if (failure.status === undefined) return unreachable(failure.url, networkErrorCode(failure.cause) ?? 'network error', attempts, failure.cause);
    return new ShipbenchError('registry-unavailable', `${failure.what}: the registry at ${failure.url.origin} answered ${failure.status} ${attempts} times`, {
      hint: 'the registry is overloaded or failing: look at its logs, or raise the retry attempts',
    });
  }

  private async failure(res: Response, call: Call): Promise<ShipbenchError> {
    const text = (await this.readSmallBody(res, call, MAX_ERROR_BODY_BYTES).catch(() => Buffer.alloc(0))).toString('utf8');
    const detail = ociErrors(text);
    const status = res.statusCode;
    if (status === 403) {
      return new ShipbenchError('registry-access-denied', `${call.what}: the registry at ${this.baseUrl} denied access (403${detail})`, {
        hint: 'the user may not pull or push this repository: check its permissions',
      });
    }
    if (/DIGEST_INVALID/.test(detail)) {
      return new ShipbenchError('digest-mismatch', `${call.what}: the registry says the uploaded bytes do not match the digest (${status}${detail})`, {
        hint: 'the local blob is corrupt: regenerate the image',
      });
    }
    return new ShipbenchError('registry-request-failed', `${call.what}: the registry at ${this.baseUrl} answered ${status}${detail}`, {
      hint: 'the registry refused the request: its answer above says why',
    });
  }

  private async readSmallBody(res: Response, call: Call, limit: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of res.body) {
        total += (chunk as Buffer).length;
        this.stats.bytesDown += (chunk as Buffer).length;
        if (total > limit) {
          throw new ShipbenchError('registry-protocol', `${call.what}: the answer is larger than ${limit} bytes`);
        }
        parts.push(chunk as Buffer);
      }
    } catch (error) {
      res.body.destroy();
      throw this.classifyNetworkError(error, call, call.url);
    }
    return Buffer.concat(parts, total);
  }

  private url(path: string): URL {
    return new URL(path, this.origin);
  }
}

function parseBaseUrl(baseUrl: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(baseUrl);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ShipbenchError('registry-url-invalid', `${JSON.stringify(baseUrl)} is not an http(s) registry URL`, {
      hint: 'write it as http://HOST:PORT or https://HOST:PORT',
    });
  }
  return url;
}

function formatLimit(seconds: number): string {
  return `limit ${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

function unreachable(url: URL, code: string, attempts: number, cause: unknown): ShipbenchError {
  return new ShipbenchError('registry-unreachable', `cannot reach the registry at ${url.origin} (${code}${attempts > 1 ? `, ${attempts} attempts` : ''})`, {
    hint: `check that a registry is running and listening there: \`curl ${url.origin}/v2/\` should answer 200 or 401`,
    cause,
  });
}

function digestMismatch(what: string, expected: string, actual: string, why?: string): ShipbenchError {
  return new ShipbenchError('digest-mismatch', `${what}: expected ${expected}, got ${actual}`, {
    hint: why ?? 'the bytes are corrupt: fetch or push the image again',
  });
}

/** A blob whose bytes hash to another digest than the one it was fetched by (here, or by a sink that checks at commit). */
export function blobDigestMismatch(repo: string, expected: string, actual: string): ShipbenchError {
  return digestMismatch(`blob ${repo}@${expected}`, expected, actual, 'the registry served other bytes than the digest names: its copy is corrupt, or something in between altered it');
}

function sizeMismatch(digest: string, repo: string, expected: number, actual: string): ShipbenchError {
  return new ShipbenchError('digest-mismatch', `blob ${repo}@${digest}: the manifest says ${expected} bytes, the registry sent ${actual}`, {
    hint: 'the registry\'s copy is truncated or corrupt: push the image again',
  });
}

function pullScope(repo: string): string {
  return `repository:${repo}:pull`;
}

function pushScope(repo: string): string {
  return `repository:${repo}:pull,push`;
}

function checkRepository(repo: string): void {
  if (!REPOSITORY_RE.test(repo) || repo.length > 255) {
    throw new ShipbenchError('registry-name-invalid', `${JSON.stringify(repo)} is not a valid repository name`, {
      hint: 'use lower-case letters, digits and separators (. _ __ -), path components joined by /, e.g. mediawiki/multiversion',
    });
  }
}

function checkReference(reference: string): void {
  if (!TAG_RE.test(reference) && !DIGEST_RE.test(reference)) {
    throw new ShipbenchError('registry-name-invalid', `${JSON.stringify(reference)} is neither a tag nor a digest`, {
      hint: 'a tag is up to 128 of [A-Za-z0-9_.-] not starting with . or -; a digest looks like sha256:<64 hex digits>',
    });
  }
}

/** The hash a valid digest names (a blob's content store digests with it too); throws on an invalid digest. */
export function digestAlgorithm(digest: string): 'sha256' | 'sha512' {
  return checkDigest(digest)[1] as 'sha256' | 'sha512';
}

function checkDigest(digest: string): RegExpExecArray {
  const m = DIGEST_RE.exec(digest);
  if (m === null || m[2]?.length !== (m[1] === 'sha256' ? 64 : 128)) {
    throw new ShipbenchError('registry-name-invalid', `${JSON.stringify(digest)} is not a sha256 or sha512 digest`, {
      hint: 'a digest looks like sha256:<64 lower-case hex digits>',
    });
  }
  return m;
}

function withDigest(location: URL, digest: string): URL {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url;
}

function header(res: Response, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}

function manifestMediaType(res: Response, bytes: Buffer): string {
  const contentType = header(res, 'content-type')?.split(';')[0]?.trim();
  if (contentType !== undefined && contentType !== '' && contentType !== 'application/json') return contentType;
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown };
    if (typeof parsed.mediaType === 'string') return parsed.mediaType;
  } catch {
    // Not JSON: leave the type as the registry gave it.
  }
  return contentType ?? '';
}

/** The registry's error codes and messages, from the distribution spec's `{errors: [...]}` body. */
function ociErrors(text: string): string {
  try {
    const parsed = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
    const list = (parsed.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).filter((s) => s !== '');
    if (list.length > 0) return `: ${list.join('; ')}`;
  } catch {
    // Not the spec's JSON: show the start of whatever it is.
  }
  const trimmed = text.trim().slice(0, 200);
  return trimmed === '' ? '' : `: ${trimmed}`;
}

function sinkWriter(sink: BlobSink): (chunk: Buffer) => Promise<void> {
  if (typeof sink === 'function') return async (chunk) => sink(chunk);
  return async (chunk) => {
    if (sink.destroyed) throw sink.errored ?? new Error('the blob sink was closed before the download finished');
    if (!sink.write(chunk)) await once(sink, 'drain');
  };
}

/** Passes `source` through, failing clearly when it holds another number of bytes than the blob's size. */
async function* exactBytes(source: Readable, size: number, digest: string): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of source) {
    total += (chunk as Buffer).length;
    if (total > size) break;
    yield chunk as Buffer;
  }
  if (total !== size) {
    source.destroy();
    throw new ShipbenchError('blob-size-mismatch', `blob ${digest}: its source holds ${total > size ? `more than ${size}` : total} bytes, the descriptor says ${size}`, {
      hint: 'the local blob is truncated or corrupt: regenerate the image',
    });
  }
}

/** Regroups a byte stream into chunks of exactly `n` bytes (the last one shorter). */
async function* fixedChunks(source: AsyncIterable<Buffer>, n: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (let chunk of source) {
    while (held + chunk.length >= n) {
      const take = n - held;
      parts.push(chunk.subarray(0, take));
      yield Buffer.concat(parts, n);
      parts = [];
      held = 0;
      chunk = chunk.subarray(take);
    }
    if (chunk.length > 0) {
      parts.push(chunk);
      held += chunk.length;
    }
  }
  if (held > 0) yield Buffer.concat(parts, held);
}
