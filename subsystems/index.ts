import type { Subsystem } from '../directory/catalogue/modules.ts';
import { createSubsystemApp, type SubsystemSettings } from './kit/app.ts';
import { mountModuleRecords } from './kit/records.ts';
import { createTitleApp } from './title/index.ts';

/**
 * Builds one business subsystem. `title` has its real flow; personnel, talent and allocation have,
 * per module, the guarded register of kit/records.ts (a read and a write behind the module guard).
 */
export function createSubsystem(subsystem: Subsystem, settings: Omit<SubsystemSettings, 'subsystem'>) {
  if (subsystem === 'title') return createTitleApp(settings);
  return createSubsystemApp({ ...settings, subsystem }, (router, kit) => mountModuleRecords(router, kit));
}

export { listen, type SubsystemSettings } from './kit/app.ts';
