import 'reflect-metadata';
import { validateSync } from 'class-validator';
import { turnsDuring } from '../../test/support/event-loop-turns';
import { bodyProblem, HasAtMostDecimals, looksLikePlaceholder, MAX_BODY_DEPTH } from './validation';

describe('bodyProblem', () => {
  const nest = (depth: number): unknown => {
    let v: unknown = 'x';
    for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
    return v;
  };

  it('refuses a body nested deeper than the limit, however deep, without overflowing the stack', async () => {
    expect(await bodyProblem(nest(MAX_BODY_DEPTH), true)).toBeNull();
    expect(await bodyProblem(nest(MAX_BODY_DEPTH + 1), true)).toMatchObject({ field: 'body' });
    expect(await bodyProblem(nest(200_000), false)).toMatchObject({ field: 'body' });
  });

  it('names the field holding a NUL or an unpaired surrogate, when text is checked', async () => {
    expect(await bodyProblem({ name: 'a\u0000b' }, true)).toMatchObject({ field: 'name' });
    expect(await bodyProblem({ notify: { emails: ['ok', '\ud800'] } }, true)).toMatchObject({
      field: 'notify.emails.1',
    });
    expect(await bodyProblem({ name: '\udc00x' }, true)).toMatchObject({ field: 'name' });
    expect(await bodyProblem({ name: 'a\u0000b' }, false)).toBeNull();
    // A surrogate pair is one character (𝕏), not a problem.
    expect(await bodyProblem({ name: '𝕏 é \u202e' }, true)).toBeNull();
  });

  it('walks a large body in turns, letting the event loop run between them (a 50,000-row import is one)', async () => {
    const calls = Array.from({ length: 20_000 }, (_, i) => ({ id: `c${i}`, at: '2026-10-03T14:00:00Z', userId: '12' }));
    calls[0].id = 'a\u0000b';
    let problem: unknown;
    const turns = await turnsDuring(async () => (problem = await bodyProblem({ calls }, true)));
    expect(problem).toMatchObject({ field: 'calls.0.id' });
    expect(turns).toBeGreaterThan(5);
  });
});

describe('HasAtMostDecimals', () => {
  class T {
    @HasAtMostDecimals(4, { each: true })
    v: unknown;
  }
  const valid = (v: unknown) => validateSync(Object.assign(new T(), { v })).length === 0;

  it('takes numbers with up to 4 decimals, refuses more (also in exponent form, which IsNumber throws on) and non-numbers', () => {
    expect(valid([0.5, 1, 0.1234, 10])).toBe(true);
    expect(valid([0.12345])).toBe(false);
    expect(valid([5e-324])).toBe(false);
    expect(valid([1e-7])).toBe(false);
    expect(valid(['0.5'])).toBe(false);
  });
});

describe('looksLikePlaceholder', () => {
  it.each([
    '1234-abc…',
    '1234-abc...',
    '<access token>',
    'abc\tdef',
    ' cs_1',
    'cs_1\n',
    '   ',
    'xxxx',
    'changeme',
    'YOUR_TOKEN',
  ])('refuses %p', (v) => expect(looksLikePlaceholder(v)).toBe(true));
  it.each([
    '6253282-eWudHldSbIaelX7swmsiHImEL4KinwaGloHANdrY',
    'cs_0123456789abcdef',
    'AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid',
    'a.b.c',
    'cs +/=%& é☃ x',
  ])('accepts %p', (v) => expect(looksLikePlaceholder(v)).toBe(false));
});
