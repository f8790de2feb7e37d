import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export interface WebAsset {
  body: Buffer;
  gzip: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = { 'index.html': 'text/html; charset=utf-8', 'app.js': 'text/javascript; charset=utf-8' };
export const WEB_ASSETS = Object.keys(TYPES);

/** index.html with uPlot's stylesheet inlined (one request less, nothing from a CDN). */
export async function pageHtml(srcDir: string): Promise<string> {
  const css = await readFile(createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css'), 'utf8');
  return (await readFile(`${srcDir}/index.html`, 'utf8')).replace('<!--uplot.css-->', () => `<style>${css}</style>`);
}

/** Bundle the page from src/web with esbuild (build.mjs does the same into dist/web). */
export async function buildWebBundle(srcDir: string, minify = true): Promise<Record<string, Buffer>> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [`${srcDir}/app.ts`],
    bundle: true,
    minify,
    format: 'iife',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
  });
  return { 'app.js': Buffer.from(result.outputFiles[0].contents), 'index.html': Buffer.from(await pageHtml(srcDir)) };
}

/**
 * The technician page. Running from source (tsx) it is bundled from src/web with esbuild on first
 * request (then cached); running from the esbuild bundle it is read from dist/web, which
 * build.mjs writes. Served with an ETag and gzip: no CDN, the LAN may have no internet.
 */
export class WebAssets {
  private loading?: Promise<Map<string, WebAsset>>;

  constructor(private readonly moduleUrl = import.meta.url) {}

  private get fromSource(): boolean {
    return this.moduleUrl.endsWith('.ts');
  }

  private async load(): Promise<Map<string, WebAsset>> {
    let files: Record<string, Buffer>;
    if (this.fromSource) {
      files = await buildWebBundle(fileURLToPath(new URL('../web', this.moduleUrl)));
    } else {
      const dir = new URL('./web/', this.moduleUrl);
      files = Object.fromEntries(await Promise.all(WEB_ASSETS.map(async (n) => [n, await readFile(new URL(n, dir))] as const)));
    }
    const out = new Map<string, WebAsset>();
    for (const [name, body] of Object.entries(files)) {
      out.set(name, { body, gzip: gzipSync(body, { level: 9 }), type: TYPES[name], etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"` });
    }
    return out;
  }

  async get(name: string): Promise<WebAsset | undefined> {
    this.loading ??= this.load();
    try {
      return (await this.loading).get(name);
    } catch (err) {
      this.loading = undefined; // retry next time (e.g. a syntax error fixed in dev)
      throw err;
    }
  }

  /** Sizes in bytes (raw and gzip), for docs and the bench. */
  async sizes(): Promise<Record<string, { bytes: number; gzip: number }>> {
    const all = await (this.loading ??= this.load());
    return Object.fromEntries([...all].map(([n, a]) => [n, { bytes: a.body.length, gzip: a.gzip.length }]));
  }
}
