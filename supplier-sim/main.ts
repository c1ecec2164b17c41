import fs from 'node:fs';
import { z } from 'zod';
import { demoPartners } from './demo-catalogue';
import { startSupplierSim } from './server';
import { SimPartner, SimProduct } from './state';

// Runs the simulator on its own: `node --import tsx supplier-sim/main.ts`.
//   SUPPLIER_SIM_PORT    default 4100
//   SUPPLIER_SIM_HOST    default 127.0.0.1 (the /_sim control endpoints have no auth)
//   SUPPLIER_SIM_CONFIG  a JSON file {"catalogue"?: [...], "partners"?: [...]}; what it leaves
//                        out comes from demo-catalogue.ts
//   SUPPLIER_SIM_SECRET  the demo partner's secret (see demo-catalogue.ts); required unless
//                        SUPPLIER_SIM_CONFIG lists the partners

const FileConfig = z.strictObject({ catalogue: z.array(SimProduct).optional(), partners: z.array(SimPartner).optional() });

function readConfigFile(file: string | undefined): z.infer<typeof FileConfig> {
  if (!file) return {};
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`SUPPLIER_SIM_CONFIG=${file} cannot be read as JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = FileConfig.safeParse(json);
  if (!parsed.success) {
    throw new Error(`SUPPLIER_SIM_CONFIG=${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

function readPort(text: string | undefined): number {
  const port = Number(text ?? 4100);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`SUPPLIER_SIM_PORT must be a port number, got "${text}"`);
  return port;
}

async function main() {
  const config = readConfigFile(process.env.SUPPLIER_SIM_CONFIG);
  const secret = process.env.SUPPLIER_SIM_SECRET;
  if (!config.partners && !secret) {
    throw new Error("set SUPPLIER_SIM_SECRET (the demo partner's secret, e.g. `openssl rand -base64 24`), or list partners in SUPPLIER_SIM_CONFIG");
  }
  const partners = config.partners ?? demoPartners(secret!);
  const sim = await startSupplierSim({ port: readPort(process.env.SUPPLIER_SIM_PORT), host: process.env.SUPPLIER_SIM_HOST || '127.0.0.1', ...config, partners });
  const partnerIds = [...sim.state.partners.keys()].join(', ');
  console.log(`[supplier-sim] listening on ${sim.url}: ${sim.state.products.size} products, partners ${partnerIds}`);
  const stop = () => void sim.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
  console.error(`[supplier-sim] ${inUse ? `${(err as Error).message}: stop what holds the port, or set SUPPLIER_SIM_PORT` : (err as Error).message}`);
  process.exit(1);
});
