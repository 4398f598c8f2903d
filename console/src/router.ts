import { createRouter, createWebHistory } from 'vue-router';
import Callback from './views/Callback.vue';

/** History mode under /console/: the server answers index.html for every /console/* path. */
export const router = createRouter({
  history: createWebHistory('/console/'),
  routes: [
    { path: '/', redirect: '/units' },
    { path: '/callback', component: Callback, meta: { public: true } },
    { path: '/units', component: () => import('./views/Units.vue') },
    { path: '/unit-info', component: () => import('./views/UnitInfo.vue') },
    { path: '/users', component: () => import('./views/Users.vue') },
    { path: '/roles', component: () => import('./views/Roles.vue') },
    { path: '/cleanup', component: () => import('./views/Cleanup.vue') },
    { path: '/import', component: () => import('./views/Import.vue') },
    { path: '/audit', component: () => import('./views/Audit.vue') },
    { path: '/clients', component: () => import('./views/Clients.vue') },
    { path: '/profile', component: () => import('./views/Profile.vue') },
    { path: '/:rest(.*)*', redirect: '/units' },
  ],
});
