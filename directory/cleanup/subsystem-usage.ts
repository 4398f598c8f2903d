import type { Logger } from '../../platform/logger.ts';
import { USAGE_WINDOW_MINUTES, type SubsystemUsageRepository } from './subsystem-usage-repository.ts';

/** Remembered uses per node before the memory is simply dropped (it only saves database round trips). */
const MEMORY_LIMIT = 10_000;

/**
 * Issue 8 (大量无效角色) — records that an account got an access token for a subsystem's resource,
 * called by the provider's token claims. This node skips the database entirely when it recorded the
 * same account and subsystem within the window; the repository's SQL keeps the window across nodes.
 * A failure is logged and never refuses the token: this record only feeds a clean-up list.
 */
export class SubsystemUsageRecorder {
  private readonly recent = new Map<string, number>();

  constructor(private readonly deps: { usage: SubsystemUsageRepository; logger: Logger }) {}

  async record(accountId: string, subsystem: string): Promise<void> {
    const key = `${accountId}:${subsystem}`;
    const now = Date.now();
    const last = this.recent.get(key);
    if (last !== undefined && now - last < USAGE_WINDOW_MINUTES * 60_000) return;
    if (this.recent.size >= MEMORY_LIMIT) this.recent.clear();
    this.recent.set(key, now);
    try {
      await this.deps.usage.touch(accountId, subsystem);
    } catch (err) {
      this.recent.delete(key);
      this.deps.logger.warn({ err, accountId, subsystem }, 'subsystem use not recorded');
    }
  }
}
