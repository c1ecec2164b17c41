import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

// `npm run import-codes -- --sku GAME-100 --file codes.csv [--unit-cost 9200] [--format csv|txt]`
// Sends the file to the admin API (POST /admin/skus/:sku/codes), so it goes through the same
// validation, duplicate check and single transaction as any other import.

const usage = `Usage: npm run import-codes -- --sku <SKU> --file <codes.csv|codes.txt> [--unit-cost <minor units>] [--format csv|txt] [--api <url>]
  The admin token comes from CARDFLOW_ADMIN_TOKEN, else from the demo credentials in the data directory.`;

async function main() {
  const { values } = parseArgs({
    options: {
      sku: { type: 'string' },
      file: { type: 'string' },
      'unit-cost': { type: 'string' },
      format: { type: 'string' },
      api: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return console.log(usage);
  if (!values.sku || !values.file) throw new Error(`--sku and --file are required.\n${usage}`);
  if (values.format && values.format !== 'csv' && values.format !== 'txt') throw new Error('--format must be csv or txt');
  if (values['unit-cost'] && !/^\d+$/.test(values['unit-cost'])) throw new Error('--unit-cost must be a whole number of minor units (fen/cents)');
  if (!fs.existsSync(values.file)) throw new Error(`no such file: ${values.file}`);

  const api = values.api ?? process.env.CARDFLOW_API_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
  const token = process.env.CARDFLOW_ADMIN_TOKEN ?? demoToken();
  if (!token) throw new Error('set CARDFLOW_ADMIN_TOKEN to an admin token of your merchant');

  const format = values.format ?? (path.extname(values.file).toLowerCase() === '.csv' ? 'csv' : 'txt');
  const query = new URLSearchParams({ format, source: path.basename(values.file) });
  if (values['unit-cost']) query.set('unitCost', values['unit-cost']);
  const res = await fetch(`${api}/admin/skus/${encodeURIComponent(values.sku)}/codes?${query.toString()}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'text/plain; charset=utf-8' },
    body: fs.readFileSync(values.file, 'utf8'),
  });
  const body = (await res.json()) as {
    error?: { code?: string; message?: string; details?: { errors?: { line: number; message: string }[] } };
    sku: string;
    imported: number;
    duplicates: number;
    stockAvailable: number;
    refused: { line: number; reason: string }[];
  };
  if (!res.ok) {
    const lines = (body.error?.details?.errors ?? []).map((e) => `  line ${e.line}: ${e.message}`);
    throw new Error([`import refused (${body.error?.code ?? res.status}): ${body.error?.message ?? ''}`, ...lines].join('\n'));
  }
  console.log(`SKU ${body.sku}: ${body.imported} imported, ${body.duplicates} duplicates skipped, ${body.stockAvailable} now available.`);
  // Why each line was refused (stock/import-codes.ts): repeated in the file, already in stock, already sold, voided.
  const refused = body.refused;
  for (const reason of [...new Set(refused.map((r) => r.reason))]) {
    const lines = refused.filter((r) => r.reason === reason).map((r) => r.line);
    console.log(`Refused, ${reason.replace(/_/g, ' ')}: lines ${lines.slice(0, 50).join(', ')}${lines.length > 50 ? ', ...' : ''}`);
  }
}

function demoToken(): string | undefined {
  const file = path.join(process.env.CARDFLOW_DATA_DIR ?? path.resolve('.data'), 'demo-credentials.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')).adminToken as string) : undefined;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
