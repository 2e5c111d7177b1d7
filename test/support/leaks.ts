export interface Secret {
  name: string;
  value: string;
}

/** Every form in which a secret would still be readable in `text`: as is, a 12-character piece of it, or re-encoded (not encrypted). */
export function findLeaks(text: string, secrets: Secret[]): string[] {
  const found: string[] = [];
  for (const { name, value } of secrets) {
    const forms: Record<string, string> = {
      raw: value,
      base64: Buffer.from(value).toString('base64').replace(/=+$/, ''),
      base64url: Buffer.from(value).toString('base64url'),
      hex: Buffer.from(value).toString('hex'),
      urlencoded: encodeURIComponent(value),
      reversed: [...value].reverse().join(''),
    };
    for (const [form, v] of Object.entries(forms)) if (text.includes(v)) found.push(`${name} (${form})`);
    // A masked hint (the last four characters) is fine; any longer piece is not.
    for (let i = 0; i + 12 <= value.length; i++) {
      if (text.includes(value.slice(i, i + 12))) {
        found.push(`${name} (piece "${value.slice(i, i + 12)}")`);
        break;
      }
    }
  }
  return [...new Set(found)];
}
