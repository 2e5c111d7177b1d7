import { SetMetadata } from '@nestjs/common';
import { Role } from './api-key.entity';

export const ROLES_KEY = 'roles';
export const PUBLIC_KEY = 'public';
/**
 * The route also takes a client's own X credentials, which the gateway's drop-in guard checks
 * (gateway/drop-in/drop-in.decorator.ts sets this key and that guard together): without an
 * X-API-Key, the API-key guard leaves the request to it.
 */
export const DROP_IN_KEY = 'dropIn';

/** Which roles may call a route. A route without @Roles is admin-only: the safe default. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** No API key needed (health, the dashboard's login page). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
