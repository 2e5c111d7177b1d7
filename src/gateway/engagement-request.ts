import { DateTime } from 'luxon';
import { ValidationFailedError } from '../common/errors';
import {
  InvalidDateRangeError,
  TooManyTweetIdsError,
  TweetTooOldError,
  UserContextRequiredError,
} from './gateway.errors';
import { isTweetId, tweetCreatedMs } from './snowflake';

/**
 * The gateway's pre-flight check of an Engagement API call against X's documented limits
 * (docs/x-api-facts.md §1, §3, §5), so that a call X would refuse is never sent, nor billed.
 * Pure: no I/O, and the body is only read. It runs on every gateway call, so everything that
 * can be built once (sets, regexes) is built at load, and dates are parsed only on /historical.
 *
 * Where X's behaviour is UNCONFIRMED, the rule below errs towards sending (a refusal of a call
 * X would accept is a bug too) unless noted otherwise.
 */

export type EngagementEndpoint = 'totals' | '28hr' | 'historical';
export const ENGAGEMENT_ENDPOINTS: readonly EngagementEndpoint[] = Object.freeze([
  'totals',
  '28hr',
  'historical',
] as const);

export interface EngagementRequest {
  endpoint: EngagementEndpoint;
  tweetIds: string[];
  engagementTypes: string[];
  groupings: Record<string, { group_by: string[] }>;
  /** /historical only, when given: the window X will serve, widened to whole hours, in UTC (ISO 8601). */
  start?: string;
  end?: string;
}

export interface ValidationContext {
  /** True when the call will be made in a handle's OAuth 1.0a user context, false for app-only (Bearer). */
  userContext: boolean;
  now: Date;
}

export const MAX_TWEET_IDS: Readonly<Record<EngagementEndpoint, number>> = Object.freeze({
  totals: 250,
  '28hr': 25,
  historical: 25,
});

export const TOTALS_ENGAGEMENT_TYPES: readonly string[] = Object.freeze([
  'impressions',
  'engagements',
  'favorites',
  'retweets',
  'quote_tweets',
  'replies',
  'video_views',
]);
/** /28hr and /historical. */
export const TIME_SERIES_ENGAGEMENT_TYPES: readonly string[] = Object.freeze([
  'impressions',
  'engagements',
  'favorites',
  'retweets',
  'replies',
  'video_views',
  'media_views',
  'media_engagements',
  'url_clicks',
  'hashtag_clicks',
  'detail_expands',
  'permalink_clicks',
  'app_install_attempts',
  'app_opens',
  'email_tweet',
  'user_follows',
  'user_profile_clicks',
]);
/** The only metrics app-only (Bearer) auth may ask for, and only on /totals (§3). */
export const PUBLIC_ENGAGEMENT_TYPES: readonly string[] = Object.freeze([
  'favorites',
  'retweets',
  'quote_tweets',
  'replies',
  'video_views',
]);

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const MAX_GROUPINGS = 3;
const MAX_WINDOW_MS = 28 * DAY_MS;
/** §1: "oldest start is 2014-09-01". */
const EARLIEST_START_MS = Date.UTC(2014, 8, 1);
/** §1: "limited to only 365 days in the past", UNCONFIRMED but to be treated as the current limit. */
const HISTORY_MS = 365 * DAY_MS;
/**
 * §1/§5: /totals impressions and engagements only for Tweets created in the last 90 days. X's exact
 * cutoff is UNCONFIRMED, so a Tweet is refused only when it is older than 90 days plus an hour:
 * the last hour before the cutoff is left for X to decide.
 */
