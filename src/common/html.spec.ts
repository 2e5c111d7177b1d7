import { escapeHtml, html, trusted } from './html';

describe('html', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const name = `<script>alert("x")</script> & 'co'`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;</p>',
    );
  });

  it('keeps fragments built with html (and lists of them) as markup, escaping their own values', () => {
    const rows = ['<a>', 'b'].map((v) => html`<li>${v}</li>`);
    expect(html`<ul>${rows}</ul>`.value).toBe('<ul><li>&lt;a&gt;</li><li>b</li></ul>');
  });

  it('leaves out null, undefined and false, and prints numbers', () => {
    expect(html`${null}${undefined}${false}${0}${12}`.value).toBe('012');
  });

  it('passes trusted constants through, and escapeHtml escapes all five characters', () => {
    expect(html`${trusted('<br>')}`.value).toBe('<br>');
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});
