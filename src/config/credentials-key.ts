import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AppConfig } from './app-config';

/**
 * CREDENTIALS_KEY, or in development a key generated once into DATA_DIR (production refuses to
 * start without one: see loadConfig). Losing this file makes the stored secrets unreadable.
 */
export function resolveCredentialsKey(config: AppConfig): Buffer {
  if (config.credentialsKey) return config.credentialsKey;
  const file = path.join(config.dataDir, 'credentials.key');
  if (fs.existsSync(file)) return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  fs.mkdirSync(config.dataDir, { recursive: true });
  const key = crypto.randomBytes(32);
  fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600 });
  return key;
}
