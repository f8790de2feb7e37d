import pg from 'pg';
import { migrate } from './migrate.js';

export interface ProgressRow {
  gateway_id: string;
  topic: string;
  first_seq: string;
  last_seq: string;
  messages: string;
  missing: string;
  last_ts: Date;
  replayed: string;
}

export interface GapRow {
  gateway_id: string;
  topic: string;
  first_missing_seq: string;
  last_missing_seq: string;
  missing: string;
  note: string | null;
}

export interface Report {
  progress: ProgressRow[];
  gaps: GapRow[];
  rejected: Array<{ code: string; n: string; last: Date }>;
}

/** Read stream_progress, stream_gaps and a summary of rejected (applies the migrations first, so the views exist). */
export async function readReport(url: string, opts: { gateway?: string } = {}): Promise<Report> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await migrate(client);
    const where = opts.gateway ? 'WHERE gateway_id = $1' : '';
    const params = opts.gateway ? [opts.gateway] : [];
    const progress = (await client.query<ProgressRow>(`SELECT * FROM stream_progress ${where} ORDER BY gateway_id, topic`, params)).rows;
    const gaps = (await client.query<GapRow>(`SELECT * FROM stream_gaps ${where} ORDER BY gateway_id, topic, first_missing_seq`, params)).rows;
    const rejected = (await client.query<{ code: string; n: string; last: Date }>(`SELECT code, count(*) AS n, max(received_at) AS last FROM rejected ${where} GROUP BY code ORDER BY code`, params)).rows;
    return { progress, gaps, rejected };
  } finally {
    await client.end();
  }
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && /^-?\d/.test(c) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** The report as text: progress per stream, then every gap (with its note), then rejections. */
export function formatReport(r: Report): string {
  let out = `stream_progress: ${r.progress.length} stream(s)\n`;
  if (r.progress.length) {
    out += table(
      ['gateway_id', 'topic', 'first_seq', 'last_seq', 'messages', 'missing', 'replayed', 'last_ts'],
      r.progress.map((p) => [p.gateway_id, p.topic, p.first_seq, p.last_seq, p.messages, p.missing, p.replayed, p.last_ts.toISOString()]),
    );
  }
  const missing = r.gaps.reduce((n, g) => n + Number(g.missing), 0);
  out += `\nstream_gaps: ${r.gaps.length} gap(s), ${missing} seq(s) missing\n`;
  if (r.gaps.length) {
    out += table(
      ['gateway_id', 'topic', 'first_missing_seq', 'last_missing_seq', 'missing', 'note'],
      r.gaps.map((g) => [g.gateway_id, g.topic, g.first_missing_seq, g.last_missing_seq, g.missing, g.note ?? '']),
    );
  }
  const nRejected = r.rejected.reduce((n, x) => n + Number(x.n), 0);
  out += `\nrejected: ${nRejected} message(s)${nRejected ? ' (SELECT * FROM rejected ORDER BY received_at DESC)' : ''}\n`;
  if (r.rejected.length) out += table(['code', 'messages', 'last'], r.rejected.map((x) => [x.code, x.n, x.last.toISOString()]));
  return out;
}
