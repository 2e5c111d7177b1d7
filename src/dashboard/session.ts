import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config';
import { CrossSiteFormError, SignInRequiredError } from './dashboard.errors';
import { DashboardSession, SessionsService } from './sessions.service';

export const SESSION_COOKIE = 'hm_dashboard';
const TOKEN = /^[A-Za-z0-9_-]{16,100}$/;

type DashboardRequest = FastifyRequest & { dashboardSession?: DashboardSession };

/** The session token from the Cookie header, if it looks like one of ours. */
export function sessionToken(req: FastifyRequest): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return TOKEN.test(value) ? value : undefined;
    }
  }
  return undefined;
}

/** Scoped to /dashboard, never readable by scripts, never sent from another site; Secure whenever the browser reached us over https. */
export function setSessionCookie(
  req: FastifyRequest,
  res: FastifyReply,
  config: AppConfig,
  token: string,
  maxAgeSeconds: number,
): void {
  res.header('Set-Cookie', cookie(req, config, `${SESSION_COOKIE}=${token}`, maxAgeSeconds));
}

export function clearSessionCookie(req: FastifyRequest, res: FastifyReply, config: AppConfig): void {
  res.header('Set-Cookie', cookie(req, config, `${SESSION_COOKIE}=`, 0));
}

function cookie(req: FastifyRequest, config: AppConfig, pair: string, maxAge: number): string {
  const https =
    req.protocol === 'https' ||
    req.headers['x-forwarded-proto'] === 'https' ||
    config.publicBaseUrl?.startsWith('https:');
  return `${pair}; Path=/dashboard; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${https ? '; Secure' : ''}`;
}

/**
 * Forms are accepted only from our own pages: a browser names the page's origin, and it must be
 * this host (or PUBLIC_BASE_URL's). SameSite=Strict already keeps the cookie off cross-site
 * posts; this also stops another site signing a browser in with a key of its choosing.
 */
export function checkSameOrigin(req: FastifyRequest, config: AppConfig): void {
  const origin = req.headers.origin;
  if (!origin) {
    // No Origin (some browsers leave it off): Fetch Metadata still says where the form came from.
    const site = req.headers['sec-fetch-site'];
    if (site && site !== 'same-origin' && site !== 'none') throw new CrossSiteFormError();
    return;
  }
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new CrossSiteFormError();
  }
  const ours = [req.headers.host, config.publicBaseUrl ? new URL(config.publicBaseUrl).host : undefined];
  if (!ours.includes(host)) throw new CrossSiteFormError();
}

/** Pages behind the sign-in: a live session or the sign-in form (401). */
@Injectable()
export class DashboardSessionGuard implements CanActivate {
  constructor(private readonly sessions: SessionsService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<DashboardRequest>();
    const session = await this.sessions.find(sessionToken(req));
    if (!session) throw new SignInRequiredError();
    req.dashboardSession = session;
    return true;
  }
}

/** The signed-in person, on a route behind DashboardSessionGuard. */
export const CurrentSession = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): DashboardSession =>
    ctx.switchToHttp().getRequest<DashboardRequest>().dashboardSession!,
);