const TOO_OLD_AFTER_MS = 90 * DAY_MS + HOUR_MS;
const AGE_LIMITED_TYPES: ReadonlySet<string> = new Set(['impressions', 'engagements']);
const PUBLIC_TYPES: ReadonlySet<string> = new Set(PUBLIC_ENGAGEMENT_TYPES);
const TOTALS_TYPES: ReadonlySet<string> = new Set(TOTALS_ENGAGEMENT_TYPES);
const TIME_SERIES_TYPES: ReadonlySet<string> = new Set(TIME_SERIES_ENGAGEMENT_TYPES);
const ALL_GROUP_BY: ReadonlySet<string> = new Set(['tweet.id', 'engagement.type', 'engagement.day', 'engagement.hour']);
const FOUR_VALUE_GROUP_BY_ORDERS: ReadonlySet<string> = new Set([
  'tweet.id,engagement.type,engagement.day,engagement.hour',
  'engagement.type,tweet.id,engagement.day,engagement.hour',
]);
/**
 * The forms taken: `YYYY-MM-DD`, or a date-time to the minute, second or millisecond with `Z` or
 * a `±HH:MM` offset. Luxon reads much more of ISO 8601 (week dates, basic format, 24:00, any
 * offset), so this says what is accepted; Luxon then knows the calendar.
 */
const DATE_OR_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}(?:T(?:[01]\d|2[0-3]):\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d))?$/;
const PLAIN_NAME = /^[A-Za-z0-9_-]+$/;

interface EndpointRules {
  maxTweetIds: number;
  bodyKeys: ReadonlySet<string>;
  types: ReadonlySet<string>;
  otherEndpointTypes: ReadonlySet<string>;
  groupBy: ReadonlySet<string>;
}

const RULES: ReadonlyMap<EngagementEndpoint, EndpointRules> = new Map<EngagementEndpoint, EndpointRules>([
  [
    'totals',
    {
      maxTweetIds: MAX_TWEET_IDS.totals,
      bodyKeys: new Set(['tweet_ids', 'engagement_types', 'groupings']),
      types: TOTALS_TYPES,
      otherEndpointTypes: TIME_SERIES_TYPES,
      groupBy: new Set(['tweet.id', 'engagement.type']),
    },
  ],
  [
    '28hr',
    {
      maxTweetIds: MAX_TWEET_IDS['28hr'],
      bodyKeys: new Set(['tweet_ids', 'engagement_types', 'groupings']),
      types: TIME_SERIES_TYPES,
      otherEndpointTypes: TOTALS_TYPES,
      groupBy: ALL_GROUP_BY,
    },
  ],
  [
    'historical',
    {
      maxTweetIds: MAX_TWEET_IDS.historical,
      bodyKeys: new Set(['tweet_ids', 'engagement_types', 'groupings', 'start', 'end']),
      types: TIME_SERIES_TYPES,
      otherEndpointTypes: TOTALS_TYPES,
      groupBy: ALL_GROUP_BY,
    },
  ],
]);

export function isEngagementEndpoint(value: string): value is EngagementEndpoint {
  return RULES.has(value as EngagementEndpoint);
}

/** Whether X serves this call only in the Tweet owner's OAuth 1.0a user context (§3). */
export function needsUserContext(req: Pick<EngagementRequest, 'endpoint' | 'engagementTypes'>): boolean {
  return req.endpoint !== 'totals' || req.engagementTypes.some((t) => !PUBLIC_TYPES.has(t));
}

/**
 * Checks a gateway call's body for `endpoint` and returns it normalised, or throws the error the
 * contract names. Order: the tweet ID count, then every shape problem at once (VALIDATION_FAILED),
 * then user context, then the time rules (90-day /totals rule, /historical window).
 */
