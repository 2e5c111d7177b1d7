/**
 * HTML built by a tagged template that escapes every interpolated value unless it is itself
 * `Html` (a fragment built the same way). Escaping is the default, so a screen name, contract
 * name or error message can never become markup, in the dashboard or in an email.
 */
export class Html {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += fragment(values[i]) + strings[i + 1];
  return new Html(out);
}

/** Markup that is known to be safe: constants written in the code, never data. */
export function trusted(markup: string): Html {
  return new Html(markup);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function fragment(v: unknown): string {
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(fragment).join('');
  if (v === null || v === undefined || v === false) return '';
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- templates interpolate strings, numbers and dates; an object is a bug the page shows
  return escapeHtml(String(v));
}
