import type { Knex } from 'knex';

// Why a notification to people was not sent, as a code with params beside the English sentence
// (notifications/send-errors.ts), so the settings screen words it in the reader's language. Rows
// written before keep only the sentence, which the console shows as it is.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notification_messages', (t) => {
    t.text('last_error_code');
    t.jsonb('last_error_params');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notification_messages', (t) => {
    t.dropColumn('last_error_code');
    t.dropColumn('last_error_params');
  });
}
