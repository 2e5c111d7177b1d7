import { SetMetadata } from '@nestjs/common';
import { Role } from './api-key.entity';

export const ROLES_KEY = 'roles';
export const PUBLIC_KEY = 'public';

/** Which roles may call a route. A route without @Roles is admin-only: the safe default. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** No API key needed (health, the dashboard's login page). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
