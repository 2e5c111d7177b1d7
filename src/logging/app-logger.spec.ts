import { AppLogger } from './app-logger';
import { requestContext } from './request-context';

function capture(level: 'info' | 'verbose' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = new AppLogger({
    format: 'json',
    level,
    write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { logger, lines };
}

describe('AppLogger', () => {
  it('writes time, level, context and msg, and the fields of a structured record beside them', () => {
    const { logger, lines } = capture();
    logger.log('started', 'handlemeter');
    logger.log({ msg: 'GET /health 200', status: 200 }, 'Http');
    expect(lines).toEqual([
      { time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: 'info', context: 'handlemeter', msg: 'started' },
      { time: expect.any(String), level: 'info', context: 'Http', msg: 'GET /health 200', status: 200 },
    ]);
  });

  it("keeps below the configured level out, and prints pino's trace as verbose", () => {
    const quiet = capture('info');
    quiet.logger.debug('detail', 'X');
    quiet.logger.log('module loaded', 'InstanceLoader');
    expect(quiet.lines).toEqual([]);
    const chatty = capture('verbose');
    chatty.logger.verbose('everything', 'X');
    expect(chatty.lines).toMatchObject([{ level: 'verbose', msg: 'everything' }]);
  });

  it('stamps the request id of the request being served', () => {
    const { logger, lines } = capture();
    requestContext.run({ requestId: 'req-1' }, () => logger.warn('slow', 'Ledger'));
    logger.warn('outside', 'Ledger');
    expect(lines.map((l) => l.requestId)).toEqual(['req-1', undefined]);
  });

  it("writes an error with its stack, from an Error or from Nest's (message, stack, context)", () => {
    const { logger, lines } = capture();
    logger.error(new Error('boom'), 'X');
    logger.error('failed', 'Error: failed\n    at here', 'X');
    expect(lines).toMatchObject([
      { level: 'error', msg: 'boom', stack: expect.stringContaining('Error: boom') },
      { level: 'error', msg: 'failed', stack: 'Error: failed\n    at here' },
    ]);
  });

  it('redacts secret-bearing fields if a record ever carries one', () => {
    const { logger, lines } = capture();
    logger.warn(
      {
        msg: 'x',
        headers: { authorization: 'OAuth oauth_token="t"', 'x-api-key': 'hm_k' },
        app: { consumerSecret: 's' },
      },
      'X',
    );
    expect(lines[0]).toMatchObject({
      headers: { authorization: '[redacted]', 'x-api-key': '[redacted]' },
      app: { consumerSecret: '[redacted]' },
    });
    expect(JSON.stringify(lines)).not.toMatch(/oauth_token|hm_k|"s"/);
  });
});