export function validateEngagementRequest(
  endpoint: EngagementEndpoint,
  body: unknown,
  ctx: ValidationContext,
): EngagementRequest {
  const rules = RULES.get(endpoint);
  if (rules === undefined) throw new TypeError(`Unknown Engagement API endpoint: ${String(endpoint)}`);
  if (!isObject(body)) {
    throw new ValidationFailedError(
      'The request body must be a JSON object with tweet_ids, engagement_types and groupings.',
      {
        body: 'must be a JSON object',
      },
    );
  }
  // The count first: an oversized batch is refused whatever its items look like.
  const rawIds = body.tweet_ids;
  if (Array.isArray(rawIds) && rawIds.length > rules.maxTweetIds)
    throw new TooManyTweetIdsError(endpoint, rawIds.length, rules.maxTweetIds);

  const issues: Issue[] = [];
  for (const key of Object.keys(body)) {
    if (!rules.bodyKeys.has(key)) issues.push([key, unknownBodyKeyProblem(endpoint, key)]);
  }
  const tweetIds = checkTweetIds(rawIds, issues);
  const engagementTypes = checkEngagementTypes(endpoint, rules, body.engagement_types, issues);
  const groupings = checkGroupings(endpoint, rules, body.groupings, issues);
  if (issues.length > 0) throw validationFailed(endpoint, issues);

  const req: EngagementRequest = { endpoint, tweetIds, engagementTypes, groupings };
  if (!ctx.userContext && needsUserContext(req)) {
    throw new UserContextRequiredError(
      endpoint,
      engagementTypes.filter((t) => !PUBLIC_TYPES.has(t)),
    );
  }

  if (endpoint === 'totals') {
    checkTweetAge(req, ctx.now.getTime());
  } else if (endpoint === 'historical') {
    const window = checkHistoricalWindow(body.start, body.end, ctx.now.getTime());
    if (window !== undefined) {
      req.start = window.start;
      req.end = window.end;
    }
  }
  return req;
}

type Issue = [path: string, problem: string];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The most problems an answer lists (details.fields); details.total says how many there were. */
export const MAX_REPORTED_ISSUES = 20;

function validationFailed(endpoint: EngagementEndpoint, issues: Issue[]): ValidationFailedError {
  const [path, problem] = issues[0];
  const listed =
    issues.length > MAX_REPORTED_ISSUES
      ? `the first ${MAX_REPORTED_ISSUES} listed in details.fields`
      : 'listed in details.fields';
  const message =
    issues.length === 1
      ? `Fix the /${endpoint} request body: ${path} ${problem}.`
      : `Fix the ${issues.length} problems in the /${endpoint} request body, ${listed}, starting with: ${path} ${problem}.`;
  // fromEntries defines own properties, so a key such as "__proto__" is reported, not swallowed.
  const error = new ValidationFailedError(message, Object.fromEntries(issues.slice(0, MAX_REPORTED_ISSUES)));
  error.details.total = issues.length;
  return error;
}

function unknownBodyKeyProblem(endpoint: EngagementEndpoint, key: string): string {
  if (key === 'start' || key === 'end') {
    return endpoint === 'totals'
      ? 'is accepted by /historical only; /totals always returns lifetime totals'
      : 'is accepted by /historical only; /28hr always covers the last 28 hours';
  }
  const allowed =
    endpoint === 'historical'
      ? 'tweet_ids, engagement_types, groupings, start and end'
      : 'tweet_ids, engagement_types and groupings';
  return `is not a field of the request; the body takes only ${allowed}`;
}

function checkTweetIds(raw: unknown, issues: Issue[]): string[] {
  if (!Array.isArray(raw)) {
    issues.push([
      'tweet_ids',
      raw === undefined ? 'is required: an array of tweet IDs as strings' : 'must be an array of tweet IDs as strings',
    ]);
    return [];
  }
  if (raw.length === 0) issues.push(['tweet_ids', 'must list at least one tweet ID']);
  // Duplicates are not refused: X documents no rule against them (the count above is of items sent).
  for (let i = 0; i < raw.length; i++) {
    const id: unknown = raw[i];
    if (isTweetId(id)) continue;
    issues.push([
      `tweet_ids[${i}]`,
      typeof id === 'number'
        ? 'must be a string, not a number: JSON numbers lose precision above 2^53, so quote the ID'
        : 'must be a tweet ID: a string of 1 to 20 digits that fits in an unsigned 64-bit integer',
    ]);
  }
  return raw.slice() as string[];
}

