import { SetMetadata } from '@nestjs/common';

export const DROP_IN_KEY = 'dropIn';

/**
 * The route also takes a client's own X credentials (OAuth 1.0a or a bearer token in
 * Authorization) instead of an API key: the gateway's, so existing Engagement API clients
 * only change their base URL.
 */
export const AcceptsDropIn = () => SetMetadata(DROP_IN_KEY, true);
