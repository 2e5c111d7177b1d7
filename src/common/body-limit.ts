import { CanActivate, Type } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ForbiddenError } from './errors';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Every route but these two: no body of this API's own comes near it. */
export const DEFAULT_BODY_LIMIT = 1 * MiB;
/** X's own bodies are a few KB at most (250 IDs, 7 metrics, 3 groupings). */
export const GATEWAY_BODY_LIMIT = 64 * KiB;
/** The usage import: 50,000 rows of a pre-handlemeter call log. */
export const IMPORT_BODY_LIMIT = 20 * MiB;

interface BodyRouteConfig {
  bodyLimit?: number;
  guardBeforeBody?: { controller: Type; handler: (...args: unknown[]) => unknown };
}

/** This route's body limit, instead of DEFAULT_BODY_LIMIT (413 PAYLOAD_TOO_LARGE past it, without reading further). */
export const BodyLimit = (bytes: number): MethodDecorator =>
  RouteConfig({ bodyLimit: bytes } satisfies BodyRouteConfig);

/**
 * A large body limit, but only for a caller the API-key guard admits: the guard runs before a
 * byte of the body is read (Fastify reads a body before Nest's guards run), so no one without
 * the key can make the service read, hold or parse megabytes. The guard runs again, as on every
 * route, once the body is in.
 */
export function LargeBodyAfterKey(bytes: number): MethodDecorator {
  return (target, key, descriptor) => {
    const guardBeforeBody = {
      controller: target.constructor as Type,
      handler: descriptor.value as unknown as (...args: unknown[]) => unknown,
    };
    return RouteConfig({ bodyLimit: bytes, guardBeforeBody } satisfies BodyRouteConfig)(target, key, descriptor);
  };
}

/** Applies the decorators above as Fastify registers each route. Before `app.init()`, which registers them. */
export function installBodyLimits(fastify: FastifyInstance, guard: () => CanActivate): void {
  fastify.addHook('onRoute', (route) => {
    const config: BodyRouteConfig | undefined = route.config;
    if (config?.bodyLimit) route.bodyLimit = config.bodyLimit;
    const before = config?.guardBeforeBody;
    if (!before) return;
    const checkKey: onRequestAsyncHookHandler = async (req: FastifyRequest, reply: FastifyReply) => {
      const admitted = await guard().canActivate(
        new ExecutionContextHost([req, reply], before.controller, before.handler),
      );
      if (!admitted) throw new ForbiddenError();
    };
    const existing = route.onRequest ? (Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]) : [];
    route.onRequest = [...existing, checkKey];
  });
}
