import { createTestDatabase } from './harness';
import type { Db } from '../db';
import { REGISTERED_TABLES } from '../db/tables';

// Every table the migrations make has its row type registered with knex in db/tables.ts, so
// every query on it is typed. A migration that adds a table without registering it fails here.

/** knex's own bookkeeping, never queried by Cardflow. */
const KNEX_OWN = ['knex_migrations', 'knex_migrations_lock'];

const unregistered = (tables: string[], registered: readonly string[]) => tables.filter((t) => !KNEX_OWN.includes(t) && !registered.includes(t));

describe('registered row types', () => {
  let db: Db;
  let tables: string[];
  beforeAll(async () => {
    db = await createTestDatabase();
    tables = await db('information_schema.tables').where({ table_schema: 'public', table_type: 'BASE TABLE' }).orderBy('table_name').pluck('table_name');
  });
  afterAll(() => db.destroy());

  test('when a table is left out of db/tables.ts, then the check names it (positive control)', () => {
    expect(
      unregistered(
        tables,
        REGISTERED_TABLES.filter((t) => t !== 'dujiao_orders'),
      ),
    ).toEqual(['dujiao_orders']);
  });

  test('then every table of the migrated database has its row type registered', () => {
    expect(tables.length).toBeGreaterThan(40);
    expect(unregistered(tables, REGISTERED_TABLES)).toEqual([]);
  });

  test('then every registered table exists in the migrated database', () => {
    expect(REGISTERED_TABLES.filter((t) => !tables.includes(t))).toEqual([]);
  });
});
