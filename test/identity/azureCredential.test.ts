import { DefaultAzureCredential } from '@azure/identity';
import { getAzureCredential } from '../../shared/identity/azureCredential';

type CredentialModule = typeof import('../../shared/identity/azureCredential');

describe('getAzureCredential', () => {
  it('builds one credential per managed identity for the process', () => {
    const credential = getAzureCredential('identity-client-id');
    expect(credential).toBeInstanceOf(DefaultAzureCredential);
    expect(getAzureCredential('identity-client-id')).toBe(credential);
    expect(getAzureCredential()).toBe(getAzureCredential());
  });

  it('keeps the credentials of different identities apart', () => {
    expect(getAzureCredential('other-client-id')).not.toBe(getAzureCredential('identity-client-id'));
    expect(getAzureCredential()).not.toBe(getAzureCredential('identity-client-id'));
  });

  it('loads @azure/identity only when a credential is first asked for', () => {
    const loadIdentity = jest.fn(() => jest.requireActual<object>('@azure/identity'));
    jest.isolateModules(() => {
      jest.doMock('@azure/identity', loadIdentity);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh: CredentialModule = require('../../shared/identity/azureCredential');
      expect(loadIdentity).not.toHaveBeenCalled();
      fresh.getAzureCredential();
      expect(loadIdentity).toHaveBeenCalledTimes(1);
    });
    jest.dontMock('@azure/identity');
  });
});
