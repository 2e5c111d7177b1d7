import { figures } from '../billing/figures';
import { formatMoney } from '../common/money';
import { AppUsage } from '../usage/chargeback.service';
import { appsCsv, renderReport, ReportData } from './report-email';

/** An app's chargeback line; its overage cost at the tests' USD 12.35. */
function app(over: Partial<AppUsage>): AppUsage {
  const a = { appId: 'a', name: 'app', calls: 1, handles: 1, firstCountedHandles: 1, overageHandles: 0, ...over };
  return { ...a, overageCost: formatMoney(1235n * BigInt(a.overageHandles), 'USD'), ...over };
}

describe('renderReport', () => {
  const terms = { allowance: 2, overagePriceMinor: 1235n, currency: 'USD', countPolicy: 'attempted' as const };
  const base = (over: Partial<ReportData> = {}): ReportData => ({
    contractId: 'c1',
    contractName: 'Acme',
    period: { key: '2026-11', firstDay: '2026-11-01', lastDay: '2026-11-30', timezone: 'UTC' },
    statement: {
      ...figures(terms, { attempted: 0, confirmed: 0, calls: 0 }),
      closedAt: new Date('2026-12-01T00:01:00Z'),
    },
    earlier: [],
    apps: [],
    handles: [],
    csvFilename: 'handles-c1-2026-11.csv.gz',
    csvLink: null,
    dashboardUrl: null,
    ...over,
  });

  it('reports an empty period plainly, in both parts', () => {
    const r = renderReport(base());
    expect(r.subject).toBe('[handlemeter] Acme: report for 2026-11: 0 of 2 handles, overage USD 0.00');
    for (const part of [r.text, r.html]) {
      expect(part).toContain('This is the first closed period.');
      expect(part).toContain('No calls in this period.');
      expect(part).toContain('No handles in this period.');
    }
    expect(r.html).toContain('no overage');
  });

  it('escapes names in the HTML part and keeps them as written in the text part', () => {
    const r = renderReport(
      base({
        contractName: '<b>Evil</b>',
        apps: [app({ name: 'a<script>', calls: 1 })],
        handles: [{ userId: '1', screenName: 'x"y', calls: 1, confirmed: true }],
      }),
    );
    expect(r.html).not.toContain('<b>Evil</b>');
    expect(r.html).toContain('&lt;b&gt;Evil&lt;/b&gt;');
    expect(r.html).not.toContain('a<script>');
    expect(r.html).toContain('@x&quot;y');
    expect(r.text).toContain('<b>Evil</b>: monthly report for period 2026-11');
    expect(r.text).toMatch(/a<script> +1 +1 +1 +0 +USD 0\.00\n/);
  });

  it('shows the chargeback with its total, and attaches it as CSV with exact amounts and spreadsheet formulas defused', () => {
    const f = figures(terms, { attempted: 5, confirmed: 5, calls: 1_234 });
    const r = base({
      statement: { ...f, closedAt: new Date('2026-12-01T00:01:00Z') },
      apps: [
        app({ appId: 'a1', name: 'analytics', calls: 1_200, handles: 5, firstCountedHandles: 4, overageHandles: 2 }),
        app({ appId: 'a2', name: '=cmd()', calls: 34, handles: 2, firstCountedHandles: 1, overageHandles: 1 }),
      ],
    });
    const text = renderReport(r).text;
    expect(text).toMatch(/App +Calls +Handles used +Counted first +Overage +Overage cost\n/);
    expect(text).toMatch(/analytics +1,200 +5 +4 +2 +USD 24\.70\n/);
    expect(text).toMatch(/Total +1,234 +5 +3 +USD 37\.05\n/);
    const csv = appsCsv(r);
    expect(csv.filename).toBe('apps-c1-2026-11.csv');
    expect(csv.body).toBe(
      'appId,name,calls,handles,firstCountedHandles,overageHandles,overageCost,currency\n' +
        'a1,analytics,1200,5,4,2,24.70,USD\n' +
        "a2,'=cmd(),34,2,1,1,12.35,USD\n",
    );
  });

  it('shows each period’s change from the one before, and links the dashboard when it knows where it is', () => {
    const f = (n: number) => figures(terms, { attempted: n, confirmed: n, calls: n });
    const line = (key: string, n: number) => ({ key, ...f(n) });
    const r = renderReport(
      base({
        statement: { ...f(4), closedAt: new Date('2026-12-01T00:01:00Z') },
        earlier: [line('2026-10', 4), line('2026-09', 8), line('2026-08', 0)],
        dashboardUrl: 'https://hm.example.com/dashboard/contracts/c1',
      }),
    );
    expect(r.text).toMatch(/2026-11 +4 +no change +2 +2 +USD 24\.70\n/);
    expect(r.text).toMatch(/2026-10 +4 +-4 \(-50%\) +2 +2 +USD 24\.70\n/);
    expect(r.text).toMatch(/2026-09 +8 +\+8 +2 +6 +USD 74\.10\n/);
    expect(r.text).toMatch(/2026-08 +0 +2 +0 +USD 0\.00\n/);
    expect(r.text).toContain('Dashboard: https://hm.example.com/dashboard/contracts/c1');
    expect(r.html).toContain('href="https://hm.example.com/dashboard/contracts/c1"');
  });
});
