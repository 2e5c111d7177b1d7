import { DomainError } from '../common/errors';

/**
 * The gateway's refusals of calls X would refuse (docs/api.md "Errors"). Plain shape problems use
 * `ValidationFailedError` from common/errors; these carry the limit that was broken.
 */

/** 400 TOO_MANY_TWEET_IDS: more IDs than the endpoint takes in one request. */
export class TooManyTweetIdsError extends DomainError {
  constructor(endpoint: string, count: number, max: number) {
    super(
      400,
      'TOO_MANY_TWEET_IDS',
      `/${endpoint} accepts at most ${max} tweet IDs per request; split the ${count} IDs into batches of ${max}.`,
      { endpoint, count, max },
    );
  }
}

/** 400 TWEET_TOO_OLD: /totals impressions or engagements of Tweets older than 90 days; `details.tweetIds` lists them. */
export class TweetTooOldError extends DomainError {
  constructor(tweetIds: string[], metrics: string[], createdBefore: Date) {
    const n = tweetIds.length;
    super(
      400,
      'TWEET_TOO_OLD',
      `/totals reports ${metrics.join(' and ')} only for Tweets created in the last 90 days, and ` +
        `${n === 1 ? `Tweet ${tweetIds[0]} is` : `${n} of the Tweets are`} older; ` +
        `drop ${n === 1 ? 'that ID' : 'the IDs in details.tweetIds'} or ask for them without ${metrics.join(' and ')}.`,
      { tweetIds, metrics, maxAgeDays: 90, createdBefore: createdBefore.toISOString() },
    );
  }
}

/**
 * 400 INVALID_DATE_RANGE: /historical `start`/`end` unparsable, given alone, reversed, in the
 * future, too far apart or too old. `details.rule` names the rule; the other details carry the
 * parsed window and the limit broken (see engagement-request.ts).
 */
export class InvalidDateRangeError extends DomainError {
  constructor(message: string, details: Record<string, unknown>) {
    super(400, 'INVALID_DATE_RANGE', message, details);
  }
}

/** 400 USER_CONTEXT_REQUIRED: the endpoint or a metric needs the Tweet owner's OAuth 1.0a user context. */
export class UserContextRequiredError extends DomainError {
  constructor(endpoint: string, privateMetrics: string[]) {
    const fix = 'send X-Handle naming the handle that owns the Tweets (or sign the call with its access token)';
    const message =
      endpoint === 'totals'
        ? `/totals ${privateMetrics.join(', ')} need${privateMetrics.length === 1 ? 's' : ''} the Tweet owner's user context: ` +
          `${fix}, or ask app-only for the public metrics favorites, retweets, quote_tweets, replies and video_views only.`
        : `/${endpoint} needs the Tweet owner's user context: ${fix}.`;
    super(400, 'USER_CONTEXT_REQUIRED', message, { endpoint, metrics: privateMetrics });
  }
}

export class HandleNotRegisteredError extends DomainError {
  constructor(ref: string) {
    super(
      404,
      'HANDLE_NOT_REGISTERED',
      `No handle "${ref}" is registered for this app; register its access token with POST /apps/:id/handles.`,
      { handle: ref },
    );
  }
}
