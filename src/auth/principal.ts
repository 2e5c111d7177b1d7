import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ForbiddenError } from '../common/errors';
import type { AppCredentials, HandleCredentials } from '../contracts/credentials-cache';
import { Role } from './api-key.entity';

/** Who is calling: the API key behind the request. */
export interface Principal {
  /** How the caller proved who it is; an API-key principal may leave it out. */
  via?: 'api-key';
  keyId: string;
  role: Role;
  /** Set for client keys: the one app they may call the gateway for. */
  appId: string | null;
}

/**
 * A gateway caller that kept its own X credentials instead of an API key (docs/api.md "Drop-in"):
 * an OAuth 1.0a signature with a registered app's consumer key and a handle's access token, or
 * an app's bearer token. It acts like a client key bound to that app; the handle is the token's.
 */
export interface DropInPrincipal {
  via: 'oauth' | 'bearer';
  role: 'client';
  appId: string;
  app: AppCredentials;
  /** The handle whose access token signed the request; null for a bearer token (app-only). */
  handle: HandleCredentials | null;
}

export type AnyPrincipal = Principal | DropInPrincipal;

export function isDropIn(p: AnyPrincipal): p is DropInPrincipal {
  return p.via === 'oauth' || p.via === 'bearer';
}

export type AuthenticatedRequest = { principal?: AnyPrincipal };

/** The API key behind the request. Drop-in callers reach only the gateway, which reads `req.principal` itself. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const p = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal!;
  if (isDropIn(p)) throw new ForbiddenError('This endpoint needs an API key in X-API-Key.');
  return p;
});
