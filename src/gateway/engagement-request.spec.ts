import { DomainError, ValidationFailedError } from '../common/errors';
import {
  ENGAGEMENT_ENDPOINTS,
  EngagementEndpoint,
  isEngagementEndpoint,
  needsUserContext,
  TIME_SERIES_ENGAGEMENT_TYPES,
  TOTALS_ENGAGEMENT_TYPES,
  validateEngagementRequest,
} from './engagement-request';
import {
  InvalidDateRangeError,
  TooManyTweetIdsError,
  TweetTooOldError,
  UserContextRequiredError,
} from './gateway.errors';
import { tweetIdAt } from './snowflake';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Deliberately off the hour, so widening to whole hours shows. */
const NOW = new Date('2026-11-23T18:27:00.000Z');
const USER = { userContext: true, now: NOW };
const APP_ONLY = { userContext: false, now: NOW };

const idCreatedAgo = (ms: number): string => tweetIdAt(NOW.getTime() - ms);
const RECENT_ID = idCreatedAgo(DAY);
const recentIds = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => (BigInt(RECENT_ID) + BigInt(i)).toString());

function totalsBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    tweet_ids: [RECENT_ID],
    engagement_types: ['impressions', 'engagements', 'favorites'],
    groupings: { by_tweet: { group_by: ['tweet.id', 'engagement.type'] } },
    ...overrides,
  };
}

function seriesBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return totalsBody({ engagement_types: ['impressions', 'url_clicks'], ...overrides });
}

function historicalBody(start: unknown, end: unknown): Record<string, unknown> {
  return seriesBody({ start, end });
}

/** Runs the validator and returns what it threw (failing the test if it did not throw). */
function refusal(endpoint: EngagementEndpoint, body: unknown, ctx = USER): DomainError {
  try {
    validateEngagementRequest(endpoint, body, ctx);
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  }
  throw new Error('expected the request to be refused');
}

function badFields(endpoint: EngagementEndpoint, body: unknown, ctx = USER): Record<string, string> {
  const e = refusal(endpoint, body, ctx);
  expect(e).toBeInstanceOf(ValidationFailedError);
  expect(e.statusCode).toBe(400);
  expect(e.code).toBe('VALIDATION_FAILED');
  return e.details.fields as Record<string, string>;
}

function dateRefusal(start: unknown, end: unknown, now = NOW): InvalidDateRangeError {
  const e = refusal('historical', historicalBody(start, end), { userContext: true, now });
  expect(e).toBeInstanceOf(InvalidDateRangeError);
  expect(e.statusCode).toBe(400);
  expect(e.code).toBe('INVALID_DATE_RANGE');
  return e;
}

const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
};

