import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CONFIG_KEYS, loadConfig } from '../lib/config';
import { startWorkerHealth } from '../worker/health';
import { startTestSystem, type TestSystem } from './harness';

// deploy/k8s checked offline (kubeconform and its schemas are on none of the registries here): every
// YAML document parses and has the fields its kind needs, every variable set is one lib/config.ts
// reads, secrets are referenced and never written down, the commands exist, the autoscaler scales the
// worker on its own task queue, and each probe asks a real endpoint that answers 200.

jest.setTimeout(60_000);

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML, checked field by field below
const DIR = path.resolve(__dirname, '..', 'deploy', 'k8s');
const ROOT = path.resolve(__dirname, '..');
const SECRET_SETTINGS = ['DATABASE_URL', 'CARDFLOW_ENCRYPTION_KEYS', 'CARDFLOW_FINGERPRINT_KEY', 'TEMPORAL_API_KEY', 'SUPPLIER_SIM_SECRET'];
const KINDS: Record<string, string> = {
  Kustomization: 'kustomize.config.k8s.io/v1beta1',
  ConfigMap: 'v1',
  Service: 'v1',
  Deployment: 'apps/v1',
  Job: 'batch/v1',
  ScaledObject: 'keda.sh/v1alpha1',
  TriggerAuthentication: 'keda.sh/v1alpha1',
};

