import crypto from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import type { GiftTemplateRow } from '../../db/tables';
import { recordAudit, userActor } from '../../lib/audit';
import { notFound } from '../../lib/errors';
import { parseOrThrow } from '../errors';
import { coded } from '../../lib/field-codes';
import { jsonBody } from '../well-formed';
import { allow } from './auth';
import { iso, parseListQuery, sendList } from './list-query';

// E-gift designs (orders/gifts.ts): a name and a picture. The picture is an https URL, or an
// uploaded PNG, JPEG or WebP kept as a data: URL (at most MAX_IMAGE_BYTES): the delivery page
// shows it as an <img>, and its Content-Security-Policy lets images, and nothing else, come
// from there.

const MAX_IMAGE_BYTES = 256 * 1024;

const ImageUrl = z
  .string()
  .trim()
  .max(Math.ceil((MAX_IMAGE_BYTES * 4) / 3) + 64, `An uploaded picture may be at most ${MAX_IMAGE_BYTES / 1024} KB`)
  .refine(
    (u) => /^https:\/\/[^\s"'<>]+$/.test(u) || /^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/]+=*$/.test(u),
    coded('picture_address', 'An https:// address, or an uploaded PNG, JPEG or WebP picture'),
  );

export const GiftTemplateBody = z.object({
  name: z.string().trim().min(1, 'Give the design a name').max(100),
  imageUrl: ImageUrl,
  active: z.boolean().default(true),
});

const Filter = z.object({ active: z.boolean().optional() }).strict();

const templateJson = (t: GiftTemplateRow) => ({ id: t.id, name: t.name, imageUrl: t.image_url, active: t.active, createdAt: iso(t.created_at) });

export function adminGiftTemplatesRouter(deps: { db: Db; maxBodyBytes: number }) {
  const { db } = deps;
  const router = Router();
  // A picture upload is bigger than an ordinary request body.
  const json = jsonBody(Math.max(deps.maxBodyBytes, MAX_IMAGE_BYTES * 2));

  router.get('/gift-templates', allow('gift-templates', 'list'), async (req, res) => {
    const params = parseListQuery(req.query, { sortable: { name: 'name', createdAt: 'created_at', id: 'id' }, defaultSort: ['createdAt', 'ASC'], filter: Filter });
    const q = db('gift_templates').where({ merchant_id: req.admin!.merchantId }).select('*');
    if (params.filter.active !== undefined) q.where('active', params.filter.active);
    await sendList(res, db, 'gift-templates', q, params, templateJson);
  });

  router.get('/gift-templates/:id', allow('gift-templates', 'show'), async (req, res) => {
    const id = z.uuid().safeParse(req.params.id);
    const row = id.success ? await db('gift_templates').where({ id: id.data, merchant_id: req.admin!.merchantId }).first() : undefined;
    if (!row) throw notFound('Gift design');
    res.json(templateJson(row));
  });

  router.post('/gift-templates', allow('gift-templates', 'create'), json, async (req, res) => {
    const body = parseOrThrow(GiftTemplateBody, req.body ?? {});
    const id = crypto.randomUUID();
    await db.transaction(async (trx) => {
      await trx('gift_templates').insert({ id, merchant_id: req.admin!.merchantId, name: body.name, image_url: body.imageUrl, active: body.active });
      await recordAudit(trx, { merchantId: req.admin!.merchantId, actor: userActor(req.admin!.email), action: 'gift_template.created', detail: { id, name: body.name } });
    });
    const row = await db('gift_templates').where({ id }).first();
    res.status(201).json(templateJson(row!));
  });

  router.put('/gift-templates/:id', allow('gift-templates', 'edit'), json, async (req, res) => {
    const id = z.uuid().safeParse(req.params.id);
    const body = parseOrThrow(GiftTemplateBody, req.body ?? {});
    const [row] = id.success
      ? await db.transaction(async (trx) => {
          const updated = await trx('gift_templates')
            .where({ id: id.data, merchant_id: req.admin!.merchantId })
            .update({ name: body.name, image_url: body.imageUrl, active: body.active })
            .returning('*');
          if (updated.length) {
            await recordAudit(trx, {
              merchantId: req.admin!.merchantId,
              actor: userActor(req.admin!.email),
              action: 'gift_template.changed',
              detail: { id: id.data, name: body.name, active: body.active },
            });
          }
          return updated;
        })
      : [];
    if (!row) throw notFound('Gift design');
    res.json(templateJson(row));
  });

  return router;
}