describe('validateEngagementRequest', () => {
  describe('a valid call', () => {
    it('returns the normalised request without touching the body', () => {
      const body = deepFreeze(totalsBody());
      const snapshot = JSON.parse(JSON.stringify(body));
      const req = validateEngagementRequest('totals', body, USER);
      expect(req).toEqual({
        endpoint: 'totals',
        tweetIds: [RECENT_ID],
        engagementTypes: ['impressions', 'engagements', 'favorites'],
        groupings: { by_tweet: { group_by: ['tweet.id', 'engagement.type'] } },
      });
      expect(body).toEqual(snapshot);
      // Copies, so a caller changing the result cannot change the body that is forwarded.
      expect(req.tweetIds).not.toBe(body.tweet_ids);
      expect(req.groupings.by_tweet.group_by).not.toBe(
        (body.groupings as { by_tweet: { group_by: string[] } }).by_tweet.group_by,
      );
    });

    it('accepts the documented examples on every endpoint', () => {
      for (const endpoint of ENGAGEMENT_ENDPOINTS) {
        const body = endpoint === 'totals' ? totalsBody() : seriesBody();
        expect(validateEngagementRequest(endpoint, body, USER).endpoint).toBe(endpoint);
      }
    });

    it('knows its endpoints', () => {
      expect(ENGAGEMENT_ENDPOINTS).toEqual(['totals', '28hr', 'historical']);
      expect(isEngagementEndpoint('28hr')).toBe(true);
      expect(isEngagementEndpoint('__proto__')).toBe(false);
      expect(() => validateEngagementRequest('daily' as EngagementEndpoint, totalsBody(), USER)).toThrow(TypeError);
    });
  });

  describe('body', () => {
    it.each([null, [], 'x', 42])('refuses %j, which is not a JSON object', (body) => {
      expect(badFields('totals', body)).toEqual({ body: 'must be a JSON object' });
    });

    it('refuses unknown keys, naming each', () => {
      const fields = badFields('totals', totalsBody({ tweetIds: [], foo: 1 }));
      expect(Object.keys(fields).sort()).toEqual(['foo', 'tweetIds']);
    });

    it('refuses start and end outside /historical', () => {
      const fields = badFields('28hr', seriesBody({ start: '2026-11-01', end: '2026-11-02' }));
      expect(Object.keys(fields).sort()).toEqual(['end', 'start']);
      expect(fields.start).toMatch(/\/historical only/);
      expect(Object.keys(badFields('totals', totalsBody({ start: '2026-11-01' })))).toEqual(['start']);
    });

    it('reports a "__proto__" key instead of losing it', () => {
      const fields = badFields('totals', JSON.parse('{"__proto__": 1, "tweet_ids": ["1"]}'));
      expect(Object.keys(fields)).toEqual(expect.arrayContaining(['__proto__', 'engagement_types', 'groupings']));
    });

    it('reports every shape problem at once, in a message that names the first', () => {
      const e = refusal('totals', { tweet_ids: [1], engagement_types: [] });
      expect(Object.keys(e.details.fields as object).sort()).toEqual(['engagement_types', 'groupings', 'tweet_ids[0]']);
      expect(e.message).toMatch(/^Fix the 3 problems in the \/totals request body/);
      expect(e.message).toContain('tweet_ids[0] must be a string');
    });
  });

  describe('tweet_ids', () => {
    it('accepts 250 on /totals and refuses 251', () => {
      expect(
        validateEngagementRequest('totals', totalsBody({ tweet_ids: recentIds(250) }), USER).tweetIds,
      ).toHaveLength(250);
      const e = refusal('totals', totalsBody({ tweet_ids: recentIds(251) }));
      expect(e).toBeInstanceOf(TooManyTweetIdsError);
      expect(e.statusCode).toBe(400);
      expect(e.code).toBe('TOO_MANY_TWEET_IDS');
      expect(e.details).toEqual({ endpoint: 'totals', count: 251, max: 250 });
      expect(e.message).toBe(
        '/totals accepts at most 250 tweet IDs per request; split the 251 IDs into batches of 250.',
      );
    });

    it.each(['28hr', 'historical'] as const)('accepts 25 on /%s and refuses 26', (endpoint) => {
      expect(validateEngagementRequest(endpoint, seriesBody({ tweet_ids: recentIds(25) }), USER).tweetIds).toHaveLength(
        25,
      );
      const e = refusal(endpoint, seriesBody({ tweet_ids: recentIds(26) }));
      expect(e).toBeInstanceOf(TooManyTweetIdsError);
      expect(e.details).toEqual({ endpoint, count: 26, max: 25 });
    });

    it('checks the count before the items and before anything else', () => {
      const e = refusal('28hr', { tweet_ids: Array(26).fill(12), engagement_types: 'nope', bogus: true }, APP_ONLY);
      expect(e).toBeInstanceOf(TooManyTweetIdsError);
    });

    it.each([
      [undefined, 'tweet_ids'],
      ['123', 'tweet_ids'],
      [[], 'tweet_ids'],
    ])('refuses tweet_ids %j', (tweetIds, field) => {
      expect(Object.keys(badFields('totals', totalsBody({ tweet_ids: tweetIds })))).toEqual([field]);
    });

    it('refuses numbers, which lose precision, and strings that are not 64-bit IDs', () => {
      const bad = [
        // eslint-disable-next-line no-loss-of-precision -- a Tweet ID sent as a JSON number has already lost its last digits
        1260294888811347969,
        '',
        ' 1',
        '12a',
        '-1',
        '0x1f',
        '1e5',
        '18446744073709551616',
        '123456789012345678901',
        null,
      ];
      const fields = badFields('totals', totalsBody({ tweet_ids: [RECENT_ID, ...bad] }));
      expect(Object.keys(fields)).toEqual(bad.map((_, i) => `tweet_ids[${i + 1}]`));
      expect(fields['tweet_ids[1]']).toMatch(/not a number/);
    });

    it('accepts 1 to 20 digits up to 2^64 - 1, and repeated IDs', () => {
      const ids = ['1', '18446744073709551615', '00000000000000000001', RECENT_ID, RECENT_ID];
      expect(
        validateEngagementRequest('totals', totalsBody({ tweet_ids: ids, engagement_types: ['favorites'] }), USER)
          .tweetIds,
      ).toEqual(ids);
    });
  });

  describe('engagement_types', () => {
    it('accepts the 7 /totals metrics and the 17 /28hr and /historical metrics', () => {
      expect(TOTALS_ENGAGEMENT_TYPES).toHaveLength(7);
      expect(TIME_SERIES_ENGAGEMENT_TYPES).toHaveLength(17);
      expect(
        validateEngagementRequest('totals', totalsBody({ engagement_types: [...TOTALS_ENGAGEMENT_TYPES] }), USER)
          .engagementTypes,
      ).toHaveLength(7);
      for (const endpoint of ['28hr', 'historical'] as const) {
        expect(
          validateEngagementRequest(endpoint, seriesBody({ engagement_types: [...TIME_SERIES_ENGAGEMENT_TYPES] }), USER)
            .engagementTypes,
        ).toHaveLength(17);
      }
    });

    it('refuses metrics of the other endpoints, naming them', () => {
      const totals = badFields('totals', totalsBody({ engagement_types: ['favorites', 'url_clicks'] }));
      expect(Object.keys(totals)).toEqual(['engagement_types[1]']);
      expect(totals['engagement_types[1]']).toMatch(/url_clicks.*\/totals does not/);
      const series = badFields('historical', seriesBody({ engagement_types: ['quote_tweets'] }));
      expect(series['engagement_types[0]']).toMatch(/quote_tweets, which only \/totals reports/);
    });

    it('refuses unknown names, duplicates, non-strings and an empty list', () => {
      const fields = badFields(
        '28hr',
        seriesBody({ engagement_types: ['impressions', 'Impressions', 'media_clicks', 'impressions', 7] }),
      );
      expect(Object.keys(fields)).toEqual([
        'engagement_types[1]',
        'engagement_types[2]',
        'engagement_types[3]',
        'engagement_types[4]',
      ]);
      expect(fields['engagement_types[1]']).toMatch(/"Impressions"/);
      expect(fields['engagement_types[2]']).toMatch(/media_engagements/);
      expect(fields['engagement_types[3]']).toMatch(/repeats impressions/);
      expect(Object.keys(badFields('totals', totalsBody({ engagement_types: [] })))).toEqual(['engagement_types']);
      expect(Object.keys(badFields('totals', totalsBody({ engagement_types: undefined })))).toEqual([
        'engagement_types',
      ]);
      expect(Object.keys(badFields('totals', totalsBody({ engagement_types: 'favorites' })))).toEqual([
        'engagement_types',
      ]);
    });
  });

  describe('groupings', () => {
    const g = (...groupBy: unknown[]) => ({ group_by: groupBy });

    it('accepts 1 to 3 groupings and refuses 0 or 4', () => {
      const three = { a: g('tweet.id'), b: g('engagement.type'), c: g('engagement.type', 'tweet.id') };
      expect(
        Object.keys(validateEngagementRequest('totals', totalsBody({ groupings: three }), USER).groupings),
      ).toEqual(['a', 'b', 'c']);
      expect(badFields('totals', totalsBody({ groupings: { ...three, d: g('tweet.id') } }))).toEqual({
        groupings: expect.stringMatching(/has 4 groupings but X allows at most 3/),
      });
      expect(Object.keys(badFields('totals', totalsBody({ groupings: {} })))).toEqual(['groupings']);
    });

    it.each([undefined, null, [], 'tweet.id'])('refuses groupings %j', (groupings) => {
      expect(Object.keys(badFields('totals', totalsBody({ groupings })))).toEqual(['groupings']);
    });

    it('refuses engagement.day and engagement.hour on /totals only', () => {
      const fields = badFields(
        'totals',
        totalsBody({ groupings: { by_day: g('tweet.id', 'engagement.day', 'engagement.hour') } }),
      );
      expect(Object.keys(fields)).toEqual(['groupings.by_day.group_by[1]', 'groupings.by_day.group_by[2]']);
      expect(fields['groupings.by_day.group_by[1]']).toMatch(/only \/28hr and \/historical support/);
      const ok = validateEngagementRequest(
        '28hr',
        seriesBody({ groupings: { by_day: g('engagement.day', 'engagement.hour') } }),
        USER,
      );
      expect(ok.groupings).toEqual({ by_day: { group_by: ['engagement.day', 'engagement.hour'] } });
    });

    it('accepts the two documented 4-value orders and refuses any other', () => {
      for (const order of [
        ['tweet.id', 'engagement.type', 'engagement.day', 'engagement.hour'],
        ['engagement.type', 'tweet.id', 'engagement.day', 'engagement.hour'],
      ]) {
        expect(
          validateEngagementRequest('historical', seriesBody({ groupings: { series: g(...order) } }), USER).groupings
            .series.group_by,
        ).toEqual(order);
      }
      const fields = badFields(
        '28hr',
        seriesBody({ groupings: { series: g('tweet.id', 'engagement.type', 'engagement.hour', 'engagement.day') } }),
      );
      expect(Object.keys(fields)).toEqual(['groupings.series.group_by']);
    });

    it('allows only one 4-value grouping per request', () => {
      const four = g('tweet.id', 'engagement.type', 'engagement.day', 'engagement.hour');
      const fields = badFields('28hr', seriesBody({ groupings: { one: four, two: four } }));
      expect(fields).toEqual({
        'groupings.two.group_by': expect.stringMatching(/only one such grouping.*groupings\.one/),
      });
    });

    it('refuses empty, oversized, repeated and unknown group_by values', () => {
      const fields = badFields(
        '28hr',
        seriesBody({
          groupings: {
            empty: g(),
            five: g('tweet.id', 'engagement.type', 'engagement.day', 'engagement.hour', 'tweet.id'),
            twice: g('tweet.id', 'tweet.id', 'tweet.author'),
          },
        }),
      );
      expect(Object.keys(fields)).toEqual([
        'groupings.empty.group_by',
        'groupings.five.group_by',
        'groupings.twice.group_by[1]',
        'groupings.twice.group_by[2]',
      ]);
    });

    it('refuses an empty name, a non-object grouping and unknown keys in a grouping', () => {
      const fields = badFields(
        'totals',
        totalsBody({
          groupings: { '': g('tweet.id'), flat: ['tweet.id'], typo: { groupBy: ['tweet.id'] } },
        }),
      );
      expect(Object.keys(fields)).toEqual([
        'groupings[""]',
        'groupings.flat',
        'groupings.typo.groupBy',
        'groupings.typo.group_by',
      ]);
    });

    it('keeps a grouping named "__proto__" as an ordinary key', () => {
      const body = totalsBody({ groupings: JSON.parse('{"__proto__": {"group_by": ["tweet.id"]}}') });
      const req = validateEngagementRequest('totals', body, USER);
      expect(Object.keys(req.groupings)).toEqual(['__proto__']);
      expect(Object.getPrototypeOf(req.groupings)).toBe(Object.prototype);
    });
  });

  describe('user context', () => {
    it('lets app-only calls ask /totals for public metrics only', () => {
      const body = totalsBody({
        engagement_types: ['favorites', 'retweets', 'quote_tweets', 'replies', 'video_views'],
      });
      expect(validateEngagementRequest('totals', body, APP_ONLY).engagementTypes).toHaveLength(5);
    });

    it('refuses app-only /totals impressions and engagements, naming them', () => {
      const e = refusal('totals', totalsBody(), APP_ONLY);
      expect(e).toBeInstanceOf(UserContextRequiredError);
      expect(e.statusCode).toBe(400);
      expect(e.code).toBe('USER_CONTEXT_REQUIRED');
      expect(e.details).toEqual({ endpoint: 'totals', metrics: ['impressions', 'engagements'] });
      expect(e.message).toMatch(/X-Handle/);
    });

    it.each(['28hr', 'historical'] as const)('refuses app-only /%s even for public metrics', (endpoint) => {
      const e = refusal(endpoint, seriesBody({ engagement_types: ['favorites'] }), APP_ONLY);
      expect(e).toBeInstanceOf(UserContextRequiredError);
      expect(e.details).toEqual({ endpoint, metrics: [] });
    });

    it('comes after shape checks and before time rules', () => {
      expect(refusal('28hr', seriesBody({ groupings: {} }), APP_ONLY)).toBeInstanceOf(ValidationFailedError);
      const old = idCreatedAgo(400 * DAY);
      expect(refusal('totals', totalsBody({ tweet_ids: [old] }), APP_ONLY)).toBeInstanceOf(UserContextRequiredError);
      expect(refusal('historical', historicalBody('2026-11-01', 'tomorrow'), APP_ONLY)).toBeInstanceOf(
        UserContextRequiredError,
      );
    });

    it('needsUserContext follows §3', () => {
      expect(needsUserContext({ endpoint: 'totals', engagementTypes: ['favorites', 'video_views'] })).toBe(false);
      expect(needsUserContext({ endpoint: 'totals', engagementTypes: ['favorites', 'impressions'] })).toBe(true);
      expect(needsUserContext({ endpoint: '28hr', engagementTypes: ['favorites'] })).toBe(true);
      expect(needsUserContext({ endpoint: 'historical', engagementTypes: ['favorites'] })).toBe(true);
    });
  });

  describe('/totals 90-day rule for impressions and engagements', () => {
    it('accepts a Tweet 90 days minus a minute old', () => {
      expect(() =>
        validateEngagementRequest('totals', totalsBody({ tweet_ids: [idCreatedAgo(90 * DAY - MINUTE)] }), USER),
      ).not.toThrow();
    });

    it('leaves a one-hour margin to X', () => {
      expect(() =>
        validateEngagementRequest('totals', totalsBody({ tweet_ids: [idCreatedAgo(90 * DAY + 30 * MINUTE)] }), USER),
      ).not.toThrow();
      expect(() =>
        validateEngagementRequest('totals', totalsBody({ tweet_ids: [idCreatedAgo(90 * DAY + HOUR)] }), USER),
      ).not.toThrow();
    });

    it('refuses Tweets 90 days plus 2 hours old, listing each once', () => {
      const old = idCreatedAgo(90 * DAY + 2 * HOUR);
      const older = '850006245121695744';
      const e = refusal(
        'totals',
        totalsBody({ tweet_ids: [RECENT_ID, old, older, old], engagement_types: ['engagements', 'replies'] }),
      );
      expect(e).toBeInstanceOf(TweetTooOldError);
      expect(e.statusCode).toBe(400);
      expect(e.code).toBe('TWEET_TOO_OLD');
      expect(e.details).toEqual({
        tweetIds: [old, older],
        metrics: ['engagements'],
        maxAgeDays: 90,
        createdBefore: new Date(NOW.getTime() - 90 * DAY - HOUR).toISOString(),
      });
      expect(e.message).toMatch(/last 90 days/);
    });

    it('does not apply to the other metrics or endpoints', () => {
      const old = '850006245121695744';
      expect(() =>
        validateEngagementRequest(
          'totals',
          totalsBody({ tweet_ids: [old], engagement_types: ['favorites', 'video_views'] }),
          APP_ONLY,
        ),
      ).not.toThrow();
      expect(() => validateEngagementRequest('28hr', seriesBody({ tweet_ids: [old] }), USER)).not.toThrow();
    });
  });

  describe('/historical start and end', () => {
    it('accepts neither, leaving X its default of the previous 4 weeks', () => {
      const req = validateEngagementRequest('historical', seriesBody(), USER);
      expect(req.start).toBeUndefined();
      expect(req.end).toBeUndefined();
    });

    it('refuses one without the other', () => {
      expect(dateRefusal('2026-11-01', undefined).details).toEqual({ rule: 'start_and_end_together', missing: 'end' });
      expect(dateRefusal(undefined, '2026-11-01').details).toEqual({
        rule: 'start_and_end_together',
        missing: 'start',
      });
    });

    it('accepts dates and date-times with Z or an offset, widened to whole hours in UTC', () => {
      const cases: [string, string, string, string][] = [
        ['2026-11-01', '2026-11-15', '2026-11-01T00:00:00.000Z', '2026-11-15T00:00:00.000Z'],
        ['2026-11-01T12:24:00Z', '2026-11-02T08:37:00Z', '2026-11-01T12:00:00.000Z', '2026-11-02T09:00:00.000Z'],
        ['2026-11-01T12:24Z', '2026-11-02T08:00:00.001Z', '2026-11-01T12:00:00.000Z', '2026-11-02T09:00:00.000Z'],
        [
          '2026-11-01T17:54:00+05:30',
          '2026-11-02T03:37:00-05:00',
          '2026-11-01T12:00:00.000Z',
          '2026-11-02T09:00:00.000Z',
        ],
      ];
      for (const [start, end, wideStart, wideEnd] of cases) {
        const req = validateEngagementRequest('historical', historicalBody(start, end), USER);
        expect([req.start, req.end]).toEqual([wideStart, wideEnd]);
      }
    });

    it('accepts a leap day', () => {
      const now = new Date('2024-12-01T00:00:00Z');
      const req = validateEngagementRequest('historical', historicalBody('2024-02-29', '2024-03-01'), {
        userContext: true,
        now,
      });
      expect([req.start, req.end]).toEqual(['2024-02-29T00:00:00.000Z', '2024-03-01T00:00:00.000Z']);
    });

    it.each([
      ['2026-11-01 00:00:00Z', '2026-11-02'],
      ['2026-11-01T00:00:00', '2026-11-02'],
      ['2026-11-01T00:00:00z', '2026-11-02'],
      ['2026-02-29', '2026-03-01'],
      ['2026-13-01', '2026-11-02'],
      ['2026-11-01T24:00:00Z', '2026-11-02'],
      ['2026-11-01T10:60:00Z', '2026-11-02'],
      ['2026-11-01T10:00:00.1234Z', '2026-11-02'],
      ['2026-11-01T10:00:00+0100', '2026-11-02'],
      ['11/01/2026', '2026-11-02'],
      ['', '2026-11-02'],
      [1793491200000, '2026-11-02'],
      [null, '2026-11-02'],
    ])('refuses start %j as unparsable', (start, end) => {
      const e = dateRefusal(start, end);
      expect(e.details).toMatchObject({ rule: 'format', invalid: ['start'], requestedStart: start });
    });

    it('names both fields when both are unparsable', () => {
      expect(dateRefusal('yesterday', 'today').details).toMatchObject({ invalid: ['start', 'end'] });
    });

    it('refuses end before start', () => {
      const e = dateRefusal('2026-11-10', '2026-11-09T12:00:00Z');
      expect(e.details).toEqual({
        rule: 'end_before_start',
        start: '2026-11-10T00:00:00.000Z',
        end: '2026-11-09T12:00:00.000Z',
        requestedStart: '2026-11-10T00:00:00.000Z',
        requestedEnd: '2026-11-09T12:00:00.000Z',
      });
    });

    it('refuses an end before the start even within one hour, where widening would hide it', () => {
      expect(dateRefusal('2026-11-10T12:30:00Z', '2026-11-10T12:20:00Z').details).toMatchObject({
        rule: 'end_before_start',
      });
    });

    it('accepts end = now and refuses now + 1 minute, judging the end as sent', () => {
      const req = validateEngagementRequest('historical', historicalBody('2026-11-20', NOW.toISOString()), USER);
      expect(req.end).toBe('2026-11-23T19:00:00.000Z');
      const e = dateRefusal('2026-11-20', new Date(NOW.getTime() + MINUTE).toISOString());
      expect(e.details).toMatchObject({
        rule: 'end_not_in_future',
        requestedEnd: '2026-11-23T18:28:00.000Z',
        latestEnd: NOW.toISOString(),
      });
    });

    it('accepts exactly 28 days and refuses 28 days and an hour', () => {
      const req = validateEngagementRequest(
        'historical',
        historicalBody('2026-10-01T00:00:00Z', '2026-10-29T00:00:00Z'),
        USER,
      );
      expect([req.start, req.end]).toEqual(['2026-10-01T00:00:00.000Z', '2026-10-29T00:00:00.000Z']);
      const e = dateRefusal('2026-10-01T00:00:00Z', '2026-10-29T01:00:00Z');
      expect(e.details).toEqual({
        rule: 'max_28_days',
        start: '2026-10-01T00:00:00.000Z',
        end: '2026-10-29T01:00:00.000Z',
        requestedStart: '2026-10-01T00:00:00.000Z',
        requestedEnd: '2026-10-29T01:00:00.000Z',
        maxDays: 28,
        spanHours: 28 * 24 + 1,
      });
      expect(e.message).toMatch(/28 days 1 h/);
    });

    it('judges the 28 days after widening', () => {
      const e = dateRefusal('2026-10-01T00:30:00Z', '2026-10-29T00:10:00Z');
      expect(e.details).toMatchObject({
        rule: 'max_28_days',
        start: '2026-10-01T00:00:00.000Z',
        end: '2026-10-29T01:00:00.000Z',
      });
    });

    it('refuses a start more than 365 days back, leaving the straddling hour to X', () => {
      // now - 365 days = 2025-11-23T18:27Z, so the hour from 18:00 is allowed and 17:59 (→ 17:00) is not.
      expect(() =>
        validateEngagementRequest('historical', historicalBody('2025-11-23T18:00:00Z', '2025-12-01'), USER),
      ).not.toThrow();
      const e = dateRefusal('2025-11-23T17:59:00Z', '2025-12-01');
      expect(e.details).toMatchObject({
        rule: 'max_age_365_days',
        start: '2025-11-23T17:00:00.000Z',
        oldestStart: '2025-11-23T18:00:00.000Z',
      });
    });

    it('refuses a start before 2014-09-01 while that is the later limit', () => {
      const now = new Date('2015-03-01T00:00:00Z');
      expect(() =>
        validateEngagementRequest('historical', historicalBody('2014-09-01', '2014-09-20'), { userContext: true, now }),
      ).not.toThrow();
      const e = dateRefusal('2014-08-31T23:00:00Z', '2014-09-20', now);
      expect(e.details).toMatchObject({ rule: 'oldest_start_2014_09_01', oldestStart: '2014-09-01T00:00:00.000Z' });
    });

    it('reads years before 100 as such, not as 19xx', () => {
      expect(dateRefusal('0014-09-01', '0014-09-02').details).toMatchObject({
        rule: 'max_age_365_days',
        start: '0014-09-01T00:00:00.000Z',
      });
    });
  });
});
