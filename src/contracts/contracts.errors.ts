import { DomainError } from '../common/errors';

/**
 * The stored credentials cannot be decrypted with CREDENTIALS_KEY (or CREDENTIALS_KEY_PREVIOUS):
 * typically a previous key dropped before `npm run credentials:rotate` ran. Nothing is sent or
 * counted; the failure is not cached, so the call works again as soon as the key is back.
 */
export class CredentialsUnreadableError extends DomainError {
  constructor(owner: string) {
    super(
      503,
      'CREDENTIALS_UNREADABLE',
      `The stored X credentials of ${owner} cannot be decrypted with the configured CREDENTIALS_KEY (or CREDENTIALS_KEY_PREVIOUS); nothing was sent. An operator must restore the key they were sealed with (see "Rotating CREDENTIALS_KEY" in the README).`,
      { owner },
    );
  }
}
