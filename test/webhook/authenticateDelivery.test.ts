import { authenticateDelivery } from '../../shared/webhook/authenticateDelivery';
import type { WebhookAuth } from '../../shared/webhook/authenticateDelivery';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const headers = (values: Record<string, string>) => (name: string) => values[name.toLowerCase()];

const basicAuth: WebhookAuth = {
  disabled: false,
  username: 'ado',
  passwords: ['current-pw', 'previous-pw'],
};
const headerAuth: WebhookAuth = {
  disabled: false,
  passwords: [],
  headerName: 'X-Hook-Secret',
  headerSecret: 'header-value',
};

describe('authenticateDelivery', () => {
  it.each([
    ['no credentials', basicAuth, {}, false],
    ['a wrong user name', basicAuth, { authorization: basic('someone', 'current-pw') }, false],
    ['a wrong password', basicAuth, { authorization: basic('ado', 'guess') }, false],
    ['the current password', basicAuth, { authorization: basic('ado', 'current-pw') }, true],
    ['the previous password (rotation)', basicAuth, { authorization: basic('ado', 'previous-pw') }, true],
    [
      'a password containing a colon',
      { ...basicAuth, passwords: ['a:b'] },
      { authorization: basic('ado', 'a:b') },
      true,
    ],
    ['a bearer token instead of basic', basicAuth, { authorization: 'Bearer current-pw' }, false],
    ['the header secret', headerAuth, { 'x-hook-secret': 'header-value' }, true],
    ['a wrong header secret', headerAuth, { 'x-hook-secret': 'header-valuf' }, false],
    ['a missing header secret', headerAuth, {}, false],
    [
      'basic auth without the required header',
      { ...basicAuth, headerName: 'X-Hook-Secret', headerSecret: 'header-value' },
      { authorization: basic('ado', 'current-pw') },
      false,
    ],
    [
      'basic auth and the header',
      { ...basicAuth, headerName: 'X-Hook-Secret', headerSecret: 'header-value' },
      { authorization: basic('ado', 'current-pw'), 'x-hook-secret': 'header-value' },
      true,
    ],
    [
      'nothing configured (fails closed)',
      { disabled: false, passwords: [] },
      { authorization: basic('a', 'b') },
      false,
    ],
    ['auth explicitly disabled', { disabled: true, passwords: [] }, {}, true],
  ])('%s', (_name, config, given, accepted) => {
    const result = authenticateDelivery(headers(given), config);
    expect(result.ok).toBe(accepted);
    if (!result.ok) expect(result.reason).not.toMatch(/current-pw|previous-pw|header-value|guess/);
  });
});
