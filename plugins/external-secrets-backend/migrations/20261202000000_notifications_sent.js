// @ts-check

/**
 * The notifications the plugin sent: one row per failure episode of an ExternalSecret (or
 * outage of a cluster). The unique key makes sending idempotent across replicas and restarts:
 * the replica whose insert creates the row sends the failure, the one whose update closes it
 * sends the recovery.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('external_secrets_notifications', table => {
    table.comment(
      'Failure and recovery notifications sent per ExternalSecret or cluster (never a secret value)',
    );
    // 'es:<cluster>/<namespace>/<name>/<uid>' or 'cluster:<cluster>'
    table.string('subject', 700).notNullable();
    // an ExternalSecret's last successful sync before it broke; a cluster's outage number
    table.string('episode', 64).notNullable();
    table.string('cluster', 253).notNullable();
    table.string('entity_ref', 512).nullable();
    table.text('recipients').notNullable();
    table.string('severity', 16).notNullable();
    table.string('finding_code', 64).nullable();
    table.timestamp('failing_since', { useTz: true }).notNullable();
    table.timestamp('opened_at', { useTz: true }).notNullable();
    table.timestamp('closed_at', { useTz: true }).nullable();
    // 'recovered' (a recovery was sent) or 'deleted' (the object went away: nothing sent)
    table.string('closed_as', 16).nullable();
    table.unique(['subject', 'episode'], {
      indexName: 'external_secrets_notifications_once',
    });
    table.index(
      ['cluster', 'closed_at'],
      'external_secrets_notifications_open',
    );
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('external_secrets_notifications');
};
