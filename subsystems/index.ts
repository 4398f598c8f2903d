import type { Subsystem } from '../directory/catalogue/modules.ts';
import type { SubsystemSettings } from './kit/app.ts';
import { createAllocationApp } from './allocation/index.ts';
import { createPersonnelApp } from './personnel/index.ts';
import { createTalentApp } from './talent/index.ts';
import { createTitleApp } from './title/index.ts';

const FACTORIES = { personnel: createPersonnelApp, title: createTitleApp, talent: createTalentApp, allocation: createAllocationApp };

/** Builds one business subsystem (a Koa app and its store): title with its real flow, the others with their guarded registers. */
export function createSubsystem(subsystem: Subsystem, settings: Omit<SubsystemSettings, 'subsystem'>) {
  return FACTORIES[subsystem](settings);
}

export { listen, type SubsystemSettings } from './kit/app.ts';
