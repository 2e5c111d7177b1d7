import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { CrossSiteFormError, SignInRequiredError } from './dashboard.errors';
import { DashboardSession, SessionsService } from './sessions.service';

export const SESSION_COOKIE = 'hm_dashboard';
const TOKEN = /^[A-Za-z0-9_-]{16,100}$/;

type DashboardRequest = Request & { dashboardSession?: DashboardSession };

/** The session token from the Cookie header, if it looks like one of ours. */
export function sessionToken(req: Request): string | undefined {
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
export function setSessionCookie(req: Request, res: Response, config: AppConfig, token: string, maxAgeSeconds: number): void {
  res.setHeader('Set-Cookie', cookie(req, config, `${SESSION_COOKIE}=${token}`, maxAgeSeconds));
}

export function clearSessionCookie(req: Request, res: Response, config: AppConfig): void {
  res.setHeader('Set-Cookie', cookie(req, config, `${SESSION_COOKIE}=`, 0));
}

function cookie(req: Request, config: AppConfig, pair: string, maxAge: number): string {
  const https = req.secure || req.header('x-forwarded-proto') === 'https' || config.publicBaseUrl?.startsWith('https:');
  return `${pair}; Path=/dashboard; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${https ? '; Secure' : ''}`;
}

/**
 * Forms are accepted only from our own pages: a browser names the page's origin, and it must be
 * this host (or PUBLIC_BASE_URL's). SameSite=Strict already keeps the cookie off cross-site
 * posts; this also stops another site signing a browser in with a key of its choosing.
 */
export function checkSameOrigin(req: Request, config: AppConfig): void {
  const origin = req.header('origin');
  if (!origin) {
    // No Origin (some browsers leave it off): Fetch Metadata still says where the form came from.
    const site = req.header('sec-fetch-site');
    if (site && site !== 'same-origin' && site !== 'none') throw new CrossSiteFormError();
    return;
  }
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new CrossSiteFormError();
  }
  const ours = [req.header('host'), config.publicBaseUrl ? new URL(config.publicBaseUrl).host : undefined];
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
export const CurrentSession = createParamDecorator((_: unknown, ctx: ExecutionContext): DashboardSession => ctx.switchToHttp().getRequest<DashboardRequest>().dashboardSession!);
