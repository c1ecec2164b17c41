import type { Knex } from 'knex';
import * as outOfStockAlert from './017_out_of_stock_alert';

// Notifications to people (issue 13): what an alert says also reaches the merchant's people by
// email and by a chat-bot webhook, per merchant and per kind, at once or in a digest.
//
// Alerts are the one detector: every alert is an INSERT into `alerts` (lib/alerts.ts and the
// stock trigger of migration 017), so a trigger on that insert writes what is owed to each of the
// merchant's targets, in the alert's own transaction: a notification exists exactly when its
// alert committed. A repeat of an open alert inserts nothing (ON CONFLICT DO NOTHING), so it
// notifies nothing either. The notifier (notifications/notifier.ts) groups due rows into
// messages and sends those.
//
// Two more alerts, so that every situation the issue names has one:
// - sku_low_stock: a stock product at or below its low-stock threshold (the console's "Low"
//   rule, api/admin/codes.ts), raised and resolved by the stock trigger of 017, extended here;
// - manual_fulfilment_waiting: an order waits for a person to fulfil it by hand, raised and
//   resolved as its manual task opens and closes (every path that closes one updates the row).

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notification_settings', (t) => {
    t.uuid('merchant_id').primary().references('merchants.id');
    // Each address is its own target: a bounce is one person's, and is recorded for that one.
    t.specificType('emails', 'text[]').notNullable().defaultTo('{}');
    t.text('webhook_kind').checkIn(['generic', 'wecom', 'dingtalk', 'telegram']);
    // The webhook URL carries the bot's token (WeCom key, DingTalk access_token, Telegram bot
    // token): sealed like a storefront's webhook secret, bound to the merchant.
    t.text('webhook_url_key_id');
    t.binary('webhook_url');
    // What the console may show of the URL: its host.
    t.text('webhook_host');
    t.text('telegram_chat_id');
    // { <alert kind>: 'immediate' | 'digest' }; a kind not named is off.
    t.jsonb('kinds').notNullable().defaultTo('{}');
    t.text('digest_every').notNullable().defaultTo('hourly').checkIn(['hourly', 'daily']);
    t.text('language').notNullable().defaultTo('en').checkIn(['en', 'zh']);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // One message sent (or owed) to one target: an email to one address, or one webhook post.
  // It carries one notification, or a digest's several. The unit of sending and retrying.
  await knex.schema.createTable('notification_messages', (t) => {
    t.bigIncrements('id');
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.text('target').notNullable();
    t.boolean('digest').notNullable();
    t.text('status').notNullable().defaultTo('pending').checkIn(['pending', 'sent', 'bounced', 'gave_up', 'dropped']);
    t.integer('attempts').notNullable().defaultTo(0);
    // As webhook_outbox: now when new, later after a failed try, a lease ahead while being sent.
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.index(['merchant_id', 'created_at']);
  });
  await knex.raw(`CREATE INDEX notification_messages_due ON notification_messages (next_attempt_at) WHERE status = 'pending'`);

  // One alert owed to one target ('email:<address>' or 'webhook'), due now or at its digest's
  // time, until it is put into a message.
  await knex.schema.createTable('notifications', (t) => {
    t.bigIncrements('id');
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.uuid('alert_id').notNullable().references('alerts.id');
    t.text('target').notNullable();
    t.boolean('digest').notNullable();
    t.timestamp('due_at', { useTz: true }).notNullable();
    t.bigInteger('message_id').references('notification_messages.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['alert_id', 'target']);
    t.index(['message_id']);
  });
  await knex.raw(`CREATE INDEX notifications_due ON notifications (due_at) WHERE message_id IS NULL`);

  await knex.raw(`
    CREATE FUNCTION notify_people_of_alert() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      s notification_settings%ROWTYPE;
      mode text;
      due timestamptz;
      inserted int := 0;
    BEGIN
      SELECT * INTO s FROM notification_settings WHERE merchant_id = NEW.merchant_id;
      IF NOT FOUND THEN RETURN NULL; END IF;
      mode := s.kinds ->> NEW.kind;
      IF mode IS NULL OR mode NOT IN ('immediate', 'digest') THEN RETURN NULL; END IF;
      -- A digest goes out at the next whole hour, or the next midnight UTC.
      due := CASE WHEN mode = 'immediate' THEN now()
                  WHEN s.digest_every = 'daily' THEN date_trunc('day', now()) + interval '1 day'
                  ELSE date_trunc('hour', now()) + interval '1 hour' END;
      INSERT INTO notifications (merchant_id, alert_id, target, digest, due_at)
      SELECT NEW.merchant_id, NEW.id, t.target, mode = 'digest', due
        FROM (SELECT 'email:' || e AS target FROM unnest(s.emails) AS e
              UNION ALL SELECT 'webhook' WHERE s.webhook_url IS NOT NULL) t
      ON CONFLICT (alert_id, target) DO NOTHING;
      GET DIAGNOSTICS inserted = ROW_COUNT;
      -- Wakes the notifiers when this commits (lib/pg-notifications.ts); a digest waits for its time.
      IF inserted > 0 AND mode = 'immediate' THEN PERFORM pg_notify('notifications', ''); END IF;
      RETURN NULL;
    END $$;
  `);
  await knex.raw(`CREATE TRIGGER alerts_notify_people AFTER INSERT ON alerts FOR EACH ROW EXECUTE FUNCTION notify_people_of_alert()`);

  // 017's trigger, now also for low stock. Low is "at or below the threshold", as the console
  // marks it, so a product at zero is both low and out of stock (two kinds, each on its own).
  await knex.raw('DROP TRIGGER skus_out_of_stock_alert ON skus');
  await knex.raw(`
    CREATE OR REPLACE FUNCTION sku_out_of_stock_alert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF (NEW.stock_available = 0) IS DISTINCT FROM (OLD.stock_available = 0) THEN
        IF NEW.stock_available = 0 THEN
          INSERT INTO alerts (id, merchant_id, kind, subject_id, message, detail)
          VALUES (gen_random_uuid(), NEW.merchant_id, 'sku_out_of_stock', NEW.id::text,
                  'Product ' || NEW.code || ' is out of stock: no order can be promised a code until more are imported',
                  jsonb_build_object('sku', NEW.code, 'name', NEW.name))
          ON CONFLICT (merchant_id, kind, subject_id) WHERE resolved_at IS NULL DO NOTHING;
        ELSE
          UPDATE alerts SET resolved_at = now()
           WHERE merchant_id = NEW.merchant_id AND kind = 'sku_out_of_stock' AND subject_id = NEW.id::text AND resolved_at IS NULL;
        END IF;
      END IF;
      IF (NEW.stock_available <= NEW.low_stock_threshold) IS DISTINCT FROM (OLD.stock_available <= OLD.low_stock_threshold) THEN
        IF NEW.stock_available <= NEW.low_stock_threshold THEN
          INSERT INTO alerts (id, merchant_id, kind, subject_id, message, detail)
          VALUES (gen_random_uuid(), NEW.merchant_id, 'sku_low_stock', NEW.id::text,
                  'Product ' || NEW.code || ' is low on stock: ' || NEW.stock_available || ' left, threshold ' || NEW.low_stock_threshold,
                  jsonb_build_object('sku', NEW.code, 'name', NEW.name, 'available', NEW.stock_available, 'threshold', NEW.low_stock_threshold))
          ON CONFLICT (merchant_id, kind, subject_id) WHERE resolved_at IS NULL DO NOTHING;
        ELSE
          UPDATE alerts SET resolved_at = now()
           WHERE merchant_id = NEW.merchant_id AND kind = 'sku_low_stock' AND subject_id = NEW.id::text AND resolved_at IS NULL;
        END IF;
      END IF;
      RETURN NULL;
    END $$;
  `);
  // Still only a comparison on the acceptance path: the body runs when a line is crossed.
  await knex.raw(`
    CREATE TRIGGER skus_out_of_stock_alert AFTER UPDATE OF stock_available, low_stock_threshold ON skus FOR EACH ROW
    WHEN (NEW.fulfilment_mode = 'stock' AND (
      (NEW.stock_available = 0) IS DISTINCT FROM (OLD.stock_available = 0)
      OR (NEW.stock_available <= NEW.low_stock_threshold) IS DISTINCT FROM (OLD.stock_available <= OLD.low_stock_threshold)))
    EXECUTE FUNCTION sku_out_of_stock_alert()
  `);

  await knex.raw(`
    CREATE FUNCTION manual_task_waiting_alert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.status IN ('open', 'escalated') THEN
        INSERT INTO alerts (id, merchant_id, kind, subject_id, message, detail)
        SELECT gen_random_uuid(), NEW.merchant_id, 'manual_fulfilment_waiting', NEW.order_id::text,
               'Order ' || o.external_ref || ' waits for a person to fulfil it by hand (Manual tasks); it is cancelled at ' || to_char(NEW.cancel_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
               jsonb_build_object('cancelAt', to_char(NEW.cancel_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
          FROM orders o WHERE o.id = NEW.order_id
        ON CONFLICT (merchant_id, kind, subject_id) WHERE resolved_at IS NULL DO NOTHING;
      ELSE
        UPDATE alerts SET resolved_at = now()
         WHERE merchant_id = NEW.merchant_id AND kind = 'manual_fulfilment_waiting' AND subject_id = NEW.order_id::text AND resolved_at IS NULL;
      END IF;
      RETURN NULL;
    END $$;
  `);
  await knex.raw(`
    CREATE TRIGGER manual_tasks_waiting_alert AFTER INSERT OR UPDATE OF status ON manual_tasks FOR EACH ROW EXECUTE FUNCTION manual_task_waiting_alert()
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER manual_tasks_waiting_alert ON manual_tasks');
  await knex.raw('DROP FUNCTION manual_task_waiting_alert()');
  // Back to 017's stock trigger (out of stock only).
  await outOfStockAlert.down(knex);
  await outOfStockAlert.up(knex);
  await knex.raw('DROP TRIGGER alerts_notify_people ON alerts');
  await knex.raw('DROP FUNCTION notify_people_of_alert()');
  await knex.schema.dropTable('notifications');
  await knex.schema.dropTable('notification_messages');
  await knex.schema.dropTable('notification_settings');
}
