import { createSubsystemApp, type SubsystemSettings } from '../kit/app.ts';
import { mountModuleRecords } from '../kit/records.ts';
import { ApplicationRepository } from './application-repository.ts';
import { ApplicationService } from './application-service.ts';
import { mountTitleRoutes } from './title-routes.ts';

/** The modules the flow's own pages serve (title-routes.ts). */
const FLOW_MODULES = ['apply', 'unit-verify', 'unit-recommend', 'forward-upward', 'evaluate'];

/** 职称评审管理: the title-evaluation flow along affiliation, and the plain register for its other modules. */
export function createTitleApp(settings: Omit<SubsystemSettings, 'subsystem'>) {
  return createSubsystemApp({ ...settings, subsystem: 'title' }, async (router, kit) => {
    const repo = new ApplicationRepository(kit.store);
    await repo.migrate();
    mountTitleRoutes(router, kit, new ApplicationService(repo));
    await mountModuleRecords(router, kit, FLOW_MODULES);
  });
}
