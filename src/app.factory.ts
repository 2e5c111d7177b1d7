import { INestApplication, Logger, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { installFastAsyncResourceBind } from './common/async-resource-bind';
import { ApiKeyGuard } from './auth/api-key.guard';
import { AppConfig } from './config/app-config';
import { installBodyLimits, DEFAULT_BODY_LIMIT } from './common/body-limit';
import { installBodyParsers } from './common/body-parsers';
import { answerUnparsableRequest } from './common/client-error';
import { ErrorFilter } from './common/error.filter';
import { installRequestId, requestIdOf } from './logging/request-id';
import { installDashboardPageTurns } from './dashboard/page-turns';
import { validationPipe } from './common/validation';

/** Builds the configured application; main.ts, the demo and the tests all start it this way. */
export async function createApp(
  config: AppConfig,
  logger: LoggerService | false = new Logger(),
): Promise<INestApplication> {
  // Before Nest wires its interceptors: see async-resource-bind.ts.
  installFastAsyncResourceBind();
  const adapter = new FastifyAdapter({
    bodyLimit: DEFAULT_BODY_LIMIT,
    genReqId: requestIdOf,
    clientErrorHandler: answerUnparsableRequest,
    // As Express routed: /health/ is /health.
    routerOptions: { ignoreTrailingSlash: true },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bodyParser: false,
    logger,
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  installBodyParsers(fastify);
  installBodyLimits(fastify, () => app.get(ApiKeyGuard));
  installRequestId(fastify);
  installDashboardPageTurns(fastify);
  app.useGlobalPipes(validationPipe());
  app.useGlobalFilters(new ErrorFilter());
  const doc = new DocumentBuilder()
    .setTitle('handlemeter')
    .setDescription(
      "Meters unique @handles on X's enterprise Engagement API. Every error answers `{ statusCode, code, message, details }`.",
    )
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'apiKey')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, doc), { jsonDocumentUrl: 'docs-json' });
  return app;
}

/** On every interface, IPv6 and IPv4 as Node's default is (Fastify's own default is localhost only). */
export async function listenEverywhere(app: INestApplication, port: number): Promise<void> {
  try {
    await app.listen(port, '::');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EAFNOSUPPORT' && (e as NodeJS.ErrnoException).code !== 'EADDRNOTAVAIL')
      throw e;
    await app.listen(port, '0.0.0.0');
  }
}