function loadManifests(): Array<{ file: string; doc: Doc }> {
  return fs
    .readdirSync(DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((file) =>
      parseAllDocuments(fs.readFileSync(path.join(DIR, file), 'utf8')).map((parsed) => {
        if (parsed.errors.length) throw new Error(`${file}: ${parsed.errors.map((e) => e.message).join('; ')}`);
        return { file, doc: parsed.toJS() as Doc };
      }),
    );
}

const podSpec = (doc: Doc): Doc | undefined => (doc.kind === 'Deployment' || doc.kind === 'Job' ? doc.spec?.template?.spec : undefined);

/** Everything wrong with a set of manifests; empty when they are fine. */
function manifestProblems(manifests: Array<{ file: string; doc: Doc }>): string[] {
  const problems: string[] = [];
  const byKind = (kind: string) => manifests.filter((m) => m.doc.kind === kind).map((m) => m.doc);
  const configMaps = byKind('ConfigMap');
  const configData: Record<string, string> = Object.assign({}, ...configMaps.map((c) => c.data ?? {}));

  const files = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
  const kustomization = byKind('Kustomization')[0];
  if (!kustomization) problems.push('no kustomization.yaml');
  else if ([...kustomization.resources].sort().join() !== files.sort().join())
    problems.push(`kustomization resources ${kustomization.resources} are not the files ${files.join(', ')}`);

  for (const { file, doc } of manifests) {
    const where = `${file} ${doc.kind}/${doc.metadata?.name}`;
    if (!(doc.kind in KINDS)) problems.push(`${where}: unknown kind`);
    else if (doc.apiVersion !== KINDS[doc.kind]) problems.push(`${where}: apiVersion ${doc.apiVersion}, expected ${KINDS[doc.kind]}`);
    if (doc.kind === 'Secret') problems.push(`${where}: a Secret written in the repository`);
    if (doc.kind !== 'Kustomization' && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(doc.metadata?.name ?? '')) problems.push(`${where}: metadata.name is not a DNS label`);
    if (doc.kind === 'ConfigMap') {
      for (const key of Object.keys(doc.data ?? {})) {
        if (!CONFIG_KEYS.includes(key)) problems.push(`${where}: ${key} is no setting of lib/config.ts`);
        if (SECRET_SETTINGS.includes(key)) problems.push(`${where}: the secret ${key} is written in a ConfigMap`);
        if (typeof doc.data[key] !== 'string') problems.push(`${where}: ${key} must be a string`);
      }
    }
    if (doc.kind === 'Deployment') {
      const selector = doc.spec?.selector?.matchLabels ?? {};
      const labels = doc.spec?.template?.metadata?.labels ?? {};
      if (!Object.keys(selector).length || Object.entries(selector).some(([k, v]) => labels[k] !== v)) problems.push(`${where}: selector does not match the pod labels`);
    }
    if (doc.kind === 'Job' && !['Never', 'OnFailure'].includes(podSpec(doc)?.restartPolicy)) problems.push(`${where}: a Job's pods must not restart Always`);
    if (doc.kind === 'Service') {
      const target = manifests.find((m) => m.doc.kind === 'Deployment' && Object.entries(doc.spec?.selector ?? {}).every(([k, v]) => m.doc.spec.template.metadata.labels[k] === v));
      if (!target) problems.push(`${where}: selects no Deployment`);
      const portNames = (target?.doc.spec.template.spec.containers ?? []).flatMap((c: Doc) => (c.ports ?? []).map((p: Doc) => p.name));
      for (const p of doc.spec?.ports ?? []) if (!portNames.includes(p.targetPort)) problems.push(`${where}: targetPort ${p.targetPort} is no container port`);
    }
    const spec = podSpec(doc);
    for (const container of spec?.containers ?? []) {
      const at = `${where} container ${container.name}`;
      if (!container.image) problems.push(`${at}: no image`);
      const script = container.command?.[1] as string | undefined;
      if (!script || !fs.existsSync(path.join(ROOT, script.replace(/^dist\//, '').replace(/\.js$/, '.ts')))) problems.push(`${at}: ${script} is built from no source file`);
      for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) if (!container.resources?.[kind]?.[r]) problems.push(`${at}: no resources.${kind}.${r}`);
      for (const ref of container.envFrom ?? []) if (!configMaps.some((c) => c.metadata.name === ref.configMapRef?.name)) problems.push(`${at}: envFrom names no ConfigMap here`);
      for (const env of container.env ?? []) {
        if (!CONFIG_KEYS.includes(env.name)) problems.push(`${at}: ${env.name} is no setting of lib/config.ts`);
        if (SECRET_SETTINGS.includes(env.name) && !env.valueFrom?.secretKeyRef) problems.push(`${at}: the secret ${env.name} is not taken from a Secret`);
      }
      // A one-shot Job has nothing to probe; long-running containers must be probed.
      for (const probe of doc.kind === 'Deployment' ? ['livenessProbe', 'readinessProbe'] : []) {
        const get = container[probe]?.httpGet;
        if (!get) problems.push(`${at}: no ${probe}`);
        else if (!(container.ports ?? []).some((p: Doc) => p.name === get.port || p.containerPort === get.port))
          problems.push(`${at}: ${probe} port ${get.port} is no container port`);
      }
      if (spec && doc.kind === 'Deployment' && !(spec.containers as Doc[]).some((c) => c.envFrom)) problems.push(`${at}: takes no settings`);
    }
  }

  for (const scaled of byKind('ScaledObject')) {
    if (!byKind('Deployment').some((d) => d.metadata.name === scaled.spec?.scaleTargetRef?.name)) problems.push(`ScaledObject ${scaled.metadata.name}: scales no Deployment here`);
    for (const trigger of scaled.spec?.triggers ?? []) {
      if (trigger.type !== 'temporal') problems.push(`ScaledObject ${scaled.metadata.name}: trigger ${trigger.type} is not the Temporal backlog`);
      if (trigger.metadata?.taskQueue !== configData.TEMPORAL_TASK_QUEUE)
        problems.push(`ScaledObject: task queue ${trigger.metadata?.taskQueue} is not the worker's ${configData.TEMPORAL_TASK_QUEUE}`);
      if (trigger.metadata?.namespace !== configData.TEMPORAL_NAMESPACE) problems.push("ScaledObject: Temporal namespace differs from the worker's");
      if (trigger.metadata?.endpoint !== configData.TEMPORAL_ADDRESS) problems.push("ScaledObject: Temporal endpoint differs from the worker's");
      if (trigger.authenticationRef && !byKind('TriggerAuthentication').some((a) => a.metadata.name === trigger.authenticationRef.name))
        problems.push('ScaledObject: authenticationRef names nothing here');
    }
  }
  return problems;
}

const containerOf = (manifests: Array<{ doc: Doc }>, name: string): Doc =>
  manifests.find((m) => m.doc.kind === 'Deployment' && m.doc.metadata.name === name)!.doc.spec.template.spec.containers[0];

describe('the Kubernetes manifests in deploy/k8s', () => {
  const manifests = loadManifests();

  it('when checked, then every document is well-formed, knows its settings and references its secrets', () => {
    expect(manifests.map((m) => m.doc.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Deployment', 'Job', 'Kustomization', 'ScaledObject', 'Service', 'TriggerAuthentication']);
    expect(manifestProblems(manifests)).toEqual([]);
  });

  it('when a manifest inlines a secret, names an unknown setting or probes a missing port, then the check says so (positive control)', () => {
    const broken = structuredClone(manifests);
    const api = containerOf(broken, 'cardflow-api');
    api.env.find((e: Doc) => e.name === 'DATABASE_URL').valueFrom = undefined;
    api.env.push({ name: 'TEMPORAL_TLS_CERT', value: '/x' });
    api.readinessProbe.httpGet.port = 'metrics';
    broken.find((m) => m.doc.kind === 'ConfigMap')!.doc.data.CARDFLOW_FINGERPRINT_KEY = 'abc';
    expect(manifestProblems(broken)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('the secret DATABASE_URL is not taken from a Secret'),
        expect.stringContaining('TEMPORAL_TLS_CERT is no setting'),
        expect.stringContaining('readinessProbe port metrics is no container port'),
        expect.stringContaining('the secret CARDFLOW_FINGERPRINT_KEY is written in a ConfigMap'),
      ]),
    );
  });

  it('when the ConfigMap is given to the api and the worker with their secrets, then production settings load', () => {
    const data = manifests.find((m) => m.doc.kind === 'ConfigMap')!.doc.data as Record<string, string>;
    const secrets = { DATABASE_URL: 'postgres://cardflow:pw@db:5432/cardflow', CARDFLOW_ENCRYPTION_KEYS: 'k1:AAAA', CARDFLOW_FINGERPRINT_KEY: 'AAAA' };
    for (const reader of ['api', 'worker', 'tool'] as const) expect(() => loadConfig({ ...data, ...secrets }, reader)).not.toThrow();
    // Positive control: without the secrets, production refuses.
    expect(() => loadConfig(data, 'api')).toThrow(/DATABASE_URL/);
  });

  describe('probes against the real endpoints', () => {
    let sys: TestSystem;
    beforeAll(async () => {
      sys = await startTestSystem({ worker: false });
    });
    afterAll(async () => sys?.stop());

    it("when the api's probes are asked, then they answer 200", async () => {
      const api = containerOf(manifests, 'cardflow-api');
      for (const probe of [api.livenessProbe, api.readinessProbe])
        expect([probe.httpGet.path, (await fetch(`${sys.baseUrl}${probe.httpGet.path}`)).status]).toEqual([probe.httpGet.path, 200]);
      expect((await fetch(`${sys.baseUrl}/no-such-probe`)).status).toBe(404); // positive control
    });

    it("when the worker's probes are asked on the health port the ConfigMap sets, then they answer 200", async () => {
      const worker = containerOf(manifests, 'cardflow-worker');
      const data = manifests.find((m) => m.doc.kind === 'ConfigMap')!.doc.data as Record<string, string>;
      expect(worker.ports.find((p: Doc) => p.name === worker.livenessProbe.httpGet.port).containerPort).toBe(Number(data.WORKER_HEALTH_PORT));
      const health = await startWorkerHealth({ host: '127.0.0.1', port: 0, checks: { postgres: async () => void (await sys.db.raw('select 1')) } });
      try {
        for (const probe of [worker.livenessProbe, worker.readinessProbe])
          expect([probe.httpGet.path, (await fetch(`${health.url}${probe.httpGet.path}`)).status]).toEqual([probe.httpGet.path, 200]);
        expect((await fetch(`${health.url}/healthz`)).status).toBe(404); // the api's path is not the worker's
      } finally {
        await health.close();
      }
    });
  });
});
