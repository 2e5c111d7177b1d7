import { DomainError, ForbiddenError, UnauthenticatedError } from '../common/errors';

/** No session (or an expired or revoked one): the page answers 401 with the sign-in form. */
export class SignInRequiredError extends UnauthenticatedError {
  constructor() {
    super('Sign in with a finance or admin API key to see the dashboard.');
  }
}

/** The key given at sign-in is not one that may use the dashboard: the form again, saying why. */
export class SignInRefusedError extends DomainError {
  constructor(status: 401 | 403, message: string) {
    super(status, status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN', message);
  }
}

/** A form posted from another site (SameSite keeps the cookie away; this refuses the sign-in too). */
export class CrossSiteFormError extends ForbiddenError {
  constructor() {
    super('This form can only be sent from the dashboard itself.');
  }
}

/** A page the signed-in key's role may not see. */
export class DashboardForbiddenError extends ForbiddenError {}
