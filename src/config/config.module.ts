import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, registerAs } from '@nestjs/config';
import { SecretBox } from '../common/secret-box';
import { APP_CONFIG, APP_CONFIG_NAMESPACE, AppConfig } from './app-config';
import { resolveCredentialsKey } from './credentials-key';

/**
 * The configuration loadConfig validated, under @nestjs/config: APP_CONFIG (or
 * `ConfigService.get('app')`) everywhere, and the SecretBox its keys open. The caller reads the
 * environment (main.ts needs PORT, DATA_DIR and DATABASE_URL before the app exists; a test
 * passes its own), so @nestjs/config reads no `.env` of its own here.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: [registerAs(APP_CONFIG_NAMESPACE, () => config)],
        }),
      ],
      providers: [
        {
          provide: SecretBox,
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => new SecretBox(resolveCredentialsKey(c), c.previousCredentialsKeys),
        },
      ],
      exports: [SecretBox],
    };
  }
}
