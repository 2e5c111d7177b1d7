import { toCsv } from './csv';

describe('toCsv', () => {
  const columns = ['userId', 'screenName', 'firstSeen', 'confirmed'];

  it('writes a header line, then a line a row: missing cells empty, dates ISO 8601, booleans true/false', () => {
    expect(toCsv([], columns, { header: true })).toBe('userId,screenName,firstSeen,confirmed\n');
    const rows = [
      { userId: '2244994945', screenName: 'acme', firstSeen: new Date('2026-10-03T14:00:00Z'), confirmed: true },
      { userId: '12', screenName: null, firstSeen: new Date('2026-10-04T00:00:00.5Z'), confirmed: false },
    ];
    expect(toCsv(rows, columns, { header: false })).toBe(
      '2244994945,acme,2026-10-03T14:00:00.000Z,true\n12,,2026-10-04T00:00:00.500Z,false\n',
    );
  });

  it('quotes a cell with a comma, a quote or a line break, and no cell can start a formula', () => {
    const cells = ['a,b', 'say "hi"', 'two\nlines', 'cr\rhere', '=1+1', '+1', '-1', '@SUM(A1)', '=a,b', 'plain'];
    const keys = cells.map((_, i) => `c${i}`);
    const row = Object.fromEntries(keys.map((k, i) => [k, cells[i]]));
    expect(toCsv([row], keys, { header: false })).toBe(
      `"a,b","say ""hi""","two\nlines","cr\rhere",'=1+1,'+1,'-1,'@SUM(A1),"'=a,b",plain\n`,
    );
  });
});
