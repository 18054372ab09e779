/**
 * A file of Arrow IPC chunks, each prefixed by its byte length (uint32 LE): the bench's input, made
 * once so every writer process reads the same bytes, one chunk at a time (bounded memory), and
 * generation time stays out of the measurement.
 */
import { open } from 'node:fs/promises';

export async function writeFrames(path: string, chunks: Iterable<Uint8Array>): Promise<{ chunks: number; bytes: number }> {
  const file = await open(path, 'w');
  let count = 0;
  let bytes = 0;
  try {
    const header = Buffer.alloc(4);
    for (const chunk of chunks) {
      header.writeUInt32LE(chunk.byteLength, 0);
      await file.write(header);
      await file.write(chunk);
      count++;
      bytes += 4 + chunk.byteLength;
    }
  } finally {
    await file.close();
  }
  return { chunks: count, bytes };
}

/** Yields each chunk in a fresh buffer of its own (as a transferred ArrayBuffer would arrive). */
export async function* readFrames(path: string): AsyncGenerator<Uint8Array, void, undefined> {
  const file = await open(path, 'r');
  try {
    const header = Buffer.alloc(4);
    let position = 0;
    for (;;) {
      const { bytesRead } = await file.read(header, 0, 4, position);
      if (bytesRead === 0) return;
      if (bytesRead !== 4) throw new Error(`${path}: truncated frame header at ${position}`);
      const length = header.readUInt32LE(0);
      const chunk = new Uint8Array(length);
      const read = await file.read(chunk, 0, length, position + 4);
      if (read.bytesRead !== length) throw new Error(`${path}: truncated frame at ${position}`);
      position += 4 + length;
      yield chunk;
    }
  } finally {
    await file.close();
  }
}
