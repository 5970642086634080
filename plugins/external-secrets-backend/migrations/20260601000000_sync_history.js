// @ts-check

/**
 * The sync history: one row per state transition of an ExternalSecret. The unique key makes a
 * write idempotent, so every replica may record what it saw and each transition is stored once.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('external_secret_transitions', table => {
    table.comment(
      'State transitions of ExternalSecrets (never a secret value)',
    );
    table.bigIncrements('id').primary();
    table.string('cluster', 253).notNullable();
    table.string('namespace', 253).notNullable();
    table.string('name', 253).notNullable();
    table.string('uid', 64).notNullable();
    table.string('entity_ref', 512).nullable();
    table.string('from_state', 16).nullable();
    table.string('to_state', 16).notNullable();
    table.string('reason', 256).nullable();
    table.string('finding_code', 64).nullable();
    // the object version the new state was read from; '' for a deletion (once per uid)
    table.string('resource_version', 64).notNullable();
    table.timestamp('occurred_at', { useTz: true }).notNullable();
    table.timestamp('recorded_at', { useTz: true }).notNullable();
    table.unique(['cluster', 'uid', 'resource_version', 'to_state'], {
      indexName: 'external_secret_transitions_once',
    });
    table.index(
      ['cluster', 'namespace', 'name', 'id'],
      'external_secret_transitions_by_name',
    );
    table.index(['cluster', 'uid', 'id'], 'external_secret_transitions_by_uid');
    table.index(['occurred_at'], 'external_secret_transitions_by_time');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('external_secret_transitions');
};
