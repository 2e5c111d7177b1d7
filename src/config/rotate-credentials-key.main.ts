/**
 * `npm run credentials:rotate` (after `npm run build`; in the container:
 * `node dist/src/config/rotate-credentials-key.main.js`): re-seals every stored secret under
 * CREDENTIALS_KEY, opening the old ones with CREDENTIALS_KEY_PREVIOUS. Same environment as the
 * service (DATABASE_URL, or the embedded database under DATA_DIR, which needs the service stopped).
 *
 * stdout: one JSON line, the report. stderr: what happened, for people. Exit 1 if anything failed,
 * in which case nothing was changed.
 */
import * as fs from 'node:fs';
import { DataSource } from 'typeorm';
import { SecretBox } from '../common/secret-box';
import { dataSourceOptions } from '../database/data-source';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../database/embedded-postgres';
import { ConfigError, loadConfig } from './app-config';
import { rotateCredentials } from './credentials-rotation';

const say = (m: string): void => void process.stderr.write(`credentials:rotate: ${m}\n`);

async function main(): Promise<number> {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig();
  if (!config.credentialsKey) {
    say('set CREDENTIALS_KEY to the new key (openssl rand -base64 32) and CREDENTIALS_KEY_PREVIOUS to the old one');
    return 1;
  }
  if (!config.previousCredentialsKeys.length)
    say('CREDENTIALS_KEY_PREVIOUS is empty: only checking that every secret opens with CREDENTIALS_KEY');
  let embedded: EmbeddedDatabase | null = null;
  let ds: DataSource | null = null;
  try {
    embedded = config.databaseUrl ? null : await startEmbeddedPostgres(config.dataDir);
    ds = await new DataSource(dataSourceOptions(config.databaseUrl ?? embedded!.url)).initialize();
    const report = await rotateCredentials(ds, new SecretBox(config.credentialsKey, config.previousCredentialsKeys));
    process.stdout.write(JSON.stringify(report) + '\n');
    say(
      `${report.resealed} secret(s) re-sealed under CREDENTIALS_KEY, ${report.alreadyCurrent} already under it. ` +
        (report.resealed || config.previousCredentialsKeys.length
          ? 'Every instance can now drop CREDENTIALS_KEY_PREVIOUS.'
          : 'Nothing to do.'),
    );
    return 0;
  } finally {
    await ds?.destroy();
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    say(e instanceof ConfigError ? e.message : `failed, nothing was changed: ${e.message}`);
    process.exit(1);
  },
);
