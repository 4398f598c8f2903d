import { createApp, watch } from 'vue';
import ElementPlus from 'element-plus';
import 'element-plus/dist/index.css';
import './style.css';
import App from './App.vue';
import { router } from './router.ts';
import { lang } from './i18n.ts';

document.documentElement.lang = lang.value;
const app = createApp(App);
app.use(ElementPlus);
app.use(router);
app.mount('#app');
watch(lang, () => (document.title = lang.value === 'en' ? 'Unified portal · admin console' : '统一门户 · 管理控制台'), { immediate: true });
