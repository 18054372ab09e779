import { realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.parquet': 'application/vnd.apache.parquet',
  '.arrow': 'application/vnd.apache.arrow.file',
};

export interface ReportFile {
  path: string;
  size: number;
  contentType: string;
}

/**
 * The report directory served read-only: a URL path maps to a regular file inside it, or to
 * nothing. No listings (a directory serves its index.html or nothing), no dotfiles, and the
 * resolved real path (symlinks followed) must stay inside the directory, so `..`, encoded
 * separators and links out of it all end in a 404.
 */
export class ReportFiles {
  readonly root: string;

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  /** The file a decoded URL path (without the leading slash) names, if it may be served. */
  async find(urlPath: string): Promise<ReportFile | undefined> {
    const segments = urlPath.split('/').filter((s) => s !== '');
    if (segments.some((s) => s.startsWith('.') || s.includes('\\') || s.includes('\0'))) return undefined;
    const root = await realpath(this.root).catch(() => undefined);
    if (root === undefined) return undefined;
    return this.regularFile(root, join(root, ...segments), true);
  }

  /** Whether the report (its index.html) exists; a 404 without it hints how to write it. */
  async exists(): Promise<boolean> {
    return (await this.find('')) !== undefined;
  }

  private async regularFile(root: string, candidate: string, directoryIndex: boolean): Promise<ReportFile | undefined> {
    const real = await realpath(candidate).catch(() => undefined);
    if (real === undefined || (real !== root && !real.startsWith(root + sep))) return undefined;
    const info = await stat(real);
    if (info.isDirectory()) return directoryIndex ? this.regularFile(root, join(real, 'index.html'), false) : undefined;
    if (!info.isFile()) return undefined;
    return { path: real, size: info.size, contentType: CONTENT_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream' };
  }
}
