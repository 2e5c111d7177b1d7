import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { DROP_IN_KEY } from '../../auth/roles.decorator';
import { DropInGuard } from './drop-in.guard';

/**
 * The route also takes a client's own X credentials (OAuth 1.0a or a bearer token in
 * Authorization) instead of an API key: the gateway's, so existing Engagement API clients
 * only change their base URL. The key tells the API-key guard to leave a request without an
 * API key to DropInGuard; the two are set together so that no route has one without the other.
 */
export const AcceptsDropIn = () => applyDecorators(SetMetadata(DROP_IN_KEY, true), UseGuards(DropInGuard));
