/**
 * The layering of Tongmen (docs/architecture.md), enforced by `npm run lint`:
 *
 *   platform ← directory ← (identity, admin-api) ← server ← cli
 *
 * An import may only point down this line; identity and admin-api, side by side, never import each
 * other (the composition root in server/ joins them); subsystems are relying parties that speak
 * OIDC over HTTP and may use only platform and the directory's catalogue; nothing runs in a cycle.
 * Tests (test/ and *.test.ts beside the code) may import any layer, but no layer imports a test.
 */
const LAYERS = ['platform', 'directory', 'identity|admin-api', 'server', 'cli'];
const above = (i) => `^(${LAYERS.slice(i + 1).join('|')}|subsystems)/`;
const notTest = '\\.test\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...LAYERS.slice(0, -1).map((layer, i) => ({
      name: `layer-${layer.replace('|', '-or-')}`,
      severity: 'error',
      comment: `${layer} is below ${LAYERS.slice(i + 1).join(', ')}: it may not import them (dependencies point one way).`,
      from: { path: `^(${layer})/`, pathNot: notTest },
      to: { path: above(i) },
    })),
    {
      name: 'identity-not-admin-api',
      severity: 'error',
      comment: 'identity and admin-api are siblings: the composition root (server/) joins them through ports.',
      from: { path: '^identity/', pathNot: notTest },
      to: { path: '^admin-api/' },
    },
    {
      name: 'admin-api-not-identity',
      severity: 'error',
      comment: 'identity and admin-api are siblings: the admin API reaches identity through the AdminIdentity port.',
      from: { path: '^admin-api/', pathNot: notTest },
      to: { path: '^identity/' },
    },
    {
      name: 'subsystems-only-platform-and-catalogue',
      severity: 'error',
      comment: 'A subsystem is a relying party: it talks HTTP to Tongmen and may share only platform and the catalogue.',
      from: { path: '^subsystems/', pathNot: notTest },
      to: { path: '^(?!subsystems/|platform/|directory/catalogue/)[^/]+/' , dependencyTypesNot: ['npm', 'npm-dev', 'core'] },
    },
    {
      name: 'no-test-code-in-layers',
      severity: 'error',
      comment: 'Production code never imports a test or the test support.',
      from: { path: '^(platform|directory|identity|admin-api|server|cli|subsystems)/', pathNot: notTest },
      to: { path: `^test/|${notTest}` },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle has no layer order; type-only cycles count too (they tie the files together all the same).',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|data|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