function checkEngagementTypes(
  endpoint: EngagementEndpoint,
  rules: EndpointRules,
  raw: unknown,
  issues: Issue[],
): string[] {
  if (!Array.isArray(raw)) {
    issues.push([
      'engagement_types',
      `${raw === undefined ? 'is required' : 'must be an array'}: the metric names to report, such as ["impressions", "engagements"]`,
    ]);
    return [];
  }
  if (raw.length === 0) issues.push(['engagement_types', 'must list at least one metric']);
  // More items than the endpoint has metrics cannot all be distinct metrics: refused before any is read.
  if (raw.length > rules.types.size) {
    issues.push([
      'engagement_types',
      `lists ${raw.length} metrics, but /${endpoint} has only ${rules.types.size}; list each metric once`,
    ]);
    return [];
  }
  const firstIndex = new Map<string, number>();
  for (let i = 0; i < raw.length; i++) {
    const type: unknown = raw[i];
    const path = `engagement_types[${i}]`;
    if (typeof type !== 'string') {
      issues.push([path, 'must be a metric name (a string)']);
    } else if (!rules.types.has(type)) {
      issues.push([path, engagementTypeProblem(endpoint, rules, type)]);
    } else if (firstIndex.has(type)) {
      issues.push([path, `repeats ${type} (already engagement_types[${firstIndex.get(type)}]); list each metric once`]);
    } else {
      firstIndex.set(type, i);
    }
  }
  return raw.slice() as string[];
}

function engagementTypeProblem(endpoint: EngagementEndpoint, rules: EndpointRules, type: string): string {
  if (rules.otherEndpointTypes.has(type)) {
    return endpoint === 'totals'
      ? `is ${type}, which /28hr and /historical report but /totals does not; /totals takes ${TOTALS_ENGAGEMENT_TYPES.join(', ')}`
      : `is ${type}, which only /totals reports`;
  }
  if (type === 'media_clicks' && endpoint !== 'totals') return 'is media_clicks, which X renamed media_engagements';
  const list = endpoint === 'totals' ? TOTALS_ENGAGEMENT_TYPES : TIME_SERIES_ENGAGEMENT_TYPES;
  return `is ${JSON.stringify(type)}, which is not a metric of /${endpoint}; use one of ${list.join(', ')}`;
}

function groupingPath(name: string): string {
  return PLAIN_NAME.test(name) ? `groupings.${name}` : `groupings[${JSON.stringify(name)}]`;
}

