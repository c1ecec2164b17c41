// A readable API reference rendered on the server from an OpenAPI document: plain HTML and CSS,
// nothing fetched from elsewhere (the api may run where there is no internet).

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string; required?: boolean; description?: string }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description: string }>;
}
interface Doc {
  info: { title: string; description?: string; version: string };
  servers?: { url: string }[];
  paths?: Record<string, object>;
}

const escape = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pretty = (schema: unknown) => `<pre>${escape(JSON.stringify(schema, null, 2))}</pre>`;

export function referencePage(doc: Doc, documentUrl: string): string {
  const base = doc.servers?.[0]?.url ?? '';
  const operations = Object.entries(doc.paths ?? {}).flatMap(([path, ops]) =>
    Object.entries(ops as Record<string, Operation>).map(([method, op]) => {
      const params = op.parameters ?? [];
      const body = op.requestBody?.content?.['application/json']?.schema;
      const answers = Object.entries(op.responses ?? {});
      return `<section id="${escape(op.operationId ?? `${method}-${path}`)}">
  <h3><span class="m ${escape(method)}">${escape(method.toUpperCase())}</span> <code>${escape(base + path)}</code></h3>
  <p>${escape(op.summary ?? '')}</p>${op.description ? `<p>${escape(op.description)}</p>` : ''}
  ${params.length ? `<h4>Parameters</h4><ul>${params.map((p) => `<li><code>${escape(p.name)}</code> (${escape(p.in)}${p.required ? ', required' : ''}) ${escape(p.description ?? '')}</li>`).join('')}</ul>` : ''}
  ${body ? `<h4>Body</h4>${pretty(body)}` : ''}
  <h4>Answers</h4><ul>${answers.map(([status, a]) => `<li><b>${escape(status)}</b> ${escape(a.description)}</li>`).join('')}</ul>
</section>`;
    }),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(doc.info.title)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#222}
section{border-top:1px solid #ddd;padding:.5rem 0}
pre{background:#f6f6f6;padding:.5rem;overflow:auto;max-height:24rem;font-size:12px}
.m{display:inline-block;min-width:4.5rem;font:bold 13px monospace;color:#fff;border-radius:3px;text-align:center;padding:2px 4px}
.get{background:#2b7a3d}.post{background:#1f5fa8}.put{background:#a86a1f}.delete{background:#a82b2b}
</style></head><body>
<h1>${escape(doc.info.title)} <small>v${escape(doc.info.version)}</small></h1>
<p>${escape(doc.info.description ?? '')}</p>
<p>Machine-readable: <a href="${escape(documentUrl)}">${escape(documentUrl)}</a> (OpenAPI 3.1).</p>
${operations.join('\n')}
</body></html>`;
}
