/**
 * The gateway's request bodies as OpenAPI schemas, one per X endpoint with that endpoint's
 * limits (docs/x-api-facts.md §1), so a generated client refuses what X would. For the
 * document only: the gateway validates with validateEngagementRequest, which also checks what
 * a schema cannot say (the 90-day rule, 4-value grouping orders, the /historical window).
 */
import { Type } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { MAX_TWEET_IDS, TIME_SERIES_ENGAGEMENT_TYPES, TOTALS_ENGAGEMENT_TYPES } from '../engagement-request';

const TWEET_ID = { type: 'string', pattern: '^[0-9]{1,20}$', example: '1864000000000000000' } as const;
const MAX_GROUPINGS = 3;

export class TotalsGroupingDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'string', enum: ['tweet.id', 'engagement.type'] },
    minItems: 1,
    maxItems: 2,
    example: ['tweet.id', 'engagement.type'],
    description: 'Nesting order of the answer.',
  })
  group_by: Array<'tweet.id' | 'engagement.type'>;
}

export class TimeSeriesGroupingDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'string', enum: ['tweet.id', 'engagement.type', 'engagement.day', 'engagement.hour'] },
    minItems: 1,
    maxItems: 4,
    example: ['tweet.id', 'engagement.type', 'engagement.day'],
    description:
      'Nesting order of the answer. Four values only as [tweet.id, engagement.type, engagement.day, engagement.hour] or [engagement.type, tweet.id, engagement.day, engagement.hour].',
  })
  group_by: Array<'tweet.id' | 'engagement.type' | 'engagement.day' | 'engagement.hour'>;
}

const groupings = (grouping: Type<unknown>) => ({
  type: 'object' as const,
  minProperties: 1,
  maxProperties: MAX_GROUPINGS,
  additionalProperties: { $ref: getSchemaPath(grouping) },
  description: `1 to ${MAX_GROUPINGS} groupings; each name you choose becomes a root key of X's answer.`,
});

@ApiExtraModels(TotalsGroupingDto)
export class TotalsRequestDto {
  @ApiProperty({
    type: 'array',
    items: TWEET_ID,
    minItems: 1,
    maxItems: MAX_TWEET_IDS.totals,
    description: 'Tweet IDs as strings (they exceed 2^53).',
  })
  tweet_ids: string[];

  @ApiProperty({
    type: 'array',
    items: { type: 'string', enum: [...TOTALS_ENGAGEMENT_TYPES] },
    minItems: 1,
    example: ['favorites', 'impressions'],
    description:
      'impressions and engagements only for Tweets of the last 90 days, and only with a handle (X-Handle or drop-in OAuth); the other five also app-only.',
  })
  engagement_types: string[];

  @ApiProperty({
    ...groupings(TotalsGroupingDto),
    example: { perTweet: { group_by: ['tweet.id', 'engagement.type'] } },
  })
  groupings: Record<string, TotalsGroupingDto>;
}

@ApiExtraModels(TimeSeriesGroupingDto)
export class TwentyEightHourRequestDto {
  @ApiProperty({
    type: 'array',
    items: TWEET_ID,
    minItems: 1,
    maxItems: MAX_TWEET_IDS['28hr'],
    description: 'Tweet IDs as strings.',
  })
  tweet_ids: string[];

  @ApiProperty({
    type: 'array',
    items: { type: 'string', enum: [...TIME_SERIES_ENGAGEMENT_TYPES] },
    minItems: 1,
    example: ['impressions', 'engagements', 'url_clicks'],
  })
  engagement_types: string[];

  @ApiProperty({
    ...groupings(TimeSeriesGroupingDto),
    example: { hourly: { group_by: ['tweet.id', 'engagement.type', 'engagement.day', 'engagement.hour'] } },
  })
  groupings: Record<string, TimeSeriesGroupingDto>;
}

export class HistoricalRequestDto extends TwentyEightHourRequestDto {
  @ApiPropertyOptional({
    example: '2026-11-01',
    description:
      'YYYY-MM-DD or an ISO date-time with Z or an offset; with end, at most 28 days apart, not before 2014-09-01 nor 365 days ago. Both or neither (default: the last 4 weeks).',
  })
  start?: string;

  @ApiPropertyOptional({ example: '2026-11-15', description: 'Not in the future.' })
  end?: string;
}
