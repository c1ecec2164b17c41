import type { DeliveryPageData, Language } from '../../orders/buyer-delivery';
import type { CodeSecret } from '../../stock/code-secret';
import { TEXTS, type Texts } from './texts';

// The buyer's pages as small server-rendered HTML: no script but the copy buttons' few lines
// (allowed by a per-answer nonce), no external resource but a gift design's image, laid out for a
// phone first (one column, long codes wrap instead of scrolling sideways).

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;background:#f4f5f7;color:#1d1f23}
main{max-width:640px;margin:0 auto;padding:16px}
header{display:flex;justify-content:space-between;align-items:center;gap:8px;flex-wrap:wrap}
h1{font-size:1.3rem;margin:8px 0}
.card{background:#fff;border-radius:12px;padding:16px;margin:12px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.muted{color:#5b616e;font-size:.9rem}
.code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:1.05rem;overflow-wrap:anywhere;word-break:break-all;background:#f0f4ff;border-radius:8px;padding:8px;flex:1;min-width:0}
.row{display:flex;gap:8px;align-items:center;margin:6px 0}
.label{min-width:3.5em;color:#5b616e}
button,.button{font:inherit;border:0;border-radius:8px;padding:10px 14px;background:#2b59c3;color:#fff;cursor:pointer}
button.copy{background:#e4e9f6;color:#1d1f23;padding:8px 10px}
input{font:inherit;width:100%;padding:10px;border:1px solid #c8ccd4;border-radius:8px;margin:4px 0 12px}
.instructions{white-space:pre-wrap;overflow-wrap:anywhere;background:#fffbea;border-radius:8px;padding:10px}
.gift img{width:100%;height:auto;border-radius:10px;display:block}
.message{white-space:pre-wrap;overflow-wrap:anywhere;font-size:1.1rem}
.error{color:#b3261e}
nav a{margin-left:8px;color:#2b59c3}
`;

const COPY_SCRIPT = `document.querySelectorAll('button.copy').forEach(function(b){b.addEventListener('click',function(){var t=document.getElementById(b.dataset.target).textContent;navigator.clipboard.writeText(t).then(function(){b.textContent=b.dataset.done;});});});`;

export interface PageShell {
  language: Language;
  nonce: string;
  /** The current path (without query), for the language switch. */
  path: string;
}

function shell(p: PageShell, title: string, body: string): string {
  const t = TEXTS[p.language];
  const other: Language = p.language === 'zh' ? 'en' : 'zh';
  return `<!doctype html>
<html lang="${p.language === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style nonce="${p.nonce}">${STYLE}</style>
</head>
<body>
<main>
<header><h1>${esc(title)}</h1><nav aria-label="${esc(t.language)}"><a href="${esc(p.path)}?lang=${other}" hreflang="${other}" lang="${other}">${other === 'zh' ? '中文' : 'English'}</a></nav></header>
${body}
</main>
<script nonce="${p.nonce}">${COPY_SCRIPT}</script>
</body>
</html>`;
}

export interface GiftCard {
  imageUrl: string;
  templateName: string;
  senderName: string;
  recipientName: string;
  message: string;
}

/** The order's page: its units, a reveal button for each code, and `revealed` shown in full. */
export function deliveryPage(p: PageShell, data: DeliveryPageData, opts: { gift?: GiftCard; revealed?: { unitId: string; code: CodeSecret } }): string {
  const t = TEXTS[p.language];
  const gift = opts.gift
    ? `<section class="card gift">
<img src="${esc(opts.gift.imageUrl)}" alt="${esc(opts.gift.templateName)}">
<p>${esc(t.gift.to)} ${esc(opts.gift.recipientName)}</p>
${opts.gift.message ? `<p class="message">${esc(opts.gift.message)}</p>` : ''}
<p class="muted">${esc(t.gift.from)} ${esc(opts.gift.senderName)}</p>
</section>`
    : '';
  const status = (t.status as Record<string, string>)[data.status] ?? data.status;
  const items = data.items.map((item) => itemCard(p, t, item, opts.revealed)).join('\n');
  return shell(
    p,
    t.title,
    `${gift}<p class="muted">${esc(t.order)} ${esc(data.externalRef)} · <span data-testid="order-status">${esc(status)}</span></p>
<p class="muted">${esc(t.revealHelp)}</p>
${items}`,
  );
}

function itemCard(p: PageShell, t: Texts, item: DeliveryPageData['items'][number], revealed?: { unitId: string; code: CodeSecret }): string {
  const units = item.units
    .map((u, i) => {
      const n = item.units.length > 1 ? `<p class="muted">${esc(t.unit)} ${i + 1}</p>` : '';
      if (revealed?.unitId === u.id) return n + revealedCode(t, u.id, revealed.code, u.expiresAt);
      if (u.hasCode) {
        return `${n}<form method="post" action="${esc(p.path)}/reveal"><input type="hidden" name="unit" value="${esc(u.id)}"><input type="hidden" name="lang" value="${p.language}"><button type="submit">${esc(t.reveal)}</button></form>`;
      }
      if (u.toppedUpAccount) return `${n}<p>${esc(t.toppedUp)} <b>${esc(u.toppedUpAccount)}</b></p>`;
      return `${n}<p class="muted">${esc(t.notYet)}</p>`;
    })
    .join('\n');
  const instructions = item.instructions ? `<h3>${esc(t.instructions)}</h3><div class="instructions" data-testid="instructions">${esc(item.instructions)}</div>` : '';
  return `<section class="card"><h2>${esc(item.name)}</h2>${units}${instructions}</section>`;
}

function revealedCode(t: Texts, unitId: string, code: CodeSecret, expiresAt: Date | null): string {
  const line = (label: string, value: string, key: string) =>
    `<div class="row"><span class="label">${esc(label)}</span><span class="code" id="${key}-${esc(unitId)}" data-testid="code-${key}">${esc(value)}</span><button type="button" class="copy" data-target="${key}-${esc(unitId)}" data-done="${esc(t.copied)}">${esc(t.copy)}</button></div>`;
  return [
    line(t.code, code.number, 'number'),
    code.pin ? line(t.pin, code.pin, 'pin') : '',
    code.url ? line(t.url, code.url, 'url') : '',
    expiresAt ? `<p class="muted">${esc(t.expires)} ${esc(expiresAt.toISOString().slice(0, 10))}</p>` : '',
  ].join('');
}

export function expiredPage(p: PageShell): string {
  const t = TEXTS[p.language];
  return shell(p, t.title, `<section class="card"><p class="error">${esc(t.expired)}</p><p>${esc(t.expiredHelp)}</p></section>`);
}

/** The lookup (查单): step 1 asks for the reference and contact, step 2 for the one-time code. */
export function lookupPage(p: PageShell, state: { step: 'ask' } | { step: 'code'; challengeId: string }, error?: string): string {
  const t = TEXTS[p.language];
  const err = error ? `<p class="error" role="alert">${esc(error)}</p>` : '';
  const lang = `<input type="hidden" name="lang" value="${p.language}">`;
  const body =
    state.step === 'ask'
      ? `<p>${esc(t.lookupHelp)}</p>${err}<form method="post" action="${esc(p.path)}">${lang}
<label>${esc(t.reference)}<input name="reference" required maxlength="128" autocomplete="off"></label>
<label>${esc(t.contact)}<input name="contact" required maxlength="254" autocomplete="email"></label>
<button type="submit">${esc(t.sendCode)}</button></form>`
      : `<p>${esc(t.codeSent)}</p>${err}<form method="post" action="${esc(p.path)}/verify">${lang}<input type="hidden" name="challenge" value="${esc(state.challengeId)}">
<label>${esc(t.otp)}<input name="code" required inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code"></label>
<button type="submit">${esc(t.verify)}</button></form>`;
  return shell(p, t.lookupTitle, `<section class="card">${body}</section>`);
}
