// The pages of the authorization-code grant: the consent page, on which the sandbox plays the
// seller approving (or denying) an app, and the error page for a request that cannot be sent back
// to the app. Self-contained HTML (no script, no external asset): the sandbox runs offline.
import type { AuthorizationVerdict } from '../domain/oauth.ts';

type Consent = Extract<AuthorizationVerdict, { kind: 'consent' }>;

const escape = (value: string): string =>
  value.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem}ul{padding-left:1.2rem}code{background:#f3f4f6;padding:0 .25rem;border-radius:3px}
.actions{display:flex;gap:.75rem;margin-top:1.5rem}button{font:inherit;padding:.5rem 1.25rem;border-radius:6px;border:1px solid #8c959f;cursor:pointer}
button[value=approve]{background:#1f883d;color:#fff;border-color:#1f883d}.note{color:#59636e;font-size:.9rem}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

/** The consent page: the form sends the request back with the seller's decision (POST /oauth/authorize). */
export function consentPage(consent: Consent, seller: { id: string; name: string }): string {
  const hidden = {
    response_type: 'code',
    client_id: consent.client.client_id,
    redirect_uri: consent.redirect_uri,
    scope: consent.scopes.join(' '),
    state: consent.state,
    code_challenge: consent.code_challenge,
    code_challenge_method: consent.code_challenge_method,
  };
  const fields = Object.entries(hidden)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escape(value)}">`)
    .join('');
  return page(
    `Authorize ${consent.client.name}`,
    `<h1>Authorize <span id="app">${escape(consent.client.name)}</span>?</h1>
<p>Signed in as the seller <strong id="seller">${escape(seller.name)}</strong> (<code>${escape(seller.id)}</code>). The app asks to act for you with these scopes:</p>
<ul id="scopes">${consent.scopes.map((scope) => `<li><code>${escape(scope)}</code></li>`).join('')}</ul>
<p class="note">After your decision you are sent back to <code>${escape(consent.redirect_uri)}</code>.</p>
<form method="post" action="/oauth/authorize">${fields}<div class="actions"><button type="submit" name="decision" value="approve">Approve</button><button type="submit" name="decision" value="deny">Deny</button></div></form>
<p class="note">marketplace-sandbox plays the seller here: this page is the marketplace's consent step of the authorization-code grant.</p>`,
  );
}

/** A request that cannot go back to the app (unknown client, unregistered redirect URI): said here, nobody redirected. */
export function authorizationErrorPage(error: string, description: string): string {
  return page('Authorization failed', `<h1>The app's request cannot be authorized</h1><p><code id="error">${escape(error)}</code></p><p id="description">${escape(description)}</p>`);
}
