/**
 * Temporal's schemas in PostgreSQL, created and upgraded with temporal-sql-tool from the schema
 * embedded in it: the default store and SQL visibility (where custom search attributes live).
 * Every step is idempotent, so `cluster up` runs them all each time, like the compose file's
 * temporal-schema job.
 */
import { spawnSync } from 'node:child_process';
import { DB_USER } from './postgres';

export const SCHEMAS = [
  { database: 'temporal', schemaName: 'postgresql/v12/temporal' },
  { database: 'temporal_visibility', schemaName: 'postgresql/v12/visibility' },
] as const;

/** The temporal-sql-tool subcommands for one database, in order. */
export function schemaSteps(schema: (typeof SCHEMAS)[number]): string[][] {
  return [['create-database'], ['setup-schema', '-v', '0.0'], ['update-schema', '--schema-name', schema.schemaName]];
}

export function applySchemas(sqlTool: string, port: number, password: string): void {
  for (const schema of SCHEMAS) {
    for (const step of schemaSteps(schema)) {
      const result = spawnSync(sqlTool, ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(port), '-u', DB_USER, '--db', schema.database, ...step], {
        encoding: 'utf8',
        // The password travels in the environment, not on a command line others can read.
        env: { ...process.env, SQL_PASSWORD: password },
        timeout: 120_000,
      });
      if (result.status !== 0) {
        const errorLine = `${result.stdout}${result.stderr}`.split('\n').reverse().find((l) => /ERROR|error/.test(l)) ?? `exit ${result.status ?? result.signal}`;
        throw new Error(`temporal-sql-tool ${step[0]} on ${schema.database} failed: ${errorLine.replace(/\s+/g, ' ').trim()}`);
      }
    }
  }
}
