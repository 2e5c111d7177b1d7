import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { mediaType } from '../common/body-parsers';
import { AnyPrincipal, DropInPrincipal, isDropIn, Principal } from '../auth/principal';
import { ForbiddenError, NotFoundError, UnsupportedMediaTypeError, ValidationFailedError } from '../common/errors';
import { ContractCache } from '../contracts/contract-cache';
import { AppCredentials, CredentialsCache, HandleCredentials } from '../contracts/credentials-cache';
import { DropInHandleMismatchError } from './drop-in/drop-in.errors';
import { isEngagementEndpoint, validateEngagementRequest } from './engagement-request';
import { HandleNotRegisteredError, UserContextRequiredError } from './gateway.errors';
import { GatewayCall } from './gateway.types';
import { newCallId } from '../ledger/call-id';

type CallContext = { app: AppCredentials; handle: HandleCredentials | null };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Turns an HTTP request into a GatewayCall: which app, which handle, is the body within X's
 * limits. Step 1 of a call (ledger.interceptor.ts reads the whole way): everything here
 * runs before the ledger, so a refusal here is not a call. Credentials and contracts come from
 * in-memory caches; nothing here waits on the database once they are warm.
 */
@Injectable()
export class GatewayService {
  constructor(
    private readonly credentials: CredentialsCache,
    private readonly contracts: ContractCache,
  ) {}

  async prepare(req: FastifyRequest, principal: AnyPrincipal): Promise<GatewayCall> {
    // One route per X endpoint (GatewayController): the route's last segment is the endpoint.
    const endpoint = String(req.routeOptions.url?.split('/').pop());
    if (!isEngagementEndpoint(endpoint))
      throw new NotFoundError(`Engagement API endpoint /insights/engagement/${endpoint}`);
    const { app, handle } = isDropIn(principal)
      ? await this.dropInContext(req, principal)
      : await this.managedContext(req, principal);

    // X takes JSON only. A form body parsed into the same shape would pass validation and then
    // reach X as form bytes (X: "Invalid or missing JSON"), counted for nothing.
    const type = mediaType(req);
    if (type !== undefined && type !== 'application/json') throw new UnsupportedMediaTypeError(['application/json']);
    const at = new Date();
    const request = validateEngagementRequest(endpoint, req.body, { userContext: handle !== null, now: at });
    if (!handle && !app.bearerToken) throw new UserContextRequiredError(endpoint, []);

    const contract = await this.contracts.get(app.contractId);
    if (!contract) throw new NotFoundError('Contract', app.contractId);
    return {
      request,
      // What was validated is what X gets: the client's bytes could repeat a key (two "tweet_ids"),
      // of which validation saw the last and X might read the first.
      body: Buffer.from(JSON.stringify(req.body)),
      app,
      handle,
      pending: {
        id: newCallId(),
        at,
        contractId: contract.id,
        appId: app.id,
        period: contract.periodOf(at),
        endpoint: request.endpoint,
        userId: handle?.userId ?? null,
        screenName: handle?.screenName ?? null,
        tweetCount: request.tweetIds.length,
        block: contract.enforcement === 'block',
        billsConfirmed: contract.countPolicy === 'confirmed',
      },
    };
  }

  /** An API key: the app from the key or X-App-Id, the handle X-Handle names (none: app-only). */
  private async managedContext(req: FastifyRequest, principal: Principal): Promise<CallContext> {
    const app = await this.credentials.app(this.appId(req, principal));
    if (!app) throw new NotFoundError('App', header(req, 'x-app-id'));
    const ref = header(req, 'x-handle')?.trim();
    const handle = ref ? await this.credentials.handle(app.id, ref) : null;
    if (ref && !handle) throw new HandleNotRegisteredError(ref);
    return { app, handle };
  }

  /**
   * A client's own X credentials: the app is the consumer key's (or the bearer token's), the
   * handle the access token's. X-App-Id and X-Handle are not needed; sent, they must agree.
   */
  private async dropInContext(req: FastifyRequest, principal: DropInPrincipal): Promise<CallContext> {
    const appHeader = header(req, 'x-app-id')?.trim();
    if (appHeader && appHeader !== principal.app.id)
      throw new ForbiddenError('These credentials belong to another app than the one X-App-Id names.');
    const ref = header(req, 'x-handle')?.trim();
    if (ref) {
      const named = principal.handle ? await this.credentials.handle(principal.app.id, ref) : null;
      if (!named || named.id !== principal.handle?.id) throw new DropInHandleMismatchError(principal.via);
    }
    return { app: principal.app, handle: principal.handle };
  }

  /** A client key is bound to its app; an admin key names the app in X-App-Id. */
  private appId(req: FastifyRequest, principal: Principal): string {
    const appHeader = header(req, 'x-app-id')?.trim();
    if (principal.role === 'client') {
      if (appHeader && appHeader !== principal.appId)
        throw new ForbiddenError('This client key is bound to another app than the X-App-Id sent.');
      return principal.appId!;
    }
    if (!appHeader)
      throw new ValidationFailedError('An admin key must name the app to call for in the X-App-Id header.', {
        'X-App-Id': 'required with an admin key',
      });
    if (!UUID.test(appHeader)) throw new NotFoundError('App', appHeader);
    return appHeader;
  }
}

/** A header sent once (Node joins a repeated one with ", "). */
function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}
