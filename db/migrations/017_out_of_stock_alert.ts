import type { Knex } from 'knex';

// A product that runs out raises an alert (issue 13): "sku_out_of_stock", one open per product,
// resolved when stock comes back. Stock changes on many paths (orders reserving it, imports,
// voids, expiry, releases on cancel and refund), and all of them pass through the product's
// stock_available; a trigger on that column is the one place none can miss. It fires only when
// the count crosses zero, so the acceptance path pays a comparison, not an insert.

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION sku_out_of_stock_alert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
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
      RETURN NULL;
    END $$;
  `);
  await knex.raw(`
    CREATE TRIGGER skus_out_of_stock_alert AFTER UPDATE OF stock_available ON skus FOR EACH ROW
    WHEN (NEW.fulfilment_mode = 'stock' AND (NEW.stock_available = 0) IS DISTINCT FROM (OLD.stock_available = 0))
    EXECUTE FUNCTION sku_out_of_stock_alert()
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER skus_out_of_stock_alert ON skus');
  await knex.raw('DROP FUNCTION sku_out_of_stock_alert()');
}
