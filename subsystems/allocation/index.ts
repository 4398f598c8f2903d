import { createSubsystemApp, type SubsystemSettings } from '../kit/app.ts';
import { mountModuleRecords } from '../kit/records.ts';

/**
 * 人员调配管理 (`allocation`): per module of the catalogue, the guarded register of kit/records.ts — a read
 * and a write behind the module guard (R9). Its business pages are not built yet; no rules are invented here.
 */
export function createAllocationApp(settings: Omit<SubsystemSettings, 'subsystem'>) {
  return createSubsystemApp({ ...settings, subsystem: 'allocation' }, (router, kit) => mountModuleRecords(router, kit));
}
