import { INestApplication, Logger, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { answerUnparsableRequests } from './common/client-error';
import { ErrorFilter } from './common/error.filter';
import { requestId } from './common/request-id.middleware';
import { validationPipe } from './common/validation';

/** Builds the configured application; main.ts, the demo and the tests all start it this way. */
export async function createApp(config: AppConfig, logger: LoggerService | false = new Logger()): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { rawBody: true, logger, abortOnError: false });
  answerUnparsableRequests(app.getHttpServer());
  app.use(requestId);
  // Imports can be large (50,000 rows); gateway bodies are small but X's own limit is unknown, so the same limit serves both.
  app.useBodyParser('json', { limit: '20mb' });
  app.useBodyParser('text', { type: 'text/csv', limit: '20mb' });
  app.useGlobalPipes(validationPipe());
  app.useGlobalFilters(new ErrorFilter());
  const doc = new DocumentBuilder()
    .setTitle('handlemeter')
    .setDescription("Meters unique @handles on X's enterprise Engagement API. Every error answers `{ statusCode, code, message, details }`.")
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'apiKey')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, doc), { jsonDocumentUrl: 'docs-json' });
  return app;
}
