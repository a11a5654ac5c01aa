// Content-Security-Policy violations a page reports, in every frame: the `securitypolicyviolation`
// events (recorded by a script the browser runs before the page's own, which no policy blocks)
// and the console's "Refused to ..." errors.

/** Starts recording on `page` (before it navigates); returns the list it fills. */
export async function recordViolations(page) {
  const violations = [];
  await page.exposeBinding('__caravanCspViolation', (_, v) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__caravanCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} in ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
    });
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) violations.push(m.text());
  });
  return violations;
}

/** The directives of a policy header: { 'script-src': ["'self'", ...], ... }. */
export function directives(policy) {
  return Object.fromEntries(policy.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name, values]));
}