function checkGroupings(
  endpoint: EngagementEndpoint,
  rules: EndpointRules,
  raw: unknown,
  issues: Issue[],
): Record<string, { group_by: string[] }> {
  const example = 'such as {"by_tweet": {"group_by": ["tweet.id", "engagement.type"]}}';
  if (!isObject(raw)) {
    issues.push([
      'groupings',
      `${raw === undefined ? 'is required' : 'must be an object'}: 1 to ${MAX_GROUPINGS} named groupings, ${example}`,
    ]);
    return {};
  }
  const names = Object.keys(raw);
  if (names.length === 0) issues.push(['groupings', `must contain at least one grouping, ${example}`]);
  if (names.length > MAX_GROUPINGS) {
    // Refused before any grouping is read.
    issues.push([
      'groupings',
      `has ${names.length} groupings but X allows at most ${MAX_GROUPINGS} per request; drop or merge some`,
    ]);
    return {};
  }
  const allowed = [...rules.groupBy].join(', ');
  const normalised: [string, { group_by: string[] }][] = [];
  let fourValuePath: string | undefined;
  for (const name of names) {
    const path = groupingPath(name);
    // Each name becomes a root key of X's response.
    if (name.length === 0)
      issues.push([path, 'has an empty name; name each grouping, as its name becomes a key of the response']);
    const grouping = raw[name];
    if (!isObject(grouping)) {
      issues.push([path, 'must be an object {"group_by": [...]}']);
      continue;
    }
    // X documents no other key in a grouping; refusing them keeps a typo such as "groupBy" from reaching X.
    for (const key of Object.keys(grouping)) {
      if (key !== 'group_by')
        issues.push([`${path}.${key}`, 'is not a field of a grouping; a grouping takes only group_by']);
    }
    const groupBy: unknown = grouping.group_by;
    const groupByPath = `${path}.group_by`;
    if (!Array.isArray(groupBy) || groupBy.length === 0 || groupBy.length > 4) {
      issues.push([groupByPath, `must be an array of 1 to 4 distinct values from ${allowed}`]);
      continue;
    }
    let valuesOk = true;
    const seen = new Set<string>();
    for (let i = 0; i < groupBy.length; i++) {
      const value: unknown = groupBy[i];
      const itemPath = `${groupByPath}[${i}]`;
      let problem: string | undefined;
      if (typeof value !== 'string' || !ALL_GROUP_BY.has(value)) {
        problem = `must be one of ${allowed}`;
      } else if (!rules.groupBy.has(value)) {
        problem = `is ${value}, which only /28hr and /historical support; /${endpoint} groups by ${allowed}`;
      } else if (seen.has(value)) {
        problem = `repeats ${value}; each value may appear once`;
      }
      if (problem !== undefined) {
        issues.push([itemPath, problem]);
        valuesOk = false;
      } else {
        seen.add(value as string);
      }
    }
    if (valuesOk && groupBy.length === 4) {
      if (!FOUR_VALUE_GROUP_BY_ORDERS.has(groupBy.join(','))) {
        issues.push([
          groupByPath,
          'lists 4 values in an order X refuses; use ["tweet.id", "engagement.type", "engagement.day", "engagement.hour"] or ["engagement.type", "tweet.id", "engagement.day", "engagement.hour"]',
        ]);
      } else if (fourValuePath !== undefined) {
        issues.push([
          groupByPath,
          `has 4 values, but X allows only one such grouping per request and ${fourValuePath} already has them`,
        ]);
      } else {
        fourValuePath = path;
      }
    }
    normalised.push([name, { group_by: groupBy.slice() as string[] }]);
  }
  // fromEntries, not assignment: a grouping named "__proto__" stays an ordinary key.
  return Object.fromEntries(normalised);
}

