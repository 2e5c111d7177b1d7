import { applyDecorators, Header, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import { Public } from '../auth/roles.decorator';
import { DashboardErrorFilter } from './dashboard.filter';
import { CONTENT_SECURITY_POLICY } from './security-headers';
import { DashboardSessionGuard } from './session';

/**
 * A dashboard page served by another feature's controller (planning, connect): behind the
 * sign-in, with the dashboard's error pages and the same security headers as its own pages.
 * The module must import DashboardModule (for the session guard's service).
 */
export const DashboardPage = () =>
  applyDecorators(
    ApiExcludeEndpoint(),
    Public(),
    UseGuards(DashboardSessionGuard),
    UseFilters(DashboardErrorFilter),
    Header('Content-Type', 'text/html; charset=utf-8'),
    Header('Content-Security-Policy', CONTENT_SECURITY_POLICY),
    Header('X-Content-Type-Options', 'nosniff'),
    Header('X-Frame-Options', 'DENY'),
    Header('Referrer-Policy', 'same-origin'),
    Header('Cache-Control', 'no-store'),
  );
