import { Transform } from "node:stream";

/**
 * Enforces `max_body_bytes` on bodies whose length is not declared (chunked): the declared case
 * is refused before any byte is read, this one as soon as the limit is crossed.
 */
export class BodyLimit extends Transform {
  bytes = 0;
  exceeded = false;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      this.exceeded = true;
      callback(new Error("request body exceeds max_body_bytes"));
      return;
    }
    callback(null, chunk);
  }
}
