import { Router } from 'express';
import type { Db } from '../../db';
import { recordAudit, userActor } from '../../lib/audit';
import type { CodeVault } from '../../lib/code-vault';
import { AppError } from '../../lib/errors';
import { fieldProblem } from '../../lib/field-codes';
import type { OutboundHttp } from '../../lib/outbound-http';
import { NotificationSettingsInput, saveNotificationSettings, settingsView, WebhookUrlMissing } from '../../notifications/settings';
import { checkOutboundTarget, parseOrThrow } from '../errors';
import { jsonBody } from '../well-formed';
import { allow } from './auth';

// A merchant's notification settings (notifications/settings.ts): one record per merchant,
// read and replaced whole, with the messages sent lately (bounces and give-ups included), so the
// people who set it up can see it working.

export function adminNotificationsRouter(deps: { db: Db; vault: CodeVault; outbound: OutboundHttp; maxBodyBytes: number }) {
  const { db } = deps;
  const router = Router();

  const view = async (merchantId: string) => {
    const row = await db('notification_settings').where({ merchant_id: merchantId }).first();
    const recent = await db('notification_messages as m')
      .where('m.merchant_id', merchantId)
      .orderBy('m.id', 'desc')
      .limit(20)
      .select(
        'm.id',
        'm.target',
        'm.digest',
        'm.status',
        'm.attempts',
        'm.last_error',
        'm.last_error_code',
        'm.last_error_params',
        'm.created_at',
        'm.finished_at',
        db.raw('(SELECT count(*) FROM notifications n WHERE n.message_id = m.id)::int AS alerts'),
      );
    return {
      id: 'settings',
      ...settingsView(row),
      recent: recent.map((m) => ({
        id: m.id,
        target: m.target,
        digest: m.digest,
        status: m.status,
        attempts: m.attempts,
        lastError: m.last_error,
        // The same as a code with params, for the console's words (notifications/send-errors.ts).
        lastErrorCode: m.last_error_code ? { code: m.last_error_code, params: m.last_error_params ?? {} } : null,
        alerts: m.alerts,
        createdAt: m.created_at.toISOString(),
        finishedAt: m.finished_at?.toISOString() ?? null,
      })),
    };
  };

  router.get('/notification-settings', allow('notification-settings', 'list'), async (req, res) => {
    res.json(await view(req.admin!.merchantId));
  });

  router.put('/notification-settings', allow('notification-settings', 'edit'), jsonBody(deps.maxBodyBytes), async (req, res) => {
    const { id: _id, recent: _recent, ...body } = (req.body ?? {}) as Record<string, unknown>;
    const input = parseOrThrow(NotificationSettingsInput, body);
    await checkOutboundTarget(deps.outbound, 'webhook.url', input.webhook?.url);
    const merchantId = req.admin!.merchantId;
    await db.transaction(async (trx) => {
      let saved;
      try {
        saved = await saveNotificationSettings(trx, deps.vault, merchantId, input);
      } catch (err) {
        if (!(err instanceof WebhookUrlMissing)) throw err;
        throw new AppError('invalid_input', 'validation_failed', 'The request body is invalid', {
          fields: [{ path: 'webhook.url', ...fieldProblem('webhook_url_required', 'the webhook URL is required') }],
        });
      }
      // What changed, without the URL (it holds the bot's token): its host, and whether it was replaced.
      await recordAudit(trx, { merchantId, actor: userActor(req.admin!.email), action: 'notifications.settings_changed', target: `merchant:${merchantId}`, detail: saved });
    });
    res.json(await view(merchantId));
  });

  return router;
}
