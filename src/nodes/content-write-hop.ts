import { connect as connectSession, constants, createServer, type ClientHttp2Session, type Http2Server, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { randomBytes } from 'node:crypto';
import { connect as connectSocket } from 'node:net';

/**
 * The hop a blob's bytes make from ctr to containerd 1.6: ctr fetches, and each full buffer it writes is a
 * WriteContentRequest message on a gRPC stream over the daemon's unix socket (content/proxy/content_writer.go
 * Write: Send, then Recv), which the daemon's content service writes to the ingest file and digests before it
 * answers (services/content/contentserver Write). A virtual node carries each buffer the same way: a message
 * framed as gRPC frames it (a flag byte and a 4-byte length), on an HTTP/2 stream (gRPC's transport) over a unix
 * socket of its own, into a handler in this process that assembles the message, hands it to the ingest, and
 * answers; the writer waits for the answer. So the hop costs what a transport costs (framing, flow control,
 * two socket copies and the message's assembly) where an in-process write would cost nothing.
 */

/** What the daemon side does with each message: write it and digest it (the ingest). */
export type IngestWrite = (message: Buffer) => Promise<void>;

export interface HopWriter {
  /** Sends `message`, resolves once the daemon side has written it (the caller may then reuse it). */
  write(message: Buffer): Promise<void>;
  /** Ends the stream (the blob is complete). */
  end(): Promise<void>;
  /** Cancels the stream (the download failed). */
  abort(): void;
}

const HEADER_BYTES = 5;
const ACK = Buffer.from([0]);
const NACK = Buffer.from([1]);

interface Ingest {
  readonly write: IngestWrite;
  /** The daemon side's failure, for the writer to throw (same process: the error itself, not a message). */
  error?: unknown;
}

export class ContentWriteHop {
  /** Open streams by a random ref: another process on the socket cannot guess one to write into a blob. */
  private readonly ingests = new Map<string, Ingest>();
  /** The daemon side's end of the connection (one, from the client's session). */
  private readonly serverSessions = new Set<ServerHttp2Session>();
  /** Writers open: while there are any the hop keeps the process alive; idle, it does not (a node never closed must not hang the harness's exit). */
  private writers = 0;

  private constructor(
    private readonly server: Http2Server,
    private readonly session: ClientHttp2Session,
  ) {}

  /** A daemon side listening on an abstract unix socket (no file to clean up), and the client's one session to it. */
  static async start(): Promise<ContentWriteHop> {
    const path = `\0shipbench-content-${randomBytes(12).toString('hex')}`;
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    server.unref();
    const session = connectSession('http://content', { createConnection: () => connectSocket(path) });
    // A session error reaches every open stream, whose writers throw it.
    session.on('error', () => undefined);
    session.unref();
    const hop = new ContentWriteHop(server, session);
    server.on('session', (daemonSide) => {
      hop.serverSessions.add(daemonSide);
      daemonSide.once('close', () => hop.serverSessions.delete(daemonSide));
      if (hop.writers === 0) daemonSide.unref();
    });
    server.on('stream', (stream, headers) => hop.serve(stream, String(headers['x-ref'] ?? '')));
    return hop;
  }

  private hold(change: 1 | -1): void {
    const before = this.writers;
    this.writers += change;
    if ((before > 0) === (this.writers > 0)) return;
    const sessions = [this.session, ...this.serverSessions];
    for (const session of sessions) {
      if (this.writers > 0) session.ref();
      else session.unref();
    }
  }

  /** Opens a write stream whose messages go to `write` on the daemon side. */
  open(write: IngestWrite): HopWriter {
    const ref = randomBytes(16).toString('hex');
    const ingest: Ingest = { write };
    this.ingests.set(ref, ingest);
    this.hold(1);
    const stream = this.session.request({ ':method': 'POST', ':path': '/containerd.services.content.v1.Content/Write', 'x-ref': ref });
    const answers: Array<(ok: boolean) => void> = [];
    let failure: unknown;
    const fail = (error: unknown) => {
      failure ??= error;
      for (const answer of answers.splice(0)) answer(false);
    };
    stream.on('data', (chunk: Buffer) => {
      for (const byte of chunk) answers.shift()?.(byte === ACK[0]);
    });
    stream.on('error', fail);
    stream.on('close', () => fail(new Error('the content write stream closed')));
    const forget = () => {
      if (this.ingests.delete(ref)) this.hold(-1);
    };
    return {
      write: async (message) => {
        if (failure !== undefined) throw failure;
        const header = Buffer.allocUnsafe(HEADER_BYTES);
        header[0] = 0;
        header.writeUInt32BE(message.length, 1);
        const answered = new Promise<boolean>((resolve) => answers.push(resolve));
        stream.write(header);
        stream.write(message);
        if (!(await answered)) {
          // Once a write failed, the stream is done: every later write throws the same.
          failure = ingest.error ?? failure;
          throw failure;
        }
      },
      end: async () => {
        forget();
        await new Promise<void>((resolve) => stream.end(resolve));
      },
      abort: () => {
        failure ??= new Error('the content write was aborted');
        forget();
        stream.close(constants.NGHTTP2_CANCEL);
      },
    };
  }

  /** Ends both sides at once (open writers fail); nothing of the hop is left to wait for, as it holds no reference then. */
  close(): void {
    this.session.destroy();
    for (const daemonSide of this.serverSessions) daemonSide.destroy();
    this.server.close();
  }

  /**
   * The daemon side of one stream: each message assembled into a buffer (gRPC reads a message into one of
   * its length before it is decoded), written by the ingest, then answered. The writer sends a message only
   * once the last is answered, so one buffer serves the whole stream.
   */
  private serve(stream: ServerHttp2Stream, ref: string): void {
    // A stream's failure reaches its writer from the client side; here it only ends the stream.
    stream.on('error', () => undefined);
    const ingest = this.ingests.get(ref);
    if (ingest === undefined) {
      // Its writer was aborted before the stream arrived.
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    stream.respond({ ':status': 200 });
    const header = Buffer.alloc(HEADER_BYTES);
    let headerFilled = 0;
    let scratch = Buffer.alloc(0);
    let message: Buffer | undefined;
    let filled = 0;
    const take = (full: Buffer) =>
      ingest.write(full).then(
        () => void stream.write(ACK),
        (error: unknown) => {
          ingest.error = error;
          stream.write(NACK);
        },
      );
    stream.on('data', (chunk: Buffer) => {
      for (let at = 0; at < chunk.length; ) {
        if (message === undefined) {
          const n = Math.min(HEADER_BYTES - headerFilled, chunk.length - at);
          chunk.copy(header, headerFilled, at, at + n);
          headerFilled += n;
          at += n;
          if (headerFilled < HEADER_BYTES) return;
          headerFilled = 0;
          const length = header.readUInt32BE(1);
          if (length > scratch.length) scratch = Buffer.allocUnsafe(length);
          message = scratch.subarray(0, length);
          filled = 0;
        }
        const n = Math.min(message.length - filled, chunk.length - at);
        chunk.copy(message, filled, at, at + n);
        filled += n;
        at += n;
        if (filled === message.length) {
          void take(message);
          message = undefined;
        }
      }
    });
    stream.on('end', () => stream.end());
  }
}
