import type { AccountRepository } from './accounts/account-repository.ts';
import type { ClientRepository } from './clients/client-repository.ts';
import type { ThrottleRepository } from './credentials/throttle-repository.ts';
import type { SmsCodeRepository } from './credentials/sms-code-repository.ts';
import type { SubsystemUsageRecorder } from './cleanup/subsystem-usage.ts';

/**
 * What the identity layer reads from the directory's tables (SPEC §6: a client by id, an account's
 * sign-in view with its active roles) and the throttle windows its clean-up purges: narrow views
 * of the directory's repositories, built once by `createDirectory` and handed over by the composition
 * root, so that identity never builds a repository or writes SQL on a directory table.
 */
export interface IdentityReads {
  clients: Pick<ClientRepository, 'findActive' | 'isFirstPartyBackchannelUri'>;
  accounts: Pick<AccountRepository, 'signInView'>;
  throttles: Pick<ThrottleRepository, 'purge'>;
  /** Dead SMS codes and send allowances (R21), for the same clean-up. */
  smsCodes: Pick<SmsCodeRepository, 'purge'>;
  /** Issue 8: the one write tokens make — an account's use of a subsystem, at most once an hour (clean-up lists). */
  subsystemUsage: Pick<SubsystemUsageRecorder, 'record'>;
}
