import crypto from 'node:crypto';
import ExcelJS from 'exceljs';
import officeCrypto from 'officecrypto-tool';
import type { Db } from '../../db';
import { recordAudit, userActor } from '../../lib/audit';
import type { CodeVault } from '../../lib/code-vault';
import { conflict, InvariantBroken, notFound } from '../../lib/errors';
import { openCode } from '../../stock/code-secret';
import { appendEvent } from '../events';

// A bulk order's codes are handed over as one password-protected XLSX (ECMA-376 agile
// encryption, which Excel, WPS and LibreOffice open), not as thousands of reveals. The file is
// written by an activity straight from the vault, so no code passes through Temporal; only the
// row count goes back. Its password is generated here, sealed by the code vault (never stored
// in plaintext, never logged, never returned to the workflow), and shown once: the one
// download hands over the file and its password and erases both.

const READ_PAGE = 5_000;
const PASSWORD_BYTES = 15; // 20 characters of base64url: 120 bits

const boundTo = (orderId: string) => `bulk-file:${orderId}`;

/** Writes the order's file once (a retry finds it written). Returns the number of code rows. */
export async function writeBulkFile(db: Db, vault: CodeVault, orderId: string): Promise<{ rows: number }> {
  const written = await db('bulk_order_files').where({ order_id: orderId }).first('rows');
  if (written) return { rows: written.rows };
  const order = await db('orders as o')
    .join('order_items as i', 'i.order_id', 'o.id')
    .join('skus as s', 's.id', 'i.sku_id')
    .where('o.id', orderId)
    .first('o.external_ref', 's.code as sku', 's.name as sku_name');
  if (!order) throw new InvariantBroken('order_missing', { orderId });

  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Codes');
  sheet.columns = [
    { header: '#', key: 'seq', width: 8 },
    { header: 'Recipient', key: 'recipient', width: 30 },
    { header: 'SKU', key: 'sku', width: 16 },
    { header: 'Code', key: 'number', width: 32 },
    { header: 'PIN', key: 'pin', width: 16 },
    { header: 'URL', key: 'url', width: 40 },
    { header: 'Expires', key: 'expires', width: 22 },
  ];
  let rows = 0;
  for (let after = 0; ;) {
    const page = await db('deliveries as d')
      .join('order_units as u', 'u.id', 'd.unit_id')
      .join('codes as c', 'c.id', 'd.code_id')
      .leftJoin('bulk_order_recipients as r', (j) => j.on('r.order_id', 'u.order_id').andOn('r.seq', 'u.seq'))
      .where('d.order_id', orderId)
      .andWhere('u.seq', '>', after)
      .orderBy('u.seq')
      .limit(READ_PAGE)
      .select('u.seq', 'r.recipient', 'c.id', 'c.key_id', 'c.secret', 'c.expires_at');
    if (page.length === 0) break;
    for (const row of page) {
      const secret = openCode(vault, row);
      sheet.addRow({
        seq: row.seq,
        recipient: row.recipient ?? '',
        sku: order.sku,
        number: secret.number,
        pin: secret.pin ?? '',
        url: secret.url ?? '',
        expires: row.expires_at ? new Date(row.expires_at).toISOString() : '',
      });
    }
    rows += page.length;
    after = page[page.length - 1].seq;
  }
  const plain = Buffer.from(await book.xlsx.writeBuffer());
  const password = crypto.randomBytes(PASSWORD_BYTES).toString('base64url');
  const content = officeCrypto.encrypt(plain, { password });
  const sealed = vault.seal(password, boundTo(orderId));
  await db.transaction(async (trx) => {
    const inserted = await trx('bulk_order_files')
      .insert({ order_id: orderId, content, password_key_id: sealed.keyId, password_sealed: sealed.payload, rows })
      .onConflict('order_id')
      .ignore()
      .returning('order_id');
    if (inserted.length) await appendEvent(trx, orderId, 'bulk_file_written', { rows });
  });
  return { rows };
}

/**
 * The one download: the file and its password, then both are erased (in the same transaction,
 * with the audit row). A second request is refused. If the answer is lost on the way, the file
 * is gone too: that is the price of "once"; the codes stay delivered and can be revealed one by
 * one by those allowed to.
 */
export async function downloadBulkFile(db: Db, vault: CodeVault, merchantId: string, orderId: string, user: { id: string; email: string }) {
  return db.transaction(async (trx) => {
    const bulk = await trx('bulk_orders').where({ order_id: orderId, merchant_id: merchantId }).first('order_id');
    if (!bulk) throw notFound('bulk order');
    const file = await trx('bulk_order_files').where({ order_id: orderId }).forUpdate().first();
    if (!file) throw conflict('bulk_file_not_ready', 'The file of this bulk order is not written yet', { orderId });
    if (file.downloaded_at || !file.content || !file.password_sealed || !file.password_key_id) {
      throw conflict('bulk_file_already_downloaded', 'The file of this bulk order was already downloaded', { orderId, downloadedAt: file.downloaded_at });
    }
    const password = vault.open({ keyId: file.password_key_id, payload: file.password_sealed }, boundTo(orderId));
    await trx('bulk_order_files')
      .where({ order_id: orderId })
      .update({ content: null, password_sealed: null, password_key_id: null, downloaded_at: trx.fn.now(), downloaded_by: user.id });
    await recordAudit(trx, { merchantId, actor: userActor(user.email), action: 'bulk_order.file_downloaded', target: `order:${orderId}`, detail: { rows: file.rows } });
    await appendEvent(trx, orderId, 'bulk_file_downloaded', { by: user.email, rows: file.rows });
    return { content: file.content, password, rows: file.rows };
  });
}