function checkTweetAge(req: EngagementRequest, nowMs: number): void {
  const metrics = req.engagementTypes.filter((t) => AGE_LIMITED_TYPES.has(t));
  if (metrics.length === 0) return;
  const createdBeforeMs = nowMs - TOO_OLD_AFTER_MS;
  const tooOld = new Set<string>();
  for (const id of req.tweetIds) {
    if (tweetCreatedMs(id) < createdBeforeMs) tooOld.add(id);
  }
  if (tooOld.size > 0) throw new TweetTooOldError([...tooOld], metrics, new Date(createdBeforeMs));
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Returns the widened window, or undefined when neither start nor end is given (X then serves the previous 4 weeks). */
function checkHistoricalWindow(
  rawStart: unknown,
  rawEnd: unknown,
  nowMs: number,
): { start: string; end: string } | undefined {
  const hasStart = rawStart !== undefined;
  const hasEnd = rawEnd !== undefined;
  if (!hasStart && !hasEnd) return undefined;
  if (!hasStart || !hasEnd) {
    const [given, missing] = hasStart ? ['start', 'end'] : ['end', 'start'];
    throw new InvalidDateRangeError(
      `/historical needs start and end together; add ${missing}, or leave out ${given} as well to get the previous 4 weeks.`,
      { rule: 'start_and_end_together', missing },
    );
  }
  const startMs = parseInstant(rawStart);
  const endMs = parseInstant(rawEnd);
  if (startMs === undefined || endMs === undefined) {
    const invalid: string[] = [];
    if (startMs === undefined) invalid.push('start');
    if (endMs === undefined) invalid.push('end');
    throw new InvalidDateRangeError(
      `${invalid.join(' and ')} must be a UTC date such as "2015-08-01" or a date-time with a zone such as "2016-02-10T17:00:00Z".`,
      {
        rule: 'format',
        invalid,
        requestedStart: rawStart,
        requestedEnd: rawEnd,
        formats: ['YYYY-MM-DD', 'YYYY-MM-DDTHH:MM[:SS[.sss]]Z', 'YYYY-MM-DDTHH:MM[:SS[.sss]]±HH:MM'],
      },
    );
  }
  // X widens to whole hours (12:24 → 12:00 for start, 08:37 → 09:00 for end), in UTC.
  const start = Math.floor(startMs / HOUR_MS) * HOUR_MS;
  const end = Math.ceil(endMs / HOUR_MS) * HOUR_MS;
  const window = { start: iso(start), end: iso(end), requestedStart: iso(startMs), requestedEnd: iso(endMs) };

  // Judged as sent: an end before the start is a client's mistake even when widening would hide it.
  if (endMs < startMs) {
    throw new InvalidDateRangeError(
      `end (${window.requestedEnd}) is before start (${window.requestedStart}); swap them or correct the dates.`,
      {
        rule: 'end_before_start',
        ...window,
      },
    );
  }
  // The end as sent, not widened: an end of "now" (or any time in the current hour) widens past now,
  // and X documents the widening itself, so only the sent end can be "in the future".
  if (endMs > nowMs) {
    throw new InvalidDateRangeError(
      `end ${window.requestedEnd} is in the future, which /historical does not serve; use an end no later than now (${iso(nowMs)}).`,
      {
        rule: 'end_not_in_future',
        ...window,
        latestEnd: iso(nowMs),
      },
    );
  }
  if (end - start > MAX_WINDOW_MS) {
    const hours = (end - start) / HOUR_MS;
    const span = `${Math.floor(hours / 24)} days${hours % 24 === 0 ? '' : ` ${hours % 24} h`}`;
    throw new InvalidDateRangeError(
      `/historical covers at most 28 days per request, and ${window.start} to ${window.end} (widened to whole hours) is ${span}; split it into windows of 28 days or less.`,
      { rule: 'max_28_days', ...window, maxDays: 28, spanHours: hours },
    );
  }
  // Both limits hold: 2014-09-01 (documented) and 365 days back (UNCONFIRMED, treated as current).
  // The 365-day line is floored to the hour, so the start hour that straddles it is left for X to decide.
  const yearAgo = Math.floor((nowMs - HISTORY_MS) / HOUR_MS) * HOUR_MS;
  const oldestMs = Math.max(EARLIEST_START_MS, yearAgo);
  if (start < oldestMs) {
    const why =
      oldestMs === EARLIEST_START_MS ? 'X has no engagement data before 2014-09-01' : 'X serves only the last 365 days';
    throw new InvalidDateRangeError(
      `start ${window.start} is earlier than the oldest start /historical serves (${why}); use a start on or after ${iso(oldestMs)}.`,
      {
        rule: oldestMs === EARLIEST_START_MS ? 'oldest_start_2014_09_01' : 'max_age_365_days',
        ...window,
        oldestStart: iso(oldestMs),
      },
    );
  }
  return { start: window.start, end: window.end };
}

/** Epoch ms of a `YYYY-MM-DD` (UTC midnight) or an ISO 8601 date-time with a zone; undefined for anything else. */
function parseInstant(value: unknown): number | undefined {
  if (typeof value !== 'string' || !DATE_OR_DATE_TIME.test(value)) return undefined;
  // A date alone is midnight UTC; a date-time has its own zone. Invalid: no such day (2026-02-29) or minute.
  const at = DateTime.fromISO(value, { zone: 'utc' });
  return at.isValid ? at.toMillis() : undefined;
}
